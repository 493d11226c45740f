"""The rulebook against the live routes: every (role × action × stage) cell of SPEC §3 and §5.

For each stage a project stands ready (its next gate met), and for each POST route that
writes, the record it acts on is put in the state the action starts from. The expectation
of a cell is derived from the rules module — `allows(user, rule, record)` for a form, or
django-fsm's `has_transition_perm` for a transition, whose permission is the named rule —
never written by hand. Then the route is posted as that person: an allowed cell must
succeed and leave an audit row; a refused one must answer 403, 404 or 409 and change
nothing. In Closed and Cancelled no cell is allowed, and every insider hears 409.

Each cell runs in a savepoint that is rolled back, so every cell starts from the same project.
"""

import base64
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.forms import BaseFormSet
from django.urls import reverse
from django.utils import timezone
from django_fsm import has_transition_perm

from lifecycle.models import AuditEntry
from lifecycle.rules import allows
from lifecycle.stages import MAIN_LINE, Stage
from projects import lists, services
from projects.forms.accounts import possible_managers
from projects.forms.charters import CharterForm
from projects.forms.delivery import ClosureForm, ClosureGoalFormSet, PlanForm
from projects.forms.proposals import BusinessCaseForm
from projects.models import (
    BudgetLine,
    ChangeRequest,
    ChangeRequestState,
    Charter,
    CharterState,
    DeliverableState,
    Funding,
    FundingState,
    Membership,
    Plan,
    PlanState,
    Project,
    ProjectDeliverable,
    Proposal,
    ProposalState,
    RaidItem,
    RaidStatus,
    Sponsor,
)
from projects.services import definition, delivery, discussion, evidence
from tests.conftest import charter_lists, charter_texts, client_for, plan_lists, smart_goal
from tests.factories import FundingFactory, ProjectFactory

TODAY = timezone.localdate


# -- What a browser posts back for a form it was shown ----------------------------------------


def shown(*parts: Any) -> dict[str, str]:
    """The POST data of these unbound forms and formsets as the page shows them."""
    data: dict[str, str] = {}
    for part in parts:
        if isinstance(part, BaseFormSet):
            data |= shown(part.management_form, *part.forms)
            continue
        for bound in part:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = (
                "on" if value is True else getattr(value, "isoformat", lambda v=value: str(v))()
            )
    return data


def business_case_form(project: Project, proposal: Proposal) -> dict[str, str]:
    form = BusinessCaseForm(instance=proposal, project=project, author=project.manager)
    risks = lists.RISKS.bind(None, proposal).formset
    return shown(form, risks) | {"goal": "Changed by the rulebook test"}


def charter_form(project: Project, charter: Charter) -> dict[str, str]:
    sections = [section.formset for section in lists.bind(lists.CHARTER_LISTS, None, charter)]
    return shown(CharterForm(instance=charter), *sections) | {"purpose": "Changed"}


def plan_form(project: Project, plan: Plan) -> dict[str, str]:
    sections = [section.formset for section in lists.bind(lists.PLAN_LISTS, None, plan)]
    return shown(PlanForm(initial={"version": plan.version}), *sections)


def scope_form(project: Project, _: Any) -> dict[str, str]:
    return shown(*[section.formset for section in lists.bind(lists.SCOPE_LISTS, None, project)])


def closure_form(project: Project, report: Any) -> dict[str, str]:
    goals = ClosureGoalFormSet(instance=report, prefix="goals", queryset=report.goals.all())
    return shown(ClosureForm(instance=report), goals) | {"lessons_learned": "Changed"}


def goal_form(project: Project, _: Any) -> dict[str, str]:
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else str(value)
        for name, value in smart_goal().items()
    }


def budget_line(project: Project) -> Any:
    """The plan's first budget line ("Team"), or None before Planning."""
    found = plan(project)
    return found.budget_lines.first() if found else None


def actual(project: Project, _: Any) -> dict[str, str]:
    line = budget_line(project)
    return {
        "budget_line": str(line.pk) if line else "",
        "date": TODAY().isoformat(),
        "amount": "1,250.00",
        "reference": "INV-2026-001",
    }


def actuals_file(project: Project, _: Any) -> dict[str, str]:
    """The preview's commit: the file carried back, read again by the service."""
    content = f"date,budget_line,amount,reference,note\n{TODAY().isoformat()},Team,250,INV-7,\n"
    return {"name": "actuals.csv", "content": base64.b64encode(content.encode()).decode()}


def forecast(project: Project, _: Any) -> dict[str, str]:
    line = budget_line(project)
    return {f"line_{line.pk}": "12,345.00"} if line else {}


# -- The actions: every POST route that writes ----------------------------------------------------


def proposal(project: Project) -> Proposal:
    return project.proposal


def charter(project: Project) -> Charter | None:
    return getattr(project, "charter", None)


def plan(project: Project) -> Plan | None:
    return getattr(project, "plan", None)


def goal(project: Project) -> Any:
    return project.goals.filter(archived_at__isnull=True).first()


def deliverable(project: Project) -> ProjectDeliverable | None:
    return project.deliverables.first()


def closure(project: Project) -> Any:
    return getattr(project, "closure", None)


def change_request(project: Project) -> ChangeRequest | None:
    """CR-1 of a project whose plan was approved (raised while delivering; made here, inside
    the cell's rolled-back transaction, so every stage after Planning has one)."""
    if not project.baselines.exists():
        return None
    line = project.plan.budget_lines.first()
    change, _ = ChangeRequest.objects.get_or_create(
        project=project,
        number=1,
        defaults={
            "title": "More testing",
            "reason": "The audit asked for it",
            "cost_impact": 5000,
            "budget_line": line,
            "raised_by": project.manager,
        },
    )
    return change


def forecasts_form(project: Project, plan: Plan) -> dict[str, str]:
    later = TODAY() + timedelta(days=100)
    return {f"m{m.pk}": later.isoformat() for m in plan.milestones.all()}


def change_request_form(project: Project, _: Any) -> dict[str, str]:
    plan = getattr(project, "plan", None)
    line = plan.budget_lines.first() if plan else None
    return {
        "title": "A second supplier",
        "reason": "The first one is late",
        "cost_impact": "5,000",
        "budget_line": str(line.pk) if line else "",
        "time_impact_days": "0",
    }


def itself(project: Project) -> Project:
    return project


def first_comment(project: Project) -> Any:
    return project.comments.first()


def first_attachment(project: Project) -> Any:
    return project.attachments.first()


def raid_item(project: Project) -> RaidItem | None:
    """The register's first item (from Initiating on: the business case's risk)."""
    return project.raid_items.order_by("pk").first()


def owned_by_the_member(status: str) -> Callable[[Any], None]:
    """The item, in `status`, owned by the project's first member (its owner reviews it)."""

    def arrange(item: RaidItem) -> None:
        member = Membership.objects.filter(project_id=item.project_id).order_by("pk").first()
        RaidItem.objects.filter(pk=item.pk).update(status=status, owner_id=member.user_id)

    return arrange


def raid_form(project: Project, item: Any) -> dict[str, str]:
    review_by = (TODAY() + timedelta(days=14)).isoformat()
    return {"kind": "risk", "title": "Rulebook risk", "likelihood": "3", "impact": "4"} | {
        "response": "Watch it",
        "review_date": review_by,
        "owner": str(project.manager_id),
    }


def a_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def set_state(model: type, **values: Any) -> Callable[[Any], None]:
    """Fixture set-up only: put the record in the state the action starts from."""

    def arrange(record: Any) -> None:
        model.objects.filter(pk=record.pk).update(**values)

    return arrange


COMMENT = {"comment": "Rulebook test"}


@dataclass(frozen=True)
class Action:
    name: str
    route: str
    record: Callable[[Project], Any]
    rule: str = ""  # a form's rule…
    transitions: tuple[str, ...] = ()  # …or the transitions the route may run
    args: tuple[str, ...] = ()  # route arguments after the project (the record's pk: "record")
    arrange: Callable[[Any], None] = field(default=lambda record: None)
    data: Callable[[Project, Any], dict] = field(default=lambda project, record: COMMENT)

    def expected(self, user: Any, record: Any) -> bool:
        if self.rule:
            return allows(user, self.rule, record)
        return any(has_transition_perm(getattr(record, name), user) for name in self.transitions)

    def url(self, project: Project, record: Any) -> str:
        args = [record.pk if arg == "record" else arg for arg in self.args]
        return reverse(f"projects:{self.route}", args=[project.pk, *args])


def proposal_in(state: str, cost: int = 120000) -> Callable[[Any], None]:
    return set_state(Proposal, state=state, estimated_cost=cost)


def stage_action(name: str) -> Action:
    return Action(name, "stage-action", itself, transitions=(name,), args=(name,))


def proposal_action(name: str, transitions: tuple[str, ...], state: str, cost: int) -> Action:
    return Action(
        f"{name} ({state}, {cost:,})",
        "proposal-action",
        proposal,
        transitions=transitions,
        args=(transitions[0],),
        arrange=proposal_in(state, cost),
    )


ACTIONS = [
    Action(
        "edit business case",
        "business-case-edit",
        proposal,
        rule="may_edit_business_case",
        arrange=proposal_in(ProposalState.DRAFT),
        data=lambda project, record: business_case_form(project, record),
    ),
    proposal_action("submit", ("submit",), ProposalState.DRAFT, 120000),
    proposal_action("withdraw", ("withdraw",), ProposalState.DRAFT, 120000),
    proposal_action("recall", ("recall",), ProposalState.SUBMITTED, 120000),
    # Project sponsor: Lee Park, limit 50,000; above it their Approve is an endorsement.
    proposal_action("approve", ("approve", "endorse"), ProposalState.SUBMITTED, 40000),
    proposal_action("approve", ("approve", "endorse"), ProposalState.SUBMITTED, 120000),
    proposal_action("approve", ("approve", "endorse"), ProposalState.ESCALATED, 120000),
    proposal_action("request_changes", ("request_changes",), ProposalState.SUBMITTED, 120000),
    proposal_action("request_changes", ("request_changes",), ProposalState.ESCALATED, 120000),
    proposal_action("reject", ("reject",), ProposalState.SUBMITTED, 120000),
    proposal_action("reject", ("reject",), ProposalState.ESCALATED, 120000),
    Action(
        "record funding",
        "funding-create",
        itself,
        rule="may_record_funding",
        data=lambda project, record: {
            "amount": "1000.00",
            "source": "CC-2000",
            "approved_on": TODAY().isoformat(),
        },
    ),
    *[
        Action(
            f"{name} funding",
            "funding-action",
            lambda project: project.fundings.first(),
            transitions=(name,),
            args=("record", name),
            arrange=set_state(Funding, state=FundingState.PROPOSED),
        )
        for name in ("approve", "reject")
    ],
    Action(
        "correct funding",
        "funding-correct",
        lambda project: project.fundings.first(),
        rule="may_correct_funding",
        args=("record",),
        data=lambda project, record: {"reason": "Typed wrong", "amount": "100,000"},
    ),
    Action(
        "change sponsor",
        "sponsor-change",
        itself,
        rule="may_change_sponsor",
        data=lambda project, record: {
            "sponsor": Sponsor.objects.exclude(user_id__in=[project.manager_id, project.sponsor_id])
            .first()
            .pk,
            "comment": "Lee Park moves to the infrastructure board",
        },
    ),
    Action(
        "change manager",
        "manager-change",
        itself,
        rule="may_change_manager",
        data=lambda project, record: {
            "manager": possible_managers(project).first().pk,
            "comment": "Alex Moreno moves to another programme",
        },
    ),
    *[
        stage_action(name)
        for name in (
            "advance_to_initiating",
            "advance_to_defining",
            "advance_to_planning",
            "advance_to_delivering",
            "advance_to_closing",
            "advance_to_closed",
            "hold",
            "resume",
            "cancel",
        )
    ],
    Action(
        "edit charter",
        "charter-edit",
        charter,
        rule="may_edit_charter",
        arrange=set_state(Charter, state=CharterState.DRAFT),
        data=charter_form,
    ),
    Action(
        "submit charter",
        "charter-action",
        charter,
        transitions=("submit",),
        args=("submit",),
        arrange=set_state(Charter, state=CharterState.DRAFT),
    ),
    Action(
        "sign charter",
        "charter-action",
        charter,
        transitions=("sign",),
        args=("sign",),
        # A new revision to sign, whatever was signed before.
        arrange=set_state(Charter, state=CharterState.SUBMITTED, revision=F("revision") + 1),
    ),
    Action(
        "return charter",
        "charter-action",
        charter,
        transitions=("return_charter",),
        args=("return_charter",),
        arrange=set_state(Charter, state=CharterState.SUBMITTED),
    ),
    Action(
        "amend charter",
        "charter-action",
        charter,
        transitions=("amend",),
        args=("amend",),
        arrange=set_state(Charter, state=CharterState.SIGNED),
    ),
    Action(
        "recall charter",
        "charter-action",
        charter,
        transitions=("recall",),
        args=("recall",),
        arrange=set_state(Charter, state=CharterState.SUBMITTED),
    ),
    Action(
        "discard amendment",
        "charter-action",
        charter,
        transitions=("discard_amendment",),
        args=("discard_amendment",),
        # An amendment of the signed revision 1 (Identifying has no charter yet).
        arrange=set_state(Charter, state=CharterState.DRAFT, revision=2),
    ),
    Action("add goal", "goal-create", itself, rule="may_add_goal", data=goal_form),
    Action(
        "edit goal",
        "goal-edit",
        goal,
        rule="may_edit_goal",
        args=("record",),
        data=lambda project, record: goal_form(project, record) | {"statement": "Changed"},
    ),
    Action("archive goal", "goal-archive", goal, rule="may_archive_goal", args=("record",)),
    Action(
        "add measurement",
        "measurement-create",
        goal,
        rule="may_add_measurement",
        args=("record",),
        data=lambda project, record: {"date": TODAY().isoformat(), "value": "300"},
    ),
    Action("edit scope", "scope-edit", itself, rule="may_edit_scope", data=scope_form),
    Action(
        "edit plan",
        "plan-edit",
        plan,
        rule="may_edit_plan",
        arrange=set_state(Plan, state=PlanState.DRAFT),
        data=plan_form,
    ),
    *[
        Action(
            f"{name} plan",
            "plan-action",
            plan,
            transitions=(name,),
            args=(name,),
            arrange=set_state(Plan, state=state),
        )
        for name, state in (
            ("submit", PlanState.DRAFT),
            ("approve", PlanState.SUBMITTED),
            ("return_plan", PlanState.SUBMITTED),
            ("revise", PlanState.APPROVED),
        )
    ],
    Action(
        "update forecasts",
        "plan-forecasts",
        plan,
        rule="may_forecast_milestones",
        data=forecasts_form,
    ),
    Action(
        "raise change request",
        "change-request-create",
        itself,
        rule="may_raise_change_request",
        data=change_request_form,
    ),
    # Project sponsor: Lee Park, limit 50,000, on a baseline of 100,000: above his limit his
    # Approve is an endorsement, and Dana Whitfield (250,000) decides the escalated one.
    *[
        Action(
            f"{name} change request ({state})",
            "change-request-action",
            change_request,
            transitions=transitions,
            args=("record", name),
            arrange=set_state(ChangeRequest, state=state),
        )
        for name, transitions, state in (
            ("approve", ("approve", "endorse"), ChangeRequestState.SUBMITTED),
            ("approve", ("approve",), ChangeRequestState.ESCALATED),
            ("reject", ("reject",), ChangeRequestState.SUBMITTED),
            ("reject", ("reject",), ChangeRequestState.ESCALATED),
            ("withdraw", ("withdraw",), ChangeRequestState.SUBMITTED),
        )
    ],
    Action(
        "add status report",
        "status-report-create",
        itself,
        rule="may_add_status_report",
        data=lambda project, record: {
            "date": TODAY().isoformat(),
            "schedule": "green",
            "budget": "green",
            "scope": "amber",
            "summary": "On track",
        },
    ),
    *[
        Action(
            f"{name} deliverable",
            "deliverable-action",
            deliverable,
            transitions=(name,),
            args=("record", name),
            arrange=set_state(ProjectDeliverable, state=state),
        )
        for name, state in (
            ("deliver", DeliverableState.PENDING),
            ("accept", DeliverableState.DELIVERED),
            ("send_back", DeliverableState.DELIVERED),
        )
    ],
    Action(
        "edit closure report", "closure-edit", closure, rule="may_edit_closure", data=closure_form
    ),
    Action("record actual cost", "actual-create", itself, rule="may_record_actuals", data=actual),
    Action(
        "import actuals", "actuals-import", itself, rule="may_record_actuals", data=actuals_file
    ),
    Action("update forecast", "forecast-edit", itself, rule="may_record_actuals", data=forecast),
    # Discussion: the member's comment on the business case, written when the project was built.
    *[
        Action(
            f"comment on {kind}",
            "thread",
            record,
            rule="may_comment",
            args=(kind, "record"),
            data=lambda project, record: {"body": "Rulebook comment"},
        )
        for kind, record in (("business-case", proposal), ("deliverable", deliverable))
    ],
    Action(
        "edit comment",
        "comment-edit",
        first_comment,
        rule="may_edit_comment",
        args=("record",),
        data=lambda project, record: {"body": "Rulebook correction"},
    ),
    Action(
        "remove comment",
        "comment-remove",
        first_comment,
        rule="may_remove_comment",
        args=("record",),
    ),
    # Evidence: a PDF on each kind of record; the manager's file on the business case.
    *[
        Action(
            f"attach to {kind}",
            "attachment-add",
            record,
            rule=rule,
            args=(kind, "record"),
            data=lambda project, record: {"file": a_pdf()},
        )
        for kind, record, rule in (
            ("business-case", proposal, "may_attach_to_business_case"),
            ("charter", charter, "may_attach_to_charter"),
            ("deliverable", deliverable, "may_attach_to_deliverable"),
            ("closure", closure, "may_attach_to_closure"),
            ("gate", itself, "may_attach_gate_evidence"),
        )
    ],
    Action(
        "remove file",
        "attachment-remove",
        first_attachment,
        rule="may_remove_attachment",
        args=("record",),
    ),
    # The RAID register: the manager adds and edits; the item's owner (the member here)
    # reviews and closes; the manager reopens.
    Action("add to the register", "raid-create", itself, rule="may_add_raid_item", data=raid_form),
    *[
        Action(
            f"{name} register item",
            f"raid-{name}",
            raid_item,
            rule=f"may_{name}_raid_item",
            args=("record",),
            arrange=owned_by_the_member(status),
            data=raid_form,
        )
        for name, status in (
            ("edit", RaidStatus.OPEN),
            ("review", RaidStatus.OPEN),
            ("close", RaidStatus.OPEN),
            ("reopen", RaidStatus.CLOSED),
        )
    ],
]
# Asking for a PDF renders what people may already read: no record changes and no audit row,
# in every stage (services/pdfs.py); who may ask is tested in test_pdf_requests_follow_the_rule.
READS = {"charter-pdf", "charter-revision-pdf", "closure-pdf", "status-report-pdf"}
READS |= {"business-case-pdf"}
# Marking one's own mentions read changes nothing of the project (and writes no audit row).
OWN_ROWS = {"mentions-read"}


# -- A project ready at every stage ----------------------------------------------------------------


def build(stage: str, *, manager: Any, sponsor: Any, member: Any) -> Project:
    """A project in `stage` whose next gate is met, sponsored by `sponsor`, through the
    services from an approved and funded business case."""
    project = ProjectFactory(
        title=f"Rulebook in {stage}", manager=manager, sponsor=sponsor.sponsor_profile
    )
    Membership.objects.create(project=project, user=member)
    discussion.comment_add(record=project.proposal, by=member, body="Rulebook thread")
    evidence.attachment_add(record=project.proposal, by=manager, upload=a_pdf())
    Proposal.objects.filter(project=project).update(state=ProposalState.APPROVED)
    FundingFactory(project=project)
    prepare = {
        Stage.INITIATING: lambda p: sign_charter(p, manager, sponsor),
        Stage.DEFINING: lambda p: define(p, manager),
        Stage.PLANNING: lambda p: approve_plan(p, manager, sponsor),
        Stage.DELIVERING: lambda p: accept_all(p, manager, sponsor),
        Stage.CLOSING: lambda p: close(p, manager),
    }
    advance = {
        Stage.IDENTIFYING: ("advance_to_initiating", manager),
        Stage.INITIATING: ("advance_to_defining", sponsor),
        Stage.DEFINING: ("advance_to_planning", manager),
        Stage.PLANNING: ("advance_to_delivering", sponsor),
        Stage.DELIVERING: ("advance_to_closing", sponsor),
        Stage.CLOSING: ("advance_to_closed", manager),
    }
    target = Stage.DELIVERING if stage in (Stage.ON_HOLD, Stage.CANCELLED) else stage
    while True:
        current = Project.objects.get(pk=project.pk)
        if current.stage in prepare:
            prepare[current.stage](current)
        if current.stage == target:
            break
        name, by = advance[current.stage]
        services.project_transition(project=current, name=name, by=by, comment="Ready")
    if stage in (Stage.ON_HOLD, Stage.CANCELLED):
        name = "hold" if stage == Stage.ON_HOLD else "cancel"
        services.project_transition(project=current, name=name, by=sponsor, comment="Paused")
    return Project.objects.get(pk=project.pk)


def sign_charter(project: Project, manager: Any, sponsor: Any) -> None:
    charter = project.charter
    services.charter_update(
        charter=charter,
        by=manager,
        version=charter.version,
        lists=charter_lists(),
        **charter_texts(),
    )
    services.charter_submit(charter=charter, by=manager)
    services.charter_sign(charter=charter, by=sponsor)


def define(project: Project, manager: Any) -> None:
    definition.goal_save(project=project, by=manager, **smart_goal())
    definition.scope_update(
        project=project,
        by=manager,
        lists={
            "in_scope": [{"text": "Checkout"}],
            "out_of_scope": [{"text": "Mobile app"}],
            "requirements": [{"text": "Fast", "priority": "must", "acceptance_criterion": "2 s"}],
        },
    )


def approve_plan(project: Project, manager: Any, sponsor: Any) -> None:
    plan = project.plan
    delivery.plan_update(plan=plan, by=manager, version=plan.version, lists=plan_lists())
    delivery.plan_submit(plan=plan, by=manager)
    delivery.plan_approve(plan=plan, by=sponsor)


def accept_all(project: Project, manager: Any, sponsor: Any) -> None:
    for item in project.deliverables.all():
        delivery.deliverable_deliver(deliverable=item, by=manager)
        delivery.deliverable_accept(deliverable=item, by=sponsor)
    delivery.status_report_add(
        project=project,
        by=manager,
        date=TODAY() - timedelta(days=1),
        schedule="green",
        budget="green",
        scope="green",
        summary="Done",
    )


def close(project: Project, manager: Any) -> None:
    report = project.closure
    delivery.closure_update(
        report=report,
        by=manager,
        final_values={row.pk: (row.goal.target, "") for row in report.goals.all()},
        lessons_learned="Start the survey earlier",
        handover="Service desk",
    )


STAGES = [*MAIN_LINE, Stage.ON_HOLD, Stage.CANCELLED]
READ_ONLY = {Stage.CLOSED, Stage.CANCELLED}


def snapshot(project_pk: int) -> tuple:
    """Everything a POST could change of the project: its audit log and every record."""
    project = Project.objects.get(pk=project_pk)
    records = (
        project.stage,
        project.funded,
        Proposal.objects.filter(project=project).values_list("state", "updated_at").get(),
        list(Charter.objects.filter(project=project).values_list("state", "version", "revision")),
        list(Plan.objects.filter(project=project).values_list("state", "version")),
        sorted(project.deliverables.values_list("state", flat=True)),
        project.goals.count(),
        project.goals.filter(archived_at__isnull=False).count(),
        sum(g.measurements.count() for g in project.goals.all()),
        project.scope_items.count() + project.requirements.count(),
        project.status_reports.count(),
        list(project.__class__.objects.filter(pk=project.pk).values_list("closure__updated_at")),
        project.memberships.count(),
        project.fundings.count(),
        list(project.comments.values_list("body", "removed_at")),
        project.attachments.count(),
        list(project.raid_items.order_by("pk").values_list("status", "title", "review_date")),
        (project.actual_cost, project.forecast_cost, project.actuals.count()),
        list(
            BudgetLine.objects.filter(plan__project=project).values_list(
                "forecast_to_complete", flat=True
            )
        ),
        list(project.change_requests.values_list("state", flat=True)),
        list(project.baselines.values_list("number", flat=True)),
        list(Plan.objects.filter(project=project).values_list("milestones__forecast_date")),
    )
    return (AuditEntry.objects.for_subject(project).count(), records)


@pytest.mark.parametrize("stage", STAGES)
def test_every_cell_of_the_rulebook_holds_on_the_live_routes(
    stage, manager, manager2, sponsor, sponsor2, pmo, member, capsys
):
    """One stage's cells per test, so `make test`'s two processes share the stages out."""
    people = {
        "manager": manager,
        "sponsor": sponsor2,  # the project's sponsor, limit 50,000
        "higher sponsor": sponsor,  # another sponsor, limit 250,000
        "pmo": pmo,
        "member": member,
        "outsider": manager2,
    }
    clients = {role: client_for(user) for role, user in people.items()}
    project = build(stage, manager=manager, sponsor=sponsor2, member=member)

    wrong, cells = [], Counter()
    for action in ACTIONS:
        for role, user in people.items():
            with transaction.atomic():
                target = action.record(Project.objects.get(pk=project.pk))
                if target is None:
                    transaction.set_rollback(True)
                    continue  # the record does not exist in this stage: no route to post
                action.arrange(target)
                current = Project.objects.get(pk=project.pk)
                record = action.record(current)
                expected = action.expected(user, record)
                url = action.url(current, record)
                data = action.data(current, record)
                before = snapshot(project.pk)
                status = clients[role].post(url, data).status_code
                after = snapshot(project.pk)
                transaction.set_rollback(True)
            cells["allowed" if expected else "refused"] += 1
            if expected:
                if status != 302 or after[0] <= before[0]:
                    wrong.append((stage, action.name, role, "allowed, but", status))
            elif status not in (403, 404, 409) or after != before:
                wrong.append((stage, action.name, role, "refused, but", status))
            elif stage in READ_ONLY and status not in (404, 409):
                wrong.append((stage, action.name, role, "read-only, but", status))

    with capsys.disabled():
        print(
            f"\nrulebook in {stage}: {len(ACTIONS)} actions × {len(people)} roles: "
            f"{sum(cells.values())} cells where the action's record exists "
            f"({cells['allowed']} allowed, {cells['refused']} refused), {len(wrong)} wrong"
        )
    assert wrong == []
    if stage in READ_ONLY:
        assert cells["allowed"] == 0
    else:
        assert cells["allowed"] > 0


def test_every_post_route_is_in_the_table():
    from tests.security.test_permission_matrix import POST_ROUTES

    assert {action.route for action in ACTIONS} | READS | OWN_ROWS == POST_ROUTES


def test_pdf_requests_follow_the_rule_in_every_stage_closed_ones_included(
    manager, sponsor, sponsor2, pmo, member
):
    from projects.models import PdfJob

    project = build(Stage.CLOSED, manager=manager, sponsor=sponsor2, member=member)
    url = reverse("projects:charter-pdf", args=[project.pk])
    answers = {}
    for role, user in {
        "member": member,
        "manager": manager,
        "sponsor": sponsor2,
        "pmo": pmo,
    }.items():
        before = PdfJob.objects.count()
        status = client_for(user).post(url).status_code
        answers[role] = (status, PdfJob.objects.count() - before)
        assert allows(user, "may_generate_pdf", project) == (status == 302), role

    assert answers["member"] == (403, 0)
    # Signing queued the signed charter's render: every Generate PDF gets that same job.
    assert answers["manager"] == answers["sponsor"] == answers["pmo"] == (302, 0)
    assert PdfJob.objects.filter(project=project).count() == 1

    # The business case's summary: whoever reads the business case asks for it.
    url = reverse("projects:business-case-pdf", args=[project.pk])
    for role, user in {"member": member, "sponsor": sponsor2, "pmo": pmo}.items():
        assert allows(user, "may_generate_business_case_pdf", project), role
        assert client_for(user).post(url).status_code == 302, role
    assert PdfJob.objects.filter(kind=PdfJob.Kind.BUSINESS_CASE).count() == 1
    assert not allows(sponsor, "may_generate_business_case_pdf", project)  # not on it
    assert client_for(sponsor).post(url).status_code == 404


def test_no_action_answers_500_in_any_state_its_record_can_reach(
    manager, manager2, sponsor, sponsor2, pmo, member
):
    """Issue 15: every action route, against its record in every state it can reach, as each
    kind of person: an answer that says why (or the action), never a server error."""
    clients = [client_for(user) for user in (manager, manager2, sponsor, sponsor2, pmo, member)]
    records = [  # model, its states, the record, the route, its actions, the record in the URL
        (Proposal, ProposalState, proposal, "proposal-action", PROPOSAL_ACTIONS, False),
        (Charter, CharterState, charter, "charter-action", CHARTER_ACTIONS, False),
        (
            Plan,
            PlanState,
            plan,
            "plan-action",
            ("submit", "approve", "return_plan", "revise"),
            False,
        ),
        (ProjectDeliverable, DeliverableState, deliverable, "deliverable-action", DELIVERY, True),
        (Funding, FundingState, lambda p: p.fundings.first(), "funding-action", FUNDING, True),
        (
            ChangeRequest,
            ChangeRequestState,
            change_request,
            "change-request-action",
            ("approve", "reject", "withdraw"),
            True,
        ),
    ]
    project = build(Stage.DELIVERING, manager=manager, sponsor=sponsor2, member=member)
    answers = Counter()
    for model, states, record_of_project, route, actions, in_url in records:
        for state in states.values:
            for name in actions:
                for client in clients:
                    with transaction.atomic():
                        record = record_of_project(project)
                        reachable = {"state": state}
                        if model is Charter and state != CharterState.SIGNED:
                            reachable["revision"] = F("revision") + 1  # after an amendment
                        model.objects.filter(pk=record.pk).update(**reachable)
                        args = [project.pk, record.pk, name] if in_url else [project.pk, name]
                        url = reverse(f"projects:{route}", args=args)
                        answers[client.post(url, {"comment": "Sweep"}).status_code] += 1
                        transaction.set_rollback(True)
    assert set(answers) <= {302, 400, 403, 404, 409}, answers
    assert answers[302] and answers[409]


PROPOSAL_ACTIONS = ("submit", "approve", "reject", "withdraw", "request_changes", "recall")
CHARTER_ACTIONS = ("submit", "sign", "return_charter", "amend", "recall", "discard_amendment")
PLAN_ACTIONS = ("submit", "approve", "return_plan", "revise")
DELIVERY = ("deliver", "accept", "send_back")
FUNDING = ("approve", "reject")
