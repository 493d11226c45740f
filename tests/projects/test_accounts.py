"""Accounts (issue 17): password reset by e-mail, throttled; one's own profile; the PMO's
People page — invite, roles, approval limits, deactivate — and a deactivated person's
projects waiting for the PMO."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lifecycle.errors import NotNow, TransitionForbidden
from lifecycle.models import AuditEntry
from projects import tasks
from projects.models import Profile, Project, Sponsor
from projects.selectors.inbox import needs_action
from projects.services import accounts
from tests.conftest import client_for
from tests.factories import UserFactory

User = get_user_model()
LINK = re.compile(r"https?://\S+/reset/\S+/\S+/")


@pytest.fixture(autouse=True)
def _mail_sent_at_once(monkeypatch) -> None:
    """The worker's task runs in the test process, at once (the tests' transaction never
    commits): its e-mail lands in `mail.outbox`. The first test checks the real path."""

    def send(user, kind: str, base_url: str) -> None:
        tasks.send_password_mail(user.pk, kind, base_url)

    monkeypatch.setattr(accounts, "_send_password_mail", send)


def ask_reset(client: Client, email: str, ip: str = "10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def invite(client: Client, **changes):
    data = {
        "username": "jdoe",
        "first_name": "Jamie",
        "last_name": "Doe",
        "email": "jamie.doe@example.com",
        "title": "Analyst",
        "groups": [Group.objects.get(name="Viewers").pk],
    } | changes
    return client.post(reverse("projects:person-invite"), data)


# -- Password reset --------------------------------------------------------------------------


def test_anyone_can_ask_for_a_reset_and_the_answer_never_says_whether_the_address_is_known(
    manager, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.undo()  # the real path: enqueued after the commit, for the worker
    queued = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: queued.append(args))
    client = Client()
    with django_capture_on_commit_callbacks() as callbacks:
        known = ask_reset(client, manager.email.upper())
        unknown = ask_reset(client, "nobody@example.com")
    assert queued == []
    for callback in callbacks:
        callback()
    [(user_id, kind, base_url)] = queued
    tasks.send_password_mail(user_id, kind, base_url)

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == [manager.email]
    assert "Reset your Tollgate password" in message.subject
    assert LINK.search(message.body)


def test_anyone_can_set_a_new_password_from_the_reset_link(manager):
    client = Client()
    ask_reset(client, manager.email)
    url = LINK.search(mail.outbox[0].body).group(0)
    form = client.get(url, follow=True)
    assert "Choose a new password" in form.content.decode()
    answer = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-pass-2027", "new_password2": "a-new-pass-2027"},
    )
    assert answer.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("a-new-pass-2027")
    assert "does not work any more" in client.get(url, follow=True).content.decode()


def test_anyone_cannot_ask_for_more_resets_for_one_address_than_the_limit(manager, settings):
    settings.PASSWORD_RESETS_PER_ADDRESS = 2
    client = Client()
    answers = [ask_reset(client, manager.email, ip=f"10.0.0.{n}").status_code for n in range(3)]

    assert answers == [302, 302, 429]
    assert len(mail.outbox) == 2
    page = ask_reset(client, "NOBODY@example.com").content.decode()  # another address: allowed
    assert "Too many" not in page
    refused = ask_reset(client, manager.email, ip="10.9.9.9")
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()


def test_anyone_cannot_ask_for_more_resets_from_one_ip_than_the_limit(settings, db):
    settings.PASSWORD_RESETS_PER_IP = 2
    client = Client()
    answers = [ask_reset(client, f"person{n}@example.com").status_code for n in range(3)]
    assert answers == [302, 302, 429]
    assert ask_reset(client, "person9@example.com", ip="10.0.0.2").status_code == 302


def test_anyone_gets_a_field_error_for_an_address_that_is_not_one(db):
    answer = ask_reset(Client(), "not an address")
    assert answer.status_code == 200
    assert "Enter a valid email address." in answer.content.decode()


def test_a_person_can_change_their_password_from_the_profile(manager):
    client = client_for(manager)
    assert reverse("password_change") in client.get(reverse("projects:profile")).content.decode()
    answer = client.post(
        reverse("password_change"),
        {
            "old_password": "demo-pass-2026",
            "new_password1": "another-pass-2027",
            "new_password2": "another-pass-2027",
        },
    )
    assert answer.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("another-pass-2027")


# -- One's own profile -----------------------------------------------------------------------


def details(**changes) -> dict:
    return {
        "part": "details",
        "first_name": "Alexandra",
        "last_name": "Moreno",
        "title": "Programme lead",
        "email": "manager@example.com",
    } | changes


def test_a_person_can_change_their_own_name_title_and_notifications(manager):
    client = client_for(manager)
    assert client.post(reverse("projects:profile"), details()).status_code == 302
    manager.refresh_from_db()
    assert (manager.first_name, manager.profile.title) == ("Alexandra", "Programme lead")

    client.post(reverse("projects:profile"), {"digest": "on"})
    profile = Profile.objects.get(user=manager)
    assert (profile.digest, profile.mention_emails) == (True, False)


def test_a_person_cannot_change_their_email_without_their_password_or_to_someone_elses(
    manager, sponsor
):
    client = client_for(manager)
    url = reverse("projects:profile")
    page = client.post(url, details(email="alex@example.com")).content.decode()
    assert "Enter your current password to change your e-mail." in page
    page = client.post(
        url, details(email=sponsor.email.upper(), current_password="demo-pass-2026")
    ).content.decode()
    assert "Someone else has this e-mail address." in page
    page = client.post(url, details(email="x" * 300, current_password="demo-pass-2026"))
    assert page.status_code == 200
    answer = client.post(url, details(email="alex@example.com", current_password="demo-pass-2026"))
    assert answer.status_code == 302
    manager.refresh_from_db()
    assert manager.email == "alex@example.com"


# -- The People page -------------------------------------------------------------------------


def test_the_pmo_can_list_and_find_people(pmo, sponsor, manager):
    client = client_for(pmo)
    page = client.get(reverse("projects:people")).content.decode()
    assert "Dana Whitfield" in page and "Alex Moreno" in page and "EUR 250,000.00" in page
    found = client.get(reverse("projects:people"), {"q": "whitfield"}).content.decode()
    assert "Dana Whitfield" in found and "Alex Moreno" not in found
    assert 'href="/people/"' in client.get(reverse("projects:home")).content.decode()


@pytest.mark.parametrize("who", ["manager", "sponsor", "viewer"])
def test_others_cannot_open_or_post_to_the_people_page(who, request, manager):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("projects:people")).status_code == 403
    assert invite(client).status_code == 403
    assert client.post(reverse("projects:person-deactivate", args=[manager.pk])).status_code == 403
    assert not User.objects.filter(username="jdoe").exists()
    assert User.objects.get(pk=manager.pk).is_active
    assert 'href="/people/"' not in client.get(reverse("projects:home")).content.decode()


def test_the_anonymous_are_sent_to_log_in_from_the_people_page(db):
    answer = Client().get(reverse("projects:people"))
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_the_pmo_can_invite_someone_who_sets_a_password_from_the_email(pmo):
    answer = invite(client_for(pmo))

    jamie = User.objects.get(username="jdoe")
    assert answer["Location"] == reverse("projects:person", args=[jamie.pk])
    assert not jamie.has_usable_password()
    assert list(jamie.groups.values_list("name", flat=True)) == ["Viewers"]
    [message] = mail.outbox
    assert message.to == ["jamie.doe@example.com"]
    assert "invited" in message.subject and "jdoe" in message.body
    client = Client()
    form = client.get(LINK.search(message.body).group(0), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "jamies-pass-2027", "new_password2": "jamies-pass-2027"},
    )
    jamie.refresh_from_db()
    assert jamie.check_password("jamies-pass-2027")
    entry = AuditEntry.objects.for_subject(jamie).get()
    assert (entry.action, entry.actor) == ("invite", pmo)


def test_the_pmo_can_invite_a_sponsor_with_an_approval_limit(pmo):
    sponsors = Group.objects.get(name="Sponsors").pk
    invite(
        client_for(pmo),
        groups=[sponsors],
        sponsor_title="CFO",
        business_unit="Finance",
        approval_limit="75,000",
    )
    sponsor = Sponsor.objects.get(user__username="jdoe")
    assert (sponsor.title, sponsor.approval_limit) == ("CFO", Decimal("75000"))


def test_the_pmo_cannot_invite_with_a_username_or_email_someone_has(pmo, manager):
    page = invite(client_for(pmo), username="MANAGER", email=manager.email.upper())
    assert page.status_code == 200
    content = page.content.decode()
    assert "Someone has this username already" in content
    assert "Someone has this e-mail address already" in content
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"approval_limit": "-5"}, "greater than or equal to 0"),
        ({"approval_limit": "1e40"}, "Ensure that there are no more than"),
        ({"sponsor_title": ""}, "A sponsor needs a title"),
        ({"username": "no spaces please"}, "Enter a valid username"),
        ({"email": "nope"}, "Enter a valid email address."),
        ({"first_name": "<script>x</script>" * 20}, "at most 150 characters"),
    ],
)
def test_the_pmo_cannot_invite_with_bad_input(pmo, changes, error):
    sponsors = Group.objects.get(name="Sponsors").pk
    data = {"groups": [sponsors], "sponsor_title": "CFO", "business_unit": "Finance"} | changes
    page = invite(client_for(pmo), **data)
    assert page.status_code == 200
    assert error in page.content.decode()
    assert not User.objects.filter(username__in=["jdoe", "no spaces please"]).exists()


def test_the_pmo_can_change_a_sponsors_approval_limit_and_roles(pmo, sponsor2):
    client = client_for(pmo)
    groups = Group.objects.filter(name__in=["Sponsors", "Viewers"])
    answer = client.post(
        reverse("projects:person", args=[sponsor2.pk]),
        {
            "first_name": "Lee",
            "last_name": "Park",
            "email": sponsor2.email,
            "groups": [group.pk for group in groups],
            "sponsor_title": "Head of Infrastructure",
            "business_unit": "IT",
            "approval_limit": "80000",
        },
    )
    assert answer.status_code == 302
    assert Sponsor.objects.get(pk=sponsor2.pk).approval_limit == Decimal("80000")
    entry = AuditEntry.objects.for_subject(sponsor2).get()
    assert "EUR 50,000.00 → EUR 80,000.00" in entry.comment


def test_the_pmo_cannot_take_the_sponsor_role_from_someone_who_sponsors_a_project(
    pmo, project, sponsor
):
    with pytest.raises(Exception) as refused:
        accounts.person_update(
            user=sponsor,
            by=pmo,
            first_name="Dana",
            last_name="Whitfield",
            email=sponsor.email,
            groups=[],
        )
    assert "stay a sponsor" in str(refused.value)
    assert Sponsor.objects.filter(pk=sponsor.pk).exists()


def test_a_manager_cannot_manage_people_through_the_service(manager, viewer):
    with pytest.raises(TransitionForbidden):
        accounts.person_deactivate(user=viewer, by=manager)


def test_the_pmo_cannot_deactivate_themselves(pmo):
    with pytest.raises(NotNow):
        accounts.person_deactivate(user=pmo, by=pmo)


def test_a_deactivated_person_cannot_log_in_and_is_logged_out(pmo, viewer):
    logged_in = client_for(viewer)
    confirm = client_for(pmo).get(reverse("projects:person-deactivate", args=[viewer.pk]))
    assert "Deactivate Chris Olsen?" in confirm.content.decode()
    client_for(pmo).post(reverse("projects:person-deactivate", args=[viewer.pk]))

    assert logged_in.get(reverse("projects:home")).status_code == 302  # to the log-in page
    login = Client().post(reverse("login"), {"username": "viewer", "password": "demo-pass-2026"})
    assert login.status_code == 200 and "Please enter a correct username" in login.content.decode()
    ask_reset(Client(), viewer.email)
    assert mail.outbox == []  # nor can they reset their way back in

    client_for(pmo).post(reverse("projects:person-reactivate", args=[viewer.pk]))
    login = Client().post(reverse("login"), {"username": "viewer", "password": "demo-pass-2026"})
    assert login.status_code == 302


def test_a_deactivated_sponsors_and_managers_projects_wait_in_the_pmos_inbox(
    pmo, project, manager, sponsor, manager2
):
    accounts.person_deactivate(user=sponsor, by=pmo)
    accounts.person_deactivate(user=manager, by=pmo)

    items = {(item.wait.key, item.project.pk) for item in needs_action(pmo).items}
    assert ("sponsor_deactivated", project.pk) in items
    assert ("manager_deactivated", project.pk) in items
    inbox = client_for(pmo).get(reverse("projects:inbox")).content.decode()
    assert "Sponsor deactivated: name a new sponsor" in inbox
    assert "Manager deactivated: name a new manager" in inbox

    client = client_for(pmo)
    page = client.get(reverse("projects:manager-change", args=[project.pk])).content.decode()
    assert "Priya Nair" in page and "(deactivated)" in page
    answer = client.post(
        reverse("projects:manager-change", args=[project.pk]),
        {"manager": manager2.pk, "comment": "Alex left the company"},
    )
    assert answer.status_code == 302
    assert Project.objects.get(pk=project.pk).manager == manager2
    items = {(item.wait.key, item.project.pk) for item in needs_action(pmo).items}
    assert ("manager_deactivated", project.pk) not in items
    assert ("sponsor_deactivated", project.pk) in items


def test_the_pmo_cannot_name_the_sponsor_as_manager_or_leave_out_the_reason(pmo, project, sponsor):
    client = client_for(pmo)
    url = reverse("projects:manager-change", args=[project.pk])
    page = client.post(url, {"manager": sponsor.pk, "comment": "x"}).content.decode()
    assert "Select a valid choice" in page
    page = client.post(url, {"manager": "", "comment": ""}).content.decode()
    assert "This field is required." in page


def test_the_people_page_keeps_its_query_count_as_people_grow(pmo):
    client = client_for(pmo)

    def queries() -> int:
        client.get(reverse("projects:people"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("projects:people")).status_code == 200
        return len(captured)

    UserFactory.create_batch(2, groups=["Viewers"])
    small = queries()
    UserFactory.create_batch(20, groups=["Project managers"])
    assert queries() == small
