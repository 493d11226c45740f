"""Needs my action and deputies (the person's profile is projects/views/accounts.py)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lifecycle.rules import allows
from projects.formats import person
from projects.forms.people import DelegationForm
from projects.forms.proposals import active_sponsors
from projects.page_cache import kept
from projects.selectors.inbox import needs_action, needs_action_count
from projects.selectors.people import delegation_get, delegations_visible_to
from projects.services import delegations as deputies

INBOX_LIMIT = 50


@kept
def inbox(request: HttpRequest) -> HttpResponse:
    """**Needs my action**: everything waiting for this person, oldest first, decisions and
    the rest in pages of INBOX_LIMIT each (`?decisions=2`, `?todo=2`)."""
    waiting = needs_action(
        request.user,
        INBOX_LIMIT,
        decisions_page=_page_asked(request.GET.get("decisions")),
        work_page=_page_asked(request.GET.get("todo")),
    )
    context = {
        "inbox": waiting,
        "navigation_count": waiting.total,  # the navigation's count, without asking again
        "limit": INBOX_LIMIT,
        # Each list's pager keeps the page the other list is on.
        "keep_decisions": _on_page("decisions", waiting.decisions_page),
        "keep_work": _on_page("todo", waiting.work_page),
        "remind_after": settings.REMIND_AFTER_DAYS,
        "escalate_after": settings.ESCALATE_AFTER_DAYS,
    }
    return render(request, "projects/inbox/inbox.html", context)


def _page_asked(value: str | None) -> int:
    """The page a list's parameter asks for: 1 unless it is a whole number (the selector keeps
    it within the pages there are)."""
    try:
        return int(value or 1)
    except ValueError:
        return 1


def _on_page(name: str, number: int) -> str:
    """The query string that keeps a list on page `number` ("" for the first)."""
    return f"{name}={number}" if number > 1 else ""


@kept
def inbox_count(request: HttpRequest) -> HttpResponse:
    """The count beside **Needs my action** in the navigation, loaded after the page."""
    context = {"count": needs_action_count(request.user)}
    return render(request, "projects/inbox/_count.html", context)


def delegation_list(request: HttpRequest) -> HttpResponse:
    """Deputies: a sponsor names theirs for a date range, the PMO anyone's; listed for the
    sponsor, the deputy and the PMO, revocable until they end."""
    user = request.user
    form = None
    if allows(user, "may_name_deputies"):
        # The sponsors this person may name a deputy for: themselves, or (the PMO) anyone.
        sponsors = [s for s in active_sponsors() if allows(user, "may_delegate", s)]
        form = DelegationForm(request.POST or None, sponsors=sponsors)
        if request.method == "POST" and form.is_valid():
            try:
                delegation = deputies.delegation_create(by=user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"{person(delegation.deputy)} decides for {person(delegation.sponsor.user)} "
                    "during those days.",
                )
                return redirect("projects:delegations")
    context = {"form": form, "delegations": delegations_visible_to(user)}
    return render(request, "projects/people/delegations.html", context)


@require_POST
def delegation_revoke(request: HttpRequest, delegation: int) -> HttpResponse:
    record = delegation_get(user=request.user, pk=delegation)
    deputies.delegation_revoke(delegation=record, by=request.user)
    messages.success(request, f"Delegation to {person(record.deputy)} revoked.")
    return redirect("projects:delegations")
