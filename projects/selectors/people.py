"""Delegations a person may see: their own, as sponsor or deputy; the PMO's, all of them."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from projects.models import Delegation
from projects.rules import is_pmo


def delegations_visible_to(user: AbstractBaseUser) -> QuerySet[Delegation]:
    delegations = Delegation.objects.select_related(
        "sponsor__user", "deputy", "created_by", "revoked_by"
    )
    if is_pmo.test(user):
        return delegations
    return delegations.filter(Q(sponsor_id=user.pk) | Q(deputy_id=user.pk))


def delegation_get(*, user: AbstractBaseUser, pk: int) -> Delegation:
    """The delegation if `user` may see it; 404 otherwise."""
    return get_object_or_404(delegations_visible_to(user), pk=pk)
