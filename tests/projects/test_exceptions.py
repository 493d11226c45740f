"""Tolerances set on Approve plan, the baseline it makes, and the exceptions a forecast beyond
them opens: in the sponsor's inbox, red on the project, blocking Advance to Closing until the
sponsor decides (a change request approved, or the project cancelled)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from lifecycle.errors import GateClosed, NotNow, TransitionForbidden
from lifecycle.models import AuditEntry
from projects import events, fingerprint, services
from projects.models import PlanState, Project, ToleranceException
from projects.selectors.inbox import needs_action
from projects.services import change, delivery
from tests.conftest import all_delivered, client_for, plan_lists


def kinds(user) -> list[str]:
    return [item.wait.key for item in needs_action(user).items]


def fresh(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


def forecast(project: Project, by, days_late: int) -> list[str]:
    plan = project.plan
    milestone = plan.milestones.get()
    return delivery.milestone_forecasts_update(
        plan=plan, by=by, forecasts={milestone.pk: milestone.due_date + timedelta(days=days_late)}
    )


def opened(project: Project) -> list[AuditEntry]:
    return list(AuditEntry.objects.for_subject(project).filter(event=events.EXCEPTION_OPENED))


# -- Approve plan: tolerances and baseline 1 ----------------------------------------------------


def test_approving_the_plan_keeps_the_tolerances_and_makes_baseline_1(delivering):
    plan = delivering.plan
    assert (plan.cost_tolerance_pct, plan.time_tolerance_days) == (Decimal(10), 14)
    baseline = delivering.baselines.get()
    assert baseline.number == 1 and baseline.change_request is None
    assert baseline.sha256 == fingerprint.sha256(baseline.snapshot)
    assert baseline.snapshot["budget_total"] == "100000.00"
    assert baseline.snapshot["cost_tolerance_pct"] == "10.00"
    assert [m["name"] for m in baseline.snapshot["milestones"]] == ["Go live"]
    assert (delivering.baseline_budget, delivering.forecast_cost) == (100000, 100000)
    approval = AuditEntry.objects.for_subject(delivering).get(event=events.PLAN_APPROVED)
    assert approval.data["cost_tolerance_pct"] == "10.00"
    assert approval.data["time_tolerance_days"] == 14


def _submitted_plan(planning, manager):
    plan = planning.plan
    delivery.plan_update(plan=plan, by=manager, version=plan.version, lists=plan_lists())
    delivery.plan_submit(plan=plan, by=manager)
    return planning.plan.__class__.objects.get(pk=plan.pk)


def test_the_sponsor_sets_the_tolerances_on_the_approve_plan_form(planning, manager, sponsor):
    plan = _submitted_plan(planning, manager)
    client = client_for(sponsor)
    page = client.get(reverse("projects:plan", args=[planning.pk])).content.decode()
    assert 'value="10"' in page and 'value="14"' in page  # the settings' defaults

    url = reverse("projects:plan-action", args=[planning.pk, "approve"])
    answer = client.post(
        url, {"cost_tolerance_pct": "5", "time_tolerance_days": "7", "seen": plan.version}
    )
    assert answer.status_code == 302
    plan.refresh_from_db()
    assert (plan.state, plan.cost_tolerance_pct, plan.time_tolerance_days) == ("approved", 5, 7)
    history = client.get(reverse("projects:history", args=[planning.pk])).content.decode()
    assert "Tolerances: cost 5%, time 7 days" in history
    assert "Plan baseline 1" in history


def test_blank_tolerances_are_the_settings_defaults(planning, manager, sponsor, settings):
    settings.PLAN_TIME_TOLERANCE_DAYS = 30
    plan = _submitted_plan(planning, manager)
    url = reverse("projects:plan-action", args=[planning.pk, "approve"])
    answer = client_for(sponsor).post(
        url, {"cost_tolerance_pct": "", "time_tolerance_days": "", "seen": plan.version}
    )
    assert answer.status_code == 302
    plan.refresh_from_db()
    assert (plan.cost_tolerance_pct, plan.time_tolerance_days) == (10, 30)


@pytest.mark.parametrize(
    ("cost", "days", "message"),
    [
        ("150", "14", "Enter a tolerance from 0 to 100%."),
        ("-1", "14", "Enter a tolerance from 0 to 100%."),
        ("10", "4000", "Enter a tolerance from 0 to 3,650 days."),
        ("ten", "14", "Enter a number."),
        ("10", "-3", "Enter a tolerance from 0 to 3,650 days."),
    ],
)
def test_the_sponsor_cannot_approve_the_plan_with_a_tolerance_out_of_range(
    planning, manager, sponsor, cost, days, message
):
    plan = _submitted_plan(planning, manager)
    url = reverse("projects:plan-action", args=[planning.pk, "approve"])
    answer = client_for(sponsor).post(
        url, {"cost_tolerance_pct": cost, "time_tolerance_days": days, "seen": plan.version}
    )
    assert answer.status_code == 400
    assert message in answer.content.decode()
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    assert not planning.baselines.exists()


def test_a_plan_revised_and_approved_again_in_planning_makes_the_next_baseline(
    planning, manager, sponsor
):
    plan = _submitted_plan(planning, manager)
    delivery.plan_approve(plan=plan, by=sponsor)
    delivery.plan_revise(plan=plan, by=manager)
    plan.refresh_from_db()
    lists = plan_lists(budget=Decimal("90000"))
    delivery.plan_update(plan=plan, by=manager, version=plan.version, lists=lists)
    delivery.plan_submit(plan=plan, by=manager)
    delivery.plan_approve(plan=plan, by=sponsor, cost_tolerance_pct=Decimal(5))

    assert list(planning.baselines.values_list("number", flat=True)) == [2, 1]
    assert fresh(planning).baseline_budget == 90000


# -- Exceptions ------------------------------------------------------------------------------------


def test_a_milestone_forecast_beyond_the_time_tolerance_opens_one_exception(
    delivering, manager, sponsor, member, pmo
):
    forecast(delivering, manager, days_late=14)  # at the tolerance: fine
    assert not delivering.exceptions.exists()

    forecast(delivering, manager, days_late=20)
    forecast(delivering, manager, days_late=30)  # further still: the same exception

    exception = delivering.exceptions.get()
    assert (exception.kind, exception.state) == ("time", "open")
    assert "20 days after its baseline date" in exception.detail  # as it was when opened
    assert len(opened(delivering)) == 1
    assert "exception" in kinds(sponsor)
    assert "exception" not in kinds(manager) + kinds(member) + kinds(pmo)


def test_a_forecast_back_within_tolerance_leaves_the_exception_for_the_sponsor(delivering, manager):
    forecast(delivering, manager, days_late=30)
    forecast(delivering, manager, days_late=0)
    assert delivering.exceptions.get().state == "open"


def test_an_estimate_beyond_the_cost_tolerance_opens_a_cost_exception(delivering, manager):
    Project.objects.filter(pk=delivering.pk).update(forecast_cost=Decimal("110000"))
    change.exceptions_refresh(project=fresh(delivering), by=manager)
    assert not delivering.exceptions.exists()  # 100,000 + 10% is still within

    Project.objects.filter(pk=delivering.pk).update(forecast_cost=Decimal("111000"))
    change.exceptions_refresh(project=fresh(delivering), by=manager)
    exception = delivering.exceptions.get()
    assert exception.kind == "cost"
    assert "EUR 111,000.00" in exception.detail and "EUR 110,000.00" in exception.detail
    assert exception.figures["ceiling"] == "110000.00"
    assert opened(delivering)[0].comment == exception.detail


def test_the_sponsor_finds_the_exception_in_the_inbox_and_red_on_the_project(
    delivering, manager, sponsor, member
):
    forecast(delivering, manager, days_late=30)
    inbox = client_for(sponsor).get(reverse("projects:inbox")).content.decode()
    assert "Decide the time exception: approve a change request or cancel the project" in inbox
    plan_page = client_for(member).get(reverse("projects:plan", args=[delivering.pk]))
    assert "Open exception:" in plan_page.content.decode()
    assert "time forecast beyond tolerance" in plan_page.content.decode()


def test_the_sponsor_cannot_advance_to_closing_with_an_open_exception(delivering, manager, sponsor):
    all_delivered(delivering, manager, sponsor)
    forecast(delivering, manager, days_late=30)
    with pytest.raises(GateClosed) as refused:
        services.project_transition(
            project=fresh(delivering), name="advance_to_closing", by=sponsor
        )
    unmet = [check.label for check in refused.value.checks if not check.met]
    assert unmet == ["No open exception (the sponsor has decided every forecast beyond tolerance)"]


def test_cancelling_the_project_decides_its_open_exceptions(delivering, manager, sponsor):
    forecast(delivering, manager, days_late=30)
    services.project_transition(
        project=fresh(delivering), name="cancel", by=sponsor, comment="No longer needed"
    )
    exception = ToleranceException.objects.get(project=delivering)
    assert (exception.state, exception.decided_by) == ("cancelled", sponsor)
    decided = AuditEntry.objects.for_subject(delivering).filter(event=events.EXCEPTION_DECIDED)
    assert decided.count() == 1
    assert "exception" not in kinds(sponsor)


def test_only_the_manager_updates_forecasts_and_only_while_delivering(
    delivering, manager, sponsor, member
):
    with pytest.raises(TransitionForbidden):
        forecast(delivering, sponsor, days_late=3)
    url = reverse("projects:plan-forecasts", args=[delivering.pk])
    assert client_for(member).post(url, {}).status_code == 403
    services.project_transition(project=fresh(delivering), name="hold", by=sponsor, comment="x")
    with pytest.raises(NotNow):
        forecast(fresh(delivering), manager, days_late=3)
    assert client_for(manager).post(url, {}).status_code == 409


def test_the_manager_updates_forecasts_from_the_plan_page(delivering, manager):
    milestone = delivering.plan.milestones.get()
    late = milestone.due_date + timedelta(days=21)
    client = client_for(manager)
    page = client.get(reverse("projects:plan", args=[delivering.pk])).content.decode()
    assert "Update forecasts" in page
    answer = client.post(
        reverse("projects:plan-forecasts", args=[delivering.pk]),
        {f"m{milestone.pk}": late.isoformat()},
        follow=True,
    )
    assert "beyond the time tolerance" in answer.content.decode()
    milestone.refresh_from_db()
    assert milestone.forecast_date == late
    bad = client.post(
        reverse("projects:plan-forecasts", args=[delivering.pk]), {f"m{milestone.pk}": "31/02"}
    )
    assert bad.status_code == 400 and "Enter a valid date." in bad.content.decode()
