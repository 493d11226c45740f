"""Discussion and evidence on a project's records: a thread's page and its comments, files
attached, downloaded and removed. Every record is found through the projects its reader may
see (404 otherwise); who may write is the rulebook's, asked by the services."""

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from lifecycle.rules import require
from projects.discussion import kind_of
from projects.formats import person
from projects.forms.discussion import AttachmentForm, ThreadCommentForm
from projects.selectors.discussion import (
    attachment_get,
    comment_get,
    evidence_of,
    mention_choices,
    record_get,
    thread_of,
)
from projects.services import discussion, evidence
from projects.views.common import project_context

log = logging.getLogger(__name__)


def thread(request: HttpRequest, pk: int, kind: str, record: int) -> HttpResponse:
    """A record's discussion (and its evidence, if it has any) on a page of its own; posting
    adds a comment and goes back to where the record is shown."""
    item = record_get(user=request.user, pk=pk, kind=kind, record=record)
    if not kind_of(item).discussed:
        raise Http404("This record has no discussion.")
    form = ThreadCommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            posted = discussion.comment_add(
                record=item, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            _told(request, posted)
            return redirect(kind_of(item).url(item) + f"#comment-{posted.comment.pk}")
    return _thread_page(request, item, form, status=400 if form.errors else 200)


@require_GET
def mention_people(request: HttpRequest, pk: int, kind: str, record: int) -> JsonResponse:
    """Whom a comment on this record may @mention, for the comment box's suggestions: asked
    for when its first "@" is typed, not with every page that shows a thread. Only for those
    who may comment there now (403, or 409 in a closed project), on records they may see
    (404)."""
    item = record_get(user=request.user, pk=pk, kind=kind, record=record)
    if not kind_of(item).discussed:
        raise Http404("This record has no discussion.")
    require(request.user, "may_comment", item)
    return JsonResponse(mention_choices(item.project), safe=False)


def _thread_page(
    request: HttpRequest, item: Any, form: ThreadCommentForm, status: int
) -> HttpResponse:
    kind = kind_of(item)
    context = project_context(request, item.project, tab="") | {
        "kind": kind,
        "item": item,
        "title": kind.title(item),
        "thread": thread_of(item, request.user),
        "evidence": evidence_of(item, request.user) if kind.evidence else None,
        "max_mb": settings.ATTACHMENT_MAX_MB,
        "form": form,
    }
    return render(request, "projects/discussion/thread.html", context, status=status)


def _told(request: HttpRequest, posted: discussion.Posted) -> None:
    text = "Comment added."
    if posted.mentioned:
        text += f" Notified: {', '.join(person(user) for user in posted.mentioned)}."
    messages.success(request, text)
    if posted.unknown:
        messages.warning(
            request,
            f"Nobody was notified for {', '.join(posted.unknown)}: mentions reach only the "
            "people of this project.",
        )


def comment_edit(request: HttpRequest, pk: int, comment: int) -> HttpResponse:
    """Correct one's comment within 15 minutes of writing it."""
    found = comment_get(user=request.user, pk=pk, comment=comment)
    require(request.user, "may_edit_comment", found)
    form = ThreadCommentForm(request.POST or None, initial={"body": found.body})
    if request.method == "POST" and form.is_valid():
        try:
            posted = discussion.comment_edit(
                comment=found, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            _told(request, posted)
            record = found.thread
            return redirect(kind_of(record).url(record) + f"#comment-{found.pk}")
    form.fields["body"].label = "Comment"
    record = found.thread
    context = project_context(request, found.project, tab="") | {
        "comment": found,
        "form": form,
        "title": kind_of(record).title(record),
        "back": kind_of(record).url(record) + f"#comment-{found.pk}",
    }
    return render(
        request,
        "projects/discussion/comment_form.html",
        context,
        status=400 if form.errors else 200,
    )


@require_POST
def comment_remove(request: HttpRequest, pk: int, comment: int) -> HttpResponse:
    found = comment_get(user=request.user, pk=pk, comment=comment)
    discussion.comment_remove(comment=found, by=request.user)
    messages.success(request, "Comment removed.")
    record = found.thread
    return redirect(kind_of(record).url(record) + "#discussion")


@require_POST
def mentions_read(request: HttpRequest, pk: int, kind: str, record: int) -> HttpResponse:
    item = record_get(user=request.user, pk=pk, kind=kind, record=record)
    count = discussion.mentions_read(record=item, by=request.user)
    messages.success(request, f"Marked read: {count} mention{'s' if count != 1 else ''}.")
    return redirect(kind_of(item).url(item) + "#discussion")


@require_POST
def attachment_add(request: HttpRequest, pk: int, kind: str, record: int) -> HttpResponse:
    """Attach a file; a refused one is told why (the limit, the type read from its content)
    and nothing is kept."""
    item = record_get(user=request.user, pk=pk, kind=kind, record=record)
    found = kind_of(item)
    if not found.evidence:
        raise Http404("No files are attached to this record.")
    back = found.url(item) + "#evidence"
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["file"]))
        return redirect(back)
    try:
        attachment = evidence.attachment_add(
            record=item, by=request.user, upload=form.cleaned_data["file"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(request, f"“{attachment.name}” attached.")
    return redirect(back)


def attachment_download(request: HttpRequest, pk: int, attachment: int) -> FileResponse:
    """The file, to whoever sees the project: always as a download, with the type read from
    its content, never rendered by the browser."""
    found = attachment_get(user=request.user, pk=pk, attachment=attachment)
    try:
        stored = found.file.open("rb")
    except OSError:
        log.exception("Attachment %s: its stored file %s is missing", found.pk, found.file.name)
        raise Http404("The file is missing from storage; the orphan report lists it.") from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=found.name,
        content_type=found.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def attachment_remove(request: HttpRequest, pk: int, attachment: int) -> HttpResponse:
    found = attachment_get(user=request.user, pk=pk, attachment=attachment)
    record = found.record
    evidence.attachment_remove(attachment=found, by=request.user)
    messages.success(request, f"“{found.name}” removed.")
    return redirect(kind_of(record).url(record) + "#evidence")
