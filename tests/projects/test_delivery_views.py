"""The plan, status and closure pages over HTTP, and the closure report as a PDF."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from projects import rendering
from projects.models import PdfJob, Plan, Project, StatusReport
from projects.services import delivery
from tests.conftest import client_for


def url(name, project, *args):
    return reverse(f"projects:{name}", args=[project.pk, *args])


def plan_post(plan, **extra):
    today = timezone.localdate()
    data = {"version": str(plan.version)}
    rows = {
        "tasks": [
            {
                "name": "Build",
                "owner": "Alex",
                "start_date": today,
                "end_date": today + timedelta(days=9),
            }
        ],
        "milestones": [{"name": "Go live", "due_date": today + timedelta(days=20)}],
        "budget_lines": [{"category": "staff", "description": "Team", "amount": "50000"}],
    } | extra
    for key, items in rows.items():
        data |= {f"{key}-TOTAL_FORMS": str(len(items)), f"{key}-INITIAL_FORMS": "0"}
        for n, item in enumerate(items):
            data |= {f"{key}-{n}-{field}": value for field, value in item.items()}
    return data


def test_manager_plans_and_sponsor_approves_in_the_browser(planning, manager, sponsor):
    manager_client, sponsor_client = client_for(manager), client_for(sponsor)

    assert (
        manager_client.post(url("plan-edit", planning), plan_post(planning.plan)).status_code == 302
    )
    page = manager_client.get(url("plan", planning)).content.decode()
    assert 'class="bar"' in page and "Go live" in page
    manager_client.post(url("plan-action", planning, "submit"))
    assert "Plan" in sponsor_client.get(reverse("projects:home")).content.decode()
    panel = sponsor_client.get(url("plan", planning)).content.decode()
    assert "Approve plan" in panel and "Return plan" in panel

    assert sponsor_client.post(url("plan-action", planning, "approve")).status_code == 302
    assert (
        sponsor_client.post(url("stage-action", planning, "advance_to_delivering")).status_code
        == 302
    )
    assert Project.objects.get(pk=planning.pk).stage == "delivering"


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ({"budget_lines": [{"category": "staff", "amount": "-1"}]}, "Enter an amount above zero."),
        ({"budget_lines": [{"category": "gold", "amount": "1"}]}, "Select a valid choice"),
        ({"milestones": [{"name": "M", "due_date": "next week"}]}, "Enter a valid date."),
        (
            {"tasks": [{"name": "T", "start_date": "2027-03-01", "end_date": "2027-02-01"}]},
            "The end must not be before the start.",
        ),
    ],
)
def test_bad_plan_input_gets_field_errors(planning, manager, rows, error):
    before = Plan.objects.get(pk=planning.plan.pk).version
    response = client_for(manager).post(
        url("plan-edit", planning), plan_post(planning.plan, **rows)
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert Plan.objects.get(pk=planning.plan.pk).version == before


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"schedule": "purple"}, "Select a valid choice"),
        ({"summary": ""}, "This field is required."),
        ({"date": "2999-01-01"}, "cannot be dated in the future"),
        ({"summary": "x" * 5000}, "at most 4000 characters"),
    ],
)
def test_rag_reports_are_validated(delivering, manager, changes, error):
    data = {"date": timezone.localdate(), "schedule": "green", "budget": "amber"} | {
        "scope": "red",
        "summary": "Supplier late",
    }
    response = client_for(manager).post(url("status-report-create", delivering), data | changes)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not StatusReport.objects.exists()


def test_deliverables_are_delivered_and_accepted_on_the_status_page(delivering, manager, sponsor):
    deliverable = delivering.deliverables.get()
    manager_client, sponsor_client = client_for(manager), client_for(sponsor)

    manager_client.post(url("deliverable-action", delivering, deliverable.pk, "deliver"))
    page = sponsor_client.get(url("status", delivering)).content.decode()
    assert "Accept deliverable" in page
    refused = manager_client.post(url("deliverable-action", delivering, deliverable.pk, "accept"))
    accepted = sponsor_client.post(url("deliverable-action", delivering, deliverable.pk, "accept"))
    twice = sponsor_client.post(url("deliverable-action", delivering, deliverable.pk, "accept"))

    assert (refused.status_code, accepted.status_code, twice.status_code) == (403, 302, 409)


def test_sending_a_deliverable_back_without_a_reason_shows_the_form_again(
    delivering, manager, sponsor
):
    deliverable = delivering.deliverables.get()
    client_for(manager).post(url("deliverable-action", delivering, deliverable.pk, "deliver"))

    response = client_for(sponsor).post(
        url("deliverable-action", delivering, deliverable.pk, "send_back"), {"comment": " "}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a reason to “Send back”." in page and "is-invalid" in page
    assert delivering.deliverables.get().state == "delivered"


def test_the_closure_report_renders_to_pdf(closing, manager, tmp_path):
    row = closing.closure.goals.get()
    data = {
        "lessons_learned": "Start the content migration earlier.",
        "handover": "Web operations team runs it from March.",
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "1",
        "goals-0-id": str(row.pk),
        "goals-0-report": str(closing.closure.pk),
        "goals-0-final_value": "1,050",
        "goals-0-note": "Peak in the sales week",
    }
    client = client_for(manager)
    assert client.post(url("closure-edit", closing), data).status_code == 302
    client.post(url("closure-pdf", closing))

    job = rendering.render_job(PdfJob.objects.get(kind="closure").pk)

    assert job.status == "ready", job.error
    response = client.get(reverse("projects:pdf-download", args=[closing.pk, job.pk]))
    Path(tmp_path / "closure.pdf").write_bytes(b"".join(response.streaming_content))
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "closure.pdf").pages)
    assert "Closure report" in text and closing.title in text
    assert "Start the content migration earlier." in text
    assert "1,050" in text and "Achieved" in text  # numbers as the pages show them
    assert "Page 2 of 2" in text  # the cover, then the report


def test_a_closed_project_offers_no_edits(closing, manager, member):
    row = closing.closure.goals.get()
    delivery.closure_update(
        report=closing.closure,
        by=manager,
        final_values={row.pk: (Decimal(900), "")},
        lessons_learned="L",
        handover="H",
    )
    client = client_for(manager)
    client.post(url("stage-action", closing, "advance_to_closed"))

    for name in ("closure", "status", "plan", "goals", "charter", "scope"):
        page = client.get(url(name, closing)).content.decode()
        for label in ("Edit", "Add measurement", "Add status report", "Put on hold"):
            assert f">{label}" not in page, (name, label)
    for name in ("closure-edit", "plan-edit", "charter-edit", "scope-edit"):
        response = client.get(url(name, closing))
        assert response.status_code == 409
        assert "is closed: its records are read-only" in response.content.decode()
