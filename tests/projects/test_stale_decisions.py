"""A decision is taken on what the decider saw: a form opened on a version that has changed
since answers 409 and decides nothing (issue 15, finding 8)."""

import re
from decimal import Decimal

from django.urls import reverse

from lifecycle.models import AuditEntry
from projects import services
from projects.models import Charter, CharterState, Plan, PlanState, Proposal, ProposalState
from projects.services import delivery
from tests.conftest import charter_lists, charter_texts, client_for, plan_lists


def seen_on(client, path: str) -> str:
    page = client.get(path).content.decode()
    return re.search(r'name="seen" value="([^"]*)"', page)[1]


def test_approving_a_business_case_that_changed_since_it_was_opened_is_refused(
    submitted, manager, sponsor
):
    dana = client_for(sponsor)
    seen = seen_on(dana, submitted.get_absolute_url())  # 120,000 on her screen
    # Meanwhile, from another tab: sent back, raised to 249,000, resubmitted.
    services.proposal_request_changes(proposal=submitted.proposal, by=sponsor, comment="Quote?")
    proposal = Proposal.objects.get(project=submitted)
    risks = [{"id": r.pk, **{f: getattr(r, f) for f in r.FIELDS}} for r in proposal.risks.all()]
    services.business_case_update(
        proposal=proposal, by=manager, risks=risks, estimated_cost=Decimal("249000")
    )
    services.proposal_submit(proposal=proposal, by=manager)

    url = reverse("projects:proposal-action", args=[submitted.pk, "approve"])
    stale = dana.post(url, {"comment": "", "seen": seen})

    assert stale.status_code == 409
    assert "changed after you opened it, so nothing was decided" in stale.content.decode()
    assert Proposal.objects.get(project=submitted).state == ProposalState.SUBMITTED
    assert not AuditEntry.objects.filter(action="approve").exists()
    fresh = dana.post(url, {"comment": "", "seen": seen_on(dana, submitted.get_absolute_url())})
    assert fresh.status_code == 302
    assert Proposal.objects.get(project=submitted).state == ProposalState.APPROVED


def test_signing_a_charter_that_changed_since_it_was_opened_is_refused(filled, manager, sponsor):
    services.charter_submit(charter=filled.charter, by=manager)
    dana = client_for(sponsor)
    seen = seen_on(dana, reverse("projects:charter", args=[filled.pk]))
    services.charter_return(charter=filled.charter, by=sponsor, comment="Add the budget")
    charter = Charter.objects.get(pk=filled.charter.pk)
    services.charter_update(
        charter=charter,
        by=manager,
        version=charter.version,
        lists=charter_lists(deliverables=2),
        **charter_texts(objectives="Changed"),
    )
    services.charter_submit(charter=charter, by=manager)

    stale = dana.post(reverse("projects:charter-action", args=[filled.pk, "sign"]), {"seen": seen})

    assert stale.status_code == 409
    assert Charter.objects.get(pk=charter.pk).state == CharterState.SUBMITTED
    assert not charter.revisions.exists()


def test_approving_a_plan_that_changed_since_it_was_opened_is_refused(planning, manager, sponsor):
    plan = planning.plan
    delivery.plan_update(plan=plan, by=manager, version=plan.version, lists=plan_lists())
    delivery.plan_submit(plan=plan, by=manager)
    dana = client_for(sponsor)
    seen = seen_on(dana, reverse("projects:plan", args=[planning.pk]))
    delivery.plan_return(plan=plan, by=sponsor, comment="Too expensive")
    plan = Plan.objects.get(pk=plan.pk)
    delivery.plan_update(
        plan=plan, by=manager, version=plan.version, lists=plan_lists(budget=Decimal("90000"))
    )
    delivery.plan_submit(plan=plan, by=manager)

    stale = dana.post(
        reverse("projects:plan-action", args=[planning.pk, "approve"]), {"seen": seen}
    )

    assert stale.status_code == 409
    assert Plan.objects.get(pk=plan.pk).state == PlanState.SUBMITTED
