"""The stages of a project's life cycle (SPEC §3)."""

from django.db import models


class Stage(models.TextChoices):
    IDENTIFYING = "identifying", "Identifying"
    INITIATING = "initiating", "Initiating"
    DEFINING = "defining", "Defining"
    PLANNING = "planning", "Planning"
    DELIVERING = "delivering", "Delivering"
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"
    ON_HOLD = "on_hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"


# The main line, in order: what the stage bar shows.
MAIN_LINE: tuple[Stage, ...] = (
    Stage.IDENTIFYING,
    Stage.INITIATING,
    Stage.DEFINING,
    Stage.PLANNING,
    Stage.DELIVERING,
    Stage.CLOSING,
    Stage.CLOSED,
)
# Stages in which work happens: records may be written, the project put on hold or cancelled.
ACTIVE: tuple[Stage, ...] = MAIN_LINE[:-1]

# The event every stage transition announces (see projects/events.py for who hears it).
STAGE_CHANGED = "stage.changed"
