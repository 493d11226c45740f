"""Actual costs in a real browser (issue 18): the manager imports a 20-line CSV of actuals —
preview, then import — and the Costs tab's totals are the file's sums; a wrong line is named
and nothing is imported; the page passes axe-core."""

import csv
import io
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from projects.models import BudgetLine, Project
from projects.services import costs
from tests.browser.test_inbox import checked, follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINES = {"Team": "staff", "Servers": "hardware", "Licences": "software"}


def actuals_file(rows: int = 20) -> str:
    """Twenty costs over the plan's three lines, amounts as people write them."""
    pick = random.Random(18)
    today = timezone.localdate()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "budget_line", "amount", "reference", "note"])
    for n in range(rows):
        amount = Decimal(pick.randint(100, 900_000)) / 100
        writer.writerow(
            [
                (today - timedelta(days=rows - n)).isoformat(),
                list(LINES)[n % 3],
                f"{amount:,.2f}",
                f"INV-2026-{n + 1:03d}",
                "Invoice, paid" if n % 4 == 0 else "",
            ]
        )
    return out.getvalue()


def sums(content: str) -> dict[str, Decimal]:
    """The file's own sums, per budget line and in all."""
    found = {name: Decimal(0) for name in LINES}
    for row in csv.DictReader(io.StringIO(content)):
        found[row["budget_line"]] += Decimal(row["amount"].replace(",", ""))
    return found | {"all": sum(found.values(), Decimal(0))}


def money(amount: Decimal) -> str:
    return f"EUR {amount:,.2f}"


@pytest.fixture
def costed(delivering) -> Project:
    plan = delivering.plan
    BudgetLine.objects.create(plan=plan, category="hardware", description="Servers", amount=20000)
    BudgetLine.objects.create(plan=plan, category="software", description="Licences", amount=5000)
    Project.objects.filter(pk=delivering.pk).update(baseline_budget=Decimal("125000"))
    costs.costs_refresh(Project.objects.get(pk=delivering.pk))
    return Project.objects.get(pk=delivering.pk)


def test_the_manager_imports_twenty_lines_of_actuals_and_the_totals_are_the_files_sums(
    person, costed, manager, pmo, tmp_path
):
    content = actuals_file()
    expected = sums(content)
    upload = tmp_path / "march-actuals.csv"
    upload.write_text(content)
    broken = tmp_path / "broken.csv"
    broken.write_text(content.replace(content.splitlines()[16], "31/02/2026,Team,5.00,X,", 1))
    problems: dict[str, list[str]] = {}

    alex = person("manager")
    page = alex.page
    page.goto(alex.base_url + reverse("projects:costs", args=[costed.pk]))
    checked(page, "costs before any actual (manager)", problems)
    follow(page, page.get_by_role("link", name="Import actuals", exact=True))
    checked(page, "import actuals", problems)
    alex.screenshots("actuals-import")

    page.get_by_label("CSV file").set_input_files(str(broken))
    follow(page, page.get_by_role("button", name="Preview"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Line 17: date '31/02/2026' is not a date (use 2026-02-28)"
    )
    expect(page.get_by_role("button", name="Import 19 rows")).to_have_count(0)
    alex.screenshots("actuals-import-errors")

    page.get_by_label("CSV file").set_input_files(str(upload))
    follow(page, page.get_by_role("button", name="Preview"))
    expect(page.get_by_role("status")).to_contain_text(f"20 rows, {money(expected['all'])} in all")
    checked(page, "import preview", problems)
    alex.screenshots("actuals-import-preview")
    follow(page, page.get_by_role("button", name="Import 20 rows"))

    expect(page.get_by_text("Imported 20 actual costs from march-actuals.csv.")).to_be_visible()
    expect(page.locator("#total-actual")).to_have_text(money(expected["all"]))
    table = page.get_by_role("table", name="Costs per budget line")
    for name in LINES:
        row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
        expect(row.get_by_role("cell").nth(1)).to_have_text(money(expected[name]))
    total = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Total"))
    expect(total.get_by_role("cell").nth(1)).to_have_text(money(expected["all"]))
    assert Project.objects.get(pk=costed.pk).actual_cost == expected["all"]
    checked(page, "costs after the import (manager)", problems)
    alex.screenshots("costs")

    follow(page, page.get_by_role("link", name="Status", exact=True))
    expect(page.locator("#budget-proposal")).to_contain_text("proposed from the costs")
    checked(page, "status with the proposed budget RAG", problems)
    alex.screenshots("status-budget-proposal")

    morgan = person("pmo")
    morgan.page.goto(morgan.base_url + reverse("projects:portfolio") + "?sort=-variance")
    expect(morgan.page.locator("#total-actual")).to_have_text(money(expected["all"]))
    checked(morgan.page, "portfolio with cost columns", problems)
    morgan.screenshots("portfolio-costs")

    assert problems == {}
