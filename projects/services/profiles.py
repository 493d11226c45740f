"""A person's own choices and details (nobody else's: the views pass the requester)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from projects.models import Profile


def profile_update(
    *, user: AbstractBaseUser, digest: bool, mention_emails: bool | None = None
) -> Profile:
    """Save the e-mails `user` chose to get (`mention_emails` None: left as it is)."""
    defaults = {"digest": digest}
    if mention_emails is not None:
        defaults["mention_emails"] = mention_emails
    profile, _ = Profile.objects.update_or_create(user=user, defaults=defaults)
    return profile


def details_update(
    *, user: AbstractBaseUser, first_name: str, last_name: str, email: str, title: str = ""
) -> AbstractBaseUser:
    """The person's own name, job title and e-mail address (one person's each: a reset link
    goes to it). The form asked for the password before an address changes."""
    with transaction.atomic():
        taken = get_user_model()._default_manager.filter(email__iexact=email).exclude(pk=user.pk)
        if taken.exists():
            raise ValidationError({"email": "Someone else has this e-mail address."})
        user.first_name, user.last_name, user.email = first_name, last_name, email
        user.save(update_fields=["first_name", "last_name", "email"])
        Profile.objects.update_or_create(user=user, defaults={"title": title})
    return user
