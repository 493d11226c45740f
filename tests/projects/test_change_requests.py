"""Change requests: raised by the manager while delivering, decided by the sponsor under the
same approval authority as business cases; an approved one changes the plan, makes the next
baseline with its diff, and decides the open exceptions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lifecycle.errors import CommentInvalid, NotNow, TransitionForbidden
from lifecycle.models import AuditEntry
from projects import events, services
from projects.models import ChangeRequest, PlanMilestone, Project
from projects.selectors.inbox import needs_action
from projects.services import change
from tests.conftest import all_delivered, client_for


def kinds(user) -> list[str]:
    return [item.wait.key for item in needs_action(user).items]


def fresh(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


def raise_cr(project: Project, by, **fields) -> ChangeRequest:
    plan = project.plan
    values = {
        "title": "A second supplier",
        "reason": "The first one is late",
        "cost_impact": Decimal("15000"),
        "budget_line": plan.budget_lines.first(),
    } | fields
    return change.change_request_raise(project=project, by=by, **values)


def audits(project: Project, event: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.for_subject(project).filter(event=event))


@pytest.fixture
def two_milestones(delivering):
    """Go live, and Handover a week after it."""
    first = delivering.plan.milestones.get()
    PlanMilestone.objects.create(
        plan=delivering.plan, name="Handover", due_date=first.due_date + timedelta(days=7)
    )
    return delivering


def test_the_manager_raises_numbered_change_requests_that_wait_for_the_sponsor(
    delivering, manager, sponsor
):
    first = raise_cr(delivering, manager)
    second = raise_cr(delivering, manager, title="Fewer reports", cost_impact=Decimal("-5000"))
    assert [first.reference, second.reference] == ["CR-1", "CR-2"]
    assert first.state == "submitted"
    assert kinds(sponsor).count("change_request") == 2
    assert len(audits(delivering, events.CHANGE_REQUEST_RAISED)) == 2


def test_a_change_request_says_what_changes_on_which_line_and_milestone(delivering, manager):
    with pytest.raises(ValidationError) as refused:
        raise_cr(delivering, manager, budget_line=None)
    assert "Choose the budget line" in str(refused.value)
    with pytest.raises(ValidationError, match="larger than the line"):
        raise_cr(delivering, manager, cost_impact=Decimal("-100001"))
    with pytest.raises(ValidationError, match="milestone the time impact moves"):
        raise_cr(delivering, manager, cost_impact=0, budget_line=None, time_impact_days=10)
    with pytest.raises(ValidationError, match="cost, time or scope impact"):
        raise_cr(delivering, manager, cost_impact=0, budget_line=None)
    assert not delivering.change_requests.exists()


def test_the_raise_form_refuses_shorthand_money_with_a_field_error(delivering, manager):
    client = client_for(manager)
    url = reverse("projects:change-request-create", args=[delivering.pk])
    assert "Raise change request" in client.get(url).content.decode()
    line = delivering.plan.budget_lines.first()
    answer = client.post(
        url, {"title": "More", "reason": "Why", "cost_impact": "15k", "budget_line": line.pk}
    )
    assert answer.status_code == 400
    assert "Write the amount in full" in answer.content.decode()
    answer = client.post(
        url,
        {"title": "More", "reason": "Why", "cost_impact": "15,000", "budget_line": line.pk},
    )
    assert answer.status_code == 302
    assert delivering.change_requests.get().cost_impact == 15000


def test_the_sponsor_approves_a_change_request_and_the_plan_takes_it(
    two_milestones, manager, sponsor
):
    project = two_milestones
    go_live, handover = project.plan.milestones.order_by("due_date")
    Project.objects.filter(pk=project.pk).update(forecast_cost=Decimal("125000"))
    change.exceptions_refresh(project=fresh(project), by=manager)
    exception = project.exceptions.get()
    cr = raise_cr(project, manager, time_impact_days=14, milestone=go_live, scope_impact="Audit")

    change.change_request_approve(change=cr, by=sponsor, comment="Go ahead")

    cr.refresh_from_db()
    assert (cr.state, cr.decided_by) == ("approved", sponsor)
    assert project.plan.budget_lines.first().amount == Decimal("115000")
    moved = {m.name: m.due_date for m in project.plan.milestones.all()}
    assert moved == {
        "Go live": go_live.due_date + timedelta(days=14),
        "Handover": handover.due_date + timedelta(days=14),
    }
    baseline = project.baselines.get(number=2)
    assert baseline.change_request == cr
    assert fresh(project).baseline_budget == Decimal("115000")
    exception.refresh_from_db()
    assert (exception.state, exception.change_request) == ("changed", cr)
    # 125,000 is within 115,000 + 10%: no new exception.
    assert not project.exceptions.filter(state="open").exists()

    page = client_for(manager).get(reverse("projects:changes", args=[project.pk]))
    text = page.content.decode()
    assert "Budget line Team: EUR 100,000.00 → EUR 115,000.00" in text
    assert "Budget total: EUR 100,000.00 → EUR 115,000.00" in text
    assert "Scope: + CR-1: Audit" in text
    history = client_for(manager).get(reverse("projects:history", args=[project.pk]))
    assert "Approval limit that applied: EUR 250,000.00" in history.content.decode()


def test_an_approved_change_still_beyond_tolerance_opens_a_new_exception(
    delivering, manager, sponsor
):
    # The manager now expects the line to cost 200,000 in all: EAC 200,000.
    delivering.plan.budget_lines.update(forecast_to_complete=Decimal("200000"))
    Project.objects.filter(pk=delivering.pk).update(forecast_cost=Decimal("200000"))
    change.exceptions_refresh(project=fresh(delivering), by=manager)
    cr = raise_cr(delivering, manager, cost_impact=Decimal("10000"))  # 110,000 + 10%: short
    change.change_request_approve(change=cr, by=sponsor)
    states = sorted(delivering.exceptions.values_list("state", flat=True))
    assert states == ["changed", "open"]


def test_above_the_sponsors_limit_the_approval_escalates_to_who_may_decide(
    delivering, manager, sponsor, sponsor2, pmo
):
    cr = raise_cr(delivering, manager, cost_impact=Decimal("200000"))  # 300,000 > 250,000
    change.change_request_approve(change=cr, by=sponsor)
    cr.refresh_from_db()
    assert (cr.state, cr.endorsed_by) == ("escalated", sponsor)
    assert delivering.baselines.count() == 1  # nothing applied yet
    assert "change_request_escalated" in kinds(pmo)
    assert "change_request_escalated" not in kinds(sponsor) + kinds(sponsor2)
    with pytest.raises(TransitionForbidden):
        change.change_request_approve(change=cr, by=sponsor)

    change.change_request_approve(change=cr, by=pmo)
    cr.refresh_from_db()
    assert cr.state == "approved"
    assert fresh(delivering).baseline_budget == Decimal("300000")
    approval = audits(delivering, events.CHANGE_REQUEST_APPROVED)[0]
    assert approval.data["approval_limit"] is None  # the PMO's: the organisation's, unlimited
    assert audits(delivering, events.CHANGE_REQUEST_ENDORSED)[0].data["approval_limit"] == (
        "250000.00"
    )


def test_a_higher_sponsor_sees_and_decides_an_escalated_change_request(
    delivering, manager, sponsor, sponsor2
):
    Project.objects.filter(pk=delivering.pk).update(sponsor=sponsor2.sponsor_profile)
    cr = raise_cr(delivering, manager, cost_impact=Decimal("1000"))  # 101,000 > 50,000
    change.change_request_approve(change=cr, by=sponsor2)
    assert "change_request_escalated" in kinds(sponsor)
    page = client_for(sponsor).get(reverse("projects:change-request", args=[delivering.pk, cr.pk]))
    assert page.status_code == 200 and "Escalated." in page.content.decode()
    change.change_request_approve(change=cr, by=sponsor)
    assert ChangeRequest.objects.get(pk=cr.pk).state == "approved"


def test_a_second_decision_from_another_tab_is_refused_with_one_audit_row(
    delivering, manager, sponsor
):
    cr = raise_cr(delivering, manager)
    url = reverse("projects:change-request-action", args=[delivering.pk, cr.pk, "approve"])
    first, second = client_for(sponsor), client_for(sponsor)
    assert first.post(url, {"comment": "Yes"}).status_code == 302
    answer = second.post(url, {"comment": "Yes"})
    assert answer.status_code == 409
    assert "already decided" in answer.content.decode()
    assert len(audits(delivering, events.CHANGE_REQUEST_APPROVED)) == 1
    assert delivering.baselines.count() == 2


def test_the_manager_cannot_decide_and_a_viewer_cannot_raise(delivering, manager, member):
    cr = raise_cr(delivering, manager)
    url = reverse("projects:change-request-action", args=[delivering.pk, cr.pk, "approve"])
    assert client_for(manager).post(url, {}).status_code == 403
    create = reverse("projects:change-request-create", args=[delivering.pk])
    assert client_for(member).get(create).status_code == 403
    assert client_for(member).post(create, {"title": "x", "reason": "y"}).status_code == 403
    with pytest.raises(TransitionForbidden):
        change.change_request_approve(change=cr, by=manager)
    assert ChangeRequest.objects.get(pk=cr.pk).state == "submitted"


def test_rejecting_needs_a_reason_and_the_manager_may_withdraw(delivering, manager, sponsor):
    cr = raise_cr(delivering, manager)
    with pytest.raises(CommentInvalid):
        change.change_request_reject(change=cr, by=sponsor, comment="")
    change.change_request_reject(change=cr, by=sponsor, comment="Not this year")
    assert ChangeRequest.objects.get(pk=cr.pk).decision_comment == "Not this year"

    other = raise_cr(delivering, manager)
    change.change_request_withdraw(change=other, by=manager)
    assert ChangeRequest.objects.get(pk=other.pk).state == "withdrawn"
    assert delivering.baselines.count() == 1


@pytest.mark.parametrize("stage_change", ["hold", "cancel"])
def test_a_held_or_cancelled_project_refuses_change_requests(
    delivering, manager, sponsor, stage_change
):
    cr = raise_cr(delivering, manager)
    services.project_transition(
        project=fresh(delivering), name=stage_change, by=sponsor, comment="Paused"
    )
    with pytest.raises(NotNow):
        raise_cr(fresh(delivering), manager)
    url = reverse("projects:change-request-action", args=[delivering.pk, cr.pk, "approve"])
    assert client_for(sponsor).post(url, {}).status_code == 409
    # Held, it waits; cancelled, nobody could decide it any more: withdrawn with the project.
    expected = "submitted" if stage_change == "hold" else "withdrawn"
    assert ChangeRequest.objects.get(pk=cr.pk).state == expected


def test_the_closure_report_compares_with_the_first_and_the_last_baseline(
    delivering, manager, sponsor
):
    cr = raise_cr(delivering, manager)
    change.change_request_approve(change=cr, by=sponsor)
    all_delivered(delivering, manager, sponsor)
    services.project_transition(project=fresh(delivering), name="advance_to_closing", by=sponsor)
    page = client_for(manager).get(reverse("projects:closure", args=[delivering.pk]))
    text = page.content.decode()
    assert "First baseline (1)" in text and "Last baseline (2)" in text
    assert "EUR 100,000.00" in text and "EUR 115,000.00" in text
    with pytest.raises(NotNow):  # change requests are raised while delivering
        raise_cr(fresh(delivering), manager)


@pytest.mark.parametrize(
    "name",
    [
        "may_approve_change_request",
        "may_endorse_change_request",
        "may_decide_change_request",
        "may_decide_escalated_change_request",
        "may_withdraw_change_request",
    ],
)
def test_a_change_request_rule_and_its_queryset_filter_agree(
    name, delivering, manager, sponsor, sponsor2, pmo, member
):
    from lifecycle.rules import allows, rule

    small = raise_cr(delivering, manager, cost_impact=Decimal("1000"))
    large = raise_cr(delivering, manager, cost_impact=Decimal("200000"))
    change.change_request_approve(change=large, by=sponsor)  # escalated, endorsed by Dana
    saving = raise_cr(delivering, manager, cost_impact=Decimal("-1000"))
    ChangeRequest.objects.filter(pk=saving.pk).update(state="escalated")
    for user in (manager, sponsor, sponsor2, pmo, member):
        for cr in ChangeRequest.objects.filter(pk__in=[small.pk, large.pk, saving.pk]):
            found = ChangeRequest.objects.filter(rule(name).q(user, "project__"), pk=cr.pk)
            assert found.exists() == allows(user, name, cr), (name, user.username, cr.reference)
