"""Change after the plan in a real browser (issue 18): a milestone forecast crosses the time
tolerance, the sponsor finds the exception in Needs my action, the manager raises a change
request, the sponsor approves it, and the Changes tab shows the baseline diff while History
names the approval limit that applied — by visible labels and button names only, each page
checked by axe-core and photographed at 1280 and 375 pixels."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from projects.formats import day
from tests.browser.conftest import accessibility_problems, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(page: Page, where: str, problems: dict[str, list[str]]) -> None:
    if found := accessibility_problems(page) + axe_violations(page):
        problems[where] = found


def follow(page: Page, link: object) -> None:
    with page.expect_navigation():
        link.click()


def test_a_late_forecast_an_exception_and_the_change_request_that_decides_it(
    person, delivering, manager, sponsor
):
    problems: dict[str, list[str]] = {}
    milestone = delivering.plan.milestones.get()
    late = milestone.due_date + timedelta(days=30)

    alex = person("manager")
    page = alex.page
    page.goto(f"{alex.base_url}/projects/{delivering.pk}/plan/")
    checked(page, "plan (manager, delivering)", problems)
    page.get_by_label("Go live", exact=True).fill(late.isoformat())
    page.get_by_role("button", name="Update forecasts").click()
    expect(page.get_by_text("beyond the time tolerance")).to_be_visible()
    expect(page.get_by_text("Open exception:")).to_be_visible()
    alex.screenshots("change-plan-forecast")

    dana = person("sponsor")
    nav = dana.page.get_by_role("navigation", name="Main")
    follow(dana.page, nav.get_by_role("link", name="Needs my action"))
    decisions = dana.page.get_by_role("region", name="Awaiting my decision")
    expect(decisions).to_contain_text(
        "Decide the time exception: approve a change request or cancel the project"
    )
    expect(decisions).to_contain_text("30 days after its baseline date")
    dana.screenshots("change-needs-my-action")

    follow(page, page.get_by_role("link", name="Changes", exact=True))
    follow(page, page.get_by_role("link", name="Raise change request"))
    checked(page, "raise change request", problems)
    page.get_by_label("What changes").fill("Second data migration run")
    page.get_by_label("Why").fill("The first run found 4,000 broken records")
    page.get_by_label("Cost impact").fill("15,000")
    page.get_by_label("Budget line").select_option(label="Staff — Team")
    page.get_by_label("Time impact (days)").fill("30")
    page.get_by_label("Milestone").select_option(label="Go live")
    page.get_by_label("Scope impact").fill("Clean-up of the legacy records")
    alex.screenshots("change-raise-form")
    page.get_by_role("button", name="Raise change request").click()
    expect(page.get_by_text("CR-1 raised: the sponsor decides.")).to_be_visible()

    follow(dana.page, nav.get_by_role("link", name="Needs my action"))
    follow(
        dana.page,
        dana.page.get_by_role(
            "link", name="Change request to decide: CR-1 Second data migration run"
        ),
    )
    checked(dana.page, "change request (sponsor)", problems)
    dana.screenshots("change-request-decision")
    dana.page.get_by_label("Comment").fill("Agreed: do it properly")
    dana.page.get_by_role("button", name="Approve").click()
    expect(dana.page.get_by_text("Approve: the change request is now approved.")).to_be_visible()
    expect(dana.page.get_by_text("Baseline 2: what changed")).to_be_visible()

    follow(dana.page, dana.page.get_by_role("link", name="Changes", exact=True))
    body = dana.page.locator("main")
    expect(body).to_contain_text("Budget line Team: EUR 100,000.00 → EUR 115,000.00")
    moved = milestone.due_date + timedelta(days=30)
    expect(body).to_contain_text(f"Milestone Go live: {day(milestone.due_date)} → {day(moved)}")
    expect(body).to_contain_text("Scope: + CR-1: Clean-up of the legacy records")
    expect(body).to_contain_text("Decided: a change request was approved")
    expect(dana.page.get_by_text("Open exception:")).to_have_count(0)
    checked(dana.page, "changes tab", problems)
    dana.screenshots("change-changes-tab")

    follow(dana.page, dana.page.get_by_role("link", name="History", exact=True))
    expect(dana.page.locator("main")).to_contain_text("Approval limit that applied: EUR 250,000.00")
    dana.screenshots("change-history")
    assert problems == {}
