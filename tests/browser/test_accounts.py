"""Accounts in a real browser (issue 17): a password reset e-mail, sent by the real worker,
whose link sets a new password the person then logs in with; the PMO's People page. Each page
checked by axe-core and photographed at 1280 and 375 pixels."""

import re

import pytest
from playwright.sync_api import Page, expect

from projects.models import Sponsor
from tests.browser.conftest import ARTIFACTS, accessibility_problems, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(page: Page, where: str, problems: dict[str, list[str]]) -> None:
    if found := accessibility_problems(page) + axe_violations(page):
        problems[where] = found


def screenshots(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=ARTIFACTS / f"{name}-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_password_reset_emails_link_sets_a_new_password_the_person_logs_in_with(
    browser, live_server, manager, celery_worker
):
    problems: dict[str, list[str]] = {}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    checked(page, "reset form", problems)
    screenshots(page, "password-reset")
    page.get_by_label("E-mail").fill(manager.email)
    sent_before = len(celery_worker.mails())  # the worker serves the whole module
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    checked(page, "reset sent", problems)
    screenshots(page, "password-reset-sent")

    [message] = celery_worker.wait_for_mails(sent_before + 1)[sent_before:]
    assert message["To"] == manager.email
    body = message.get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/reset/\S+/\S+/", body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    checked(page, "reset confirm", problems)
    screenshots(page, "password-reset-confirm")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_text("This password is too short.")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("a-fresh-start-2027")
    page.get_by_label("New password confirmation").fill("a-fresh-start-2027")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()
    checked(page, "reset complete", problems)

    page.get_by_role("link", name="Go to the log-in page").click()
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("a-fresh-start-2027")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Alex Moreno")).to_be_visible()
    page.goto(link)  # used once: it does not work again
    expect(page.get_by_role("heading", name="This link does not work any more")).to_be_visible()
    context.close()
    assert problems == {}


def test_the_pmo_invites_someone_sets_a_sponsors_limit_and_deactivates_a_manager(
    person, pmo, sponsor2, manager, celery_worker
):
    problems: dict[str, list[str]] = {}
    sent_before = len(celery_worker.mails())  # the worker serves the whole module
    morgan = person("pmo")
    page = morgan.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    checked(page, "people", problems)
    morgan.screenshots("people")

    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Username").fill("jdoe")
    page.get_by_label("First name").fill("Jamie")
    page.get_by_label("Last name").fill("Doe")
    page.get_by_role("textbox", name="E-mail").fill("jamie.doe@example.com")
    page.get_by_label("Sponsors").check()
    page.get_by_label("Approval limit").fill("-5")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 0.")).to_be_visible()
    page.get_by_label("Approval limit").fill("75,000")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("A sponsor needs a title")).to_be_visible()
    checked(page, "invite with errors", problems)
    morgan.screenshots("person-invite")
    page.get_by_label("Sponsor title").fill("CFO")
    page.get_by_label("Business unit").fill("Finance")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Jamie Doe is invited")).to_be_visible()
    [invitation] = celery_worker.wait_for_mails(sent_before + 1)[sent_before:]
    assert invitation["To"] == "jamie.doe@example.com"

    page.get_by_role("link", name="People", exact=True).first.click()
    page.get_by_label("Find").fill("park")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Lee Park").click()
    page.get_by_label("Approval limit").fill("80000")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Lee Park: changes saved.")).to_be_visible()
    checked(page, "person", problems)
    morgan.screenshots("person-edit")
    assert Sponsor.objects.get(pk=sponsor2.pk).approval_limit == 80000

    page.goto(f"{morgan.base_url}/people/{manager.pk}/")
    page.get_by_role("link", name="Deactivate").click()
    expect(page.get_by_role("heading", name="Deactivate Alex Moreno?")).to_be_visible()
    checked(page, "deactivate", problems)
    morgan.screenshots("person-deactivate")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Alex Moreno is deactivated.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Alex Moreno"))).to_contain_text("Deactivated")
    assert problems == {}


def test_a_person_edits_their_profile_and_changes_their_password(person, manager):
    problems: dict[str, list[str]] = {}
    alex = person("manager")
    page = alex.page
    page.get_by_role("link", name="Alex Moreno").click()
    page.get_by_label("Title").fill("Programme lead")
    page.get_by_role("textbox", name="E-mail").fill("alex.moreno@example.com")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Enter your current password to change your e-mail.")).to_be_visible()
    checked(page, "profile with an error", problems)
    alex.screenshots("profile-details")
    page.get_by_label("Current password").fill("demo-pass-2026")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()

    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    checked(page, "password change", problems)
    alex.screenshots("password-change")
    page.get_by_label("Old password").fill("demo-pass-2026")
    page.get_by_label("New password", exact=True).fill("another-pass-2027")
    page.get_by_label("New password confirmation").fill("another-pass-2027")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()
    assert problems == {}
