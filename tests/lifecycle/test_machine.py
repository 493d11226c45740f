"""The state machine itself: protected, concurrency-safe, and independent of `projects`."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin, FSMFieldMixin

from lifecycle.concurrency import ConcurrentTransitions, state_fields_of
from lifecycle.services import transition_run
from lifecycle.stages import Stage
from projects.models import Project


def test_a_stale_save_after_a_transition_elsewhere_is_refused(funded, manager, sponsor):
    stale = Project.objects.get(pk=funded.pk)
    transition_run(instance=funded, name="hold", by=sponsor, comment="Freeze")

    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.advance_to_initiating(by=manager, comment="")
        stale.save()

    assert Project.objects.get(pk=funded.pk).stage == Stage.ON_HOLD


def test_every_locked_machine_lists_its_own_state_fields():
    locked = [m for m in apps.get_models() if issubclass(m, ConcurrentTransitionMixin)]
    assert len(locked) >= 7  # projects, business cases, fundings, charters, plans, …
    for model in locked:
        assert issubclass(model, ConcurrentTransitions), model  # the fields listed once
        states = [f for f in model._meta.fields if isinstance(f, FSMFieldMixin)]
        assert states and list(model().state_fields) == states == list(state_fields_of(model))


def test_lifecycle_never_imports_projects_at_module_level():
    root = Path(__file__).resolve().parents[2] / "lifecycle"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:  # module level only
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "projects"]
    assert offenders == []
