"""The charter as a document: every section as plain JSON, and its SHA-256.

The same snapshot is what a signature freezes, what the charter page shows, what the PDF
prints and what the hash covers, so "the signed charter" means one thing everywhere. Its shape
is `CharterDocument`; one template fragment (templates/projects/documents/_charter.jinja)
shows it on the page and in the PDF. Dates are ISO text and money is text with two decimals,
so the JSON — and its hash — never depends on how a page formats them.
"""

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet

from projects.formats import person
from projects.models import Attachment, Charter, CharterItem, Funding, Project
from projects.models.charters import (
    CharterRisk,
    Deliverable,
    Level,
    Milestone,
    Stakeholder,
    Task,
)
from projects.statements import Statement, compiled, prefetched, together


class ProjectHeading(TypedDict):
    reference: str
    title: str
    category: str
    manager: str
    sponsor: str
    sponsor_title: str


class Timeframe(TypedDict):
    start: str | None
    end: str | None


class StakeholderRow(TypedDict):
    name: str
    role: str
    organisation: str
    email: str
    influence: str
    interest: str


class MilestoneRow(TypedDict):
    name: str
    due_date: str | None


class DeliverableRow(TypedDict):
    name: str
    description: str


class TaskRow(TypedDict):
    name: str
    owner: str
    start_date: str | None
    end_date: str | None


class FundingRow(TypedDict):
    source: str
    amount: str | None
    approved_on: str | None


class Budget(TypedDict):
    estimated_cost: str | None
    fundings: list[FundingRow]
    funded: str | None
    notes: str


class AttachmentRow(TypedDict):
    name: str
    size: int
    sha256: str


class RiskRow(TypedDict):
    description: str
    likelihood: int
    impact: int
    score: int
    mitigation: str


# The four short lists (assumptions, constraints, strengths, weaknesses) are keyed by their
# kind, as `CharterItem.Kind` names them.
class CharterDocument(TypedDict):
    project: ProjectHeading
    revision: int
    timeframe: Timeframe
    purpose: str
    justification: str
    objectives: str
    stakeholders: list[StakeholderRow]
    milestones: list[MilestoneRow]
    deliverables: list[DeliverableRow]
    assumption: list[str]
    constraint: list[str]
    strength: list[str]
    weakness: list[str]
    tasks: list[TaskRow]
    budget: Budget
    risks: list[RiskRow]
    # The files attached to the charter: signed with it, so their hashes are in its hash.
    # Absent when there are none, so a charter without files hashes as it always did.
    attachments: NotRequired[list[AttachmentRow]]


ITEM_SECTIONS = {kind.value: kind.label for kind in CharterItem.Kind}


SECTIONS = ("stakeholders", "milestones", "deliverables", "items", "tasks", "risks")
# What the document shows of each section's rows, in the order the values are read.
SECTION_FIELDS = {
    "stakeholders": Stakeholder.FIELDS,
    "milestones": Milestone.FIELDS,
    "deliverables": Deliverable.FIELDS,
    "items": ("kind", "text"),
    "tasks": Task.FIELDS,
    "risks": CharterRisk.FIELDS,
}
# A section's rows as the document reads them: each a dict of its SECTION_FIELDS.
Lists = dict[str, list[dict[str, Any]]]


def charter_with_sections(charter_id: int) -> Charter:
    """One charter with everything the snapshot reads, in a fixed number of queries."""
    return (
        Charter.objects.select_related(
            "project__proposal", "project__manager", "project__sponsor__user"
        )
        .prefetch_related(
            *SECTIONS,
            Prefetch("project__fundings", queryset=Funding.objects.order_by("approved_on", "pk")),
        )
        .get(pk=charter_id)
    )


def snapshot_of_page(project: Project, *, as_records: Collection[str] = ()) -> CharterDocument:
    """The snapshot of a project's charter read for its page (`project_get`: its business
    case, people and fundings, in the fundings' own order, are read already): the same
    document as `snapshot(charter_with_sections(…))`, without reading the charter and its
    project again, and each section's rows read as values by a kept statement rather than
    as records (some 60 rows, which cost more to build than to read), those statements and
    the attachments' sent together — but the sections `as_records`, which the page reads as
    records anyway (a draft's checklist reads three), are read so once and kept on the
    charter."""
    charter = project.charter
    prefetched([charter], *sorted(as_records))
    by_value = [name for name in SECTIONS if name not in as_records]
    asked = [_section(name).asked(ids=[charter.pk]) for name in by_value]
    *values, files = together([*asked, _attachments().asked(ids=[charter.pk])])
    lists = {name: _rows_of_records(charter, name) for name in SECTIONS if name in as_records}
    for name, rows in zip(by_value, values, strict=True):
        lists[name] = [dict(zip(SECTION_FIELDS[name], row, strict=True)) for row in rows]
    return _document(charter, lists, files)


def _section(name: str) -> Statement:
    """A section's rows as values, for a charter's id: compiled once."""
    fields = SECTION_FIELDS[name]
    model = Charter._meta.get_field(name).related_model

    def build(ids: list[int]) -> QuerySet:
        return model.objects.filter(charter__in=ids).values_list(*fields)

    return compiled(("charter section", name), build, ids=1)


def snapshot(charter: Charter) -> CharterDocument:
    """The charter as a document, from its records (`charter_with_sections` reads them all)."""
    lists = {name: _rows_of_records(charter, name) for name in SECTIONS}
    return _document(charter, lists, _attachments().rows(ids=[charter.pk]))


def _rows_of_records(charter: Charter, name: str) -> list[dict[str, Any]]:
    fields = SECTION_FIELDS[name]
    rows = getattr(charter, name).all()
    return [{field: getattr(row, field) for field in fields} for row in rows]


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


LEVELS = dict(Level.choices)


def _document(charter: Charter, lists: Lists, files: list[tuple[Any, ...]]) -> CharterDocument:
    project = charter.project
    proposal = project.proposal
    # The funding that stands: a corrected funding and its reversal cancel out (same total).
    # In the order of approval whatever order they were read in (the fingerprint depends on it).
    approved = sorted(
        (funding for funding in project.fundings.all() if funding.is_approved),
        key=lambda funding: (funding.approved_on or date.min, funding.pk),
    )
    reversed_ids = {funding.reverses_id for funding in approved if funding.reverses_id}
    fundings = [f for f in approved if not f.reverses_id and f.pk not in reversed_ids]

    def texts(kind: str) -> list[str]:
        return [item["text"] for item in lists["items"] if item["kind"] == kind]

    document: CharterDocument = {
        "project": {
            "reference": project.reference,
            "title": project.title,
            "category": project.get_category_display(),
            "manager": person(project.manager),
            "sponsor": person(project.sponsor.user),
            "sponsor_title": project.sponsor.title,
        },
        "revision": charter.revision,
        "timeframe": {"start": _day(proposal.start_date), "end": _day(proposal.end_date)},
        "purpose": charter.purpose,
        "justification": charter.justification,
        "objectives": charter.objectives,
        "stakeholders": [
            {
                "name": s["name"],
                "role": s["role"],
                "organisation": s["organisation"],
                "email": s["email"],
                "influence": str(LEVELS.get(s["influence"], s["influence"])),
                "interest": str(LEVELS.get(s["interest"], s["interest"])),
            }
            for s in lists["stakeholders"]
        ],
        "milestones": [
            {"name": m["name"], "due_date": _day(m["due_date"])} for m in lists["milestones"]
        ],
        "deliverables": [
            {"name": d["name"], "description": d["description"]} for d in lists["deliverables"]
        ],
        "assumption": texts(CharterItem.Kind.ASSUMPTION),
        "constraint": texts(CharterItem.Kind.CONSTRAINT),
        "strength": texts(CharterItem.Kind.STRENGTH),
        "weakness": texts(CharterItem.Kind.WEAKNESS),
        "tasks": [
            {
                "name": t["name"],
                "owner": t["owner"],
                "start_date": _day(t["start_date"]),
                "end_date": _day(t["end_date"]),
            }
            for t in lists["tasks"]
        ],
        "budget": {
            "estimated_cost": _money(proposal.estimated_cost),
            "fundings": [
                {"source": f.source, "amount": _money(f.amount), "approved_on": _day(f.approved_on)}
                for f in fundings
            ],
            "funded": _money(sum((f.amount for f in fundings), Decimal(0))),
            "notes": charter.budget_notes,
        },
        "risks": [risk_row(risk) for risk in lists["risks"]],
    }
    return with_attachments(document, files)


def risk_row(risk: dict[str, Any]) -> RiskRow:
    """A risk as the documents show it (the charter, the business case's summary): its fields
    and its score."""
    return {
        "description": risk["description"],
        "likelihood": risk["likelihood"],
        "impact": risk["impact"],
        "score": risk["likelihood"] * risk["impact"],
        "mitigation": risk["mitigation"],
    }


def _attachments() -> Statement:
    """A charter's attachments (name, size, fingerprint), oldest first, for a charter's id:
    compiled once, the content type's id in its SQL."""
    kind = ContentType.objects.get_for_model(Charter)

    def build(ids: list[int]) -> QuerySet[Attachment]:
        files = Attachment.objects.filter(record_type=kind, record_id__in=ids)
        return files.order_by("uploaded_at", "pk").values_list("name", "size", "sha256")

    return compiled(("charter's attachments", kind.pk), build, ids=1)


def with_attachments(document: CharterDocument, files: list[tuple[Any, ...]]) -> CharterDocument:
    rows = [{"name": name, "size": size, "sha256": sha256} for name, size, sha256 in files]
    return document | {"attachments": rows} if rows else document


def milestones_outside_timeframe(document: CharterDocument) -> list[str]:
    """Names of milestones dated outside the business case's timeframe: a warning, not a block."""
    start, end = document["timeframe"]["start"], document["timeframe"]["end"]
    return [
        milestone["name"]
        for milestone in document["milestones"]
        if milestone["due_date"]
        and ((start and milestone["due_date"] < start) or (end and milestone["due_date"] > end))
    ]


def sections_of(document: CharterDocument) -> tuple[dict[str, str], dict[str, list[dict]]]:
    """The charter's texts and lists as the services store them, read back from a snapshot:
    discarding an amendment restores the signed revision exactly."""
    level = {label: value for value, label in Level.choices}

    def on(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    texts = {
        "purpose": document["purpose"],
        "justification": document["justification"],
        "objectives": document["objectives"],
        "budget_notes": document["budget"]["notes"],
    }
    lists: dict[str, list[dict]] = {
        "stakeholders": [
            row
            | {
                "influence": level.get(row["influence"], Level.MEDIUM),
                "interest": level.get(row["interest"], Level.MEDIUM),
            }
            for row in document["stakeholders"]
        ],
        "milestones": [row | {"due_date": on(row["due_date"])} for row in document["milestones"]],
        "deliverables": [dict(row) for row in document["deliverables"]],
        "tasks": [
            row | {"start_date": on(row["start_date"]), "end_date": on(row["end_date"])}
            for row in document["tasks"]
        ],
        "risks": [
            {name: row[name] for name in ("description", "likelihood", "impact", "mitigation")}
            for row in document["risks"]
        ],
    }
    for kind in ITEM_SECTIONS:
        lists[kind] = [{"text": text} for text in document[kind]]
    return texts, lists
