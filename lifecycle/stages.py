"""The stages of a project's life cycle (SPEC §3) and the roles that move it."""

from collections.abc import Callable
from enum import StrEnum
from typing import Any

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
# Stages in which work happens: they can be put on hold or cancelled.
ACTIVE: tuple[Stage, ...] = MAIN_LINE[:-1]


class Role(StrEnum):
    """What a user is to one project. A user may hold several roles at once."""

    PMO = "pmo"
    SPONSOR = "sponsor"
    MANAGER = "manager"
    # A sponsor whose approval limit covers the business case's estimated cost.
    APPROVER = "approver"


Permission = Callable[[Any, Any], bool]


def allowed(*roles: Role) -> Permission:
    """A django-fsm permission: the user holds one of `roles` on the instance.

    The instance (a project, or a record of one) answers `roles_of(user)`.
    """
    wanted = frozenset(roles)

    def check(instance: Any, user: Any) -> bool:
        return bool(wanted & instance.roles_of(user))

    check.roles = wanted  # type: ignore[attr-defined]
    return check
