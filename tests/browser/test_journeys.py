"""The people of the mission, in a real browser: by visible labels and button names only."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import accessibility_problems

pytestmark = [pytest.mark.worker, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Warehouse Wi-Fi upgrade"


def accessible(page: Page, where: str, problems: dict[str, list[str]]) -> None:
    if found := accessibility_problems(page):
        problems[where] = found


def follow(page: Page, link: object) -> None:
    """Click a link and wait until the page it opens has loaded."""
    with page.expect_navigation():
        link.click()


def open_project(page: Page, section: str | None = None) -> None:
    """From Home, the project's link (in a given section of Home, if named)."""
    follow(page, page.get_by_role("link", name="Home"))
    scope = page.get_by_role("region", name=section) if section else page
    follow(page, scope.get_by_role("link", name=TITLE).first)


def fill_row(page: Page, formset: str, button: str, values: dict[str, str]) -> None:
    """Add a row to a list with its button, then fill it in by its labels."""
    page.get_by_role("button", name=button).click()
    row = page.locator(f"#{formset}-rows [data-formset-row]").last
    for label, value in values.items():
        field = row.get_by_label(label)
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


def test_a_business_case_becomes_a_signed_charter_and_its_pdf(
    person, manager, sponsor, viewer, celery_worker, tmp_path
):
    problems: dict[str, list[str]] = {}
    alex = person("manager")
    page = alex.page
    accessible(page, "home (manager)", problems)

    # The manager writes a business case with two risks and submits it.
    page.get_by_role("link", name="New business case").first.click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Category").select_option(label="Network upgrade")
    page.get_by_label("Sponsor").select_option(label="Dana Whitfield, CIO")
    page.get_by_label("Goal").fill("Full Wi-Fi coverage for the handheld scanners.")
    page.get_by_label("Need").fill("Scanners drop out in the high-bay aisles.")
    page.get_by_label("Estimated cost").fill("95000")
    page.get_by_label("Start").fill("2027-01-04")
    page.get_by_label("End").fill("2027-06-30")
    page.get_by_label("Expected benefits").fill("Picking without dead zones.")
    fill_row(
        page,
        "risks",
        "Add a risk",
        {
            "Description": "Interference with racking sensors",
            "Likelihood": "2 – Unlikely",
            "Impact": "3 – Serious",
        },
    )
    fill_row(
        page,
        "risks",
        "Add a risk",
        {
            "Description": "Access points delivered late",
            "Likelihood": "3 – Possible",
            "Impact": "2 – Moderate",
        },
    )
    accessible(page, "business case form", problems)
    alex.screenshot("business-case-form")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("the business case is now submitted")).to_be_visible()
    project_url = page.url

    # The sponsor finds it waiting for her and sends it back with a comment.
    dana = person("sponsor")
    expect(dana.page.get_by_role("region", name="Awaiting my decision")).to_contain_text(TITLE)
    dana.screenshot("home-sponsor")
    open_project(dana.page, "Awaiting my decision")
    accessible(dana.page, "decision panel", problems)
    dana.screenshot("decision-panel")
    dana.page.get_by_label("Comment", exact=True).fill("Please add a quote for the site survey.")
    dana.page.get_by_role("button", name="Request changes").click()
    expect(dana.page.get_by_text("the business case is now changes requested")).to_be_visible()

    # The manager edits and resubmits; the sponsor sees what changed and approves.
    open_project(page)
    page.get_by_role("link", name="Edit business case").click()
    page.get_by_label("Estimated cost").fill("98500")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for approval").click()
    open_project(dana.page, "Awaiting my decision")
    expect(dana.page.get_by_text("What changed since the last decision")).to_be_visible()
    expect(dana.page.get_by_role("cell", name="EUR 98,500.00")).to_be_visible()
    dana.page.get_by_role("button", name="Approve").click()
    expect(dana.page.get_by_text("the business case is now approved")).to_be_visible()

    # The manager sees the gate's checklist: funding is still missing.
    open_project(page)
    expect(
        page.get_by_text("Funding recorded (an amount above zero, with its source)")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Advance to Initiating")).to_be_disabled()
    alex.screenshot("project-gate-checklist")
    accessible(page, "project page", problems)

    # The sponsor records funding; the manager advances to Initiating.
    dana.page.get_by_role("link", name="Record funding").click()
    dana.page.get_by_label("Amount").fill("98500")
    dana.page.get_by_label("Source / cost centre").fill("CC-4100 Logistics")
    accessible(dana.page, "funding form", problems)
    dana.page.get_by_role("button", name="Record funding").click()
    expect(dana.page.get_by_text("Funding recorded.")).to_be_visible()
    page.reload()
    page.get_by_role("button", name="Advance to Initiating").click()
    expect(page.get_by_text("the project is now Initiating")).to_be_visible()

    # The manager fills the charter, adding rows and removing one, and submits it.
    page.get_by_role("link", name="Charter", exact=True).click()
    page.get_by_role("link", name="Edit charter").click()
    page.get_by_label("Objectives summary").fill("Coverage in both warehouses by June.")
    for name, role in (
        ("Sam Reed", "Operations lead"),
        ("Jo Smith", "Site manager"),
        ("Not needed", "Mistake"),
    ):
        fill_row(page, "stakeholders", "Add a stakeholder", {"Name": name, "Role": role})
    page.locator("#stakeholders-rows [data-formset-row]").last.get_by_label("Delete").check()
    fill_row(page, "milestones", "Add a milestone", {"Name": "Pilot live", "Due": "2027-03-01"})
    fill_row(page, "deliverables", "Add a deliverable", {"Name": "Working installation"})
    fill_row(page, "assumption", "Add an assumption", {"Text": "Weekend access to the sites"})
    fill_row(page, "strength", "Add a strength", {"Text": "Experienced network team"})
    fill_row(page, "weakness", "Add a weakness", {"Text": "One hardware supplier"})
    fill_row(page, "tasks", "Add a task", {"Name": "Site survey", "Owner": "Alex Moreno"})
    accessible(page, "charter form", problems)
    alex.screenshot("charter-form")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Charter saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="Jo Smith")).to_be_visible()
    expect(page.get_by_role("cell", name="Not needed")).to_have_count(0)
    page.get_by_role("button", name="Submit charter for sign-off").click()
    expect(page.get_by_text("the charter is now submitted for sign-off")).to_be_visible()

    # The sponsor signs it.
    dana.page.get_by_role("link", name="Home").click()
    dana.page.get_by_role("region", name="Awaiting my decision").get_by_role(
        "link", name=TITLE
    ).click()
    dana.page.get_by_role("button", name="Sign charter").click()
    expect(dana.page.get_by_text("the charter is now signed")).to_be_visible()
    expect(dana.page.get_by_role("link", name="Revision 1", exact=True)).to_be_visible()

    # Signing rendered the signed revision: the manager finds it on the charter tab, with no
    # Generate PDF to press, waits for it if need be, downloads it and it reads back.
    page.get_by_role("link", name="Charter", exact=True).click()
    expect(page.get_by_role("button", name="Generate PDF")).to_have_count(0)
    download_link = page.get_by_role("link", name="Download PDF")
    expect(download_link).to_be_visible(timeout=60_000)  # htmx polls until the worker is done
    with page.expect_download() as download:
        download_link.click()
    pdf_path = Path(tmp_path) / "charter.pdf"
    download.value.save_as(pdf_path)
    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert TITLE in text and "Sam Reed" in text and "Jo Smith" in text

    # An outsider who opens the project's address gets a not-found page.
    chris = person("viewer")
    response = chris.page.goto(project_url)
    assert response.status == 404
    expect(chris.page.get_by_role("heading", name="Page not found")).to_be_visible()
    chris.errors.clear()  # the browser logs the expected 404 as a console error

    assert problems == {}
    assert re.search(r"/projects/\d+/$", project_url)


TABS = ["Business case", "Charter", "Goals", "Scope", "Plan", "Status", "Closure", "History"]


def test_every_page_has_one_heading_labelled_controls_and_no_console_errors(person):
    """A sweep of the demo as the PMO: home, portfolio, every tab of projects in every stage;
    then the forms the managers fill in."""
    from django.core.management import call_command

    call_command("seed_demo", force=True)
    problems: dict[str, list[str]] = {}

    def visit(page: Page, name: str, where: str, *, first: bool = False) -> None:
        link = page.get_by_role("link", name=name, exact=True)
        follow(page, link.first if first else link)
        accessible(page, where, problems)

    morgan = person("pmo")
    page = morgan.page
    accessible(page, "home (pmo)", problems)
    morgan.screenshot("home-pmo")
    visit(page, "Portfolio", "portfolio")
    visit(page, "Board", "portfolio board")
    for title in ("Online store relaunch", "ERP reporting upgrade", "Service desk telephony"):
        visit(page, "Portfolio", "portfolio")
        visit(page, title, title)
        for tab in TABS:
            visit(page, tab, f"{title} · {tab}")
    morgan.screenshot("closure-report")

    manager_tab = person("manager")
    alex = manager_tab.page
    visit(alex, "Online store relaunch", "project (manager)", first=True)
    visit(alex, "Goals", "goals (manager)")
    manager_tab.screenshot("goals")
    visit(alex, "Add goal", "goal form")
    visit(alex, "Cancel", "goals (manager)")
    visit(alex, "Scope", "scope (manager)")
    visit(alex, "Edit scope", "scope form")
    priya = person("manager2").page
    visit(priya, "ERP reporting upgrade", "project (manager2)", first=True)
    visit(priya, "Status", "status report form")

    assert problems == {}


def test_an_escalated_business_case_is_approved_and_the_approver_lands_on_it(
    person, manager, sponsor, sponsor2
):
    """Above Lee Park's limit of 50,000 their Approve is an endorsement; Dana Whitfield, whose
    limit covers 120,000, approves it from her inbox and lands on the approved business case
    (she is not the project's sponsor: having decided, she keeps reading it)."""
    from decimal import Decimal

    from projects.models import Proposal, ProposalState
    from tests.factories import ProjectFactory

    project = ProjectFactory(
        title="Campus network refresh", manager=manager, sponsor=sponsor2.sponsor_profile
    )
    Proposal.objects.filter(project=project).update(
        estimated_cost=Decimal("120000"), state=ProposalState.SUBMITTED, revision=1
    )

    lee = person("sponsor2").page
    follow(
        lee,
        lee.get_by_role("region", name="Awaiting my decision").get_by_role(
            "link", name="Campus network refresh"
        ),
    )
    expect(lee.get_by_text("Your approval limit is EUR 50,000.00")).to_be_visible()
    lee.get_by_role("button", name="Approve").click()
    expect(lee.get_by_text("the business case is now escalated")).to_be_visible()

    dana = person("sponsor")
    waiting = dana.page.get_by_role("region", name="Awaiting my decision")
    expect(waiting).to_contain_text("Escalated business case to decide")
    follow(dana.page, waiting.get_by_role("link", name="Campus network refresh"))
    with dana.page.expect_navigation() as landed:
        dana.page.get_by_role("button", name="Approve").click()

    assert landed.value.status == 200
    expect(dana.page.get_by_text("Approve: the business case is now approved.")).to_be_visible()
    expect(dana.page.locator(".badge", has_text="Approved")).to_be_visible()
    dana.screenshot("escalated-approval")
