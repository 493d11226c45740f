"""What every tab of the project page shows above the tab."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from lifecycle.selectors import actions_for, next_gate, stage_bar
from projects import services
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
