"""The Definition stage's pages: goals with their progress and measurements, and the scope."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lifecycle.gates import GOAL_SMART
from lifecycle.rules import require
from projects import goals, lists
from projects.forms.common import CommentForm
from projects.forms.definition import GoalForm, MeasurementForm
from projects.lists import SCOPE_LISTS
from projects.models import Goal, Measurement, Project
from projects.selectors.definition import goals_of
from projects.selectors.projects import project_get
from projects.services import definition
from projects.views.common import project_context, project_tab


def _goal(project: Project, goal_pk: int) -> Goal:
    measurements = Prefetch(
        "measurements", queryset=Measurement.objects.select_related("recorded_by")
    )
    goal = get_object_or_404(project.goals.prefetch_related(measurements), pk=goal_pk)
    goal.readings = goals.readings_of(goal.measurements.all())  # for its state and chart
    return goal


def _with_state(goal: Goal) -> Goal:
    """Attach what the pages show of a goal: its SMART check and where it stands today
    (`goal.readings`: `_goal`, `goals_of`)."""
    goal.smart = GOAL_SMART.evaluate(goal)
    goal.smart_unmet = [check for check in goal.smart if not check.met]
    goal.state = goals.goal_state(goal, goal.readings, timezone.localdate())
    return goal


def goal_list(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _goals_page(request, project))


def _goals_page(request: HttpRequest, project: Project) -> HttpResponse:
    context = project_context(request, project, tab="goals")  # its gate may read the goals
    shown = [_with_state(goal) for goal in goals_of(project)]
    context |= {
        "goals": [goal for goal in shown if not goal.archived],
        "archived": [goal for goal in shown if goal.archived],
    }
    return render(request, "projects/definition/goals.html", context)


def goal_form(request: HttpRequest, pk: int, goal_pk: int | None = None) -> HttpResponse:
    """Add a goal, or edit one: the manager's, while the project is in Defining."""
    project = project_get(user=request.user, pk=pk)
    goal = _goal(project, goal_pk) if goal_pk else None  # another project's goal: 404
    if goal is None:
        require(request.user, "may_add_goal", project)
    else:
        require(request.user, "may_edit_goal", goal)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in Goal.FIELDS}
        goal = definition.goal_save(project=project, by=request.user, goal=goal, **fields)
        unmet = [check.label for check in GOAL_SMART.unmet(goal)]
        if unmet:
            messages.warning(request, f"Goal saved. Not SMART yet — lacking: {', '.join(unmet)}.")
        else:
            messages.success(request, "Goal saved. It passes the SMART check.")
        return redirect("projects:goals", pk=project.pk)
    context = {"project": project, "form": form, "goal": _with_state(goal) if goal else None}
    return render(request, "projects/definition/goal_form.html", context)


def goal_detail(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _goal_detail_page(request, project, goal_pk))


def _goal_detail_page(request: HttpRequest, project: Project, goal_pk: int) -> HttpResponse:
    goal = _with_state(_goal(project, goal_pk))  # another project's goal: 404
    return _goal_page(request, project, goal, MeasurementForm(goal=goal))


def _goal_page(
    request: HttpRequest, project: Project, goal: Goal, form: MeasurementForm, status: int = 200
) -> HttpResponse:
    context = project_context(request, project, tab="goals") | {
        "goal": goal,
        "form": form,
    }
    return render(request, "projects/definition/goal_detail.html", context, status=status)


@require_POST
def measurement_create(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    goal = _goal(project, goal_pk)
    require(request.user, "may_add_measurement", goal)
    form = MeasurementForm(request.POST, goal=goal)
    if form.is_valid():
        try:
            definition.measurement_add(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Measurement added.")
            return redirect("projects:goal", pk=project.pk, goal_pk=goal.pk)
    return _goal_page(request, project, _with_state(_goal(project, goal_pk)), form, status=200)


@require_POST
def goal_archive(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    goal = _goal(project, goal_pk)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    definition.goal_archive(goal=goal, by=request.user, comment=comment)
    messages.success(request, "Goal archived; it and its measurements are kept.")
    return redirect("projects:goals", pk=project.pk)


def scope_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _scope_page(request, project))


def _scope_page(request: HttpRequest, project: Project) -> HttpResponse:
    context = project_context(request, project, tab="scope") | {
        "in_scope": [item for item in project.scope_items.all() if item.kind == "in"],
        "out_of_scope": [item for item in project.scope_items.all() if item.kind == "out"],
        "requirements": project.requirements.all(),
    }
    return render(request, "projects/definition/scope.html", context)


def scope_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_edit_scope", project)
    formsets = lists.bind(SCOPE_LISTS, request.POST or None, project)
    if request.method == "POST" and lists.valid(formsets):
        definition.scope_update(project=project, by=request.user, lists=lists.rows_of(formsets))
        messages.success(request, "Scope saved.")
        return redirect("projects:scope", pk=project.pk)
    context = {"project": project, "formsets": formsets}
    return render(request, "projects/definition/scope_form.html", context)
