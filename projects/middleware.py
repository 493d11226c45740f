"""A refusal raised anywhere in a request becomes the refusal page, never a 500."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

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
        match = request.resolver_match
        pk = match.kwargs.get("pk") if match else None
        back_url = reverse("projects:detail", args=[pk]) if pk else reverse("projects:home")
        return transition_refused(request, exception, back_url=back_url)
