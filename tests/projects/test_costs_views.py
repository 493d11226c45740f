"""The Costs tab and its forms as people use them: the figures shown, Record actual cost,
Import actuals (upload, preview, commit — the commit reads the file again), Update forecast,
the budget RAG proposed on the status tab."""

import base64
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects.models import ActualCost, ActualImport, BudgetLine, Plan, Project, StatusReport
from projects.services import costs
from tests.conftest import client_for
from tests.factories import ProjectFactory

HEADER = "date,budget_line,amount,reference,note\n"
YESTERDAY = (timezone.localdate() - timedelta(days=1)).isoformat()


@pytest.fixture
def costed(delivering) -> Project:
    BudgetLine.objects.create(
        plan=delivering.plan, category="hardware", description="Servers", amount=20000
    )
    Project.objects.filter(pk=delivering.pk).update(baseline_budget=Decimal("120000"))
    costs.costs_refresh(Project.objects.get(pk=delivering.pk))
    return Project.objects.get(pk=delivering.pk)


def url(name: str, project: Project) -> str:
    return reverse(f"projects:{name}", args=[project.pk])


def upload(content: str | bytes, name: str = "actuals.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_before_the_plan_the_costs_tab_says_when_costs_are_tracked(defining, member):
    response = client_for(member).get(url("costs", defining))
    assert response.status_code == 200
    assert "Costs are tracked once the plan is approved" in response.content.decode()


def test_a_member_sees_the_figures_but_no_forms(costed, member, manager):
    costs.actual_record(
        project=costed,
        by=manager,
        budget_line=costed.plan.budget_lines.get(description="Servers"),
        date=timezone.localdate(),
        amount=Decimal("25000"),
        reference="ACME <b>rack</b>",
    )
    page = client_for(member).get(url("costs", costed)).content.decode()
    assert "EUR 25,000.00" in page and "ACME &lt;b&gt;rack&lt;/b&gt;" in page
    assert "Overrun" in page  # Servers: 25,000 spent of 20,000
    assert "typed in" in page and "Alex Moreno" in page
    assert "Record actual cost" not in page and "Import actuals" not in page
    assert "Update forecast" not in page


def test_manager_can_record_an_actual_cost_from_the_form(costed, manager):
    team = costed.plan.budget_lines.get(description="Team")
    response = client_for(manager).post(
        url("actual-create", costed),
        {
            "budget_line": team.pk,
            "date": YESTERDAY,
            "amount": "1,200.50",
            "reference": "Timesheets",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=costed.pk).actual_cost == Decimal("1200.50")


def test_a_line_of_another_project_is_a_form_error_not_a_crash(costed, manager):
    other = ProjectFactory(manager=manager)
    theirs = BudgetLine.objects.create(
        plan=Plan.objects.create(project=other), category="staff", amount=5000
    )
    response = client_for(manager).post(
        url("actual-create", costed),
        {"budget_line": theirs.pk, "date": YESTERDAY, "amount": "10", "reference": "x"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ActualCost.objects.exists()


def test_manager_can_preview_then_import_a_file(costed, manager):
    client = client_for(manager)
    content = HEADER + f'{YESTERDAY},Team,100,INV-1,\n{YESTERDAY},Servers,"2,000.25",INV-2,\n'

    preview = client.post(url("actuals-import", costed), {"file": upload(content)})

    page = preview.content.decode()
    assert preview.status_code == 200 and "2 rows, EUR 2,100.25 in all" in page
    assert not ActualCost.objects.exists()  # a preview writes nothing
    carried = preview.context["commit"].initial

    done = client.post(url("actuals-import", costed), carried)

    assert done.status_code == 302
    assert Project.objects.get(pk=costed.pk).actual_cost == Decimal("2100.25")
    assert ActualImport.objects.get().name == "actuals.csv"
    again = client.post(url("actuals-import", costed), carried)
    assert "This file was imported already on" in again.content.decode()
    assert ActualCost.objects.count() == 2


def test_the_commit_reads_the_file_again_and_trusts_no_preview(costed, manager):
    forged = HEADER + f"{YESTERDAY},Team,-100,INV-1,\n"
    response = client_for(manager).post(
        url("actuals-import", costed),
        {"name": "a.csv", "content": base64.b64encode(forged.encode()).decode()},
    )
    page = response.content.decode()
    assert (
        "Nothing was imported" in page
        and "Line 2: amount &#x27;-100&#x27;: Enter an amount above zero." in page
    )
    assert not ActualCost.objects.exists()


def test_a_preview_lists_every_error_with_its_line(costed, manager):
    rows = [f"{YESTERDAY},Team,{n},INV-{n}," for n in range(1, 21)]
    rows[15] = "31/02/2026,Team,5,INV-16,"
    response = client_for(manager).post(
        url("actuals-import", costed), {"file": upload(HEADER + "\n".join(rows) + "\n")}
    )
    page = response.content.decode()
    assert "Nothing will be imported: 1 problem." in page
    assert "Line 17: date &#x27;31/02/2026&#x27; is not a date (use 2026-02-28)" in page
    assert "Import 19 rows" not in page and 'name="content"' not in page


def test_a_ten_megabyte_file_is_refused_with_a_message(costed, manager):
    big = HEADER.encode() + b"x" * (10 * 1024 * 1024)
    response = client_for(manager).post(url("actuals-import", costed), {"file": upload(big)})
    assert response.status_code == 200
    assert "an import takes files up to 1,024 KB" in response.content.decode()


def test_the_import_page_shows_the_accepted_values_and_a_sample(costed, manager):
    page = client_for(manager).get(url("actuals-import", costed)).content.decode()
    assert "date,budget_line,amount,reference,note" in page
    assert "<code>Servers</code> or <code>Hardware</code>" in page
    assert "<code>Team</code> or <code>Staff</code>" in page
    sample = client_for(manager).get(url("actuals-sample", costed))
    assert sample["Content-Type"] == "text/csv"
    assert sample.content.decode().startswith("date,budget_line,amount,reference,note\n")


def test_manager_can_update_the_forecast(costed, manager):
    team, servers = costed.plan.budget_lines.order_by("pk")
    response = client_for(manager).post(
        url("forecast-edit", costed),
        {f"line_{team.pk}": "110,000", f"line_{servers.pk}": ""},
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=costed.pk).forecast_cost == Decimal("130000.00")
    page = client_for(manager).get(url("costs", costed)).content.decode()
    assert "EUR 10,000.00 (+8.3%)" in page and "Overrun" in page


def test_a_negative_forecast_is_a_field_error(costed, manager):
    team = costed.plan.budget_lines.order_by("pk").first()
    response = client_for(manager).post(url("forecast-edit", costed), {f"line_{team.pk}": "-5"})
    assert response.status_code == 200 and "Enter zero or more." in response.content.decode()


@pytest.mark.parametrize("who", ["sponsor", "member"])
def test_others_cannot_post_costs(costed, who, request):
    client = client_for(request.getfixturevalue(who))
    team = costed.plan.budget_lines.first()
    data = {"budget_line": team.pk, "date": YESTERDAY, "amount": "10", "reference": "x"}
    assert client.post(url("actual-create", costed), data).status_code == 403
    assert client.get(url("actuals-import", costed)).status_code == 403
    assert not ActualCost.objects.exists()


def test_the_status_form_proposes_the_budget_rag_and_the_page_shows_a_different_choice(
    costed, manager
):
    team = costed.plan.budget_lines.get(description="Team")
    costs.forecast_update(project=costed, by=manager, forecasts={team.pk: Decimal("150000")})
    client = client_for(manager)

    page = client.get(url("status", costed)).content.decode()
    assert "Budget Red proposed from the costs" in page
    assert '<option value="red" selected>' in page

    client.post(
        url("status-report-create", costed),
        {
            "date": timezone.localdate().isoformat(),
            "schedule": "green",
            "budget": "amber",
            "scope": "green",
            "summary": "Supplier invoice disputed",
        },
    )
    assert StatusReport.objects.get().budget_proposed == "red"
    assert "(the costs proposed Red)" in client.get(url("status", costed)).content.decode()
