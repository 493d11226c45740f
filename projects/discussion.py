"""Which records are discussed and which carry evidence (SPEC §10), declared once: `KINDS`.

A kind names a record in URLs (`business-case`, `deliverable`…), finds it among its project's
records, titles it, and says where it is shown. The services, the views and the inbox's
mentions all read it from here; who may do what is projects/rules.py's.

Also here: what a comment says — its text checked, and whom it @mentions.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.urls import reverse

from projects.formats import day
from projects.models import (
    Charter,
    ClosureReport,
    Goal,
    Plan,
    Project,
    ProjectDeliverable,
    Proposal,
    StatusReport,
)
from projects.models.discussion import COMMENT_MAX_LENGTH


@dataclass(frozen=True)
class Kind:
    slug: str  # in URLs
    model: type[Model]
    records: Callable[[Project], QuerySet]  # the project's records of this kind
    title: Callable[[Any], str]  # "Business case", "Deliverable “Core switch”"
    page: str  # the page that shows the record (and its thread): a URL name
    noun: str  # "the business case", "a deliverable": where someone was mentioned
    page_args: Callable[[int], list[Any]] = lambda pk: []  # after the project's pk
    discussed: bool = True
    evidence: bool = False

    def url(self, record: Any) -> str:
        project_id = record.pk if self.model is Project else record.project_id
        return self.link(project_id, record.pk)

    def link(self, project_id: int, pk: int) -> str:
        """The page of the record `pk` of project `project_id`, without reading either."""
        return reverse(self.page, args=[project_id, *self.page_args(pk)])


def _thread_page(slug: str) -> dict[str, Any]:
    """Records listed on a page with many of them have a page of their own for their thread."""
    return {"page": "projects:thread", "page_args": lambda pk: [slug, pk]}


KINDS: dict[str, Kind] = {
    kind.slug: kind
    for kind in (
        Kind(
            "business-case",
            Proposal,
            lambda project: Proposal.objects.filter(project=project),
            lambda record: "Business case",
            "projects:detail",
            "the business case",
            evidence=True,
        ),
        Kind(
            "charter",
            Charter,
            lambda project: Charter.objects.filter(project=project),
            lambda record: "Charter",
            "projects:charter",
            "the charter",
            evidence=True,
        ),
        Kind(
            "plan",
            Plan,
            lambda project: Plan.objects.filter(project=project),
            lambda record: "Plan",
            "projects:plan",
            "the plan",
        ),
        Kind(
            "deliverable",
            ProjectDeliverable,
            lambda project: project.deliverables.all(),
            lambda record: f"Deliverable “{record.name}”",
            noun="a deliverable",
            evidence=True,
            **_thread_page("deliverable"),
        ),
        Kind(
            "status-report",
            StatusReport,
            lambda project: project.status_reports.all(),
            lambda record: f"Status report of {day(record.date)}",
            noun="a status report",
            **_thread_page("status-report"),
        ),
        Kind(
            "goal",
            Goal,
            lambda project: project.goals.all(),
            lambda record: f"Goal “{record.statement}”",
            "projects:goal",
            "a goal",
            page_args=lambda pk: [pk],
        ),
        Kind(
            "closure",
            ClosureReport,
            lambda project: ClosureReport.objects.filter(project=project),
            lambda record: "Closure report",
            "projects:closure",
            "the closure report",
            discussed=False,
            evidence=True,
        ),
        Kind(
            "gate",
            Project,
            lambda project: Project.objects.filter(pk=project.pk),
            lambda record: "Gate evidence",
            "projects:detail",
            "the next gate",
            discussed=False,
            evidence=True,
        ),
    )
}
KIND_OF_MODEL = {kind.model: kind for kind in KINDS.values()}


def kind_of(record: Any) -> Kind:
    return KIND_OF_MODEL[type(record)]


def kind_of_model(model: type[Model] | None) -> Kind:
    return KIND_OF_MODEL[model]


# -- What a comment says -----------------------------------------------------------------------


def comment_text(body: str) -> str:
    """The comment as it is kept: line breaks made plain, trimmed; empty or too long is
    refused with the reason (the text is never markup: pages escape it)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError("Write something first.", code="empty")
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            f"A comment holds up to {COMMENT_MAX_LENGTH:,} characters; this one has "
            f"{len(text):,}. Split it, or attach a file.",
            code="too_long",
        )
    return text


# "@alex", "@a.moreno", "@dana.whitfield+cio": what people type before a username.
HANDLE = re.compile(r"(?<![\w@])@([\w.+-]*\w)")


def mentions_in(text: str, people: Iterable[Any]) -> tuple[list[Any], list[str]]:
    """Whom `text` mentions among `people` (by username or full name, either case), and the
    @-words that match nobody of them — told back as "nobody notified", the same whether such
    a person exists elsewhere or not."""
    lowered = text.lower()
    taken: set[int] = set()  # positions of "@" already read as someone
    found: dict[int, Any] = {}
    handles = [
        (handle.lower(), user)
        for user in people
        for handle in (user.get_full_name(), user.get_username())
        if handle
    ]
    for handle, user in sorted(handles, key=lambda pair: -len(pair[0])):  # longest first
        for match in re.finditer(rf"(?<![\w@])@{re.escape(handle)}(?![\w-])", lowered):
            if match.start() not in taken:
                taken.add(match.start())
                found.setdefault(user.pk, user)
    unknown = [m.group(0) for m in HANDLE.finditer(text) if m.start() not in taken]
    return list(found.values()), list(dict.fromkeys(unknown))
