"""The accessibility sweep (issue 19): every page type, opened by every role that can open
it, is checked by axe-core (the version axe-playwright-python bundles) and by our own check
of labels and one heading; any serious or critical finding fails the test, listed by page.
One browser tab per role keeps it quick. docs/accessibility.md lists the pages and roles."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import AuditEntry
from projects import services
from projects.models import Measurement, Project, Proposal, WebhookEndpoint
from projects.services import change, raid
from tests.browser.conftest import accessibility_problems, axe_violations
from tests.conftest import all_delivered
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABS = [
    "detail",
    "charter",
    "goals",
    "scope",
    "plan",
    "costs",
    "changes",
    "raid",
    "status",
    "closure",
    "history",
]


@pytest.fixture
def portfolio(delivering, manager, sponsor, pmo, member) -> dict[str, Project]:
    """A project in Closing with something on every tab (an at-risk goal, a risk, a change
    request, a status report), and a business case waiting for the sponsor's decision
    (the yellow Request changes button)."""
    goal = delivering.goals.get()
    Measurement.objects.create(
        goal=goal, date=timezone.localdate(), value=Decimal("270"), recorded_by=manager
    )
    raid.raid_item_add(
        project=delivering,
        by=manager,
        kind="risk",
        title="Key user leaves",
        response="Train a deputy",
        likelihood=3,
        impact=4,
        review_date=timezone.localdate() + timedelta(days=7),
    )
    request = change.change_request_raise(
        project=delivering,
        by=manager,
        title="Add a second site",
        reason="The board asked",
        scope_impact="A second warehouse",
    )
    change.change_request_reject(change=request, by=sponsor, comment="Next year")
    all_delivered(delivering, manager, sponsor)
    services.project_transition(project=delivering, name="advance_to_closing", by=sponsor)
    waiting = ProjectFactory(
        title="Warehouse Wi-Fi upgrade", manager=manager, sponsor=sponsor.sponsor_profile
    )
    services.proposal_submit(proposal=Proposal.objects.get(project=waiting), by=manager)
    return {"closing": Project.objects.get(pk=delivering.pk), "waiting": waiting}


# Pages photographed at 1280 and 375 pixels, as (page, role)
# (test-artifacts/screenshots/a11y-<page>-<role>[-dark].png; scripts/screenshots copies a few);
# in dark mode only the first four.
PHOTOGRAPHED = [
    ("home", "sponsor"),
    ("portfolio", "sponsor"),
    ("detail", "sponsor"),
    ("business case awaiting a decision", "sponsor"),
    ("goals", "sponsor"),
    ("goals", "manager"),
    ("not found", "viewer"),
    ("not allowed", "viewer"),
    ("an action opened as a page", "manager"),
    ("webhook endpoint", "pmo"),
]


def sweep(
    person, username: str, pages: list[tuple], *, width: int = 1280, color_scheme: str = "light"
) -> dict:
    """Open each (name, url[, expected status]) in one tab of `username`, `width` pixels wide
    with the system set to `color_scheme`, and collect what is wrong with each."""
    someone = person(username, width=width, color_scheme=color_scheme)
    page = someone.page
    mode = f"{width} px, {color_scheme}"
    suffix = "" if color_scheme == "light" else f"-{color_scheme}"
    photographed = PHOTOGRAPHED if color_scheme == "light" else PHOTOGRAPHED[:4]
    problems: dict[str, list[str]] = {}
    for name, url, *expected in pages:
        status = expected[0] if expected else 200
        response = page.goto(someone.base_url + url)
        found = accessibility_problems(page) + axe_violations(page)
        if response.status != status:
            found.append(f"answered {response.status}, not {status}")
        # The browser logs the error status it was meant to get; anything else still counts.
        someone.errors[:] = [e for e in someone.errors if f"status of {status} " not in e]
        if found:
            problems[f"{name} as {username}, {mode} ({url})"] = found
        if width == 1280 and (name, username) in photographed:
            someone.screenshots(f"a11y-{name.replace(' ', '-')}-{username}{suffix}")
    return problems


def project_pages(project: Project, tabs: list[str] = TABS) -> list[tuple[str, str]]:
    goal = project.goals.get()
    pages = [(tab, reverse(f"projects:{tab}", args=[project.pk])) for tab in tabs]
    return [*pages, ("a goal", reverse("projects:goal", args=[project.pk, goal.pk]))]


def everywhere() -> list[tuple[str, str]]:
    return [
        ("home", reverse("projects:home")),
        ("needs my action", reverse("projects:inbox")),
        ("portfolio", reverse("projects:portfolio")),
        ("board", reverse("projects:portfolio") + "?view=board"),
        ("profile", reverse("projects:profile")),
    ]


def webhook_pages(pmo) -> list[tuple[str, str]]:
    """An endpoint with a delivery tried twice (a 503, then delivered), and its pages."""
    endpoint = WebhookEndpoint.objects.create(
        url="https://93.184.215.14/hook", events=["stage.changed"], secret="s" * 32, created_by=pmo
    )
    entry = AuditEntry.objects.filter(event="stage.changed").last()
    delivery = endpoint.deliveries.create(
        entry=entry, event=entry.event, body='{"event":"stage.changed"}', state="delivered"
    )
    delivery.tries.create(number=1, status_code=503, response="Busy", outcome="retry")
    delivery.tries.create(number=2, status_code=200, response="OK", outcome="delivered")
    return [
        ("webhooks", reverse("projects:webhooks")),
        ("webhook endpoint", reverse("projects:webhook", args=[endpoint.pk])),
        ("webhook endpoint form", reverse("projects:webhook-edit", args=[endpoint.pk])),
    ]


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}: {'; '.join(found)}" for where, found in problems.items())


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_every_page_type_passes_axe_core_for_every_role(
    person, portfolio, viewer, pmo, color_scheme
):
    """The whole sweep twice: with the system set to light, then to dark (Bootstrap's colour
    modes, js/colour-mode.js), where every colour of ours has its dark counterpart."""
    closing, waiting = portfolio["closing"], portfolio["waiting"]
    action = reverse("projects:proposal-action", args=[closing.pk, "submit"])
    problems: dict[str, list[str]] = {}

    problems |= sweep(
        person,
        "pmo",
        [
            *everywhere(),
            ("heat map", reverse("projects:portfolio-heat-map")),
            ("totals and heat map", reverse("projects:portfolio-summary")),
            ("people", reverse("projects:people")),
            *webhook_pages(pmo),
            *project_pages(closing, ["detail", "status", "closure", "history"]),
        ],
        color_scheme=color_scheme,
    )
    problems |= sweep(
        person,
        "sponsor",
        [
            *everywhere(),
            ("business case awaiting a decision", reverse("projects:detail", args=[waiting.pk])),
            *project_pages(closing),
        ],
        color_scheme=color_scheme,
    )
    problems |= sweep(
        person,
        "manager",
        [*everywhere(), *project_pages(closing), ("an action opened as a page", action, 405)],
        color_scheme=color_scheme,
    )
    problems |= sweep(
        person,
        "member",
        project_pages(closing, ["detail", "charter", "raid"]),
        color_scheme=color_scheme,
    )
    problems |= sweep(
        person,
        "viewer",
        [
            *everywhere()[:3],
            ("not found", reverse("projects:detail", args=[closing.pk]), 404),
            ("not allowed", reverse("projects:people"), 403),
        ],
        color_scheme=color_scheme,
    )

    assert problems == {}, report(problems)


def test_page_types_at_phone_width_pass_axe_core(person, portfolio):
    """A phone (375 px) over a few page types, one tab per role: the layouts that change below
    576 px (tables as cards, the collapsed menu, the board's columns) and the sponsor's
    decision page."""
    closing, waiting = portfolio["closing"], portfolio["waiting"]
    problems = sweep(
        person,
        "sponsor",
        [
            *everywhere()[:4],
            ("business case awaiting a decision", reverse("projects:detail", args=[waiting.pk])),
            ("project overview", reverse("projects:detail", args=[closing.pk])),
        ],
        width=375,
    )
    problems |= sweep(
        person,
        "manager",
        [
            ("home", reverse("projects:home")),
            *project_pages(closing, ["detail", "plan", "costs", "raid"]),
        ],
        width=375,
        color_scheme="dark",
    )

    assert problems == {}, report(problems)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_login_page_passes_axe_core(browser, live_server, color_scheme):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=color_scheme
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    problems = accessibility_problems(page) + axe_violations(page)
    context.close()
    assert problems == []


FOCUS = """() => {
  const element = document.activeElement, style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {text: element.textContent.trim(), outline: style.outlineStyle, width: style.outlineWidth,
          visible: box.top >= 0 && box.bottom <= innerHeight};
}"""


def test_a_keyboard_user_skips_the_menu_and_always_sees_where_the_focus_is(person, manager):
    alex = person("manager")
    page = alex.page

    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUS)
    assert skip["text"] == "Skip to content" and skip["visible"]
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.closest('main')?.id")
    assert first == "content", "the skip link leads past the menu into the page"
    page.reload()
    for _ in range(7):  # the skip link, then the menu: brand, Home, Needs my action, …
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        assert (focus["outline"], focus["width"]) == ("solid", "3px"), focus


THEME = """() => [document.documentElement.dataset.bsTheme,
  getComputedStyle(document.querySelector("main .card, main table") || document.body)
    .backgroundColor]"""


def test_the_pages_follow_the_systems_colour_scheme_as_it_changes(person, manager, delivering):
    alex = person("manager", color_scheme="dark")
    page = alex.page
    page.goto(alex.base_url + reverse("projects:detail", args=[delivering.pk]))
    assert page.evaluate(THEME) == ["dark", "rgb(33, 37, 41)"]  # Bootstrap's dark body

    # The system setting changes while the page is open: the page follows (the change event).
    page.emulate_media(color_scheme="light")
    page.wait_for_function("() => document.documentElement.dataset.bsTheme === 'light'")
    assert page.evaluate(THEME) == ["light", "rgb(255, 255, 255)"]

    page.emulate_media(color_scheme="dark")
    page.wait_for_function("() => document.documentElement.dataset.bsTheme === 'dark'")
    assert page.evaluate(THEME) == ["dark", "rgb(33, 37, 41)"]
