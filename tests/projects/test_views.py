"""Pages and actions over HTTP: the happy path, outsiders, wrong methods, refusals."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lifecycle.models import AuditEntry
from lifecycle.stages import Stage
from projects.models import Project, Proposal, ProposalState
from tests.conftest import client_for

CASE = {
    "title": "Warehouse Wi-Fi upgrade",
    "category": "network",
    "goal": "Coverage in every aisle",
    "need": "Scanners drop out",
    "description": "",
    "estimated_cost": "95000",
    "start_date": "2027-01-04",
    "end_date": "2027-06-30",
    "benefits": "Faster picking",
    "risks-TOTAL_FORMS": "2",
    "risks-INITIAL_FORMS": "0",
    "risks-MIN_NUM_FORMS": "0",
    "risks-MAX_NUM_FORMS": "1000",
    "risks-0-description": "Interference with racking sensors",
    "risks-0-likelihood": "2",
    "risks-0-impact": "3",
    "risks-0-mitigation": "Site survey",
    "risks-1-description": "Late delivery",
    "risks-1-likelihood": "3",
    "risks-1-impact": "2",
    "risks-1-mitigation": "",
}


def url(name, project, *args):
    return reverse(f"projects:{name}", args=[project.pk, *args])


def case_for(sponsor, **changes):
    return CASE | {"sponsor": str(sponsor.pk)} | changes


def test_manager_writes_a_business_case_with_two_risks(manager, sponsor):
    response = client_for(manager).post(reverse("projects:business-case-create"), case_for(sponsor))

    project = Project.objects.get(title="Warehouse Wi-Fi upgrade")
    assert response.status_code == 302
    assert response.url == project.get_absolute_url()
    assert project.manager == manager
    assert project.proposal.estimated_cost == Decimal("95000")
    assert [risk.description for risk in project.proposal.risks.all()] == [
        "Interference with racking sensors",
        "Late delivery",
    ]


def test_an_empty_added_risk_row_is_ignored(manager, sponsor):
    data = case_for(sponsor) | {"risks-TOTAL_FORMS": "3"}  # row 2 added, left blank
    response = client_for(manager).post(reverse("projects:business-case-create"), data)

    assert response.status_code == 302
    assert Project.objects.get().proposal.risks.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("estimated_cost", "-5", "Enter an amount above zero."),
        ("estimated_cost", "99999999999", "Enter an amount below 10,000,000,000."),
        ("estimated_cost", "lots", "Enter a number."),
        ("end_date", "2026-12-01", "The end must not be before the start."),
        ("risks-0-likelihood", "7", "Use a value from 1 to 5."),
        ("title", "x" * 50_000, "Ensure this value has at most 200 characters"),
        ("goal", "x" * 50_000, "Ensure this value has at most 2000 characters"),
        ("title", "", "This field is required."),
    ],
)
def test_bad_input_gets_field_errors_and_keeps_the_rest(manager, sponsor, field, value, error):
    response = client_for(manager).post(
        reverse("projects:business-case-create"), case_for(sponsor, **{field: value})
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert "Scanners drop out" in response.content.decode()  # what was typed is kept
    assert not Project.objects.exists()


def test_script_in_a_title_is_escaped(manager, sponsor):
    client = client_for(manager)
    client.post(
        reverse("projects:business-case-create"),
        case_for(sponsor, title="<script>alert(1)</script>"),
    )
    project = Project.objects.get()

    page = client.get(project.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_extra_fields_posted_change_nothing(manager, sponsor, manager2):
    client_for(manager).post(
        reverse("projects:business-case-create"),
        case_for(
            sponsor,
            state="approved",
            stage="closed",
            manager=str(manager2.pk),
            requester=str(manager2.pk),
            revision="9",
        ),
    )

    project = Project.objects.select_related("proposal").get()
    assert (project.stage, project.manager) == (Stage.IDENTIFYING, manager)
    assert (project.proposal.state, project.proposal.revision) == (ProposalState.DRAFT, 0)


def test_manager_edits_a_draft(project, manager, sponsor):
    risk = project.proposal.risks.get()
    data = case_for(sponsor, title="Renamed") | {
        "risks-TOTAL_FORMS": "1",
        "risks-INITIAL_FORMS": "1",
        "risks-0-id": str(risk.pk),
        "risks-0-proposal": str(project.proposal.pk),
        "risks-0-DELETE": "on",
        "state": "approved",
    }

    response = client_for(manager).post(url("business-case-edit", project), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Renamed"
    assert not project.proposal.risks.exists()
    assert Proposal.objects.get(pk=project.proposal.pk).state == ProposalState.DRAFT


def test_submit_approve_fund_and_advance_over_http(project, manager, sponsor):
    manager_client, sponsor_client = client_for(manager), client_for(sponsor)

    manager_client.post(url("proposal-action", project, "submit"))
    home = sponsor_client.get(reverse("projects:home")).content.decode()
    assert "Awaiting my decision" in home and project.title in home

    decision_panel = sponsor_client.get(project.get_absolute_url()).content.decode()
    assert all(label in decision_panel for label in ("Approve", "Reject", "Request changes"))
    sponsor_client.post(url("proposal-action", project, "approve"), {"comment": "Go ahead"})
    sponsor_client.post(
        url("funding-create", project),
        {"amount": "95000", "source": "CC-4100 Logistics", "approved_on": "2026-11-27"},
    )
    response = manager_client.post(url("stage-action", project, "advance_to_initiating"))

    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).stage == Stage.INITIATING
    history = manager_client.get(url("history", project)).content.decode()
    for step in ("Submit for approval", "Approve", "Record funding", "Advance to Initiating"):
        assert step in history


def test_decision_panel_only_for_the_assigned_sponsor(submitted, manager, sponsor2, pmo):
    for user in (manager, pmo):
        page = client_for(user).get(submitted.get_absolute_url()).content.decode()
        assert "Your decision" not in page
    assert client_for(sponsor2).get(submitted.get_absolute_url()).status_code == 404


def test_second_decision_answers_409_already_decided(submitted, sponsor):
    client = client_for(sponsor)
    first = client.post(url("proposal-action", submitted, "approve"))
    second = client.post(url("proposal-action", submitted, "reject"), {"comment": "Oops"})

    assert first.status_code == 302
    assert second.status_code == 409
    assert "already decided" in second.content.decode()
    assert AuditEntry.objects.filter(record="Business case").count() == 1


def test_reject_without_a_reason_shows_a_field_error(submitted, sponsor):
    response = client_for(sponsor).post(url("proposal-action", submitted, "reject"), {})

    assert response.status_code == 400
    assert "Give a reason to “Reject”." in response.content.decode()
    assert Proposal.objects.get(pk=submitted.proposal.pk).state == ProposalState.SUBMITTED


def test_a_decision_reads_the_projects_row_and_its_page_only_for_an_error(submitted, sponsor):
    """An action looks the project up alone (`project_to_act_on`); the whole page, with its
    joins and prefetches, is read only when the form comes back with an error."""
    client = client_for(sponsor)
    page_read = 'JOIN "projects_closurereport"'  # one of the page's joins (`project_get`)

    with CaptureQueriesContext(connection) as refused:
        response = client.post(url("proposal-action", submitted, "reject"), {})
    assert response.status_code == 400
    assert "Supplier delivers late" in response.content.decode()  # the whole page, its risks
    assert any(page_read in query["sql"] for query in refused.captured_queries)

    with CaptureQueriesContext(connection) as decided:
        assert client.post(url("proposal-action", submitted, "approve")).status_code == 302
    assert not any(page_read in query["sql"] for query in decided.captured_queries)
    assert Proposal.objects.get(pk=submitted.proposal.pk).state == ProposalState.APPROVED


def test_an_approval_reads_the_project_twice_and_no_row_a_third_time(submitted, sponsor):
    """The view reads the project with its business case, to know the sponsor may see it; the
    transition locks the project with its sponsor, then the business case. The rules, the
    snapshot, the gate status and the audit row use those rows (docs/benchmarks.md)."""
    client = client_for(sponsor)

    with CaptureQueriesContext(connection) as decided:
        assert client.post(url("proposal-action", submitted, "approve")).status_code == 302

    reads = [
        query["sql"] for query in decided.captured_queries if query["sql"].startswith("SELECT")
    ]

    def reads_of(table: str) -> list[str]:
        return [sql for sql in reads if f'FROM "{table}"' in sql]

    assert len(reads_of("projects_project")) == 2
    assert 'INNER JOIN "projects_sponsor"' in reads_of("projects_project")[1]
    assert len(reads_of("projects_proposal")) == 1
    assert reads_of("projects_sponsor") == []  # the sponsor's limit: their row, read with the lock
    assert reads_of("projects_delegation") == []  # whom they deputise for: not on their own
    assert len(reads_of("auth_user")) == 1  # the request's own
    assert Proposal.objects.get(pk=submitted.proposal.pk).state == ProposalState.APPROVED


def test_advancing_through_a_closed_gate_explains_what_is_missing(approved, manager):
    response = client_for(manager).post(url("stage-action", approved, "advance_to_initiating"))

    assert response.status_code == 409
    page = response.content.decode()
    assert "Funding recorded (an amount above zero, with its source)" in page
    assert "Unmet:" in page


def test_another_projects_sponsor_cannot_decide(submitted, sponsor2):
    response = client_for(sponsor2).post(url("proposal-action", submitted, "approve"))

    assert response.status_code == 404
    assert Proposal.objects.get(pk=submitted.proposal.pk).state == ProposalState.SUBMITTED


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("detail", []),
        ("history", []),
        ("business-case-edit", []),
        ("funding-create", []),
        ("proposal-action", ["approve"]),
        ("stage-action", ["hold"]),
    ],
)
def test_outsiders_get_not_found(submitted, viewer, name, args):
    client = client_for(viewer)
    assert client.get(url(name, submitted, *args)).status_code in (404, 405)
    assert client.post(url(name, submitted, *args), {"comment": "x"}).status_code == 404


def test_member_reads_but_cannot_act(submitted, member):
    client = client_for(member)
    assert client.get(submitted.get_absolute_url()).status_code == 200
    assert client.get(url("business-case-edit", submitted)).status_code == 403
    assert client.get(url("funding-create", submitted)).status_code == 403
    assert client.post(url("stage-action", submitted, "hold"), {"comment": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("name", "args"),
    [("proposal-action", ["approve"]), ("stage-action", ["advance_to_initiating"])],
)
def test_get_on_post_only_actions_is_405(submitted, sponsor, name, args):
    assert client_for(sponsor).get(url(name, submitted, *args)).status_code == 405


def test_unknown_actions_are_not_found(submitted, sponsor):
    client = client_for(sponsor)
    assert client.post(url("proposal-action", submitted, "delete")).status_code == 404
    assert client.post(url("stage-action", submitted, "advance_to_nowhere")).status_code == 403
    assert client.post(url("stage-action", submitted, "advance_to_closed")).status_code == 409


def test_funding_form_rejects_negative_money(approved, sponsor):
    response = client_for(sponsor).post(
        url("funding-create", approved),
        {"amount": "-100", "source": "CC", "approved_on": "2026-11-27"},
    )

    assert response.status_code == 200
    assert "Enter an amount above zero." in response.content.decode()
    assert not approved.fundings.exists()


def test_hold_needs_a_reason_and_resume_returns(approved, sponsor):
    client = client_for(sponsor)
    refused = client.post(url("stage-action", approved, "hold"), {"comment": ""})
    held = client.post(url("stage-action", approved, "hold"), {"comment": "Budget freeze"})
    resumed = client.post(url("stage-action", approved, "resume"))

    assert (refused.status_code, held.status_code, resumed.status_code) == (400, 302, 302)
    assert Project.objects.get(pk=approved.pk).stage == Stage.IDENTIFYING
    # Refused, the page shows the reason box open again with what is missing.
    page = refused.content.decode()
    assert '<details class="mt-2" open>' in page and "Give a reason to “Put on hold”." in page


def test_anonymous_users_are_sent_to_log_in(project):
    client = client_for.__globals__["Client"]()
    for path in (
        reverse("projects:home"),
        reverse("projects:portfolio"),
        project.get_absolute_url(),
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("action", ["approve", "reject", "request_changes"])
def test_deciding_a_costless_draft_of_a_cancelled_project_is_refused_not_a_500(
    project, sponsor, action
):
    """Work done for a decision comes after the rules say yes (issue 15, finding 1)."""
    Proposal.objects.filter(project=project).update(estimated_cost=None)
    Project.objects.filter(pk=project.pk).update(stage=Stage.CANCELLED)

    response = client_for(sponsor).post(url("proposal-action", project, action), {"comment": "x"})

    assert response.status_code == 409
    assert "is cancelled: its records are read-only" in response.content.decode()
    assert not AuditEntry.objects.filter(action=action).exists()
