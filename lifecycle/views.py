"""How a refused transition answers the browser, shared by every transition view."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lifecycle.errors import TransitionError


def transition_refused(
    request: HttpRequest, error: TransitionError, *, back_url: str
) -> HttpResponse:
    """A page saying why, with the gate checklist when a gate refused, and the right status:
    409 when the record moved on or a gate is closed, 403 without permission."""
    return render(
        request,
        "lifecycle/refused.html",
        {"error": error, "back_url": back_url},
        status=error.status,
    )
