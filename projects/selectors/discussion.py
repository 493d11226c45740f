"""Reading discussions and evidence: a record's thread and files as a page shows them, the
people one may @mention on a project, and the records, comments and files a person may reach
(404 for everyone else, whether they exist or not)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from lifecycle.rules import allows
from projects.discussion import KINDS, Kind, kind_of
from projects.models import Attachment, Comment, Delegation, Mention, Project
from projects.rules import evidence_rule, next_stage
from projects.selectors.projects import project_get
from projects.statements import compiled, records_by_id


def people_of(project: Project) -> list[AbstractBaseUser]:
    """Whom a comment on `project` may @mention: the people who see it — its manager, sponsor
    (and their deputy today), members, and the PMO — active ones, by name."""
    today = timezone.localdate()
    deputies = Delegation.objects.active(today).filter(sponsor_id=project.sponsor_id)
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(pk__in=[project.manager_id, project.sponsor_id])
            | Q(memberships__project=project)
            | Q(pk__in=deputies.values("deputy_id"))
            | Q(groups__permissions__codename="view_portfolio")
            | Q(user_permissions__codename="view_portfolio")
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def mention_choices(project: Project) -> list[dict[str, str]]:
    """The @mention suggestions of a comment box on `project`: each person's username and
    name, as `people_of` finds them."""
    return [
        {"username": person.get_username(), "name": person.get_full_name() or person.get_username()}
        for person in people_of(project)
    ]


@dataclass
class Thread:
    kind: Kind
    record: Any
    comments: list[Comment]
    may_comment: bool
    pending: int  # mentions of the reader here, not yet answered
    url: str = ""

    @property
    def count(self) -> int:
        return sum(1 for comment in self.comments if not comment.removed)

    @property
    def dom_id(self) -> str:
        return f"{self.kind.slug}-{self.record.pk}"

    @property
    def people_url(self) -> str:
        """Where the comment box asks, at its first "@", whom it may mention."""
        return reverse(
            "projects:mention-people",
            args=[self.record.project_id, self.kind.slug, self.record.pk],
        )


def _kind_of_record(record: Any) -> tuple[str, int]:
    """The record's model and its content type's id, which the kept SQL names: content types
    made again (a flushed database) are a new statement."""
    return type(record)._meta.label, ContentType.objects.get_for_model(record).pk


def _comments_on(model: type[Model]) -> Callable[[list[int]], QuerySet]:
    def build(ids: list[int]) -> QuerySet:
        kind = ContentType.objects.get_for_model(model)
        comments = Comment.objects.filter(thread_type=kind, thread_id__in=ids)
        return comments.select_related("author", "removed_by")

    return build


def _files_of(model: type[Model]) -> Callable[[list[int]], QuerySet]:
    def build(ids: list[int]) -> QuerySet:
        kind = ContentType.objects.get_for_model(model)
        files = Attachment.objects.filter(record_type=kind, record_id__in=ids)
        return files.select_related("uploaded_by")

    return build


def thread_of(record: Any, user: AbstractBaseUser) -> Thread:
    """The thread of `record` as `user` reads it: newest last, with what they may do to each
    comment (`comment.may_edit`, `comment.may_remove`)."""
    kind = kind_of(record)
    project = record.project
    # The same SQL for every record of a kind: compiled once (projects/statements.py).
    key = ("thread", *_kind_of_record(record))
    comments = records_by_id(key, _comments_on(type(record)), [record.pk])
    for comment in comments:
        comment.project = project
        comment.may_edit = allows(user, "may_edit_comment", comment)
        comment.may_remove = allows(user, "may_remove_comment", comment)
    may_comment = allows(user, "may_comment", record)
    return Thread(kind, record, comments, may_comment, _pending(user, comments), kind.url(record))


def _pending(user: AbstractBaseUser, comments: list[Comment]) -> int:
    """How many of these comments mention `user` without an answer yet."""
    if not comments:
        return 0

    def build(ids: list[int]) -> QuerySet:
        mentions = Mention.objects.filter(user=ids[0], answered_at__isnull=True)
        return mentions.filter(comment__in=ids[1:]).values_list("pk")

    ids = [user.pk, *(comment.pk for comment in comments)]
    return len(compiled(("mentions pending",), build, ids=len(ids)).rows(ids=ids))


@dataclass
class Evidence:
    kind: Kind
    record: Any
    files: list[Attachment]
    may_attach: bool
    gate: str = ""
    past: list[Attachment] = field(default_factory=list)  # a gate's: for gates passed

    @property
    def project_id(self) -> int:
        return self.record.pk if self.kind.slug == "gate" else self.record.project_id


def evidence_of(record: Any, user: AbstractBaseUser) -> Evidence:
    """The files attached to `record`, and whether `user` may add or remove them now."""
    kind = kind_of(record)
    project = record if kind.slug == "gate" else record.project
    key = ("evidence", *_kind_of_record(record))
    files = records_by_id(key, _files_of(type(record)), [record.pk])
    for attachment in files:
        attachment.project = project
        attachment.record = record
        attachment.may_remove = allows(user, "may_remove_attachment", attachment)
    may_attach = allows(user, evidence_rule(record), record)
    if kind.slug != "gate":
        return Evidence(kind, record, files, may_attach)
    gate = next_stage(project)
    current = [a for a in files if a.gate == gate]
    return Evidence(kind, record, current, may_attach, gate, [a for a in files if a.gate != gate])


def thread_counts(records: list[Any]) -> dict[int, int]:
    """How many comments each of `records` (one kind) has: one query for a whole list."""
    if not records:
        return {}
    comments = Comment.objects.filter(
        thread_type=ContentType.objects.get_for_model(records[0]),
        thread_id__in=[record.pk for record in records],
        removed_at__isnull=True,
    )
    return dict(comments.values_list("thread_id").annotate(count=Count("pk")))


def attachment_counts(records: list[Any]) -> dict[int, int]:
    """How many files each of `records` (one kind) has: one query for a whole list."""
    if not records:
        return {}
    files = Attachment.objects.filter(
        record_type=ContentType.objects.get_for_model(records[0]),
        record_id__in=[record.pk for record in records],
    )
    return dict(files.values_list("record_id").annotate(count=Count("pk")))


def record_get(*, user: AbstractBaseUser, pk: int, kind: str, record: int) -> Any:
    """A record of a project `user` may see, by its kind's slug and id; 404 otherwise."""
    project = project_get(user=user, pk=pk)
    try:
        found = KINDS[kind]
    except KeyError:
        raise Http404("No such kind of record.") from None
    item = get_object_or_404(found.records(project), pk=record)
    if found.slug != "gate":
        item.project = project
    return item


def comment_get(*, user: AbstractBaseUser, pk: int, comment: int) -> Comment:
    project = project_get(user=user, pk=pk)
    found = get_object_or_404(Comment.objects.select_related("author"), project=project, pk=comment)
    found.project = project
    return found


def attachment_get(*, user: AbstractBaseUser, pk: int, attachment: int) -> Attachment:
    project = project_get(user=user, pk=pk)
    found = get_object_or_404(Attachment, project=project, pk=attachment)
    found.project = project
    return found
