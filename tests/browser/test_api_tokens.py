"""Personal access tokens in a real browser (issue 21): a person makes a token on their profile,
copies it from the page that shows it once, calls the API with it, then revokes it; the API
docs page opens with the strict CSP and no console errors. Pages checked by axe-core."""

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.test_accounts import checked
from tests.browser.test_layout import too_wide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_makes_a_token_uses_it_and_revokes_it(person, manager, live_server):
    problems: dict[str, list[str]] = {}
    alex = person("manager")
    page = alex.page
    page.get_by_role("link", name="Alex Moreno").click()
    page.get_by_label("Token name").fill("Analytics export")
    page.get_by_label("Scope").select_option("read")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy it now: it is shown only this once.")).to_be_visible()
    checked(page, "profile with a new token", problems)
    assert too_wide(page) == {}  # the tokens table turns into cards on a phone
    alex.screenshots("api-token-created")
    token = page.get_by_label("Your new token").input_value()
    api = f"{live_server.url}/api/v1/projects/"
    assert requests.get(api, headers={"Authorization": f"Bearer {token}"}, timeout=10).ok

    page.get_by_role("link", name="Alex Moreno").click()
    expect(page.get_by_label("Your new token")).to_have_count(0)  # shown once
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Token “Analytics export” revoked")).to_be_visible()
    answer = requests.get(api, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 401

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("Tollgate API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()  # the operations, from the schema
    assert problems == {}
