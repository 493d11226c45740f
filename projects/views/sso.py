"""Single sign-on's two addresses: the start (off to the provider) and the callback (back with
a code, exchanged for the person's claims by projects/oidc.py). Both are 404 while single
sign-on is off. Whatever stops a sign-in answers with a page saying why, never a 500."""

import logging

import requests
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from projects.services.sso import SignInRefused

log = logging.getLogger(__name__)

CANCELLED, UNREACHABLE, FAILED = "cancelled", "unreachable", "failed"


def _refused(request: HttpRequest, reason: str, username: str = "", status: int = 403):
    context = {
        "reason": reason,
        "username": username,
        "provider": settings.OIDC_PROVIDER_NAME,
        "password_users": bool(settings.OIDC_PASSWORD_USERS),
    }
    return render(request, "registration/sso_refused.html", context, status=status)


def _only_when_on(request: HttpRequest) -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not set up.")


@method_decorator(login_not_required, name="dispatch")
class SignInStart(OIDCAuthenticationRequestView):
    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        _only_when_on(request)
        return super().dispatch(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class SignInCallback(OIDCAuthenticationCallbackView):
    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        _only_when_on(request)
        try:
            return super().dispatch(request, *args, **kwargs)
        except SignInRefused as refusal:
            return _refused(request, refusal.reason, refusal.username)
        except requests.HTTPError as error:  # it answered, refusing the code or the token
            log.warning("Single sign-on: the provider refused: %s", error)
            return _refused(request, FAILED, status=502)
        except requests.RequestException as error:
            log.warning("Single sign-on: the provider did not answer: %s", error)
            return _refused(request, UNREACHABLE, status=502)

    def login_failure(self) -> HttpResponse:
        cancelled = "error" in self.request.GET
        return _refused(self.request, CANCELLED if cancelled else FAILED, status=401)
