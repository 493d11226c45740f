"""Definition: SMART goals, measurements through the later stages, scope, and the gate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lifecycle import gates
from lifecycle.errors import GateClosed, NotNow, TransitionForbidden
from lifecycle.models import AuditEntry
from lifecycle.stages import Stage
from projects import services
from projects.models import Goal, Measurement, Project
from projects.services import definition
from tests.conftest import smart_goal

TODAY = timezone.localdate


def lacking(goal):
    return [check.label for check in gates.GOAL_SMART.unmet(goal)]


def test_the_seed_goals_pass_the_smart_check(defining, manager):
    visitors = definition.goal_save(project=defining, by=manager, **smart_goal())
    upgrades = definition.goal_save(
        project=defining,
        by=manager,
        **smart_goal(
            statement="Get 40% of free-trial customers to upgrade to premium plans in one month",
            metric="Trial customers upgrading",
            unit="%",
            baseline=Decimal("22"),
            target=Decimal("40"),
            due_date=TODAY() + timedelta(days=1),
        ),
    )

    assert lacking(visitors) == [] and lacking(upgrades) == []


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"metric": ""}, ["Metric named"]),
        ({"unit": " "}, ["Unit given"]),
        ({"target": None}, ["Numeric target different from the baseline"]),
        ({"target": Decimal("250")}, ["Numeric target different from the baseline"]),
        ({"due_date": None}, ["Due date after the start date"]),
        (
            {"metric": "", "unit": "", "start_date": None},
            ["Metric named", "Unit given", "Due date after the start date"],
        ),
    ],
)
def test_the_smart_check_names_what_a_goal_lacks(defining, manager, changes, missing):
    goal = definition.goal_save(project=defining, by=manager, **smart_goal(**changes))
    assert lacking(goal) == missing


@pytest.mark.parametrize("who", ["sponsor", "manager2", "member", "pmo"])
def test_only_the_manager_sets_goals(defining, who, request):
    with pytest.raises(TransitionForbidden):
        definition.goal_save(project=defining, by=request.getfixturevalue(who), **smart_goal())


def test_goals_are_set_only_in_defining(initiating, manager):
    with pytest.raises(NotNow, match="in Defining; it is in Initiating now"):
        definition.goal_save(project=initiating, by=manager, **smart_goal())


@pytest.fixture
def goal(defining, manager) -> Goal:
    return definition.goal_save(project=defining, by=manager, **smart_goal())


def test_measurements_record_who_and_when(goal, manager):
    measurement = definition.measurement_add(
        goal=goal, by=manager, date=TODAY(), value=Decimal("575"), note="Week 4"
    )

    assert (measurement.recorded_by, measurement.note) == (manager, "Week 4")
    assert AuditEntry.objects.filter(action="measurement_add").count() == 1


@pytest.mark.parametrize(
    ("days", "error"),
    [(1, "in the future"), (-31, "The goal starts on")],
)
def test_measurements_are_dated_within_the_goals_life(goal, manager, days, error):
    with pytest.raises(ValidationError, match=error):
        definition.measurement_add(
            goal=goal, by=manager, date=TODAY() + timedelta(days=days), value=Decimal(1)
        )
    assert not Measurement.objects.exists()


def advance_to_planning(project, by):
    return services.project_transition(project=project, name="advance_to_planning", by=by)


def scope(project, manager, *, in_scope=1, requirements=1):
    definition.scope_update(
        project=project,
        by=manager,
        lists={
            "in_scope": [{"text": f"In {n}"} for n in range(in_scope)],
            "out_of_scope": [{"text": "Warehouse systems"}],
            "requirements": [
                {"text": f"Req {n}", "priority": "must", "acceptance_criterion": "Shown"}
                for n in range(requirements)
            ],
        },
    )


def test_the_planning_gate_lists_what_is_missing(defining, manager):
    definition.goal_save(project=defining, by=manager, **smart_goal(unit=""))

    with pytest.raises(GateClosed) as refused:
        advance_to_planning(Project.objects.get(pk=defining.pk), manager)

    assert [(c.label, c.met, c.detail) for c in refused.value.checks] == [
        ("At least one goal passes the SMART check", False, "0 of 1 goals pass."),
        ("At least one in-scope item", False, ""),
        ("At least one requirement", False, ""),
    ]


def test_the_gate_opens_with_a_smart_goal_and_a_scope(goal, defining, manager, sponsor, member):
    scope(defining, manager)

    with pytest.raises(TransitionForbidden):
        advance_to_planning(defining, member)
    advance_to_planning(defining, manager)

    assert Project.objects.get(pk=defining.pk).stage == Stage.PLANNING


def test_an_archived_goal_no_longer_opens_the_gate(goal, defining, manager):
    scope(defining, manager)
    definition.goal_archive(goal=goal, by=manager, comment="Replaced")

    assert not gates.smart_goal_defined(Project.objects.get(pk=defining.pk)).met
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_after_defining_goals_are_fixed_but_measurements_flow(goal, defining, manager, pmo):
    scope(defining, manager)
    advance_to_planning(defining, manager)
    planning = Project.objects.get(pk=defining.pk)

    with pytest.raises(NotNow):
        definition.goal_save(project=planning, by=manager, goal=goal, statement="Changed")
    with pytest.raises(NotNow):
        scope(planning, manager, in_scope=0)
    definition.measurement_add(goal=goal, by=pmo, date=TODAY(), value=Decimal(600))

    assert Goal.objects.get(pk=goal.pk).statement == smart_goal()["statement"]
    assert planning.scope_items.filter(kind="in").count() == 1


def test_no_measurements_before_defining(initiating, manager):
    goal = Goal.objects.create(project=initiating, **smart_goal())
    with pytest.raises(NotNow):
        definition.measurement_add(goal=goal, by=manager, date=TODAY(), value=Decimal(1))


def test_scope_rows_round_trip(defining, manager):
    scope(defining, manager, in_scope=3, requirements=2)
    kept = defining.scope_items.filter(kind="in").first()

    definition.scope_update(
        project=defining,
        by=manager,
        lists={
            "in_scope": [{"id": kept.pk, "text": "Kept, renamed"}],
            "out_of_scope": [],
            "requirements": [{"text": "Only one", "priority": "could", "acceptance_criterion": ""}],
        },
    )

    assert list(defining.scope_items.values_list("pk", "text")) == [(kept.pk, "Kept, renamed")]
    assert list(defining.requirements.values_list("priority", flat=True)) == ["could"]
