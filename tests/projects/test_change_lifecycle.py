"""Change requests and exceptions belong to Delivering: an undecided change request blocks
Advance to Closing, cancelling withdraws it, a second click on an endorsement is refused, and
late costs booked in Closing change figures without opening an exception nobody could decide."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from lifecycle.errors import GateClosed
from lifecycle.models import AuditEntry
from projects import events, services
from projects.models import ChangeRequest, Project
from projects.services import change, costs
from tests.conftest import all_delivered, client_for


def fresh(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


def raise_cr(project: Project, by, cost: str = "15000") -> ChangeRequest:
    return change.change_request_raise(
        project=project,
        by=by,
        title="A second supplier",
        reason="The first one is late",
        cost_impact=Decimal(cost),
        budget_line=project.plan.budget_lines.first(),
    )


def test_an_undecided_change_request_blocks_advance_to_closing(delivering, manager, sponsor):
    all_delivered(delivering, manager, sponsor)
    cr = raise_cr(delivering, manager)
    try:
        services.project_transition(
            project=fresh(delivering), name="advance_to_closing", by=sponsor
        )
    except GateClosed as refused:
        unmet = [check.label for check in refused.checks if not check.met]
    else:
        raise AssertionError("Advance to Closing went through with CR-1 undecided")
    assert unmet == ["No change request waiting for a decision"]

    change.change_request_withdraw(change=cr, by=manager)
    services.project_transition(project=fresh(delivering), name="advance_to_closing", by=sponsor)
    assert fresh(delivering).stage == "closing"


def test_cancelling_withdraws_undecided_change_requests_with_a_history_row(
    delivering, manager, sponsor
):
    cr = raise_cr(delivering, manager)
    services.project_transition(
        project=fresh(delivering), name="cancel", by=sponsor, comment="Merged into ERP 2"
    )
    cr.refresh_from_db()
    assert cr.state == "withdrawn"
    entry = AuditEntry.objects.for_subject(delivering).get(event=events.CHANGE_REQUEST_WITHDRAWN)
    assert entry.comment == "CR-1 withdrawn: the project was cancelled."


def test_a_second_click_on_an_endorsement_is_refused_and_endorses_once(
    delivering, manager, sponsor
):
    cr = raise_cr(delivering, manager, cost="200000")  # 300,000: above the sponsor's 250,000
    url = reverse("projects:change-request-action", args=[delivering.pk, cr.pk, "approve"])
    page = client_for(sponsor).get(reverse("projects:change-request", args=[delivering.pk, cr.pk]))
    assert 'name="seen" value="submitted"' in page.content.decode()
    first, second = client_for(sponsor), client_for(sponsor)
    assert first.post(url, {"comment": "Yes", "seen": "submitted"}).status_code == 302
    answer = second.post(url, {"comment": "Yes", "seen": "submitted"})
    assert answer.status_code == 409
    assert "changed after you opened it" in answer.content.decode()
    cr.refresh_from_db()
    assert cr.state == "escalated"
    endorsed = AuditEntry.objects.for_subject(delivering).filter(
        event=events.CHANGE_REQUEST_ENDORSED
    )
    assert endorsed.count() == 1


def test_late_costs_booked_in_closing_open_no_exception(delivering, manager, sponsor):
    all_delivered(delivering, manager, sponsor)
    services.project_transition(project=fresh(delivering), name="advance_to_closing", by=sponsor)
    closing = fresh(delivering)
    costs.actual_record(
        project=closing,
        by=manager,
        budget_line=closing.plan.budget_lines.first(),
        date=timezone.localdate() - timedelta(days=1),
        amount=Decimal("150000"),  # far beyond the 10% tolerance of a 100,000 baseline
        reference="Late invoice",
    )
    closing = fresh(delivering)
    assert closing.forecast_cost == Decimal("150000")
    assert not closing.exceptions.exists()
