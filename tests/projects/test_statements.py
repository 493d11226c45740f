"""Statements compiled once (projects/statements.py): Needs my action, its count and the PMO's
overdue list run SQL kept per person's standing and day, and still read the rows afresh — a
new item, a delegation that begins, a limit that changes and the clock all show at once."""

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects import services, statements
from projects.models import Project, Proposal
from projects.rules import standing
from projects.selectors.inbox import needs_action, needs_action_count, overdue_everywhere
from projects.services.delegations import delegation_create
from projects.waiting import WAITS
from tests.factories import ProjectFactory


def fresh(user):
    """The person as a new request reads them."""
    return type(user).objects.select_related("sponsor_profile").get(pk=user.pk)


def compile_sql(queryset) -> None:
    with contextlib.suppress(EmptyResultSet):  # the rules' filter left nothing: no SQL to send
        queryset.query.sql_with_params()


def keys(user) -> list[str]:
    return [item.wait.key for item in needs_action(fresh(user)).items]


def test_building_every_kinds_filter_reads_nothing_but_the_persons_standing(
    submitted, pmo, sponsor, sponsor2, manager, viewer
):
    """The key a statement is kept under names the standing: a filter that read anything else
    from the database (a list of ids, a limit) would make a kept statement stale."""
    today = timezone.localdate()
    delegation_create(
        sponsor=sponsor.sponsor_profile,
        deputy=sponsor2,
        starts_on=today,
        ends_on=today + timedelta(days=3),
        note="Leave",
        by=sponsor,
    )
    for someone in (pmo, sponsor, sponsor2, manager, viewer):
        person = fresh(someone)
        standing(person)
        with CaptureQueriesContext(connection) as queries:
            for wait in WAITS:
                compile_sql(wait.waiting_for(person, today))
                compile_sql(wait.waiting_anywhere(today))
        assert [query["sql"] for query in queries] == [], someone.username


def test_a_kept_statement_reads_new_items_afresh(project, sponsor, manager):
    assert (needs_action_count(fresh(sponsor)), keys(sponsor)) == (0, [])
    services.proposal_submit(proposal=project.proposal, by=manager)
    kept = len(statements._kept)
    assert (needs_action_count(fresh(sponsor)), keys(sponsor)) == (1, ["business_case"])
    assert len(statements._kept) == kept  # the same statements, run again

    other = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
    services.proposal_submit(proposal=other.proposal, by=manager)
    assert (needs_action_count(fresh(sponsor)), keys(sponsor)) == (
        2,
        ["business_case", "business_case"],
    )


def test_a_delegation_or_a_new_limit_changes_the_statement_at_once(
    submitted, sponsor, sponsor2, pmo
):
    assert needs_action_count(fresh(sponsor2)) == 0
    today = timezone.localdate()
    delegation_create(
        sponsor=sponsor.sponsor_profile,
        deputy=sponsor2,
        starts_on=today,
        ends_on=today + timedelta(days=3),
        note="Leave",
        by=sponsor,
    )
    assert needs_action_count(fresh(sponsor2)) == 1  # the deputy sees Dana's business case
    assert keys(sponsor2) == ["business_case"]

    # Escalated above the sponsor's limit: it waits for whoever's limit covers it.
    Proposal.objects.filter(project=submitted).update(estimated_cost=Decimal("400000"))
    services.proposal_approve(proposal=Proposal.objects.get(project=submitted), by=sponsor)
    lee = sponsor2.sponsor_profile
    lee.approval_limit = Decimal("300000")
    lee.save()
    assert keys(sponsor2) == []
    lee.approval_limit = Decimal("500000")
    lee.save()
    assert keys(sponsor2) == ["escalated"]
    assert keys(pmo) == ["escalated"]


def test_overdue_follows_the_clock_not_the_kept_statement(project, sponsor, manager, pmo, settings):
    settings.ESCALATE_AFTER_DAYS = 5
    assert needs_action(fresh(sponsor)).overdue_total == 0
    assert overdue_everywhere() == ([], 0)
    kept = len(statements._kept)
    with time_machine.travel(timezone.now() - timedelta(days=6), tick=False):
        services.proposal_submit(proposal=project.proposal, by=manager)

    assert needs_action(fresh(sponsor)).overdue_total == 1
    rows, total = overdue_everywhere()
    assert total == 1 and rows[0].item.wait.key == "business_case"
    assert rows[0].holders == ["Dana Whitfield, CIO"]
    assert len(statements._kept) == kept  # the same statements, asked at a new moment


def test_a_person_with_no_item_possible_costs_one_empty_statement(viewer):
    """A viewer can only be mentioned or own a register item, in no project they see: the
    rules' filters say "nothing" before any SQL is sent."""
    assert (needs_action_count(fresh(viewer)), keys(viewer)) == (0, [])


def test_the_moment_is_bound_at_each_run_with_its_distance(manager):
    old = ProjectFactory(manager=manager)
    Project.objects.filter(pk=old.pk).update(stage_entered_at=timezone.now() - timedelta(days=3))

    def entered_two_days_before(moment):
        since = moment - timedelta(days=2)
        return Project.objects.filter(stage_entered_at__lt=since).values_list("pk")

    statement = statements.compiled("test-moment", entered_two_days_before, at_moment=True)
    [(_, distance)] = statement.moments
    assert distance == -timedelta(days=2)
    assert statement.rows(timezone.now()) == [(old.pk,)]
    assert statement.rows(timezone.now() - timedelta(days=2)) == []


def test_a_moment_that_changes_the_sql_is_refused(db):
    def shaped_by_the_moment(moment):
        projects = Project.objects.values_list("pk")
        return projects.filter(stage="closed") if moment.year % 2 else projects

    with pytest.raises(ValueError, match="moment may change its parameters"):
        statements.compiled("test-refused", shaped_by_the_moment, at_moment=True)


def test_the_store_keeps_the_most_recently_used(db, monkeypatch):
    monkeypatch.setattr(statements, "SIZE", 2)
    statements.forget()

    def build():
        return Project.objects.values_list("pk")

    first = statements.compiled("a", build)
    statements.compiled("b", build)
    assert statements.compiled("a", build) is first  # used again: now the most recent
    statements.compiled("c", build)
    assert list(statements._kept) == ["a", "c"]


def test_a_changed_setting_empties_the_store(db, settings):
    statements.compiled("kept", lambda: Project.objects.values_list("pk"))
    settings.STATUS_REPORT_EVERY_DAYS = 3
    assert "kept" not in statements._kept
