"""Gate criteria: every rule that opens a stage, in one place.

Each criterion is a small pure function of the project returning a `Check`: whether it holds
and the label the user reads in the checklist. The same functions decide (django-fsm runs
`gate.is_open` as the transition's condition) and explain (the project page lists
`gate.evaluate(project)`), so what the server enforces and what the page says cannot drift.

Criteria read the project's related records through `.all()` so that a list page can
prefetch them once for many projects, or a total the services keep on the project row
(`funded`). They never write.

To add a stage's gate: write its criteria here, make a `Gate`, and name it in the stage's
`@transition` in `lifecycle/machine.py`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Check:
    label: str
    met: bool
    detail: str = ""


Criterion = Callable[[Any], Check]


@dataclass(frozen=True)
class Gate:
    title: str
    criteria: tuple[Criterion, ...]
    # The related records the criteria read, so a list of projects can fetch them in one go.
    reads: tuple[str, ...] = ()

    def evaluate(self, project: Any) -> list[Check]:
        return [criterion(project) for criterion in self.criteria]

    def unmet(self, project: Any) -> list[Check]:
        return [check for check in self.evaluate(project) if not check.met]

    def is_open(self, project: Any) -> bool:
        return not self.unmet(project)


def _proposal(project: Any) -> Any:
    # A project always has its business case; guard anyway so a gate never raises.
    return getattr(project, "proposal", None)


def business_case_approved(project: Any) -> Check:
    proposal = _proposal(project)
    state = proposal.get_state_display() if proposal else "missing"
    return Check(
        "Business case approved by the sponsor",
        bool(proposal and proposal.is_approved),
        detail=f"The business case is {state.lower()}." if proposal else "",
    )


def funding_recorded(project: Any) -> Check:
    # `funded`: the approved funding's total, kept on the project row by every funding service
    # in the transaction that approves, corrects or records it (a proposal above someone's
    # limit counts only once approved).
    total = project.funded
    return Check(
        "Funding recorded (an amount above zero, with its source)",
        total > 0,
        detail="No funding recorded yet." if total <= 0 else "",
    )


def business_case_closed(project: Any) -> Check:
    proposal = _proposal(project)
    return Check("Business case rejected or withdrawn", bool(proposal and proposal.is_closed))


INITIATING = Gate(
    title="Identifying → Initiating",
    criteria=(business_case_approved, funding_recorded),
)

# Not a forward gate: lets a rejected or withdrawn business case cancel its project.
BUSINESS_CASE_CLOSED = Gate(
    title="Business case closed",
    criteria=(business_case_closed,),
)


# -- Business case: what a proposal needs before its sponsor can decide on it. --------------


def _stated(attribute: str, label: str) -> Criterion:
    def criterion(proposal: Any) -> Check:
        return Check(label, getattr(proposal, attribute) not in (None, ""))

    criterion.__name__ = f"{attribute}_stated"
    return criterion


def timeframe_given(proposal: Any) -> Check:
    return Check("Timeframe given (start and end)", bool(proposal.start_date and proposal.end_date))


def risk_assessed(proposal: Any) -> Check:
    return Check("At least one risk assessed", bool(proposal.risks.all()))


BUSINESS_CASE_COMPLETE = Gate(
    title="Business case complete",
    criteria=(
        _stated("goal", "Goal stated"),
        _stated("need", "Need stated"),
        _stated("estimated_cost", "Estimated cost given"),
        timeframe_given,
        _stated("benefits", "Expected benefits stated"),
        risk_assessed,
    ),
)


# -- Charter: what the sponsor signs, and the gate it opens. ---------------------------------


def _at_least_one(relation: str, label: str) -> Criterion:
    def criterion(charter: Any) -> Check:
        return Check(label, bool(getattr(charter, relation).all()))

    criterion.__name__ = f"has_{relation}"
    return criterion


CHARTER_COMPLETE = Gate(
    title="Charter complete",
    criteria=(
        _stated("justification", "Justification stated"),
        _at_least_one("stakeholders", "At least one stakeholder"),
        _at_least_one("milestones", "At least one milestone"),
        _at_least_one("deliverables", "At least one deliverable"),
    ),
    reads=("stakeholders", "milestones", "deliverables"),
)


def charter_signed(project: Any) -> Check:
    charter = getattr(project, "charter", None)
    state = charter.get_state_display().lower() if charter else "not started"
    return Check(
        "Charter signed by the sponsor (current revision)",
        bool(charter and charter.is_signed),
        detail=f"The charter is {state}.",
    )


DEFINING = Gate(title="Initiating → Defining", criteria=(charter_signed,))


# -- Definition: measurable goals and a fixed scope. ------------------------------------------


def metric_named(goal: Any) -> Check:
    return Check("Metric named", bool(goal.metric.strip()))


def unit_given(goal: Any) -> Check:
    return Check("Unit given", bool(goal.unit.strip()))


def target_differs_from_baseline(goal: Any) -> Check:
    return Check(
        "Numeric target different from the baseline",
        goal.target is not None and goal.target != goal.baseline,
    )


def due_after_start(goal: Any) -> Check:
    return Check(
        "Due date after the start date",
        bool(goal.start_date and goal.due_date and goal.due_date > goal.start_date),
    )


# The SMART check of one goal: what it lacks to be specific, measurable and time-bound.
GOAL_SMART = Gate(
    title="SMART check",
    criteria=(metric_named, unit_given, target_differs_from_baseline, due_after_start),
)


def _active(rows: Any) -> list[Any]:
    return [row for row in rows.all() if getattr(row, "archived_at", None) is None]


def smart_goal_defined(project: Any) -> Check:
    goals = _active(project.goals)
    passing = sum(1 for goal in goals if GOAL_SMART.is_open(goal))
    return Check(
        "At least one goal passes the SMART check",
        passing > 0,
        detail=f"{passing} of {len(goals)} goals pass." if goals else "No goals yet.",
    )


def in_scope_item_listed(project: Any) -> Check:
    return Check(
        "At least one in-scope item",
        any(item.kind == "in" for item in project.scope_items.all()),
    )


def requirement_listed(project: Any) -> Check:
    return Check("At least one requirement", bool(project.requirements.all()))


PLANNING = Gate(
    title="Defining → Planning",
    criteria=(smart_goal_defined, in_scope_item_listed, requirement_listed),
    reads=("goals", "scope_items", "requirements"),
)


# -- Planning: a plan the sponsor can approve, and the gate into delivery. --------------------


def plan_has_tasks(plan: Any) -> Check:
    return Check("At least one task in the work plan", bool(plan.tasks.all()))


def milestones_dated(plan: Any) -> Check:
    undated = [m.name for m in plan.milestones.all() if m.due_date is None]
    return Check(
        "Every milestone dated",
        not undated,
        detail=f"Not dated: {', '.join(undated)}." if undated else "",
    )


def tasks_owned_and_dated(plan: Any) -> Check:
    incomplete = [
        t.name for t in plan.tasks.all() if not (t.owner.strip() and t.start_date and t.end_date)
    ]
    return Check(
        "Every task has an owner and dates",
        not incomplete,
        detail=f"Incomplete: {', '.join(incomplete)}." if incomplete else "",
    )


def budget_within_funding(plan: Any) -> Check:
    planned = sum((line.amount for line in plan.budget_lines.all()), Decimal(0))
    funded = plan.project.funded
    return Check(
        "Planned budget within funding",
        bool(plan.budget_lines.all()) and planned <= funded,
        detail=f"Planned {planned:,.2f} of {funded:,.2f} funded.",
    )


PLAN_COMPLETE = Gate(
    title="Plan complete",
    criteria=(plan_has_tasks, milestones_dated, tasks_owned_and_dated, budget_within_funding),
)


def _plan(project: Any) -> Any:
    return getattr(project, "plan", None)


def plan_ready(project: Any) -> Check:
    plan = _plan(project)
    unmet = PLAN_COMPLETE.unmet(plan) if plan else []
    return Check(
        "Plan complete: milestones dated, tasks owned and dated, budget within funding",
        plan is not None and not unmet,
        detail="; ".join(check.label for check in unmet),
    )


def plan_approved(project: Any) -> Check:
    plan = _plan(project)
    return Check("Plan approved by the sponsor", bool(plan and plan.is_approved))


DELIVERING = Gate(
    title="Planning → Delivering",
    criteria=(plan_ready, plan_approved),
    reads=("plan__tasks", "plan__milestones", "plan__budget_lines"),
)


# -- Delivering and closing. -------------------------------------------------------------------


def deliverables_accepted(project: Any) -> Check:
    deliverables = list(project.deliverables.all())
    waiting = [d.name for d in deliverables if d.state != "accepted"]
    return Check(
        "Every deliverable accepted by the sponsor",
        bool(deliverables) and not waiting,
        detail=f"Not accepted yet: {', '.join(waiting)}." if waiting else "",
    )


def status_reported(project: Any) -> Check:
    return Check("At least one status report", bool(project.status_reports.all()))


def no_open_exception(project: Any) -> Check:
    """A forecast beyond the sponsor's tolerance waits for their decision: a change request
    approved, or the project cancelled."""
    open_ = [e.get_kind_display().lower() for e in project.exceptions.all() if e.state == "open"]
    return Check(
        "No open exception (the sponsor has decided every forecast beyond tolerance)",
        not open_,
        detail=(
            f"Open: the {' and the '.join(open_)} exception — the sponsor approves a change "
            "request or cancels the project."
            if open_
            else ""
        ),
    )


def no_undecided_change_request(project: Any) -> Check:
    """A change request raised in Delivering is decided (or withdrawn) in Delivering: after
    it nobody could."""
    waiting = [
        f"CR-{c.number}" for c in project.change_requests.all() if c.state in UNDECIDED_CHANGES
    ]
    return Check(
        "No change request waiting for a decision",
        not waiting,
        detail=f"Waiting: {', '.join(waiting)} — decide or withdraw it." if waiting else "",
    )


UNDECIDED_CHANGES = ("submitted", "escalated")

CLOSING = Gate(
    title="Delivering → Closing",
    criteria=(
        deliverables_accepted,
        status_reported,
        no_open_exception,
        no_undecided_change_request,
    ),
    reads=("deliverables", "status_reports", "exceptions", "change_requests"),
)


def closure_complete(project: Any) -> Check:
    report = getattr(project, "closure", None)
    missing = []
    if report is None or not report.lessons_learned.strip():
        missing.append("lessons learned")
    if report is None or not report.handover.strip():
        missing.append("handover to operations")
    if report is not None and any(row.final_value is None for row in report.goals.all()):
        missing.append("a final value for every goal")
    return Check(
        "Closure report complete (lessons learned, handover, final value of every goal)",
        not missing,
        detail=f"Missing: {', '.join(missing)}." if missing else "",
    )


def no_open_amendment(project: Any) -> Check:
    charter = getattr(project, "charter", None)
    open_amendment = charter is not None and not charter.is_signed
    return Check(
        "No charter amendment left open",
        not open_amendment,
        detail=(
            f"Revision {charter.revision} of the charter is {charter.get_state_display().lower()}:"
            " sign it or discard it."
            if open_amendment
            else ""
        ),
    )


CLOSED = Gate(
    title="Closing → Closed",
    criteria=(closure_complete, no_open_amendment),
    reads=("closure__goals",),
)
