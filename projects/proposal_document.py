"""The business case as a document: a snapshot kept with every decision, and what changed
between the version a sponsor decided on and the one resubmitted to them."""

from dataclasses import dataclass
from typing import Any

from projects import fingerprint
from projects.formats import day, money, person
from projects.models import Proposal, Risk

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
