"""Actual costs and forecasts through the services: typed in, imported from CSV (all rows or
none, each file once), refused for the wrong person, project, stage or line; the stored
totals in step with every write; the budget RAG the figures propose."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lifecycle.errors import NotNow, TransitionForbidden
from lifecycle.models import AuditEntry
from projects import events, imports, services
from projects.models import ActualCost, ActualImport, BudgetLine, Plan, Project
from projects.selectors.costs import budget_proposal, cost_sheet
from projects.services import costs
from tests.conftest import report_status
from tests.factories import ProjectFactory

TODAY = timezone.localdate
HEADER = "date,budget_line,amount,reference,note\n"


@pytest.fixture
def costed(delivering) -> Project:
    """A delivering project with two budget lines — Team (staff, 100,000) and Servers
    (hardware, 20,000) — funded 120,000 and approved with a baseline of 120,000 (set here as
    the plan's approval sets it)."""
    BudgetLine.objects.create(
        plan=delivering.plan, category="hardware", description="Servers", amount=20000
    )
    Project.objects.filter(pk=delivering.pk).update(baseline_budget=Decimal("120000"))
    project = Project.objects.get(pk=delivering.pk)
    costs.costs_refresh(project)
    return Project.objects.get(pk=project.pk)


def line(project: Project, description: str) -> BudgetLine:
    return project.plan.budget_lines.get(description=description)


def fresh(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


def csv_file(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def day(days_ago: int = 1) -> str:
    return (TODAY() - timedelta(days=days_ago)).isoformat()


def record(project, by, **changes):
    values = {
        "budget_line": line(project, "Team"),
        "date": TODAY(),
        "amount": Decimal("1000"),
        "reference": "INV-1",
    }
    return costs.actual_record(project=project, by=by, **(values | changes))


# -- Typed in -----------------------------------------------------------------------------------


def test_manager_can_record_an_actual_cost_and_the_totals_follow(costed, manager):
    actual = record(costed, manager, amount=Decimal("1200.50"), note="March timesheets")

    project = fresh(costed)
    assert actual.recorded_by == manager and actual.batch is None
    assert project.actual_cost == Decimal("1200.50")
    # Team: 1,200.50 spent and 98,799.50 left; Servers: 20,000 left.
    assert project.forecast_cost == Decimal("120000.00")
    entry = AuditEntry.objects.for_subject(project).latest("pk")
    assert entry.event == events.ACTUALS_RECORDED and "1,200.50 on Team" in entry.comment


def test_manager_cannot_record_against_a_line_of_another_project(costed, manager):
    other = ProjectFactory(manager=manager)
    plan = Plan.objects.create(project=other)
    theirs = BudgetLine.objects.create(plan=plan, category="staff", amount=5000)

    with pytest.raises(ValidationError) as refused:
        record(costed, manager, budget_line=theirs.pk)

    assert "budget_line" in refused.value.message_dict
    assert not ActualCost.objects.exists()


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("-5")])
def test_manager_cannot_record_nothing_or_less(costed, manager, amount):
    with pytest.raises(ValidationError, match="more than zero"):
        record(costed, manager, amount=amount)
    assert fresh(costed).actual_cost == 0


def test_manager_cannot_record_a_cost_dated_in_the_future(costed, manager):
    with pytest.raises(ValidationError, match="not in the future"):
        record(costed, manager, date=TODAY() + timedelta(days=1))


@pytest.mark.parametrize("who", ["sponsor", "member", "pmo"])
def test_others_cannot_record_actual_costs(costed, who, request):
    with pytest.raises(TransitionForbidden, match="manager records its actual costs"):
        record(costed, request.getfixturevalue(who))


def test_nobody_records_actual_costs_while_the_project_plans(planning, manager):
    with pytest.raises(NotNow, match="Delivering or Closing"):
        costs.actual_record(
            project=planning,
            by=manager,
            budget_line=1,
            date=TODAY(),
            amount=Decimal(1),
            reference="x",
        )


def test_manager_can_record_actual_costs_while_the_project_closes(closing, manager):
    costs.actual_record(
        project=closing,
        by=manager,
        budget_line=closing.plan.budget_lines.get(),
        date=TODAY(),
        amount=Decimal("10"),
        reference="Final invoice",
    )
    assert fresh(closing).actual_cost == Decimal("10")


@pytest.mark.parametrize("end", ["cancel", "hold"])
def test_nobody_records_costs_of_a_cancelled_or_held_project(costed, manager, pmo, end):
    services.project_transition(project=costed, name=end, by=pmo, comment="Budget frozen")
    project = fresh(costed)
    with pytest.raises(NotNow) as refused:
        record(project, manager)
    with pytest.raises(NotNow):
        costs.actuals_import(
            project=project, by=manager, name="a.csv", content=csv_file(f"{day()},Team,5,INV,")
        )
    with pytest.raises(NotNow):
        costs.forecast_update(project=project, by=manager, forecasts={})
    assert refused.value.status == 409
    assert not ActualCost.objects.exists()


# -- Imported -----------------------------------------------------------------------------------


def test_manager_can_import_a_file_of_actual_costs(costed, manager):
    content = csv_file(
        f'{day(3)},Team,"12,400.00",Timesheets March,',
        f"{day(2)},servers,899.99,ACME-17,Rack",
        f"{day(1)},Hardware,100,ACME-18,Cables (the category names the one hardware line)",
    )

    batch = costs.actuals_import(project=costed, by=manager, name="march.csv", content=content)

    project = fresh(costed)
    assert (batch.rows, batch.total, batch.imported_by) == (3, Decimal("13399.99"), manager)
    assert batch.entries.count() == 3
    assert project.actual_cost == Decimal("13399.99")
    servers = line(project, "Servers")
    assert set(ActualCost.objects.filter(budget_line=servers).values_list("amount", flat=True)) == {
        Decimal("899.99"),
        Decimal("100.00"),
    }
    entry = AuditEntry.objects.for_subject(project).latest("pk")
    assert entry.event == events.ACTUALS_IMPORTED and entry.data["sha256"] == batch.sha256


def test_one_wrong_row_imports_nothing_and_says_which_line(costed, manager):
    rows = [f"{day()},Team,{n}.00,INV-{n}," for n in range(1, 21)]
    rows[15] = "31/02/2026,Team,5.00,INV-16,"  # line 17 of the file: the header is line 1
    with pytest.raises(ValidationError) as refused:
        costs.actuals_import(project=costed, by=manager, name="a.csv", content=csv_file(*rows))

    assert refused.value.messages == ["Line 17: date '31/02/2026' is not a date (use 2026-02-28)"]
    assert not ActualCost.objects.exists() and not ActualImport.objects.exists()
    assert fresh(costed).actual_cost == 0


def test_every_problem_of_a_file_is_named_with_its_line(costed, manager):
    content = csv_file(
        f"{day()},Travel,10,INV-1,",
        f"{day()},Team,-10,INV-2,",
        f"{day()},Team,0,INV-3,",
        f"{day()},Team,1e3,INV-4,",
        f"{day()},Team,250k,INV-5,",
        f'{day()},Team,10,=HYPERLINK("http://evil"),',
        f"{day()},Team,10,,",
        f"{day()},Team,10,INV-8,@SUM(A1)",
        f"{day()},Team,10",
        f"{(TODAY() + timedelta(days=1)).isoformat()},Team,10,INV-10,",
        f"{day()},Team,10.001,INV-11,",
    )
    parsed = imports.parse(content, costed.plan.budget_lines.all())

    assert parsed.errors == [
        "Line 2: budget line 'Travel' is not a line of this project's plan "
        "(use one of: Servers, Team)",
        "Line 3: amount '-10': Enter an amount above zero.",
        "Line 4: amount '0': Enter an amount above zero.",
        "Line 5: amount '1e3': Write the amount in digits, e.g. 1,000,000 (not 1e6).",
        "Line 6: amount '250k': Write the amount in full, e.g. 250,000 (not 250k).",
        "Line 7: reference '=HYPERLINK(\"http://evil\")' starts with '=', which a spreadsheet "
        "runs as a formula: remove it",
        "Line 8: reference is empty (a supplier or reference is required)",
        "Line 9: note '@SUM(A1)' starts with '@', which a spreadsheet runs as a formula: remove it",
        "Line 10: 3 cells, where the header has 5 (date,budget_line,amount,reference,note)",
        f"Line 11: date {(TODAY() + timedelta(days=1)).isoformat()} is in the future "
        "(an actual cost is money spent)",
        "Line 12: amount '10.001': Ensure that there are no more than 2 decimal places.",
    ]
    with pytest.raises(ValidationError):
        costs.actuals_import(project=costed, by=manager, name="bad.csv", content=content)
    assert not ActualCost.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty"),
        (HEADER.encode(), "the header but no rows"),
        (b"when,line,amount\n2026-01-01,Team,5\n", "Line 1: the header must be date,budget_line"),
        (
            "date,budget_line,amount,reference,note\n2026-01-01,Équipe,5,x,\n".encode("latin-1"),
            "not UTF-8",
        ),
        (
            b"date,budget_line,amount,reference,note\n" + b"2026-01-01,Team,5,x,\0\n",
            "Line 2: note: Null characters are not allowed",
        ),
        (
            b"date,budget_line,amount,reference,note\n2026-01-01,Team,5,x," + b"y" * 140_000,
            "Line 2: the file is not valid CSV",
        ),
    ],
)
def test_files_that_are_not_a_list_of_costs_are_refused(costed, manager, content, message):
    with pytest.raises(ValidationError, match=message):
        costs.actuals_import(project=costed, by=manager, name="x.csv", content=content)
    assert not ActualImport.objects.exists()


def test_a_spreadsheets_byte_order_mark_and_blank_lines_are_fine(costed, manager):
    content = "\ufeff" + HEADER + f"\n{day()},TEAM,5,INV-1,\r\n\r\n"
    batch = costs.actuals_import(
        project=costed, by=manager, name="excel.csv", content=content.encode()
    )
    assert batch.rows == 1


def test_a_file_too_large_or_too_long_is_refused(costed, manager, settings):
    settings.ACTUALS_IMPORT_MAX_KB = 1
    big = csv_file(*[f"{day()},Team,5,INV-{n:05d},padding" for n in range(60)])
    with pytest.raises(ValidationError, match="up to 1 KB"):
        costs.actuals_import(project=costed, by=manager, name="big.csv", content=big)

    settings.ACTUALS_IMPORT_MAX_KB = 1024
    settings.ACTUALS_IMPORT_MAX_ROWS = 10
    long = csv_file(*[f"{day()},Team,5,INV-{n},x" for n in range(11)])
    with pytest.raises(ValidationError, match="more than 10 rows"):
        costs.actuals_import(project=costed, by=manager, name="long.csv", content=long)
    assert not ActualCost.objects.exists()


def test_the_same_file_twice_is_imported_once(costed, manager):
    content = csv_file(f"{day()},Team,5000,INV-1,", f"{day()},Servers,250.50,INV-2,")
    costs.actuals_import(project=costed, by=manager, name="april.csv", content=content)
    audited = AuditEntry.objects.count()

    with pytest.raises(ValidationError, match=r"This file was imported already on .* by Alex"):
        costs.actuals_import(project=costed, by=manager, name="april-again.csv", content=content)

    assert ActualCost.objects.count() == 2 and ActualImport.objects.count() == 1
    assert AuditEntry.objects.count() == audited
    assert fresh(costed).actual_cost == Decimal("5250.50")


def test_a_line_named_twice_is_refused_as_ambiguous(costed, manager):
    BudgetLine.objects.create(plan=costed.plan, category="staff", description="Team", amount=1)
    with pytest.raises(ValidationError, match="'Team' names 2 lines"):
        costs.actuals_import(
            project=costed, by=manager, name="a.csv", content=csv_file(f"{day()},Team,5,INV,")
        )


def test_the_sample_file_imports_as_it_is(costed, manager):
    sample = imports.sample(costed.plan.budget_lines.all())
    batch = costs.actuals_import(
        project=costed, by=manager, name="actuals-sample.csv", content=sample.encode()
    )
    assert batch.rows == 2


def test_the_date_hint_says_the_same_day_as_the_file_should_write_it():
    assert imports.date_hint("31/02/2026") == "2026-02-28"
    assert imports.date_hint("5.3.2026") == "2026-03-05"
    assert imports.date_hint("2026/4/31") == "2026-04-30"
    assert imports.date_hint("yesterday").startswith("YYYY-MM-DD, e.g. ")


# -- Forecasts and the stored totals --------------------------------------------------------------


def test_manager_can_update_the_forecast_and_the_estimate_follows(costed, manager):
    team, servers = line(costed, "Team"), line(costed, "Servers")
    record(costed, manager, amount=Decimal("30000"))

    changed = costs.forecast_update(
        project=costed,
        by=manager,
        forecasts={team.pk: Decimal("85000"), servers.pk: None},
    )

    project = fresh(costed)
    assert changed == ["Team"]
    # Team: 30,000 + 85,000; Servers: what is left, 20,000.
    assert project.forecast_cost == Decimal("135000.00")
    sheet = cost_sheet(project)
    assert sheet.total.variance == Decimal("15000.00")
    assert sheet.total.variance_pct == Decimal("12.5")
    assert sheet.funding_variance == Decimal("15000.00")  # funded 120,000
    entry = AuditEntry.objects.for_subject(project).filter(event=events.FORECAST_UPDATED).get()
    assert entry.comment == "Team: what is left → EUR 85,000.00"
    # 12.5% over the baseline is beyond the plan's 10% tolerance: the sponsor has a decision.
    assert project.exceptions.filter(kind="cost", state="open").count() == 1


def test_manager_cannot_forecast_lines_of_another_plan_or_below_zero(costed, manager):
    team = line(costed, "Team")
    with pytest.raises(ValidationError, match="lines of this project's plan"):
        costs.forecast_update(project=costed, by=manager, forecasts={team.pk + 999: Decimal(1)})
    with pytest.raises(ValidationError, match="zero or more"):
        costs.forecast_update(project=costed, by=manager, forecasts={team.pk: Decimal(-1)})
    assert line(costed, "Team").forecast_to_complete is None


def test_the_estimate_stays_blank_until_the_plan_is_approved(planning):
    assert Project.objects.get(pk=planning.pk).forecast_cost is None


def test_the_estimate_starts_at_the_budget_when_the_plan_is_approved(delivering, manager):
    assert delivering.baseline_budget == delivering.forecast_cost == Decimal("100000")
    costs.actual_record(
        project=delivering,
        by=manager,
        budget_line=delivering.plan.budget_lines.get(),
        date=TODAY(),
        amount=Decimal("10"),
        reference="INV",
    )
    project = fresh(delivering)
    assert project.actual_cost == Decimal("10")
    assert project.forecast_cost == Decimal("100000")  # spent 10, what is left still to come


# -- The budget RAG proposed for a status report ----------------------------------------------


def proposal_for(costed, manager, spent: str, tolerance: str | None, funded_more: int = 0):
    Plan.objects.filter(pk=costed.plan.pk).update(
        cost_tolerance_pct=None if tolerance is None else Decimal(tolerance)
    )
    Project.objects.filter(pk=costed.pk).update(funded=Decimal(120000 + funded_more))
    team = line(costed, "Team")
    costs.forecast_update(project=costed, by=manager, forecasts={team.pk: Decimal(spent)})
    return budget_proposal(fresh(costed))


def test_within_the_baseline_the_budget_is_proposed_green(costed, manager):
    proposal = proposal_for(costed, manager, "100000", "10")
    assert proposal.rag == "green" and "within the baseline of EUR 120,000.00" in proposal.why


def test_over_the_baseline_within_tolerance_and_funding_it_is_amber(costed, manager):
    proposal = proposal_for(costed, manager, "110000", "10", funded_more=20000)
    assert proposal.rag == "amber"
    assert proposal.why == (
        "Estimate at completion EUR 130,000.00 is above the baseline of EUR 120,000.00, "
        "within the cost tolerance (up to EUR 132,000.00)."
    )


def test_beyond_tolerance_or_funding_it_is_red(costed, manager):
    assert proposal_for(costed, manager, "113000", "10", funded_more=50000).rag == "red"
    proposal = proposal_for(costed, manager, "101000", "10")
    assert proposal.rag == "red" and "above the funding of EUR 120,000.00" in proposal.why
    # No tolerance set: none at all.
    assert proposal_for(costed, manager, "100500", None, funded_more=50000).rag == "red"


def test_the_proposal_is_kept_with_the_report_beside_the_managers_choice(costed, manager):
    proposal_for(costed, manager, "110000", "10", funded_more=20000)
    report = report_status(fresh(costed), manager, budget="green")
    assert (report.budget, report.budget_proposed) == ("green", "amber")


def test_nothing_is_proposed_before_the_plan_is_approved(planning, manager):
    assert budget_proposal(planning) is None
    assert report_status(planning, manager).budget_proposed == ""


def test_absurd_amounts_in_a_file_are_a_line_error_not_a_database_error(costed, manager):
    content = csv_file(f'{day()},Team,"999,999,999,999.99",INV-1,', f"{day()},Team,10,INV-2,")
    parsed = imports.parse(content, costed.plan.budget_lines.all())
    assert parsed.errors == [
        "Line 2: amount '999,999,999,999.99': Enter an amount below 10,000,000,000."
    ]


def test_the_sample_file_quotes_names_and_leaves_formulas_out(costed, manager):
    team = line(costed, "Team")
    BudgetLine.objects.filter(pk=team.pk).update(description='Team "Pro", north')
    BudgetLine.objects.filter(pk=line(costed, "Servers").pk).update(description="=cmd")
    sample = imports.sample(costed.plan.budget_lines.all())
    assert '"Team ""Pro"", north"' in sample and "=cmd" not in sample
    batch = costs.actuals_import(project=costed, by=manager, name="s.csv", content=sample.encode())
    assert batch.rows == 1
