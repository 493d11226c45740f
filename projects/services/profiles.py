"""A person's own choices."""

from django.contrib.auth.models import AbstractBaseUser

from projects.models import Profile


def profile_update(*, user: AbstractBaseUser, digest: bool) -> Profile:
    """Save what `user` chose for themselves (nobody else's: the view passes the requester)."""
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"digest": digest})
    return profile
