"""The RAID register in a real browser (issue 18, part 5): the manager adds a risk — the
form answers a missing score beside the field first — and it shows on the Register tab and
on the PMO's heat map; the Register tab is checked by axe-core and photographed at 1280 and
375 pixels."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_problems, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manager_adds_a_risk_that_shows_on_the_register_and_the_pmos_heat_map(
    person, initiating, pmo
):
    alex = person("manager")
    page = alex.page
    page.goto(f"{alex.base_url}/projects/{initiating.pk}/")
    page.get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", name="RAID register")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Supplier delivers late")).to_contain_text(
        "Business case"
    )

    page.get_by_role("link", name="Add to the register").click()
    page.get_by_label("Owner").select_option(label="Sam Reed")
    page.get_by_label("Description").fill("Key user leaves during the rollout")
    page.get_by_label("Response").fill("Train a deputy in the warehouse team")
    page.get_by_label("Impact").select_option(label="5")
    review_by = timezone.localdate() + timedelta(days=14)
    page.get_by_label("Review by").fill(review_by.isoformat())
    page.get_by_role("button", name="Add to the register").click()
    expect(page.get_by_text("A risk needs a likelihood from 1 (rare) to 5")).to_be_visible()
    alex.screenshots("raid-form-error")

    page.get_by_label("Likelihood").select_option(label="4")
    page.get_by_role("button", name="Add to the register").click()
    expect(page.get_by_text("Risk added: “Key user leaves during the rollout”.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Key user leaves during the rollout")
    expect(row).to_contain_text("Sam Reed")
    expect(row).to_contain_text("20")
    expect(row).to_contain_text(review_by.strftime("%-d %b %Y"))
    problems = accessibility_problems(page) + axe_violations(page)
    assert problems == []
    alex.screenshots("raid-register")

    morgan = person("pmo")
    morgan.page.goto(f"{morgan.base_url}/projects/")
    heat_map = morgan.page.get_by_role("table", name="Risk heat map")
    expect(heat_map).to_be_visible()
    expect(
        morgan.page.get_by_text("Open risks in the RAID registers of active projects")
    ).to_be_visible()
    # Impact 5 is the top row; likelihood 4 its fourth cell: the risk just added.
    expect(heat_map.locator("tr").nth(0).locator("td").nth(3)).to_have_text("1")
    # Impact 4, likelihood 3: the business case's risk, carried over into the register.
    expect(heat_map.locator("tr").nth(1).locator("td").nth(2)).to_have_text("1")
    morgan.screenshot("raid-portfolio-heat-map")


def test_the_owner_reviews_an_overdue_risk_from_needs_my_action(
    person, initiating, manager, member
):
    from projects.models import RaidItem
    from projects.services import raid

    item = raid.raid_item_add(
        project=initiating,
        by=manager,
        kind="risk",
        title="Scanner firmware not certified",
        owner=member,
        likelihood=3,
        impact=3,
    )
    RaidItem.objects.filter(pk=item.pk).update(review_date=timezone.localdate() - timedelta(days=2))
    sam = person("member")
    page = sam.page
    page.goto(f"{sam.base_url}/needs-my-action/")
    page.get_by_role("link", name="Review the risk “Scanner firmware not certified”").click()
    row = page.get_by_role("row").filter(has_text="Scanner firmware not certified")
    expect(row).to_contain_text("Overdue")
    row.get_by_role("link", name="Review").click()
    page.get_by_label("Response").fill("Vendor certifies in March")
    page.get_by_label("Next review by").fill(
        (timezone.localdate() + timedelta(days=30)).isoformat()
    )
    assert accessibility_problems(page) + axe_violations(page) == []
    sam.screenshots("raid-review-form")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Risk reviewed: “Scanner firmware not certified”.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Scanner firmware")).not_to_contain_text(
        "Overdue"
    )


def test_the_status_tab_shows_each_reports_top_risks_and_the_latest_reports_pdf(
    person, delivering, manager
):
    from tests.conftest import report_status

    report_status(delivering, manager, summary="Build on track")
    alex = person("manager")
    page = alex.page
    page.goto(f"{alex.base_url}/projects/{delivering.pk}/status/")
    report = page.locator(".card").filter(has_text="Build on track")
    expect(report.get_by_role("heading", name="Top risks")).to_be_visible()
    expect(report.get_by_role("row").filter(has_text="Supplier delivers late")).to_contain_text(
        "Alex Moreno"
    )
    expect(report.get_by_role("button", name="Generate PDF")).to_be_visible()
    assert accessibility_problems(page) + axe_violations(page) == []
    alex.screenshots("raid-status-top-risks")
