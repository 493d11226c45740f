"""Funding has authority (issue 15, finding 9): within the recorder's limit and the approved
cost it counts at once; beyond either it waits for the project's sponsor, if their limit
covers the new total, or the PMO; `approved_by` names who approved it."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from lifecycle import gates
from lifecycle.errors import TransitionForbidden
from lifecycle.models import AuditEntry
from projects import notifications, services
from projects.models import Funding, FundingState, Project, Proposal, ProposalState
from tests.conftest import client_for
from tests.factories import ProjectFactory


@pytest.fixture
def small(manager, sponsor2):
    """A 45,000 business case of Lee Park's (limit 50,000), approved, nothing funded yet."""
    project = ProjectFactory(
        title="Printer refresh", manager=manager, sponsor=sponsor2.sponsor_profile
    )
    Proposal.objects.filter(project=project).update(
        state=ProposalState.APPROVED, estimated_cost=Decimal("45000")
    )
    return Project.objects.get(pk=project.pk)


def fund(project, by, amount):
    return services.funding_record(
        project=project, by=by, amount=Decimal(amount), source="CC-9", approved_on=date.today()
    )


def test_within_the_limit_and_the_cost_funding_counts_at_once(small, sponsor2):
    funding = fund(small, sponsor2, "45000")

    assert (funding.state, funding.approved_by) == (FundingState.APPROVED, sponsor2)
    assert Project.objects.get(pk=small.pk).funded == Decimal("45000")


def test_the_reported_ten_billion_waits_for_the_pmo_and_counts_nothing_meanwhile(
    small, sponsor2, pmo, manager
):
    funding = fund(small, sponsor2, "9999999999.99")

    project = Project.objects.get(pk=small.pk)
    assert (funding.state, funding.approved_by, project.funded) == ("proposed", None, 0)
    assert not gates.funding_recorded(project).met
    entry = AuditEntry.objects.get(action="record_funding")
    assert entry.event == "funding.proposed"
    assert [m.to for m in notifications.messages_for(entry)] == [[pmo.email]]
    for nobody in (sponsor2, manager):
        with pytest.raises(TransitionForbidden):
            services.funding_approve(funding=funding, by=nobody)

    services.funding_approve(funding=funding, by=pmo, comment="Board decision 12/26")

    funding.refresh_from_db()
    assert (funding.state, funding.approved_by) == (FundingState.APPROVED, pmo)
    project = Project.objects.get(pk=small.pk)
    assert project.funded == Decimal("9999999999.99")
    # The gate to Initiating reads the total: its stored status moves with the approval.
    assert gates.funding_recorded(project).met
    assert project.gate_ready_since is not None


def test_beyond_the_approved_cost_the_sponsor_approves_within_their_limit(small, sponsor2, pmo):
    """The PMO records 48,000 on a 45,000 case: more than approved, within Lee Park's limit."""
    funding = fund(small, pmo, "48000")
    assert funding.state == FundingState.PROPOSED

    client = client_for(sponsor2)
    assert "Approve funding" in client.get(small.get_absolute_url()).content.decode()
    url = reverse("projects:funding-action", args=[small.pk, funding.pk, "reject"])
    refused = client.post(url, {"comment": ""})
    approved = client.post(
        reverse("projects:funding-action", args=[small.pk, funding.pk, "approve"]), {}
    )

    assert (refused.status_code, approved.status_code) == (400, 302)
    # The reason's box comes back marked, with the error beside it.
    box = f'id="funding-{funding.pk}-comment" name="comment"'
    error = f'<div class="invalid-feedback d-block" id="funding-{funding.pk}-error">'
    assert box in refused.content.decode() and error in refused.content.decode()
    assert ">Approve funding</button>" not in client.get(small.get_absolute_url()).content.decode()
    assert Funding.objects.get(pk=funding.pk).approved_by == sponsor2
    assert Project.objects.get(pk=small.pk).funded == Decimal("48000")


def test_the_funding_table_costs_the_same_queries_however_long(small, sponsor2, pmo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(sponsor2)

    def queries() -> int:
        client.get(small.get_absolute_url())  # the user's permissions, read once
        with CaptureQueriesContext(connection) as captured:
            assert client.get(small.get_absolute_url()).status_code == 200
        return len(captured)

    fund(small, sponsor2, "10000")
    fund(small, sponsor2, "40000")  # above the cost: proposed, waiting for an approver
    one = queries()
    for recorder in (sponsor2, pmo, pmo, sponsor2, pmo):
        fund(small, recorder, "10000")  # some within, some above the cost: proposed
    assert queries() == one
