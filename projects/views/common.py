"""What every tab of the project page shows above the tab, and how a decision is posted."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from lifecycle.models import AuditEntry
from lifecycle.selectors import actions_for, next_gate, stage_bar
from lifecycle.services import TransitionError
from lifecycle.views import transition_refused
from projects import services
from projects.forms import CommentForm
from projects.models import Project


def project_context(request: HttpRequest, project: Project, *, tab: str) -> dict[str, Any]:
    """What every tab of the project page shows above the tab: stage bar, gate, actions."""
    user = request.user
    return {
        "project": project,
        "tab": tab,
        "stage_bar": stage_bar(project),
        "gate": next_gate(project),
        "stage_actions": actions_for(project, user),
        "can_record_funding": services.funding_allowed(project, user),
        "tabs": [
            ("business-case", "Business case", reverse("projects:detail", args=[project.pk])),
            ("charter", "Charter", reverse("projects:charter", args=[project.pk])),
            ("goals", "Goals", reverse("projects:goals", args=[project.pk])),
            ("scope", "Scope", reverse("projects:scope", args=[project.pk])),
            ("plan", "Plan", reverse("projects:plan", args=[project.pk])),
            ("status", "Status", reverse("projects:status", args=[project.pk])),
            ("closure", "Closure", reverse("projects:closure", args=[project.pk])),
            ("history", "History", reverse("projects:history", args=[project.pk])),
        ],
    }


def decide(
    request: HttpRequest,
    *,
    run: Callable[[str], AuditEntry],
    page: Callable[[CommentForm, int], HttpResponse],
    back_url: str,
    record: str,
) -> HttpResponse:
    """A decision posted from a record's page, with its comment box: run it, or show why not —
    a comment error beside the box (400), anything else on the refusal page (403 or 409)."""
    form = CommentForm(request.POST)
    if not form.is_valid():
        return page(form, 400)
    try:
        entry = run(form.cleaned_data["comment"])
    except TransitionError as error:
        if error.field:
            form.add_error(error.field, error.message)
            return page(form, 400)
        return transition_refused(request, error, back_url=back_url)
    messages.success(request, f"{entry.label}: the {record} is now {entry.to_state.lower()}.")
    return redirect(back_url)
