"""The Register tab: a project's RAID register, its open risks as a heat map, and the forms
that add, edit, review, close and reopen its items."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lifecycle.rules import require
from projects.forms.common import CommentForm
from projects.forms.raid import RaidItemForm, RaidReviewForm
from projects.models import Project, RaidItem, RaidKind
from projects.selectors.projects import project_get
from projects.selectors.raid import SHOWN, is_overdue, register
from projects.services import raid
from projects.views.common import project_context, project_tab


def _item(project: Project, item: int) -> RaidItem:
    found = get_object_or_404(project.raid_items.select_related("owner"), pk=item)
    found.project = project
    return found


def raid_register(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, lambda project: _register_page(request, project))


def _register_page(request: HttpRequest, project: Project) -> HttpResponse:
    shown = request.GET.get("show", "open")
    shown = shown if shown in SHOWN else "open"
    sections = register(project, shown)
    today = timezone.localdate()
    for section in sections:
        for item in section.items:
            item.overdue = is_overdue(item, today)
    open_risks = register(project, "open")[0].items if shown != "open" else sections[0].items
    counts: dict[tuple[int, int], int] = {}
    for risk in open_risks:
        key = (risk.likelihood, risk.impact)
        counts[key] = counts.get(key, 0) + 1
    context = project_context(request, project, tab="raid") | {
        "sections": sections,
        "shown": shown,
        "filters": [("open", "Open"), ("closed", "Closed"), ("all", "All")],
        "risk_counts": counts,
        "open_risks": len(open_risks),
        "overdue": sum(item.overdue for section in sections for item in section.items),
    }
    return render(request, "projects/raid/register.html", context)


def _form_page(
    request: HttpRequest, project: Project, form: BaseForm, item: RaidItem | None, mode: str
) -> HttpResponse:
    context = {"project": project, "form": form, "item": item, "mode": mode}
    return render(request, "projects/raid/item_form.html", context)


def _saved(request: HttpRequest, project: Project, item: RaidItem, done: str) -> HttpResponse:
    messages.success(request, f"{item.get_kind_display()} {done}: “{item.title}”.")
    return redirect(reverse("projects:raid", args=[project.pk]) + f"#item-{item.pk}")


def raid_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add to the register: the manager's, from Initiating until Closing."""
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_add_raid_item", project)
    initial = {"kind": request.GET.get("kind", RaidKind.RISK), "owner": project.manager_id}
    form = RaidItemForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in RaidItem.FIELDS}
        try:
            item = raid.raid_item_add(project=project, by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, project, item, "added")
    return _form_page(request, project, form, None, "add")


def raid_edit(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """Edit an open item: the manager's."""
    project = project_get(user=request.user, pk=pk)
    found = _item(project, item)
    require(request.user, "may_edit_raid_item", found)
    form = RaidItemForm(request.POST or None, project=project, instance=found)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in RaidItem.FIELDS}
        try:
            found = raid.raid_item_update(item=_item(project, item), by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, project, found, "saved")
    return _form_page(request, project, form, found, "edit")


def raid_review(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """Review an open item: its owner's (or the manager's)."""
    project = project_get(user=request.user, pk=pk)
    found = _item(project, item)
    require(request.user, "may_review_raid_item", found)
    form = RaidReviewForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            found = raid.raid_item_review(
                item=_item(project, item), by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, project, found, "reviewed")
    return _form_page(request, project, form, _item(project, item), "review")


@require_POST
def raid_close(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    found = _item(project, item)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    found = raid.raid_item_close(item=found, by=request.user, comment=comment)
    return _saved(request, project, found, "closed; it stays in the register")


@require_POST
def raid_reopen(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    found = _item(project, item)
    found = raid.raid_item_reopen(item=found, by=request.user)
    return _saved(request, project, found, "reopened")
