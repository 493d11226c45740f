"""Needs my action in a real browser (issue 16): the PMO decides an escalation from it, a
manager reads why the charter came back, a deputy decides for a sponsor on leave — by visible
labels and button names only, each page checked by axe-core and photographed at 1280 and
375 pixels."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from projects import services
from projects.models import Proposal
from tests.browser.conftest import accessibility_problems, axe_violations
from tests.conftest import charter_lists, charter_texts
from tests.factories import FundingFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(page: Page, where: str, problems: dict[str, list[str]]) -> None:
    """Labels and one heading (our own check), and axe-core's serious or critical findings."""
    if found := accessibility_problems(page) + axe_violations(page):
        problems[where] = found


def follow(page: Page, link: object) -> None:
    with page.expect_navigation():
        link.click()


def submitted_case(title: str, cost: str, manager, sponsor) -> object:
    project = ProjectFactory(title=title, manager=manager, sponsor=sponsor.sponsor_profile)
    Proposal.objects.filter(project=project).update(estimated_cost=Decimal(cost))
    services.proposal_submit(proposal=Proposal.objects.get(project=project), by=manager)
    return project


def test_the_pmo_finds_an_escalated_case_in_needs_my_action_and_approves_it(
    person, manager, sponsor2, pmo
):
    submitted_case("Campus network refresh", "120000", manager, sponsor2)
    problems: dict[str, list[str]] = {}

    lee = person("sponsor2")
    follow(
        lee.page,
        lee.page.get_by_role("region", name="Awaiting my decision").get_by_role(
            "link", name="Campus network refresh"
        ),
    )
    lee.page.get_by_role("button", name="Approve").click()
    expect(lee.page.get_by_text("the business case is now escalated")).to_be_visible()

    morgan = person("pmo")
    page = morgan.page
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Needs my action")).to_contain_text("1")
    follow(page, nav.get_by_role("link", name="Needs my action"))
    expect(page.get_by_role("heading", name="Needs my action", level=1)).to_be_visible()
    decisions = page.get_by_role("region", name="Awaiting my decision")
    expect(decisions).to_contain_text("Escalated business case to decide")
    expect(decisions).to_contain_text("Endorsed by Lee Park, above their approval limit.")
    checked(page, "needs my action (pmo)", problems)
    morgan.screenshots("needs-my-action-pmo")

    follow(page, decisions.get_by_role("link", name="Campus network refresh"))
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approve: the business case is now approved.")).to_be_visible()
    follow(page, nav.get_by_role("link", name="Needs my action"))
    expect(page.get_by_text("Nothing waits for you.")).to_be_visible()
    assert problems == {}


def test_a_returned_charter_shows_its_reason_in_the_inbox_and_on_the_charter_tab(
    person, manager, sponsor
):
    project = ProjectFactory(
        title="Warehouse Wi-Fi upgrade", manager=manager, sponsor=sponsor.sponsor_profile
    )
    Proposal.objects.filter(project=project).update(state="approved")
    FundingFactory(project=project)
    services.project_transition(project=project, name="advance_to_initiating", by=manager)
    charter = type(project).objects.get(pk=project.pk).charter
    services.charter_update(
        charter=charter,
        by=manager,
        version=charter.version,
        lists=charter_lists(),
        **charter_texts(),
    )
    services.charter_submit(charter=charter, by=manager)
    problems: dict[str, list[str]] = {}

    dana = person("sponsor")
    follow(
        dana.page,
        dana.page.get_by_role("region", name="Awaiting my decision").get_by_role(
            "link", name="Charter to sign (revision 1)"
        ),
    )
    dana.page.get_by_label("Comment", exact=True).fill(
        "Name the warehouse shift leads as stakeholders."
    )
    dana.page.get_by_role("button", name="Return charter").click()
    expect(dana.page.get_by_text("the charter is now returned")).to_be_visible()

    alex = person("manager")
    page = alex.page
    todo = page.get_by_role("region", name="To do")
    expect(todo).to_contain_text("Charter returned")
    expect(todo).to_contain_text("Name the warehouse shift leads as stakeholders.")
    checked(page, "home (manager)", problems)
    alex.screenshots("home-manager")
    follow(page, todo.get_by_role("link", name="Charter returned"))
    expect(page.get_by_role("status").filter(has_text="Returned")).to_contain_text(
        "by Dana Whitfield"
    )
    expect(
        page.get_by_text("Name the warehouse shift leads as stakeholders.").first
    ).to_be_visible()
    checked(page, "charter tab (returned)", problems)
    alex.screenshots("charter-returned")
    assert problems == {}


def test_a_deputy_decides_during_a_delegation_and_history_names_both(
    person, manager, sponsor, sponsor2
):
    project = submitted_case("Customer portal redesign", "180000", manager, sponsor)
    problems: dict[str, list[str]] = {}

    # Dana Whitfield goes on leave and names Lee Park her deputy.
    dana = person("sponsor")
    page = dana.page
    follow(page, page.get_by_role("link", name="Needs my action"))
    follow(page, page.get_by_role("link", name="Deputies"))
    page.get_by_label("Deputy").select_option(label="Lee Park, Head of Infrastructure")
    page.get_by_label("Until").fill((timezone.localdate() + timedelta(days=10)).isoformat())
    page.get_by_label("Note").fill("Annual leave")
    checked(page, "deputies (sponsor)", problems)
    page.get_by_role("button", name="Name deputy").click()
    expect(
        page.get_by_text("Lee Park decides for Dana Whitfield during those days.")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Active")).to_be_visible()
    dana.screenshots("deputies")

    # Lee Park finds her business case in his inbox and approves it within her limit.
    lee = person("sponsor2")
    follow(lee.page, lee.page.get_by_role("link", name="Needs my action"))
    row = lee.page.get_by_role("row").filter(has_text="Customer portal redesign")
    expect(row).to_contain_text("as deputy for Dana Whitfield")
    lee.screenshots("needs-my-action-deputy")
    follow(lee.page, row.get_by_role("link", name="Business case to decide"))
    lee.page.get_by_role("button", name="Approve").click()
    expect(lee.page.get_by_text("Approve: the business case is now approved.")).to_be_visible()

    follow(lee.page, lee.page.get_by_role("link", name="History"))
    expect(lee.page.get_by_role("cell", name="Lee Park for Dana Whitfield")).to_be_visible()
    checked(lee.page, "history (deputy)", problems)
    lee.screenshots("history-deputy")
    assert project.pk and problems == {}


def test_the_actions_card_profile_and_home_read_well_on_a_phone(person, manager, sponsor):
    """The pages this issue changed, for a manager whose charter must be filled: who holds
    the ball, at 1280 and 375 pixels, with no serious accessibility finding."""
    project = ProjectFactory(
        title="Online store relaunch", manager=manager, sponsor=sponsor.sponsor_profile
    )
    Proposal.objects.filter(project=project).update(state="approved")
    FundingFactory(project=project)
    services.project_transition(project=project, name="advance_to_initiating", by=manager)
    problems: dict[str, list[str]] = {}

    dana = person("sponsor")
    follow(dana.page, dana.page.get_by_role("link", name="Online store relaunch").first)
    expect(dana.page.get_by_text("Waiting for Alex Moreno to complete the charter")).to_be_visible()
    checked(dana.page, "project (sponsor)", problems)
    dana.screenshots("actions-card-waiting")

    alex = person("manager")
    follow(alex.page, alex.page.get_by_role("link", name="Online store relaunch").first)
    expect(alex.page.get_by_text("Your next steps")).to_be_visible()
    alex.screenshots("actions-card-next-steps")
    follow(alex.page, alex.page.get_by_role("link", name="Alex Moreno"))
    expect(alex.page.get_by_label("Daily digest e-mail")).to_be_checked()
    checked(alex.page, "profile", problems)
    alex.screenshots("profile")
    assert problems == {}


def test_a_sponsor_pages_through_more_decisions_than_a_page_holds(
    person, manager, sponsor, monkeypatch
):
    """Past a page (50; 2 here) the rest are a click away: Next under the list."""
    monkeypatch.setattr("projects.views.people.INBOX_LIMIT", 2)
    for title in ("Payroll migration", "Badge readers", "Archive scanning"):
        submitted_case(title, "50000", manager, sponsor)
    problems: dict[str, list[str]] = {}

    dana = person("sponsor")
    page = dana.page
    follow(page, page.get_by_role("link", name="Needs my action"))
    decisions = page.get_by_role("region", name="Awaiting my decision")
    expect(decisions.get_by_role("link", name="Business case to decide")).to_have_count(2)
    expect(decisions).not_to_contain_text("Archive scanning")
    pages = decisions.get_by_role("navigation", name="Pages of decisions")
    expect(pages).to_contain_text("Page 1 of 2")
    follow(page, pages.get_by_role("link", name="Next"))
    expect(decisions.get_by_role("link", name="Archive scanning")).to_be_visible()
    expect(pages).to_contain_text("Page 2 of 2")
    checked(page, "needs my action, page 2", problems)
    dana.screenshots("needs-my-action-pages")
    follow(page, pages.get_by_role("link", name="Previous"))
    expect(decisions).to_contain_text("Payroll migration")
    assert problems == {}
