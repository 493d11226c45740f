"""The business case as a document: a snapshot kept with every decision, what changed
between the version a sponsor decided on and the one resubmitted to them, and the one-page
summary a sponsor takes to a board (`summary`, printed by
templates/projects/pdf/business_case.html)."""

from dataclasses import dataclass
from typing import Any, TypedDict

from lifecycle.models import AuditEntry
from projects import fingerprint
from projects.charter_document import RiskRow, risk_row
from projects.formats import day, money, person, signed
from projects.models import Proposal, Risk
from projects.rules import own_authority

FIELDS = {
    "title": "Title",
    "category": "Category",
    "sponsor": "Sponsor",
    "goal": "Goal",
    "need": "Need",
    "description": "Description",
    "estimated_cost": "Estimated cost",
    "start_date": "Start",
    "end_date": "End",
    "benefits": "Expected benefits",
}
RISK_FIELDS = {"likelihood": "likelihood", "impact": "impact", "mitigation": "mitigation"}


def snapshot(proposal: Proposal) -> dict[str, Any]:
    project = proposal.project
    return {
        "title": project.title,
        "category": project.get_category_display(),
        "sponsor": person(project.sponsor.user),
        "goal": proposal.goal,
        "need": proposal.need,
        "description": proposal.description,
        "estimated_cost": f"{proposal.estimated_cost:.2f}"
        if proposal.estimated_cost is not None
        else None,
        "start_date": proposal.start_date.isoformat() if proposal.start_date else None,
        "end_date": proposal.end_date.isoformat() if proposal.end_date else None,
        "benefits": proposal.benefits,
        "risks": [
            {"id": risk.pk} | {name: getattr(risk, name) for name in Risk.FIELDS}
            for risk in proposal.risks.all()
        ],
    }


def version(proposal: Proposal) -> str:
    """The business case as its sponsor sees it, fingerprinted: a decision form carries it."""
    return fingerprint.sha256(snapshot(proposal))


class SummaryHeading(TypedDict):
    reference: str
    title: str
    category: str
    manager: str
    sponsor: str
    sponsor_title: str


class SummaryDecision(TypedDict):
    """The latest decision: who (“Lee Park for Dana Whitfield”), when, why, and the approval
    limit that applied to it ("unlimited", an amount, or None where none was recorded)."""

    outcome: str
    by: str
    at: str
    reason: str
    approval_limit: str | None
    version: str | None  # the SHA-256 of the version decided on


class SponsorAuthority(TypedDict):
    """The project's sponsor's approval limit (None: unlimited) and whether it covers the
    estimated cost: above it, the sponsor's approval is an endorsement."""

    sponsor: str
    limit: str | None
    covers: bool


class BusinessCaseSummary(TypedDict):
    project: SummaryHeading
    state: str
    submissions: int
    case: dict[str, Any]  # `snapshot`, whose fingerprint is `version`
    risks: list[RiskRow]
    version: str
    decision: SummaryDecision | None
    authority: SponsorAuthority


OUTCOMES = {
    "approve": "Approved",
    "endorse": "Endorsed above the sponsor's approval limit",
    "reject": "Rejected",
    "request_changes": "Changes requested",
}


def summary(proposal: Proposal, decision: AuditEntry | None) -> BusinessCaseSummary:
    """The business case as its one-page summary prints it: the snapshot a decision keeps,
    with who runs the project, its state, its latest decision (`selectors.proposals.
    last_decision`) and the limit that applies — the sponsor's own, as when they decide."""
    project = proposal.project
    case = snapshot(proposal)
    sponsor = project.sponsor
    authority = own_authority(sponsor.user)
    return {
        "project": {
            "reference": project.reference,
            "title": project.title,
            "category": project.get_category_display(),
            "manager": person(project.manager),
            "sponsor": person(sponsor.user),
            "sponsor_title": sponsor.title,
        },
        "state": proposal.get_state_display(),
        "submissions": proposal.revision,
        "case": case,
        "risks": [risk_row(risk) for risk in case["risks"]],
        "version": fingerprint.sha256(case),
        "decision": _decision(decision) if decision else None,
        "authority": {
            "sponsor": person(sponsor.user),
            "limit": None if authority.limit is None else f"{authority.limit:.2f}",
            "covers": authority.covers(proposal.estimated_cost),
        },
    }


def _decision(entry: AuditEntry) -> SummaryDecision:
    data = entry.data or {}
    limit = data.get("approval_limit", "")  # the PMO's decisions record None: no limit
    return {
        "outcome": OUTCOMES.get(entry.action, entry.label),
        "by": signed(entry),
        "at": entry.at.isoformat(timespec="seconds"),
        "reason": entry.comment,
        "approval_limit": "unlimited" if limit is None else limit or None,
        "version": fingerprint.sha256(data["snapshot"]) if "snapshot" in data else None,
    }


@dataclass(frozen=True)
class Change:
    what: str
    before: Any
    after: Any


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Field by field, then risk by risk (added, removed, changed), what differs."""
    changes = [
        Change(label, _shown(key, before.get(key)), _shown(key, after.get(key)))
        for key, label in FIELDS.items()
        if before.get(key) != after.get(key)
    ]
    old = {risk["id"]: risk for risk in before.get("risks", [])}
    new = {risk["id"]: risk for risk in after.get("risks", [])}
    for risk_id, risk in new.items():
        if risk_id not in old:
            changes.append(Change("Risk added", None, _risk_text(risk)))
        elif risk != old[risk_id]:
            changes.append(Change("Risk changed", _risk_text(old[risk_id]), _risk_text(risk)))
    changes += [
        Change("Risk removed", _risk_text(risk), None)
        for risk_id, risk in old.items()
        if risk_id not in new
    ]
    return changes


def _shown(key: str, value: Any) -> Any:
    """A snapshot's value as the what-changed table shows it: the snapshot keeps "78000.00"
    and "2027-03-01", people read “EUR 78,000.00” and “1 Mar 2027”."""
    if value is None or value == "":
        return None
    if key == "estimated_cost":
        return money(value)
    if key in ("start_date", "end_date"):
        return day(value)
    return value


def _risk_text(risk: dict[str, Any]) -> str:
    score = risk["likelihood"] * risk["impact"]
    text = f"{risk['description']} (likelihood {risk['likelihood']}, impact {risk['impact']}"
    text += f", score {score})"
    return f"{text}; mitigation: {risk['mitigation']}" if risk.get("mitigation") else text
