"""Browser tests: Playwright drives Debian's Chromium against the app served live on the test
database, with a real Celery worker. Screenshots land in test-artifacts/screenshots/."""

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

# Playwright's sync API runs an event loop in this thread; the ORM calls the fixtures and the
# assertions make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PASSWORD = "demo-pass-2026"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.exit(
            f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium "
            "(`make test` does it when it can; `.ci/run` always does).",
            returncode=2,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class Person:
    """One user's browser tab: logs in through the login page, then clicks like a person."""

    def __init__(
        self,
        browser: object,
        base_url: str,
        username: str,
        *,
        width: int = 1280,
        color_scheme: str = "light",
    ) -> None:
        # color_scheme is the system setting the page sees (prefers-color-scheme), which
        # js/colour-mode.js follows.
        self.context = browser.new_context(
            viewport={"width": width, "height": 900 if width > 576 else 800},
            color_scheme=color_scheme,
            accept_downloads=True,
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console", lambda message: message.type == "error" and self.errors.append(message.text)
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.base_url = base_url
        self.page.goto(f"{base_url}/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_load_state()

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    def screenshots(self, name: str) -> None:
        """The page at 1280 and at 375 pixels (a phone), then back to 1280."""
        self.screenshot(name)
        self.page.set_viewport_size({"width": 375, "height": 800})
        self.screenshot(f"{name}-375")
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def close(self) -> None:
        settle(self.page)
        self.context.close()


def settle(page) -> None:
    """Wait, at most 5 s, until no htmx request is in flight (htmx marks its element with
    `htmx-request`): a request the live server is still answering when the test ends (a panel
    loaded after the page) holds locks the database flush after the test waits for, and
    PostgreSQL breaks that deadlock by failing the teardown."""
    # Still busy after 5 s, or the page is gone: the flush takes its chances.
    with contextlib.suppress(PlaywrightError):
        page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=5000)


@pytest.fixture
def person(browser, live_server, transactional_db):
    """`person("manager")` opens a logged-in tab (`person("manager", width=375,
    color_scheme="dark")` a phone in dark mode); every tab is checked for console errors."""
    people: list[Person] = []

    def open_as(username: str, **options) -> Person:
        people.append(Person(browser, live_server.url, username, **options))
        return people[-1]

    yield open_as
    errors = {id(p): p.errors for p in people if p.errors}
    for someone in people:
        someone.close()
    assert not errors, f"console errors: {errors}"


ACCESSIBILITY = """() => {
  const problems = [];
  const headings = document.querySelectorAll("h1").length;
  if (headings !== 1) problems.push(`${headings} h1 elements`);
  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea");
  for (const control of controls) {
    if (!control.checkVisibility()) continue;
    const label = (control.id && document.querySelector(`label[for="${control.id}"]`))
      || control.closest("label");
    if (!label || !label.checkVisibility() || !label.textContent.trim()) {
      problems.push(`no visible label for ${control.name || control.id}`);
    }
  }
  return problems;
}"""


def accessibility_problems(page: object) -> list[str]:
    return page.evaluate(ACCESSIBILITY)


def axe_violations(page: object) -> list[str]:
    """Serious and critical violations axe-core finds on the page (the bundled axe-core, run
    in the page by axe-playwright-python)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in found
        if violation["impact"] in ("serious", "critical")
    ]
