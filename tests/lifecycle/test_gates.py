"""Gate criteria decide and explain: each returns whether it holds and its label."""

from decimal import Decimal

from lifecycle import gates
from lifecycle.selectors import actions_for, next_gate, stage_bar
from projects.models import Project, Proposal
from tests.factories import FundingFactory


def labels(checks):
    return [(check.label, check.met) for check in checks]


def test_initiating_gate_lists_both_criteria_unmet_for_a_draft(project):
    assert labels(gates.INITIATING.evaluate(project)) == [
        ("Business case approved by the sponsor", False),
        ("Funding recorded (an amount above zero, with its source)", False),
    ]
    assert not gates.INITIATING.is_open(project)


def test_initiating_gate_opens_when_approved_and_funded(funded):
    assert gates.INITIATING.unmet(funded) == []
    assert gates.INITIATING.is_open(funded)


def test_funding_must_add_up_to_more_than_zero(approved):
    FundingFactory(project=approved, amount=Decimal("0.01"))
    assert gates.funding_recorded(Project.objects.get(pk=approved.pk)).met


def test_business_case_completeness_names_what_is_missing(project):
    Proposal.objects.filter(pk=project.proposal.pk).update(need="", estimated_cost=None)
    project.proposal.risks.all().delete()
    proposal = Proposal.objects.get(pk=project.proposal.pk)

    unmet = [check.label for check in gates.BUSINESS_CASE_COMPLETE.unmet(proposal)]

    assert unmet == ["Need stated", "Estimated cost given", "At least one risk assessed"]


def test_next_gate_is_the_same_for_everyone(project, member):
    gate = next_gate(project)
    assert gate.label == "Advance to Initiating"
    assert not gate.ready
    assert [check.label for check in gate.unmet] == [
        "Business case approved by the sponsor",
        "Funding recorded (an amount above zero, with its source)",
    ]


def test_viewer_may_take_no_stage_action(project, member):
    assert actions_for(project, member) == []


def test_manager_may_advance_but_not_hold_or_cancel(project, manager):
    assert [action.label for action in actions_for(project, manager)] == ["Advance to Initiating"]


def test_sponsor_may_advance_hold_and_cancel(project, sponsor):
    assert sorted(action.label for action in actions_for(project, sponsor)) == [
        "Advance to Initiating",
        "Cancel project",
        "Put on hold",
    ]


def test_stage_bar_marks_the_current_stage(project):
    assert [(step.stage.label, step.status) for step in stage_bar(project)][:3] == [
        ("Identifying", "current"),
        ("Initiating", "todo"),
        ("Defining", "todo"),
    ]


def test_the_closing_gate_waits_for_the_sponsor_to_decide_every_open_exception(delivering):
    from projects.models import ToleranceException

    label = "No open exception (the sponsor has decided every forecast beyond tolerance)"
    assert (label, True) in labels(gates.CLOSING.evaluate(delivering))

    ToleranceException.objects.create(project=delivering, kind="time", detail="Go live late")
    check = gates.no_open_exception(Project.objects.get(pk=delivering.pk))
    assert (check.label, check.met) == (label, False)
    assert "the time exception" in check.detail

    ToleranceException.objects.filter(project=delivering).update(state="cancelled")
    assert gates.no_open_exception(Project.objects.get(pk=delivering.pk)).met
    assert "exceptions" in gates.CLOSING.reads  # lists prefetch what the criterion reads
