"""Single sign-on in a real browser against a real OpenID provider (tests/oidc_provider, in a
process of its own): Sign in with the provider, log in there, consent, and land on one's role's
home page; someone whose groups give no role sees a page saying so; a local password still
works with single sign-on on."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ARTIFACTS,
    PASSWORD,
    accessibility_problems,
    axe_violations,
    settle,
)
from tests.oidc_provider import PASSWORD as PROVIDER_PASSWORD
from tests.oidc_provider import PROVIDER_NAME, running, someone, switch_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    someone("morgan.sso", "Morgan", "Ellis", "it-pmo", "it-mailing-list"),
    someone("robin.sso", "Robin", "Hale", "it-mailing-list"),
]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-provider")
    callback = f"{live_server.url}/oidc/callback/"
    with running(redirect_uris=[callback], people=PEOPLE, folder=folder) as started:
        yield started


@pytest.fixture
def page(browser, live_server, provider, settings):
    switch_on(settings, provider)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    yield page
    settle(page)
    context.close()
    assert not errors


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def sign_in_at_provider(page: Page, username: str) -> None:
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()
    page.get_by_role("button", name="Authorize").click()  # the provider asks for consent
    page.wait_for_load_state()


def test_pmo_signs_in_through_the_provider_and_lands_on_the_pmo_home(page: Page):
    expect(page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()
    assert not accessibility_problems(page) + axe_violations(page)
    screenshot(page, "login-with-sso")

    sign_in_at_provider(page, "morgan.sso")

    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Portfolio by stage")).to_be_visible()
    expect(page.get_by_role("link", name="People")).to_be_visible()
    user = get_user_model().objects.get(username="morgan.sso")
    assert (user.get_full_name(), user.email) == ("Morgan Ellis", "morgan.sso@example.org")
    assert list(user.groups.values_list("name", flat=True)) == ["PMO"]
    assert not user.has_usable_password()


def test_someone_whose_groups_give_no_role_sees_a_page_saying_so(page: Page):
    sign_in_at_provider(page, "robin.sso")

    expect(page.get_by_role("heading", name="You have no role in Tollgate yet")).to_be_visible()
    expect(page.get_by_text("Ask the PMO for access")).to_be_visible()
    assert not accessibility_problems(page) + axe_violations(page)
    screenshot(page, "sso-no-role")
    assert not get_user_model().objects.filter(username="robin.sso").exists()
    page.goto(page.url.split("/oidc/")[0] + "/")  # still not logged in
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def test_a_local_password_still_works_with_single_sign_on_on(page: Page, pmo):
    expect(page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()
    page.get_by_label("Username").fill("pmo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Portfolio by stage")).to_be_visible()
