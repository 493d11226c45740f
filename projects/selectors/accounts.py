"""The People page's reads: everyone, with their roles and sponsor profile, found by text."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from lifecycle.stages import ACTIVE
from projects.models import Project

PEOPLE_PAGE = 50


def people_list(*, text: str = "") -> QuerySet:
    """Everyone, active first, by name; `text` finds a name, username, e-mail, title or
    business unit. Roles, sponsor profile and profile come with each row (three queries in
    all, however many rows)."""
    people = (
        get_user_model()
        ._default_manager.select_related("sponsor_profile", "profile")
        .prefetch_related("groups")
        .order_by("-is_active", "last_name", "first_name", "username")
    )
    for word in text.split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
            | Q(profile__title__icontains=word)
            | Q(sponsor_profile__title__icontains=word)
            | Q(sponsor_profile__business_unit__icontains=word)
        )
    return people


def person_get(*, pk: int) -> AbstractBaseUser:
    return get_object_or_404(people_list(), pk=pk)


def open_projects_of(user: AbstractBaseUser) -> dict[str, list[Project]]:
    """The active projects `user` manages and sponsors: what deactivating them hands on."""
    projects = Project.objects.filter(stage__in=ACTIVE).order_by("title")
    return {
        "managed": list(projects.filter(manager_id=user.pk)),
        "sponsored": list(projects.filter(sponsor_id=user.pk)),
    }
