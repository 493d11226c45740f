"""What a project page needs to know about the life cycle: the next gate, the user's actions."""

from dataclasses import dataclass, field, replace
from typing import Any

from django_fsm import Transition

from lifecycle.gates import Check
from lifecycle.stages import MAIN_LINE, Stage


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    kind: str
    comment_required: bool = False
    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(check.met for check in self.checks)

    @property
    def unmet(self) -> list[Check]:
        return [check for check in self.checks if not check.met]


def _from_current_state(instance: Any, field: str) -> list[Transition]:
    fsm_field = instance._meta.get_field(field)
    state = fsm_field.get_state(instance)
    return [t for t in fsm_field.get_all_transitions(type(instance)) if t.source == state]


def _checks(instance: Any, gate: Any) -> list[Check]:
    """A gate's checklist for `instance`, evaluated once however often a page shows it."""
    evaluated = instance.__dict__.setdefault("_gate_checks", {})
    if gate.title not in evaluated:
        evaluated[gate.title] = gate.evaluate(instance)
    return evaluated[gate.title]


def forget_gate_checks(instance: Any) -> None:
    """Evaluate `instance`'s gates afresh when next asked: a transition changed what they read."""
    instance.__dict__.pop("_gate_checks", None)


def _action(instance: Any, fsm: Transition) -> Action:
    gate = fsm.custom.get("gate")
    return replace(_action_of(fsm), checks=_checks(instance, gate) if gate else [])


def _action_of(fsm: Transition) -> Action:
    return Action(
        name=fsm.name,
        label=fsm.custom["label"],
        kind=fsm.custom.get("kind", "decision"),
        comment_required=fsm.custom.get("comment_required", False),
    )


def next_gate(project: Any) -> Action | None:
    """The forward transition out of the current stage with its checklist, for anyone."""
    for fsm in _from_current_state(project, "stage"):
        if fsm.custom.get("kind") == "advance":
            return _action(project, fsm)
    return None


def next_gate_as_stored(project: Any) -> Action | None:
    """The next gate as its stored status says (`gate_unmet`, kept by every audited write):
    its checks are the criteria unmet, so `ready` and `unmet` answer without reading what the
    criteria read; the checklist evaluated (`next_gate`, its lists read) while nothing is
    stored yet. None when no gate is ahead."""
    for fsm in _from_current_state(project, "stage"):
        if fsm.custom.get("kind") == "advance":
            if project.gate_unmet is None:
                return _action(project, fsm)
            unmet = [Check(label, False) for label in project.gate_unmet]
            return replace(_action_of(fsm), checks=unmet)
    return None


def reads_now(instance: Any, field: str) -> set[str]:
    """What the gates of the transitions of `field` out of its current state read: the
    relations a page that offers them should prefetch."""
    return {
        relation
        for fsm in _from_current_state(instance, field)
        if (gate := fsm.custom.get("gate")) is not None
        for relation in gate.reads
    }


def gate_reads(projects: list[Any]) -> set[str]:
    """What the next gates of these projects read: the relations a list should prefetch."""
    return {
        relation
        for project in projects
        for fsm in _from_current_state(project, "stage")
        if fsm.custom.get("kind") == "advance"
        for relation in fsm.custom["gate"].reads
    }


def other_conditions_hold(instance: Any, fsm: Transition) -> bool:
    """A transition's conditions besides its gate (say, a charter amendment to discard):
    unlike a gate's, they are not a checklist to complete, so the action is not offered."""
    gate = fsm.custom.get("gate")
    return all(
        condition(instance)
        for condition in fsm.conditions
        if gate is None or condition != gate.is_open
    )


def actions_for(instance: Any, user: Any, *, field: str = "stage") -> list[Action]:
    """The transitions of `field` that `user` may take now, gate met or not (the page shows
    the checklist and the server refuses until it is met). Automatic ones are left out, and
    so are those whose other conditions do not hold."""
    return [
        _action(instance, fsm)
        for fsm in _from_current_state(instance, field)
        if fsm.custom.get("kind") != "automatic"
        and fsm.has_perm(instance, user)
        and other_conditions_hold(instance, fsm)
    ]


@dataclass(frozen=True)
class StageStep:
    stage: Stage
    status: str  # "done", "current", "todo"


def stage_bar(project: Any) -> list[StageStep]:
    """The main line with the project's position; on hold or cancelled, the stage it left."""
    position = project.stage
    if position in (Stage.ON_HOLD, Stage.CANCELLED):
        position = project.previous_stage
    index = MAIN_LINE.index(position) if position in MAIN_LINE else -1
    return [
        StageStep(stage, "done" if number < index else "current" if number == index else "todo")
        for number, stage in enumerate(MAIN_LINE)
    ]
