"""Passwords: Django's ModelBackend (permissions cached, projects/permissions.py), refusing the
password of anyone single sign-on keeps out of them (`OIDC_PASSWORD_USERS`), wherever it is typed
— the log-in page, the admin's, any form that authenticates. The log-in page says why first
(projects/forms/accounts.py LoginForm); here no other way around is left."""

from typing import Any

from django.contrib.auth import get_user_model

from projects.permissions import CachedPermissionsBackend
from projects.services.sso import password_login_allowed


class PasswordBackend(CachedPermissionsBackend):
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username and not password_login_allowed(username=username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
