"""A person's personal access tokens."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from projects.models import AccessToken


def tokens_of(user: AbstractBaseUser) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(owner=user)


def token_get(*, user: AbstractBaseUser, pk: int) -> AccessToken:
    """One of `user`'s own tokens; 404 for anyone else's."""
    return get_object_or_404(tokens_of(user), pk=pk)
