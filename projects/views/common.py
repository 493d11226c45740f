"""What every tab of the project page shows above the tab, and how a decision is posted."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from lifecycle.errors import TransitionError
from lifecycle.models import AuditEntry
from lifecycle.selectors import actions_for, next_gate, stage_bar
from lifecycle.stages import Stage
from projects.addresses import project_url
from projects.forms.common import CommentForm
from projects.models import Project, with_gates
from projects.page_cache import cached
from projects.selectors.inbox import waiting_on
from projects.selectors.projects import project_get, project_seen


def project_tab(
    request: HttpRequest, pk: int, page: Callable[[Project], HttpResponse]
) -> HttpResponse:
    """A tab of the project page, kept between changes (projects/page_cache.py): whether this
    person may see the project is asked on every request (404 for outsiders) — by the read of
    the project when the tab is built by `page(project)`, by `project_seen` before a kept copy
    is served."""
    return cached(
        request,
        lambda: page(project_get(user=request.user, pk=pk, gates=True)),
        before_kept=lambda: project_seen(user=request.user, pk=pk),
    )


def project_context(request: HttpRequest, project: Project, *, tab: str) -> dict[str, Any]:
    """What every tab of the project page shows above the tab: stage bar, gate, actions, and
    what waits on the project — this person's next steps, and who holds the rest."""
    with_gates([project])  # the next gate's lists: read once for its checklist, actions, waits
    steps = waiting_on(project, request.user)
    return {
        "project": project,
        "tab": tab,
        "stage_bar": stage_bar(project),
        "gate": next_gate(project),
        "stage_actions": actions_for(project, request.user),
        # Exceptions open in Delivering and stay open through a hold, until the sponsor decides.
        "open_exceptions": [e for e in project.exceptions.all() if e.is_open]
        if project.stage in (Stage.DELIVERING, Stage.ON_HOLD)
        else [],
        "my_steps": [s for s in steps if s.mine and not s.item.wait.on_the_card],
        "their_steps": [s for s in steps if not s.mine],
        "tabs": [
            ("business-case", "Business case", project_url("projects:detail", project.pk)),
            ("charter", "Charter", project_url("projects:charter", project.pk)),
            ("goals", "Goals", project_url("projects:goals", project.pk)),
            ("scope", "Scope", project_url("projects:scope", project.pk)),
            ("plan", "Plan", project_url("projects:plan", project.pk)),
            ("costs", "Costs", project_url("projects:costs", project.pk)),
            ("changes", "Changes", project_url("projects:changes", project.pk)),
            ("raid", "Register", project_url("projects:raid", project.pk)),
            ("status", "Status", project_url("projects:status", project.pk)),
            ("closure", "Closure", project_url("projects:closure", project.pk)),
            ("history", "History", project_url("projects:history", project.pk)),
        ],
    }


def record_of(project: Project, name: str) -> Any:
    """The project's one record of a kind — `charter`, `plan`, `closure` — or 404 while the
    project has not reached the stage that opens it."""
    record = getattr(project, name, None)
    if record is None:
        raise Http404(f"No {name} yet.")
    return record


def decide(
    request: HttpRequest,
    pk: int,
    *,
    run: Callable[..., AuditEntry],
    page: Callable[[Project, CommentForm, int], HttpResponse],
    back_url: str,
    done: Callable[[AuditEntry], str],
    form_class: type[CommentForm] = CommentForm,
) -> HttpResponse:
    """Every action posted with a comment box — a decision, a stage change, a deliverable —
    goes through here: run it with the comment and the version the page showed, and go back
    with what happened (`done`), or show the page again with the comment's error beside the
    box (400): only then is project `pk` read whole, with everything its page shows (the
    views look it up with `project_to_act_on`, its row alone). Any other refusal rises to
    `RefusalMiddleware` (403 or 409, with the reason). A `form_class` with more fields than
    the comment (Approve plan's tolerances) hands them to `run` by name; the service's own
    field errors show beside them."""
    form = form_class(request.POST)

    def again() -> HttpResponse:  # the page once more, read whole, with the form's errors
        return page(project_get(user=request.user, pk=pk), form, 400)

    if not form.is_valid():
        return again()
    extra = {k: v for k, v in form.cleaned_data.items() if k not in ("comment", "seen")}
    try:
        entry = run(form.cleaned_data["comment"], form.cleaned_data["seen"], **extra)
    except TransitionError as error:
        if not error.field:
            raise
        form.add_error(error.field, error.message)
        return again()
    except ValidationError as error:
        form.add_error(None, error)
        return again()
    messages.success(request, done(entry))
    return redirect(back_url)


def now_is(record: str) -> Callable[[AuditEntry], str]:
    """The message after an action: “Approve: the business case is now approved.”"""
    return lambda entry: f"{entry.label}: the {record} is now {entry.to_state.lower()}."
