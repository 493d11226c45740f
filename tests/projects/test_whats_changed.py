"""A resubmitted business case shows its sponsor what changed since their last decision."""

from decimal import Decimal

from projects import proposal_document, services
from projects.models import Proposal
from tests.conftest import client_for


def risk_rows(proposal, *extra):
    rows = [
        {"id": r.pk, "description": r.description, "likelihood": r.likelihood}
        | {"impact": r.impact, "mitigation": r.mitigation}
        for r in proposal.risks.all()
    ]
    return rows + list(extra)


def test_the_diff_names_fields_and_risks():
    before = {
        "title": "A",
        "estimated_cost": "100.00",
        "risks": [
            {"id": 1, "description": "Late", "likelihood": 2, "impact": 3, "mitigation": ""},
            {"id": 2, "description": "Gone", "likelihood": 1, "impact": 1, "mitigation": ""},
        ],
    }
    after = {
        "title": "A",
        "estimated_cost": "150.00",
        "risks": [
            {"id": 1, "description": "Late", "likelihood": 4, "impact": 3, "mitigation": ""},
            {"id": 3, "description": "New", "likelihood": 1, "impact": 5, "mitigation": "Plan B"},
        ],
    }

    changes = [(c.what, c.before, c.after) for c in proposal_document.diff(before, after)]

    assert changes == [
        ("Estimated cost", "EUR 100.00", "EUR 150.00"),
        (
            "Risk changed",
            "Late (likelihood 2, impact 3, score 6)",
            "Late (likelihood 4, impact 3, score 12)",
        ),
        ("Risk added", None, "New (likelihood 1, impact 5, score 5); mitigation: Plan B"),
        ("Risk removed", "Gone (likelihood 1, impact 1, score 1)", None),
    ]


def test_the_sponsor_sees_what_changed_after_resubmission(submitted, sponsor, manager):
    services.proposal_request_changes(
        proposal=submitted.proposal, by=sponsor, comment="Cost three years"
    )
    services.business_case_update(
        proposal=submitted.proposal,
        by=manager,
        risks=risk_rows(
            submitted.proposal,
            {"description": "Price rise", "likelihood": 2, "impact": 3, "mitigation": "Lock"},
        ),
        estimated_cost=Decimal("150000"),
    )
    services.proposal_submit(proposal=Proposal.objects.get(pk=submitted.proposal.pk), by=manager)

    page = client_for(sponsor).get(submitted.get_absolute_url()).content.decode()

    assert "What changed since the last decision" in page
    assert "Cost three years" in page
    assert "EUR 120,000.00" in page and "EUR 150,000.00" in page
    assert "Risk added" in page and "Price rise" in page
    assert "Goal" not in page.split("What changed")[1].split("</table>")[0]  # unchanged fields


def test_nothing_to_compare_on_a_first_submission(submitted, sponsor):
    page = client_for(sponsor).get(submitted.get_absolute_url()).content.decode()
    assert "What changed" not in page
