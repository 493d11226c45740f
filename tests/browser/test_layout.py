"""Pages that fit (issue 19): at 1280 and at 375 pixels no element is wider than the window,
with a 300-character unbroken goal statement and long titles in the data. Only a scroll
container that itself fits (the board) may hold something wider; the board says it scrolls."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from projects.models import Proposal, ProposalState
from projects.services import definition
from tests.browser.conftest import accessibility_problems, axe_violations
from tests.conftest import smart_goal
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNBROKEN = "Reduce" + "abcdefghij" * 29 + "done"  # 300 characters, no space
WIDTHS = (1280, 375)

# Everything visible whose box ends beyond the window, unless a scroll container that itself
# fits the window holds it (what a person can scroll to inside the page).
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const fits = (box) => box.left >= -1 && box.right <= width + 1;
  const problems = [];
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  }
  for (const element of document.body.querySelectorAll("*")) {
    if (!element.checkVisibility()) continue;
    const box = element.getBoundingClientRect();
    if ((box.width === 0 && box.height === 0) || fits(box)) continue;
    let holder = element.parentElement;
    while (holder && holder !== document.body) {
      const overflow = getComputedStyle(holder).overflowX;
      if (overflow !== "visible" && fits(holder.getBoundingClientRect())) break;
      holder = holder.parentElement;
    }
    if (holder && holder !== document.body) continue;
    const name = element.tagName.toLowerCase() + (element.className && typeof element.className
      === "string" ? "." + element.className.trim().split(/\\s+/).join(".") : "");
    problems.push(`${name} ends at ${Math.round(box.right)} px`);
  }
  return problems.slice(0, 8);
}"""


def too_wide(page: Page) -> dict[int, list[str]]:
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if problems := page.evaluate(TOO_WIDE):
            found[width] = problems
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


@pytest.fixture
def long_data(defining, manager, sponsor, sponsor2):
    """A goal with a 300-character unbroken statement, an escalated business case with a long
    title and a project whose title is one long word."""
    goal = definition.goal_save(project=defining, by=manager, **smart_goal(statement=UNBROKEN))
    escalated = ProjectFactory(
        title="Consolidate the regional data centres into two resilient sites with shared backup",
        manager=manager,
        sponsor=sponsor2.sponsor_profile,
    )
    # Set-up only: the journey to an escalation is tested in test_inbox.py.
    Proposal.objects.filter(project=escalated).update(
        state=ProposalState.ESCALATED,
        estimated_cost=Decimal("120000"),
        revision=1,
        submitted_at=timezone.now(),
        endorsed_by=sponsor2,
        endorsed_at=timezone.now(),
    )
    ProjectFactory(
        title="Supercalifragilisticexpialidocious-procurement-platform-modernisation-programme",
        manager=manager,
        sponsor=sponsor.sponsor_profile,
    )
    return goal


def visit(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_every_page_fits_the_window_at_1280_and_375_pixels(person, long_data, pmo):
    goal = long_data
    project = goal.project
    pages = {
        "pmo": [
            ("home-pmo", reverse("projects:home")),
            ("portfolio-list", reverse("projects:portfolio")),
            ("portfolio-board", reverse("projects:portfolio") + "?view=board"),
        ],
        "sponsor": [("home-sponsor", reverse("projects:home"))],
        "manager": [
            ("home-manager", reverse("projects:home")),
            ("goals", reverse("projects:goals", args=[project.pk])),
            ("goal", reverse("projects:goal", args=[project.pk, goal.pk])),
        ],
    }
    overflowing: dict[str, dict[int, list[str]]] = {}
    problems: dict[str, list[str]] = {}
    for username, visits in pages.items():
        someone = person(username)
        for name, path in visits:
            visit(someone.page, someone.base_url + path)
            if found := too_wide(someone.page):
                overflowing[name] = found
            if found := accessibility_problems(someone.page) + axe_violations(someone.page):
                problems[name] = found
            someone.screenshots(f"layout-{name}")
    assert overflowing == {}
    assert problems == {}


def test_the_board_says_it_scrolls_and_scrolls_from_the_keyboard(person, long_data, pmo):
    morgan = person("pmo")
    page = morgan.page
    visit(page, morgan.base_url + reverse("projects:portfolio") + "?view=board")
    board = page.get_by_role("region", name="Board of projects by stage")
    expect(board).to_be_visible()
    expect(page.get_by_text("Scroll for more stages →")).to_be_visible()

    board.focus()
    expect(board).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.board').scrollLeft > 0")
    board.evaluate("board => board.scrollTo({left: board.scrollWidth})")
    expect(board.get_by_role("heading", name="Cancelled")).to_be_in_viewport()
    expect(page.get_by_text("Scroll for more stages →")).to_be_hidden()
