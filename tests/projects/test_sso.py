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
from projects.models import Profile, Sponsor
from projects.rules import within_approval_limit
from projects.services.sso import (
    DEACTIVATED,
    NO_ROLE,
    NO_USERNAME,
    NOT_LINKABLE,
    SignInRefused,
    password_login_allowed,
    person_sign_in,
)
from tests.factories import ProjectFactory, UserFactory

MAP = {"it-pmo": ["PMO"], "it-sponsors": ["Sponsors"], "it-pm": ["Project managers"]}
ISSUER = "https://login.example.org"


@pytest.fixture(autouse=True)
def _sso_on(settings) -> None:
    settings.OIDC_ENABLED = True
    settings.OIDC_ROLE_MAP = MAP
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_USERNAME_CLAIM = "preferred_username"
    settings.OIDC_PASSWORD_USERS = []


def claims(username: str = "kim", *groups: str, **more: object) -> dict:
    return {
        "iss": ISSUER,
        "sub": "42",
        "preferred_username": username,
        "given_name": "Kim",
        "family_name": "Lindqvist",
        "email": f"{username}@example.org",
        "email_verified": True,
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
    assert audit_rows(kim) == ["sso_link", "sso_update"]


def test_a_sign_in_that_changes_nothing_writes_no_audit_row(db):
    kim = UserFactory(username="kim", first_name="Kim", last_name="Lindqvist", groups=["PMO"])
    kim.email = "kim@example.org"
    kim.save()

    person_sign_in(claims=claims("kim", "it-pmo"))  # binds the account: one row
    person_sign_in(claims=claims("kim", "it-pmo"))

    assert audit_rows(kim) == ["sso_link"]


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
        person_sign_in(claims=claims(username, email=""))

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


def identity(user) -> tuple[str, str]:
    profile = Profile.objects.get(user=user)
    return profile.sso_issuer, profile.sso_subject


def test_the_first_sign_in_binds_the_account_to_the_providers_identity(db):
    kim = UserFactory(username="kim", groups=["PMO"])

    person_sign_in(claims=claims("kim", "it-pmo"))

    assert identity(kim) == (ISSUER, "42")
    assert identity(person_sign_in(claims=claims("lee", "it-pm", sub="43"))) == (ISSUER, "43")


def test_the_identity_finds_the_account_whatever_the_username_becomes(db):
    kim = person_sign_in(claims=claims("kim", "it-pm"))

    again = person_sign_in(claims=claims("kim.lindqvist", "it-pm", email="kl@example.org"))

    assert again == kim
    assert again.username == "kim"
    assert not get_user_model().objects.filter(username="kim.lindqvist").exists()


def test_an_account_bound_to_someone_else_is_not_taken_by_their_username(db):
    kim = person_sign_in(claims=claims("kim", "it-pmo"))  # subject 42

    with pytest.raises(SignInRefused) as refusal:  # someone else named kim at the provider now
        person_sign_in(claims=claims("kim", "it-pm", sub="99", email="other@example.org"))

    assert refusal.value.reason == NOT_LINKABLE
    assert identity(kim) == (ISSUER, "42")
    assert roles(kim) == {"PMO"}
    assert kim.email == "kim@example.org"


def test_the_same_subject_at_another_issuer_is_someone_else(db):
    kim = person_sign_in(claims=claims("kim", "it-pmo"))

    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims=claims("kim", "it-pmo", iss="https://evil.example.org"))

    assert refusal.value.reason == NOT_LINKABLE
    assert identity(kim) == (ISSUER, "42")


@pytest.mark.parametrize(
    "account",
    [
        {"is_superuser": True, "is_staff": True},
        {"is_staff": True},
        {"break_glass": True},
    ],
    ids=["superuser", "staff", "break-glass"],
)
def test_an_administrators_or_break_glass_account_is_never_taken_by_a_sign_in(
    db, settings, account
):
    settings.OIDC_PASSWORD_USERS = ["root"] if account.pop("break_glass", False) else []
    root = UserFactory(username="root", groups=["PMO"], **account)

    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims=claims("ROOT"))  # no groups: it would strip PMO

    assert refusal.value.reason == NOT_LINKABLE
    root.refresh_from_db()
    assert roles(root) == {"PMO"}
    assert (root.is_superuser, root.is_staff) == (
        account.get("is_superuser", False),
        account.get("is_staff", False),
    )
    assert not Profile.objects.filter(user=root).exclude(sso_subject="").exists()
    assert audit_rows(root) == []


def test_the_email_is_the_username_only_when_the_provider_verified_it(db):
    unverified = claims("", "it-pm", email="kim.l@example.org", email_verified=False)
    UserFactory(username="kim.l@example.org", groups=["PMO"])

    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims=unverified)

    assert refusal.value.reason == NO_USERNAME
    assert not Profile.objects.exclude(sso_subject="").exists()


@pytest.mark.parametrize("missing", ["iss", "sub"])
def test_a_sign_in_without_the_providers_identity_is_refused(db, missing):
    without = claims("kim", "it-pm")
    del without[missing]

    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims=without)

    assert refusal.value.reason == NO_USERNAME
    assert not get_user_model().objects.filter(username="kim").exists()


def test_someone_deactivated_is_refused_even_found_by_their_identity(db):
    kim = person_sign_in(claims=claims("kim", "it-pm"))
    get_user_model().objects.filter(pk=kim.pk).update(is_active=False)

    with pytest.raises(SignInRefused) as refusal:
        person_sign_in(claims=claims("kim.new", "it-pm"))

    assert refusal.value.reason == DEACTIVATED
