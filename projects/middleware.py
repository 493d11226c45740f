"""What every answer of the app shares: refusals as the refusal page, never a 500; and pages
that no shared cache or browser history keeps."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from lifecycle.errors import TransitionError
from lifecycle.views import transition_refused


class RefusalMiddleware:
    """Services raise the `TransitionError` family (lifecycle/errors.py); views let it rise.
    It is answered here, the same way for every page and action: the reason, the checklist
    when a gate refused, a link back to the project, and the error's status (403, 409)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, TransitionError):
            return None
        response = transition_refused(request, exception, back_url=back_url(request))
        if retry_after := getattr(exception, "retry_after", None):
            response["Retry-After"] = str(retry_after)
        return response


class NotAllowedMiddleware:
    """`require_POST` answers a visit to an action's address (a reload, a bookmark, the
    address bar after a form came back with an error) with an empty 405. Here it becomes a
    page that says so and leads back, keeping the status and the Allow header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not isinstance(response, HttpResponseNotAllowed) or response.content:
            return response
        url = back_url(request)
        page = render(
            request,
            "405.html",
            {"back_url": url, "back_is_project": url != reverse("projects:home")},
            status=405,
        )
        page["Allow"] = response["Allow"]
        return page


def back_url(request: HttpRequest) -> str:
    """The project the address belongs to, or Home."""
    match = request.resolver_match
    pk = match.kwargs.get("pk") if match and match.app_name == "projects" else None
    return reverse("projects:detail", args=[pk]) if pk else reverse("projects:home")


class AnswerHeadersMiddleware:
    """Every page, PDF and CSV export is one person's view of the portfolio: `private,
    no-store`, so neither a shared proxy nor the browser's back-button cache keeps it after
    logout; and no page may use the camera, microphone, location or payment (Permissions-
    Policy). Static files are answered before this (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
