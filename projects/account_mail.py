"""The e-mails with a set-password link: an invitation from the PMO, or a password reset the
person asked for. Built by the Celery task (`tasks.send_password_mail`) from the person's row
as it is when it runs: the token is Django's password-reset token, so it stops working once a
password is set, the person logs in, or PASSWORD_RESET_TIMEOUT passes."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from projects.formats import person

SUBJECTS = {
    "invitation": "You are invited to Tollgate: choose your password",
    "reset": "Reset your Tollgate password",
}


def password_message(user_id: int, kind: str, base_url: str) -> EmailMessage | None:
    """The e-mail for `kind` ("invitation" or "reset") to the active person `user_id`, its
    link on `base_url` (where they, or the PMO, asked from); None for nobody to send to."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or kind not in SUBJECTS:
        return None
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "name": person(user),
        "username": user.get_username(),
        "url": base_url.rstrip("/") + path,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "login_url": base_url.rstrip("/") + reverse("login"),
    }
    body = render_to_string(f"registration/{kind}_email.txt", context)
    return EmailMessage(subject=f"[Tollgate] {SUBJECTS[kind]}", body=body, to=[user.email])
