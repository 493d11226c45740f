"""Single sign-on's authentication backend: mozilla-django-oidc's code flow (state, nonce,
PKCE, the id_token's signature checked against the provider's JWKS), with Tollgate's account
rules (`services.sso.person_sign_in`).

Listed in AUTHENTICATION_BACKENDS only when single sign-on is on (config/settings.py), after
django-axes, which sees every callback as an attempt: the callback view passes the request.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from projects.services.sso import person_sign_in

CALLBACK = "oidc_authentication_callback"


class OIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        """Only the callback's own call, which passes the nonce (and PKCE verifier) it took from
        the session after checking the state: the library would otherwise exchange any `code`
        and `state` in the query of a password log-in, checking none of them."""
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != CALLBACK or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks the signature and the nonce; the audience is checked here, so a
        token the provider issued to another application is refused."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The id_token was issued to another client.")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict:
        """The id_token's claims with the userinfo endpoint's over them: some providers put
        the group claim in one, some in the other. The identity (`iss`, `sub`) is the signed
        id_token's; userinfo about someone else is refused."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if "sub" in userinfo and str(userinfo["sub"]) != str(payload.get("sub")):
            raise SuspiciousOperation("The userinfo endpoint answered about someone else.")
        return {**payload, **userinfo, "iss": payload.get("iss"), "sub": payload.get("sub")}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # What the claims lack (a username, a role) is person_sign_in's to explain.
        return True

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]):
        claims = self.get_userinfo(access_token, id_token, payload)
        return person_sign_in(claims=claims)

    def get_user(self, user_id: int) -> Any:
        # Django's, which refuses a deactivated user (the library's does not).
        return ModelBackend.get_user(self, user_id)

    # Permissions are answered by projects.backends.PasswordBackend (cached) alone: this
    # backend (a ModelBackend by inheritance) would read them again, uncached, on every check.
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False
