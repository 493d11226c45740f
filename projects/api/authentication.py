"""Who calls: a personal access token (`Authorization: Bearer tg_…`) acts as its owner, with
the owner's rules and never more; a read token may only read. The browsable docs use the
session (with its CSRF check)."""

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from projects.models import AccessToken
from projects.services.tokens import token_authenticate


class AccessTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, AccessToken] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword:
            return None  # not ours: the session may still answer
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                "Send one token: “Authorization: Bearer tg_…”, with no spaces in it."
            )
        token = token_authenticate(words[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed(
                "This token is unknown, revoked or expired: make a new one on your profile page."
            )
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenScopeAllows(BasePermission):
    """A read token reads; writing needs a write token (the owner's rules still decide)."""

    message = "This token may only read: make a token with the write scope to change records."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, AccessToken) and not token.may_write:
            return request.method in SAFE_METHODS
        return True
