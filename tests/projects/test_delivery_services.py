"""Planning, delivery and closure: each gate met, unmet with its labels, and the wrong user."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lifecycle.errors import CommentInvalid, GateClosed, NotNow, TransitionForbidden
from lifecycle.stages import Stage
from projects import notifications, services
from projects.models import DeliverableState, Plan, PlanState, Project
from projects.selectors.inbox import needs_action
from projects.services import definition, delivery
from tests.conftest import plan_lists
from tests.factories import ProjectFactory

TODAY = timezone.localdate


def advance(project, name, by):
    return services.project_transition(project=Project.objects.get(pk=project.pk), name=name, by=by)


def stage(project):
    return Project.objects.get(pk=project.pk).stage


def save_plan(project, by, **options):
    plan = Plan.objects.get(project=project)
    return delivery.plan_update(plan=plan, by=by, version=plan.version, lists=plan_lists(**options))


# -- Planning ---------------------------------------------------------------------------------


def test_the_plan_starts_from_the_charter(planning):
    plan = planning.plan
    assert [t.name for t in plan.tasks.all()] == ["Task 0"]
    assert [m.name for m in plan.milestones.all()] == ["Milestone 0"]


def test_submission_lists_what_the_plan_lacks(planning, manager):
    save_plan(planning, manager, budget=Decimal("999999"), owner="", dated=False)

    with pytest.raises(GateClosed) as refused:
        delivery.plan_submit(plan=planning.plan, by=manager)

    assert [(c.label, c.met) for c in refused.value.checks] == [
        ("At least one task in the work plan", True),
        ("Every milestone dated", False),
        ("Every task has an owner and dates", False),
        ("Planned budget within funding", False),
    ]


def test_a_task_cannot_start_before_the_one_it_depends_on(planning, manager):
    plan = save_plan(planning, manager)
    build = plan.tasks.get(name="Build")
    lists = plan_lists()
    lists["tasks"] = [
        {
            "id": build.pk,
            "name": "Build",
            "owner": "A",
            "start_date": TODAY(),
            "end_date": TODAY() + timedelta(days=30),
        },
        {
            "name": "Test",
            "owner": "B",
            "start_date": TODAY() + timedelta(days=10),
            "end_date": TODAY() + timedelta(days=40),
            "depends_on": build,
        },
    ]

    with pytest.raises(ValidationError, match="starts before “Build”"):
        delivery.plan_update(plan=plan, by=manager, version=plan.version, lists=lists)

    assert plan.tasks.count() == 1


def test_the_sponsor_approves_the_plan_and_opens_delivery(planning, manager, sponsor):
    save_plan(planning, manager)
    with pytest.raises(GateClosed) as refused:
        advance(planning, "advance_to_delivering", sponsor)
    assert [(c.label, c.met) for c in refused.value.checks][1] == (
        "Plan approved by the sponsor",
        False,
    )

    delivery.plan_submit(plan=planning.plan, by=manager)
    assert [item.what for item in needs_action(sponsor).decisions] == ["Plan to approve"]
    with pytest.raises(TransitionForbidden):
        delivery.plan_approve(plan=planning.plan, by=manager)
    entry = delivery.plan_approve(plan=planning.plan, by=sponsor)
    with pytest.raises(TransitionForbidden):
        advance(planning, "advance_to_delivering", manager)
    advance(planning, "advance_to_delivering", sponsor)

    assert [m.to for m in notifications.messages_for(entry)] == [[manager.email]]
    assert stage(planning) == Stage.DELIVERING


def test_returning_the_plan_needs_a_reason(planning, manager, sponsor):
    save_plan(planning, manager)
    delivery.plan_submit(plan=planning.plan, by=manager)

    with pytest.raises(CommentInvalid):
        delivery.plan_return(plan=planning.plan, by=sponsor, comment="")
    delivery.plan_return(plan=planning.plan, by=sponsor, comment="Add contingency")

    assert Plan.objects.get(pk=planning.plan.pk).state == PlanState.DRAFT


def test_revising_an_approved_plan_withdraws_the_approval(planning, manager, sponsor):
    save_plan(planning, manager)
    delivery.plan_submit(plan=planning.plan, by=manager)
    delivery.plan_approve(plan=planning.plan, by=sponsor)

    delivery.plan_revise(plan=planning.plan, by=manager)

    plan = Plan.objects.get(pk=planning.plan.pk)
    assert (plan.state, plan.approved_by) == (PlanState.DRAFT, None)
    with pytest.raises(GateClosed):
        advance(planning, "advance_to_delivering", sponsor)


# -- Delivering -------------------------------------------------------------------------------


def test_deliverables_come_from_the_charter(delivering):
    assert [d.name for d in delivering.deliverables.all()] == ["Deliverable 0"]


def test_the_sponsor_accepts_what_the_manager_delivered(delivering, manager, sponsor, sponsor2):
    deliverable = delivering.deliverables.get()

    with pytest.raises(TransitionForbidden):
        delivery.deliverable_deliver(deliverable=deliverable, by=sponsor)
    delivery.deliverable_deliver(deliverable=deliverable, by=manager)
    assert [item.what for item in needs_action(sponsor).decisions] == [
        "Deliverable to accept: Deliverable 0"
    ]
    for wrong in (manager, sponsor2):
        with pytest.raises(TransitionForbidden):
            delivery.deliverable_accept(deliverable=deliverable, by=wrong)
    entry = delivery.deliverable_accept(deliverable=deliverable, by=sponsor, comment="")

    deliverable.refresh_from_db()
    assert (deliverable.state, deliverable.accepted_by) == (DeliverableState.ACCEPTED, sponsor)
    assert entry.label == "Accept deliverable"


def test_sending_back_needs_a_reason(delivering, manager, sponsor):
    deliverable = delivering.deliverables.get()
    delivery.deliverable_deliver(deliverable=deliverable, by=manager)

    with pytest.raises(CommentInvalid):
        delivery.deliverable_send_back(deliverable=deliverable, by=sponsor, comment=" ")
    delivery.deliverable_send_back(deliverable=deliverable, by=sponsor, comment="Docs missing")

    deliverable.refresh_from_db()
    assert deliverable.state == DeliverableState.PENDING


def test_the_closing_gate_lists_what_is_missing(delivering, sponsor):
    with pytest.raises(GateClosed) as refused:
        advance(delivering, "advance_to_closing", sponsor)

    assert [(c.label, c.met, c.detail) for c in refused.value.checks] == [
        ("Every deliverable accepted by the sponsor", False, "Not accepted yet: Deliverable 0."),
        ("At least one status report", False, ""),
        (
            "No open exception (the sponsor has decided every forecast beyond tolerance)",
            True,
            "",
        ),
        ("No change request waiting for a decision", True, ""),
    ]


def test_status_reports_are_the_managers_and_not_in_the_future(delivering, manager, sponsor):
    report = dict(schedule="green", budget="green", scope="amber", summary="Fine")
    with pytest.raises(TransitionForbidden):
        delivery.status_report_add(project=delivering, by=sponsor, date=TODAY(), **report)
    with pytest.raises(ValidationError, match="future"):
        delivery.status_report_add(
            project=delivering, by=manager, date=TODAY() + timedelta(days=1), **report
        )
    delivery.status_report_add(project=delivering, by=manager, date=TODAY(), **report)

    assert delivering.status_reports.count() == 1


def test_the_project_carries_its_last_reports_date_whatever_writes_the_reports(delivering, manager):
    """`Project.last_report_on` is the database's (migration 0030): the service, an update, a
    bulk insert and a deletion all move it; a project read before saves without undoing it."""
    from projects.models import StatusReport

    def last() -> object:
        return Project.objects.values_list("last_report_on", flat=True).get(pk=delivering.pk)

    read_before = Project.objects.get(pk=delivering.pk)
    report = dict(schedule="green", budget="green", scope="amber", summary="Fine")
    older = delivery.status_report_add(
        project=delivering, by=manager, date=TODAY() - timedelta(days=9), **report
    )
    assert last() == TODAY() - timedelta(days=9)
    read_before.title = "Renamed while a report was written"
    read_before.save()
    assert last() == TODAY() - timedelta(days=9)

    StatusReport.objects.bulk_create(
        [StatusReport(project=delivering, author=manager, date=TODAY(), **report)]
    )
    assert last() == TODAY()
    StatusReport.objects.filter(date=TODAY()).update(date=TODAY() - timedelta(days=20))
    assert last() == TODAY() - timedelta(days=9)
    StatusReport.objects.filter(pk=older.pk).delete()
    assert last() == TODAY() - timedelta(days=20)

    other = ProjectFactory(manager=manager, sponsor=delivering.sponsor)
    StatusReport.objects.update(project=other)  # moved: both projects are read again
    assert last() is None
    assert Project.objects.get(pk=other.pk).last_report_on == TODAY() - timedelta(days=20)
    StatusReport.objects.all().delete()
    assert Project.objects.get(pk=other.pk).last_report_on is None


def test_measurements_keep_flowing_in_delivery(delivering, manager):
    goal = delivering.goals.get()
    definition.measurement_add(goal=goal, by=manager, date=TODAY(), value=Decimal(700))
    assert goal.measurements.count() == 1


# -- Closing ----------------------------------------------------------------------------------


def test_the_closure_report_needs_lessons_handover_and_final_values(closing, manager):
    with pytest.raises(GateClosed) as refused:
        advance(closing, "advance_to_closed", manager)
    assert refused.value.checks[0].detail == (
        "Missing: lessons learned, handover to operations, a final value for every goal."
    )

    report = closing.closure
    row = report.goals.get()
    delivery.closure_update(
        report=report,
        by=manager,
        final_values={row.pk: (Decimal("1050"), "Peak in the sales week")},
        lessons_learned="Start the content migration earlier.",
        handover="Run by the web operations team from 1 March.",
    )
    advance(closing, "advance_to_closed", manager)

    assert stage(closing) == Stage.CLOSED
    assert report.goals.get().achieved is True


def test_the_sponsor_cannot_close_the_project(closing, sponsor):
    with pytest.raises(TransitionForbidden):
        advance(closing, "advance_to_closed", sponsor)


@pytest.fixture
def closed(closing, manager):
    row = closing.closure.goals.get()
    delivery.closure_update(
        report=closing.closure,
        by=manager,
        final_values={row.pk: (Decimal("900"), "")},
        lessons_learned="Lessons",
        handover="Handover",
    )
    advance(closing, "advance_to_closed", manager)
    return Project.objects.get(pk=closing.pk)


def test_a_closed_project_is_read_only(closed, manager, sponsor, pmo):
    goal = closed.goals.get()
    refusals = [
        lambda: definition.measurement_add(goal=goal, by=manager, date=TODAY(), value=Decimal(1)),
        lambda: delivery.status_report_add(
            project=closed,
            by=manager,
            date=TODAY(),
            schedule="green",
            budget="green",
            scope="green",
            summary="x",
        ),
        lambda: delivery.closure_update(
            report=closed.closure, by=manager, final_values={}, lessons_learned="", handover=""
        ),
        lambda: services.funding_record(
            project=closed, by=sponsor, amount=Decimal(1), source="CC", approved_on=TODAY()
        ),
        lambda: save_plan(closed, manager),
        lambda: definition.goal_archive(goal=goal, by=manager),
        lambda: services.charter_amend(charter=closed.charter, by=manager),
        lambda: delivery.plan_revise(plan=closed.plan, by=manager),
    ]
    for refuse in refusals:
        with pytest.raises(NotNow, match="is closed: its records are read-only"):
            refuse()
    for name in ("hold", "cancel"):
        with pytest.raises(NotNow, match="is closed: its records are read-only"):
            advance(closed, name, pmo)


def test_hold_in_delivery_resumes_to_delivery(delivering, sponsor):
    services.project_transition(
        project=delivering, name="hold", by=sponsor, comment="Supplier strike"
    )
    advance(delivering, "resume", sponsor)
    assert stage(delivering) == Stage.DELIVERING


def test_a_cancelled_project_is_read_only(delivering, manager, pmo):
    services.project_transition(project=delivering, name="cancel", by=pmo, comment="Merged")
    cancelled = Project.objects.get(pk=delivering.pk)

    with pytest.raises(NotNow, match="is cancelled"):
        delivery.status_report_add(
            project=cancelled,
            by=manager,
            date=TODAY(),
            schedule="red",
            budget="red",
            scope="red",
            summary="x",
        )
    with pytest.raises(NotNow, match="is cancelled"):
        delivery.deliverable_deliver(deliverable=cancelled.deliverables.get(), by=manager)
