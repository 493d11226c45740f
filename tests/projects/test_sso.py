"""Single sign-on's account rules (services/sso.py), from the claims a provider sends: the
account made on the first sign-in, roles re-synced on each (only the mapped groups), who is
refused, sponsors and their approval limit, and passwords kept for the break-glass accounts."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from lifecycle.models import AuditEntry
from projects.models import Sponsor
from projects.rules import within_approval_limit
from projects.services.sso import (
    DEACTIVATED,
    NO_ROLE,
    NO_USERNAME,
    SignInRefused,
    password_login_allowed,
    person_sign_in,
)
from tests.factories import ProjectFactory, UserFactory

MAP = {"it-pmo": ["PMO"], "it-sponsors": ["Sponsors"], "it-pm": ["Project managers"]}


@pytest.fixture(autouse=True)
def _sso_on(settings) -> None:
    settings.OIDC_ENABLED = True
    settings.OIDC_ROLE_MAP = MAP
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_USERNAME_CLAIM = "preferred_username"
    settings.OIDC_PASSWORD_USERS = []


def claims(username: str = "kim", *groups: str, **more: str) -> dict:
    return {
        "sub": "42",
        "preferred_username": username,
        "given_name": "Kim",
        "family_name": "Lindqvist",
        "email": f"{username}@example.org",
        "groups": list(groups),
        **more,
    }


def roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def audit_rows(user) -> list[str]:
    rows = AuditEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(user), subject_id=user.pk
    )
    return list(rows.order_by("pk").values_list("action", flat=True))


def test_first_sign_in_creates_the_person_with_their_names_and_mapped_roles(db):
    user = person_sign_in(claims=claims("kim", "it-pm", "it-mailing-list"))

    assert (user.username, user.get_full_name(), user.email) == (
        "kim",
        "Kim Lindqvist",
        "kim@example.org",
    )
    assert roles(user) == {"Project managers"}
    assert not user.has_usable_password()
    assert audit_rows(user) == ["sso_create"]


def test_the_username_falls_back_to_the_email_address(db):
    user = person_sign_in(claims=claims("", "it-pm", email="kim.l@example.org"))

    assert user.username == "kim.l@example.org"


def test_each_sign_in_resyncs_the_mapped_roles_and_leaves_the_others(db):
    kim = UserFactory(username="kim", groups=["PMO", "Viewers"])  # Viewers: given in Tollgate

    person_sign_in(claims=claims("kim", "it-pm"))

    assert roles(kim) == {"Project managers", "Viewers"}
    assert audit_rows(kim) == ["sso_update"]


def test_a_sign_in_that_changes_nothing_writes_no_audit_row(db):
    kim = UserFactory(username="kim", first_name="Kim", last_name="Lindqvist", groups=["PMO"])
    kim.email = "kim@example.org"
    kim.save()

    person_sign_in(claims=claims("kim", "it-pmo"))

    assert audit_rows(kim) == []


def test_someone_whose_groups_map_to_no_role_is_refused_and_no_account_is_made(db):
    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims=claims("kim", "it-mailing-list"))

    assert refusal.value.reason == NO_ROLE
    assert not get_user_model().objects.filter(username="kim").exists()


def test_someone_who_lost_every_role_at_the_provider_is_refused_and_keeps_none(db):
    kim = UserFactory(username="kim", groups=["PMO"])

    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims=claims("kim"))

    assert refusal.value.reason == NO_ROLE
    assert roles(kim) == set()  # a password cannot bring the PMO role back


def test_someone_deactivated_in_tollgate_is_refused(db):
    UserFactory(username="kim", is_active=False, groups=["PMO"])

    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims=claims("kim", "it-pmo"))

    assert refusal.value.reason == DEACTIVATED


@pytest.mark.parametrize("username", ["", "kim lindqvist", "x" * 151])
def test_a_sign_in_without_a_usable_username_is_refused(db, username):
    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims={"sub": "42", "preferred_username": username, "groups": []})

    assert refusal.value.reason == NO_USERNAME


def test_a_new_sponsor_starts_with_a_limit_of_zero_which_the_pmo_then_keeps(db):
    user = person_sign_in(claims=claims("kim", "it-sponsors"))

    assert user.sponsor_profile.approval_limit == Decimal("0")
    project = ProjectFactory(sponsor=user.sponsor_profile)  # a business case of EUR 120,000
    assert not within_approval_limit.test(user, project)  # it goes to the PMO
    Sponsor.objects.filter(user=user).update(approval_limit=Decimal("50000"))  # the PMO's
    person_sign_in(claims=claims("kim", "it-sponsors"))

    assert Sponsor.objects.get(user=user).approval_limit == Decimal("50000")


def test_a_sponsor_of_nothing_stops_being_one_when_the_provider_drops_the_group(db):
    user = person_sign_in(claims=claims("kim", "it-sponsors", "it-pm"))

    person_sign_in(claims=claims("kim", "it-pm"))

    assert not Sponsor.objects.filter(user=user).exists()
    assert roles(user) == {"Project managers"}


def test_a_sponsor_of_a_project_stays_one_until_the_pmo_hands_it_on(db):
    user = person_sign_in(claims=claims("kim", "it-sponsors", "it-pm"))
    ProjectFactory(sponsor=user.sponsor_profile)

    person_sign_in(claims=claims("kim", "it-pm"))

    assert Sponsor.objects.filter(user=user).exists()
    assert roles(user) == {"Project managers", "Sponsors"}


def test_passwords_are_for_everyone_unless_the_break_glass_users_are_listed(settings):
    assert password_login_allowed(username="manager")
    settings.OIDC_PASSWORD_USERS = ["pmo"]
    assert password_login_allowed(username="PMO")
    assert not password_login_allowed(username="manager")
    settings.OIDC_ENABLED = False
    assert password_login_allowed(username="manager")


def test_someone_not_listed_is_sent_to_the_provider_without_a_password_check(db, settings):
    settings.OIDC_PASSWORD_USERS = ["pmo"]
    settings.OIDC_PROVIDER_NAME = "Contoso ID"
    UserFactory(username="alex")
    UserFactory(username="pmo", groups=["PMO"])
    client = Client()

    refused = client.post(reverse("login"), {"username": "alex", "password": "demo-pass-2026"})
    allowed = client.post(reverse("login"), {"username": "pmo", "password": "demo-pass-2026"})

    assert refused.status_code == 200
    assert "use Sign in with Contoso ID above" in refused.content.decode()
    assert allowed.status_code == 302


def test_an_email_address_another_account_has_is_not_copied(db):
    UserFactory(username="kim.old", email="kim@example.org")

    user = person_sign_in(claims=claims("kim", "it-pm"))

    assert user.email == ""
