"""Funding that can be trusted, in a real browser (issue 18): the sponsor's “1e6” is refused
with what to type instead; “1,000,000” against a 150,000 estimate asks for a confirmation;
once the PMO approved it, the sponsor corrects it to 150,000 with a reason, and the total and
History say so. Each page checked by axe-core and photographed at 1280 and 375 pixels."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from projects.models import Proposal, ProposalState
from tests.browser.conftest import accessibility_problems, axe_violations
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Warehouse scanners"


def checked(page: Page, where: str, problems: dict[str, list[str]]) -> None:
    if found := accessibility_problems(page) + axe_violations(page):
        problems[where] = found


def follow(page: Page, link: object) -> None:
    with page.expect_navigation():
        link.click()


def test_the_sponsor_records_confirms_and_corrects_funding(person, manager, sponsor, pmo):
    project = ProjectFactory(title=TITLE, manager=manager, sponsor=sponsor.sponsor_profile)
    Proposal.objects.filter(project=project).update(
        state=ProposalState.APPROVED, estimated_cost=Decimal("150000")
    )
    problems: dict[str, list[str]] = {}

    dana = person("sponsor")
    page = dana.page
    page.goto(f"{dana.base_url}{project.get_absolute_url()}")
    follow(page, page.get_by_role("link", name="Record funding"))
    page.get_by_label("Amount").fill("1e6")
    page.get_by_label("Source / cost centre").fill("CC-4100 Logistics")
    follow(page, page.get_by_role("button", name="Record funding"))
    expect(
        page.get_by_text("Write the amount in digits, e.g. 1,000,000 (not 1e6).")
    ).to_be_visible()

    page.get_by_label("Amount").fill("1,000,000")
    follow(page, page.get_by_role("button", name="Record funding"))
    expect(
        page.get_by_text(
            "This brings funding to EUR 1,000,000.00, 566.7% above the estimated cost of "
            "EUR 150,000.00."
        )
    ).to_be_visible()
    checked(page, "funding form, warned", problems)
    dana.screenshots("funding-warning")
    page.get_by_label("Yes, this amount is right").check()
    follow(page, page.get_by_role("button", name="Record funding"))
    expect(page.get_by_text("Funding recorded, awaiting approval")).to_be_visible()
    expect(page.locator("#fundings")).to_contain_text("EUR 1,000,000.00")

    # Above Dana's limit and the estimate, the PMO approves it: the typo got through.
    morgan = person("pmo")
    morgan.page.goto(f"{morgan.base_url}{project.get_absolute_url()}")
    follow(morgan.page, morgan.page.get_by_role("button", name="Approve funding"))
    expect(morgan.page.locator("#funding-total")).to_have_text("EUR 1,000,000.00")

    page.reload()
    follow(page, page.get_by_role("link", name="Correct EUR 1,000,000.00 from CC-4100 Logistics"))
    page.get_by_label("Reason for the correction").fill("Typed a million for 150,000")
    page.get_by_label("The right amount (optional)").fill("150,000")
    checked(page, "correction form", problems)
    dana.screenshots("funding-correct")
    follow(page, page.get_by_role("button", name="Correct funding"))
    expect(page.get_by_text("Funding corrected")).to_be_visible()
    expect(page.locator("#funding-total")).to_have_text("EUR 150,000.00")
    expect(page.locator("#fundings")).to_contain_text("Reversal of EUR 1,000,000.00 recorded on")
    expect(page.locator("#fundings")).to_contain_text("Typed a million for 150,000")
    checked(page, "project page, corrected", problems)
    dana.screenshots("funding-corrected")

    follow(page, page.get_by_role("link", name="History"))
    expect(page.get_by_role("cell", name="Correct funding")).to_be_visible()
    expect(page.get_by_text("Typed a million for 150,000")).to_be_visible()
    assert problems == {}
