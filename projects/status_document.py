"""A status report as a document: what its PDF prints, as plain JSON (`StatusDocument`). The
report's five highest-scoring open risks are those it kept when it was written
(`StatusReport.top_risks`); one template fragment (templates/projects/documents/_top_risks.html)
shows them on the Status tab and in the PDF."""

from typing import TypedDict

from projects.formats import person
from projects.models import StatusReport


class StatusHeading(TypedDict):
    reference: str
    title: str
    category: str
    manager: str
    sponsor: str


class TopRisk(TypedDict):
    title: str
    likelihood: int
    impact: int
    score: int
    owner: str
    review_date: str | None


class StatusDocument(TypedDict):
    project: StatusHeading
    date: str
    author: str
    schedule: str
    budget: str
    scope: str
    summary: str
    next_steps: str
    top_risks: list[TopRisk]


def snapshot(report: StatusReport) -> StatusDocument:
    project = report.project
    return {
        "project": {
            "reference": project.reference,
            "title": project.title,
            "category": project.get_category_display(),
            "manager": person(project.manager),
            "sponsor": person(project.sponsor.user),
        },
        "date": report.date.isoformat(),
        "author": person(report.author),
        "schedule": report.get_schedule_display(),
        "budget": report.get_budget_display(),
        "scope": report.get_scope_display(),
        "summary": report.summary,
        "next_steps": report.next_steps,
        "top_risks": report.top_risks,
    }
