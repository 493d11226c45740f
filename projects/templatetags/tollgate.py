from typing import Any
from urllib.parse import parse_qsl, urlencode

from django import template
from django.conf import settings
from django.template.backends.utils import csrf_input
from django.urls import reverse

from lifecycle.rules import allows
from projects import charts, formats
from projects.charter_document import ITEM_SECTIONS
from projects.jinja import render_fragment
from projects.selectors.discussion import evidence_of, thread_of

register = template.Library()


register.filter("person", formats.person)
register.filter("day", formats.day)
register.filter("moment", formats.moment)
register.filter("money", formats.money)
register.filter("number", formats.number)
register.filter("signed", formats.signed)
register.filter("audit_details", formats.audit_details)
register.filter("age", formats.age)
register.filter("one_of", formats.one_of)
register.filter("filesize", formats.size)


@register.inclusion_tag("projects/discussion/_thread.html", takes_context=True)
def discussion(context: template.Context, record: Any) -> dict[str, Any]:
    """`{% discussion charter %}`: the record's thread, beside it, for the person reading."""
    return {"thread": thread_of(record, context["user"]), "request": context["request"]}


@register.inclusion_tag("projects/evidence/_files.html", takes_context=True)
def evidence(context: template.Context, record: Any) -> dict[str, Any]:
    """`{% evidence proposal %}`: the files attached to the record, and the picker."""
    return {
        "evidence": evidence_of(record, context["user"]),
        "request": context["request"],
        "max_mb": settings.ATTACHMENT_MAX_MB,
    }


@register.simple_tag(takes_context=True)
def inbox_rows(context: template.Context, items: list[Any]) -> str:
    """`{% inbox_rows inbox.work %}`: rows of Needs my action (Jinja2, projects/jinja.py)."""
    return render_fragment("projects/inbox/_items.jinja", items=items, user=context["user"])


@register.simple_tag(takes_context=True)
def may(context: template.Context, rule_name: str, obj: Any = None) -> bool:
    """`{% may "may_edit_charter" charter as can_edit %}`: the named rule (projects/rules.py)
    for the person viewing the page — the same answer the service would give."""
    return allows(context["user"], rule_name, obj)


STATE_COLOURS = {
    "draft": "secondary",
    "submitted": "primary",
    "escalated": "info",
    "changes_requested": "warning",
    "approved": "success",
    "rejected": "danger",
    "withdrawn": "dark",
    "on_hold": "warning",
    "cancelled": "danger",
    "closed": "success",
    # webhook deliveries
    "pending": "warning",
    "delivered": "success",
    "failed": "danger",
}


@register.filter
def badge(state: str) -> str:
    """The Bootstrap colour of a state's badge."""
    return STATE_COLOURS.get(str(state), "info")


@register.filter
def risk_level(score: int) -> str:
    return charts.risk_level(score)


@register.simple_tag
def risk_heat_map(risks: Any, caption: str = "") -> str:
    """A 5 × 5 grid, impact up and likelihood across, counting risks in each cell. Takes the
    risks, or their counts by (likelihood, impact) already made by the database; `caption`
    says which risks they are. Jinja2 (projects/jinja.py): a heat map prints 90 values."""
    if isinstance(risks, dict):
        counts = risks
    else:
        counts = {}
        for risk in risks:
            key = (risk.likelihood, risk.impact)
            counts[key] = counts.get(key, 0) + 1
    rows = [
        (
            impact,
            [
                _heat_cell(likelihood, impact, counts.get((likelihood, impact), 0))
                for likelihood in range(1, 6)
            ],
        )
        for impact in range(5, 0, -1)
    ]
    return render_fragment(
        "projects/portfolio/_heat_map.jinja",
        rows=rows,
        likelihoods=range(1, 6),
        caption=caption,
        legend=charts.heat_legend(),
    )


def _heat_cell(likelihood: int, impact: int, count: int) -> dict[str, Any]:
    score = likelihood * impact
    background, text = charts.HEAT_SHADES[charts.heat_shade(score)]
    return {
        "count": count,
        "score": score,
        "level": charts.risk_level(score),
        "style": f"background-color: {background}; color: {text}",
    }


@register.filter
def get(mapping: dict | None, key: Any) -> Any:
    """A dictionary value by a key held in a variable (nothing from no dictionary)."""
    return mapping.get(key) if mapping else None


@register.simple_tag
def charter_sections(document: dict[str, Any], warnings: list[str] | None = None) -> str:
    """`{% charter_sections document warnings %}`: every section of a charter from its
    snapshot — on its page, a signed revision's page and in the PDF (Jinja2,
    projects/jinja.py); `warnings` names the milestones dated outside the timeframe."""
    return render_fragment(
        "projects/documents/_charter.jinja",
        document=document,
        warnings=warnings or [],
        item_sections=list(ITEM_SECTIONS.items()),
    )


GOAL_STATUS_COLOURS = {
    "not_started": "secondary",
    "on_track": "success",
    "at_risk": "warning",
    "achieved": "primary",
    "missed": "danger",
}


@register.filter
def goal_badge(status: str) -> str:
    return GOAL_STATUS_COLOURS.get(str(status), "secondary")


@register.simple_tag
def goal_chart(goal: Any, width: int = 320, height: int = 140) -> str:
    """A server-drawn chart: readings over time against the baseline and target, with axes
    (Jinja2, projects/jinja.py: a chart prints some 150 numbers)."""
    chart = charts.goal_chart(goal, width=width, height=height)
    return render_fragment("projects/definition/_goal_chart.jinja", chart=chart)


@register.simple_tag(takes_context=True)
def project_header(context: template.Context) -> str:
    """`{% project_header %}`: above every tab of a project — who, the stage bar, the next
    gate, the actions, what waits (Jinja2, projects/jinja.py: printed on every tab, it cost
    0.9 ms in Django's templates)."""
    names = (
        "project",
        "tab",
        "stage_bar",
        "gate",
        "stage_actions",
        "open_exceptions",
        "my_steps",
        "their_steps",
        "tabs",
    )
    return render_fragment(
        "projects/_project_header.jinja",
        **{name: context[name] for name in names},
        refused=context.get("refused"),
        **_for_the_reader(context),
    )


def _for_the_reader(context: template.Context) -> dict[str, Any]:
    """What Django's templates give a page and Jinja2's fragments are given explicitly: the
    rules asked for the person reading (`may`, as `{% may %}`), `url` (as `{% url %}`) and
    the CSRF field (`csrf_input`, as `{% csrf_token %}`)."""
    user = context["user"]
    return {
        "may": lambda rule_name, obj=None: allows(user, rule_name, obj),
        "url": lambda name, *args: reverse(name, args=args),
        "csrf_input": csrf_input(context["request"]),
    }


@register.simple_tag(takes_context=True)
def business_case_record(context: template.Context) -> str:
    """`{% business_case_record %}`: the business case's fields, its risks with their heat map
    and its funding with what this person may do to each (Jinja2, projects/jinja.py)."""
    risks = context["risks"]
    return render_fragment(
        "projects/proposals/_business_case_record.jinja",
        proposal=context["proposal"],
        project=context["project"],
        risks=risks,
        heat_map=risk_heat_map(risks) if risks else "",
        fundings=context["fundings"],
        refused=context["refused"],
        reversal_of=lambda funding: getattr(funding, "reversal", None),  # none yet: None
        **_for_the_reader(context),
    )


@register.simple_tag
def checklist(checks: list[Any]) -> str:
    """`{% checklist gate.checks %}`: a gate's checklist, every criterion with whether it holds
    (lifecycle/_checklist.html prints it for Django's templates)."""
    return render_fragment("lifecycle/_checklist.jinja", checks=checks)


@register.simple_tag(takes_context=True)
def goal_cards(context: template.Context, goals: list[Any]) -> str:
    """`{% goal_cards goals %}`: the Goals tab's cards, each with its chart (Jinja2,
    projects/jinja.py: five cards printed some 900 values in 1.5 ms of Django's templates)."""
    return render_fragment(
        "projects/definition/_goal_cards.jinja",
        goals=goals,
        project=context["project"],
        chart_of=charts.goal_chart,
        **_for_the_reader(context),
    )


@register.simple_tag
def smart_check(goal: Any) -> str:
    """`{% smart_check goal %}`: what the goal lacks to be SMART, or that it passes."""
    return render_fragment("projects/definition/_smart.jinja", goal=goal)


@register.filter
def percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{round(fraction * 100)}%"


@register.filter
def decisions(actions: list[Any], names: str) -> list[Any]:
    """The actions among `names` (comma-separated), in that order: a decision panel's buttons."""
    wanted = names.split(",")
    return sorted((a for a in actions if a.name in wanted), key=lambda a: wanted.index(a.name))


@register.filter
def remove_param(query: str, name: str) -> str:
    """A urlencoded query string without one parameter (to switch views, change a filter)."""
    return urlencode([(key, value) for key, value in parse_qsl(query) if key != name])


# A pending PDF job's page asks every 250 ms for its first two seconds, then after 500 ms, 1 s
# and every 2 s: a render of a second shows its link within 0.3 s of being stored (SPEC §8),
# and a long queue is not asked four times a second.
PDF_POLL_DELAYS_MS = (250, 250, 250, 250, 250, 250, 250, 250, 500, 1000, 2000)


@register.simple_tag(takes_context=True)
def pdf_poll(context: template.Context) -> dict[str, str]:
    """`{% pdf_poll as poll %}`: how long to wait before the next look at a pending PDF job
    (`poll.delay`, "250ms") and the number of that look (`poll.next`), counted in the status
    URL's `poll` parameter — the page itself is look 0. Strings: htmx reads them, and numbers
    in a template would be written with a thousands separator."""
    try:
        done = int(context["request"].GET.get("poll", 0))
    except (KeyError, ValueError):
        done = 0
    done = min(max(done, 0), len(PDF_POLL_DELAYS_MS) - 1)
    following = min(done + 1, len(PDF_POLL_DELAYS_MS) - 1)
    return {"delay": f"{PDF_POLL_DELAYS_MS[done]}ms", "next": str(following)}
