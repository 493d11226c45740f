"""Discussion: comments on a project's records, their @mentions, corrections and removals —
each audited (History shows all of it) and a mention announced by e-mail after the commit."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from lifecycle.rules import require
from projects import events
from projects.discussion import comment_text, kind_of, mentions_in
from projects.formats import person
from projects.models import Comment, Mention, Project
from projects.selectors.discussion import people_of
from projects.services.audit import audit

LABEL_MAX = 80


@dataclass(frozen=True)
class Posted:
    comment: Comment
    mentioned: list[Any]  # told, and waiting in their Needs my action
    unknown: list[str]  # @-words that name nobody on the project: nobody was told


def _label(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def _mention(comment: Comment, people: list[Any], by: AbstractBaseUser) -> list[Any]:
    """Record who waits on `comment` (never its author, never twice for one comment)."""
    told = [user for user in people if user.pk != by.pk]
    Mention.objects.bulk_create(
        [Mention(comment=comment, project_id=comment.project_id, user=user) for user in told],
        ignore_conflicts=True,
    )
    return told


def _answered(record: Any, user: AbstractBaseUser) -> None:
    """Whoever writes in a thread has answered what mentioned them there."""
    Mention.objects.filter(
        user=user,
        answered_at__isnull=True,
        comment__thread_type=ContentType.objects.get_for_model(record),
        comment__thread_id=record.pk,
    ).update(answered_at=timezone.now())


def comment_add(*, record: Any, by: AbstractBaseUser, body: str) -> Posted:
    """Add `by`'s comment to the thread of `record` and tell the people it @mentions."""
    text = comment_text(body)
    kind = kind_of(record)
    with transaction.atomic():
        project = Project.objects.locked(record.project_id)
        record.project = project
        require(by, "may_comment", record)
        comment = Comment.objects.create(project=project, thread=record, author=by, body=text)
        found, unknown = mentions_in(text, people_of(project))
        told = _mention(comment, found, by)
        _answered(record, by)
        audit(
            subject=project,
            record="Discussion",
            action="comment",
            event=events.COMMENT_ADDED,
            label=_label(f"Comment on {kind.title(record)}"),
            comment=text,
            data=_data(comment, kind.slug, record, told),
            by=by,
        )
    return Posted(comment, told, unknown)


def comment_edit(*, comment: Comment, by: AbstractBaseUser, body: str) -> Posted:
    """Correct a comment within its 15 minutes; people newly @mentioned are told."""
    text = comment_text(body)
    with transaction.atomic():
        project = Project.objects.locked(comment.project_id)
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        comment.project = project
        require(by, "may_edit_comment", comment)
        before = comment.body
        comment.body, comment.edited_at = text, timezone.now()
        comment.save(update_fields=["body", "edited_at"])
        found, unknown = mentions_in(text, people_of(project))
        already = set(comment.mentions.values_list("user_id", flat=True))
        told = _mention(comment, [user for user in found if user.pk not in already], by)
        record = comment.thread
        audit(
            subject=project,
            record="Discussion",
            action="comment_edited",
            event=events.COMMENT_EDITED,
            label=_label(f"Comment edited on {kind_of(record).title(record)}"),
            comment=text,
            data=_data(comment, kind_of(record).slug, record, told) | {"before": before},
            by=by,
        )
    return Posted(comment, told, unknown)


def comment_remove(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """Take a comment out of its thread: a "comment removed" marker stays, the text stays in
    History, and nobody waits on it any longer."""
    with transaction.atomic():
        project = Project.objects.locked(comment.project_id)
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        comment.project = project
        require(by, "may_remove_comment", comment)
        comment.removed_at, comment.removed_by = timezone.now(), by
        comment.save(update_fields=["removed_at", "removed_by"])
        comment.mentions.filter(answered_at__isnull=True).update(answered_at=comment.removed_at)
        record = comment.thread
        audit(
            subject=project,
            record="Discussion",
            action="comment_removed",
            event=events.COMMENT_REMOVED,
            label=_label(f"Comment removed from {kind_of(record).title(record)}"),
            comment=f"Written by {person(comment.author)}: {comment.body}",
            data=_data(comment, kind_of(record).slug, record, []),
            by=by,
        )
    return comment


def mentions_read(*, record: Any, by: AbstractBaseUser) -> int:
    """`by` has read what mentioned them in the thread of `record`, without answering."""
    require(by, "may_view_project", record.project)
    with transaction.atomic():
        pending = Mention.objects.filter(
            user=by,
            answered_at__isnull=True,
            comment__thread_type=ContentType.objects.get_for_model(record),
            comment__thread_id=record.pk,
        )
        return pending.update(answered_at=timezone.now())


def _data(comment: Comment, slug: str, record: Any, told: list[Any]) -> dict[str, Any]:
    return {
        "comment": comment.pk,
        "thread": slug,
        "record": record.pk,
        "mentioned": [user.pk for user in told],
    }
