"""Dates, times and money read the one way in a real browser (issue 19): the signed charter
and its History, and the business case's what-changed table — each page checked by axe-core
and photographed at 1280 and 375 pixels."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import Page, expect

from projects import services
from projects.models import Proposal
from tests.browser.conftest import accessibility_problems, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def checked(page: Page, where: str, problems: dict[str, list[str]]) -> None:
    if found := accessibility_problems(page) + axe_violations(page):
        problems[where] = found


def test_the_signed_charter_and_history_show_human_times(person, filled, manager, sponsor):
    problems: dict[str, list[str]] = {}
    services.charter_submit(charter=filled.charter, by=manager)
    with time_machine.travel(datetime(2026, 11, 28, 6, 10, 21, tzinfo=UTC), tick=False):
        services.charter_sign(charter=filled.charter, by=sponsor)

    alex = person("manager")
    page = alex.page
    page.goto(f"{alex.base_url}/projects/{filled.pk}/charter/")
    expect(page.locator("main")).to_contain_text("on 28 Nov 2026, 06:10 UTC")
    checked(page, "charter", problems)
    alex.screenshots("formats-charter")
    assert not ISO.search(page.locator("main").inner_text())

    page.goto(f"{alex.base_url}/projects/{filled.pk}/history/")
    expect(page.locator("main")).to_contain_text("UTC")
    checked(page, "history", problems)
    alex.screenshots("formats-history")
    assert not problems, problems


def test_what_changed_shows_amounts_with_currency_and_grouping(person, submitted, manager, sponsor):
    problems: dict[str, list[str]] = {}
    Proposal.objects.filter(pk=submitted.proposal.pk).update(estimated_cost=Decimal("60000"))
    services.proposal_request_changes(
        proposal=Proposal.objects.get(pk=submitted.proposal.pk), by=sponsor, comment="Recost"
    )
    proposal = Proposal.objects.get(pk=submitted.proposal.pk)
    services.business_case_update(
        proposal=proposal,
        by=manager,
        risks=[
            {"id": r.pk, "description": r.description, "likelihood": r.likelihood}
            | {"impact": r.impact, "mitigation": r.mitigation}
            for r in proposal.risks.all()
        ],
        estimated_cost=Decimal("78000"),
        end_date=date(2027, 9, 30),
    )
    services.proposal_submit(proposal=Proposal.objects.get(pk=submitted.proposal.pk), by=manager)

    dana = person("sponsor")
    dana.page.goto(f"{dana.base_url}{submitted.get_absolute_url()}")
    table = dana.page.get_by_role("table").first
    expect(table).to_contain_text("EUR 60,000.00")
    expect(table).to_contain_text("EUR 78,000.00")
    expect(table).to_contain_text("30 Sep 2027")
    checked(dana.page, "business case", problems)
    dana.screenshots("formats-what-changed")
    assert not problems, problems
