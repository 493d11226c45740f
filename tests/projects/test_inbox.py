"""Needs my action (issue 16): what waits for each person, since when and why, from the rules;
the project page says who holds the ball; pages keep their query count as data grows."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lifecycle.stages import Stage
from projects import services, statements
from projects.models import Goal, Project, Proposal, ProposalState
from projects.selectors.inbox import kinds_for, needs_action, needs_action_count, waiting_on
from projects.services import definition, delivery
from projects.views import people as people_views
from projects.waiting import PMO, WAITS
from tests.conftest import all_delivered, client_for, report_status, smart_goal
from tests.factories import FundingFactory, ProjectFactory, SponsorFactory, UserFactory


def kinds(user) -> list[str]:
    return [item.wait.key for item in needs_action(user).items]


def page(user, name: str, *args) -> str:
    response = client_for(user).get(reverse(f"projects:{name}", args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_a_submitted_business_case_waits_for_its_sponsor_and_nobody_else(
    submitted, sponsor, sponsor2, manager, member, pmo
):
    assert kinds(sponsor) == ["business_case"]
    assert [kinds(someone) for someone in (sponsor2, manager, member, pmo)] == [[], [], [], []]
    inbox = page(sponsor, "inbox")
    assert "Business case to decide" in inbox and "Customer portal redesign" in inbox
    assert "Alex Moreno" in inbox  # who waits for it


def test_the_pmo_finds_an_escalated_business_case_and_decides_it(project, sponsor2, pmo, manager):
    Project.objects.filter(pk=project.pk).update(sponsor=sponsor2.sponsor_profile)
    Proposal.objects.filter(project=project).update(estimated_cost=Decimal("120000"))
    proposal = Proposal.objects.get(project=project)
    services.proposal_submit(proposal=proposal, by=manager)
    services.proposal_approve(proposal=proposal, by=sponsor2, comment="Needed this year")

    assert kinds(pmo) == ["escalated"]
    assert kinds(sponsor2) == []  # the endorser does not approve what they endorsed
    home = page(pmo, "home")
    assert "Awaiting my decision" in home and "Escalated business case to decide" in home
    services.proposal_approve(proposal=proposal, by=pmo)
    assert kinds(pmo) == []


def test_a_returned_charter_waits_for_its_manager_with_the_reason(filled, manager, sponsor):
    services.charter_submit(charter=filled.charter, by=manager)
    assert kinds(sponsor) == ["charter"]
    services.charter_return(
        charter=filled.charter, by=sponsor, comment="Add the warehouse staff as stakeholders."
    )

    [item] = needs_action(manager).items
    assert (item.wait.key, item.reason, item.reason_by) == (
        "charter_returned",
        "Add the warehouse staff as stakeholders.",
        sponsor,
    )
    assert "Add the warehouse staff as stakeholders." in page(manager, "inbox")
    charter_tab = page(manager, "charter", filled.pk)
    assert "Returned</strong> by Dana Whitfield" in charter_tab
    assert "Add the warehouse staff as stakeholders." in charter_tab

    services.charter_submit(charter=filled.charter, by=manager)  # the reason stays until…
    assert "Add the warehouse staff" in page(sponsor, "charter", filled.pk)
    services.charter_sign(charter=filled.charter, by=sponsor)  # …the next decision
    assert "Add the warehouse staff" not in page(sponsor, "charter", filled.pk)


def test_reasons_show_where_people_act(delivering, manager, sponsor):
    deliverable = delivering.deliverables.get()
    delivery.deliverable_deliver(deliverable=deliverable, by=manager)
    delivery.deliverable_send_back(deliverable=deliverable, by=sponsor, comment="No test report.")
    assert "No test report." in page(manager, "status", delivering.pk)
    assert "Deliverable sent back: Deliverable 0" in page(manager, "inbox")

    services.project_transition(
        project=delivering, name="hold", by=sponsor, comment="Budget freeze until March."
    )
    header = page(manager, "detail", delivering.pk)
    assert "On hold</strong> since" in header and "Budget freeze until March." in header
    assert kinds(sponsor) == ["on_hold"]
    services.project_transition(project=delivering, name="resume", by=sponsor)
    assert "Budget freeze" not in page(manager, "detail", delivering.pk)


def test_a_returned_plan_shows_its_reason_on_the_plan_tab(planning, manager, sponsor):
    from tests.conftest import plan_lists

    plan = planning.plan
    delivery.plan_update(plan=plan, by=manager, version=plan.version, lists=plan_lists())
    delivery.plan_submit(plan=plan, by=manager)
    delivery.plan_return(plan=plan, by=sponsor, comment="Add a contingency line.")

    [item] = [i for i in needs_action(manager).items if i.wait.key == "plan_returned"]
    assert (item.reason, item.reason_by) == ("Add a contingency line.", sponsor)
    assert "Add a contingency line." in page(manager, "plan", planning.pk)


def test_the_actions_card_says_who_holds_the_ball(delivering, manager, sponsor, member):
    all_delivered(delivering, manager, sponsor)

    waiting = "Waiting for Dana Whitfield, CIO, to advance to Closing"
    assert waiting in page(manager, "detail", delivering.pk)
    assert waiting in page(member, "detail", delivering.pk)
    sponsor_page = page(sponsor, "detail", delivering.pk)
    assert waiting not in sponsor_page and ">Advance to Closing</button>" in sponsor_page
    assert kinds(sponsor) == ["advance"]
    assert "No action of yours is needed here." not in sponsor_page


def test_a_manager_is_told_to_fill_the_charter(initiating, manager, sponsor):
    card = page(manager, "detail", initiating.pk)
    assert "Your next steps" in card and "Charter to fill out and submit for sign-off" in card
    assert "Waiting for Alex Moreno to complete the charter and submit it for sign-off" in page(
        sponsor, "detail", initiating.pk
    )


def test_a_closed_or_cancelled_project_leaves_nobody_waiting(submitted, sponsor, manager):
    services.project_transition(project=submitted, name="cancel", by=sponsor, comment="Merged")
    assert kinds(sponsor) == kinds(manager) == []
    assert "Nothing waits: the project is cancelled." in page(manager, "detail", submitted.pk)


def test_goals_without_a_reading_for_longer_than_their_cadence(defining, manager, sponsor):
    goal = definition.goal_save(
        project=defining, by=manager, **smart_goal(reading_every_days=7)
    )  # started 30 days ago, no reading yet: due 23 days ago
    [item] = [i for i in needs_action(manager).items if i.wait.key == "reading"]
    assert item.overdue and item.what.startswith("Reading due: Attract 1,000 visitors")
    assert "reading" not in kinds(sponsor)  # the manager's to take

    definition.measurement_add(
        goal=goal, by=manager, date=timezone.localdate(), value=Decimal("300")
    )
    assert "reading" not in kinds(manager)
    assert Goal.objects.get(pk=goal.pk).reading_due_on == timezone.localdate() + timedelta(days=7)


def test_a_status_report_is_due_every_fortnight_while_delivering(delivering, manager, settings):
    assert "status_report" not in kinds(manager)  # delivery began today
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert "status_report" in kinds(manager)
        report_status(delivering, manager, summary="Build on track")
        assert "status_report" not in kinds(manager)


def test_ages_reminders_and_overdue_items(submitted, sponsor, settings):
    settings.REMIND_AFTER_DAYS, settings.ESCALATE_AFTER_DAYS = 3, 7
    Proposal.objects.filter(project=submitted).update(
        submitted_at=timezone.now() - timedelta(days=8)
    )
    [item] = needs_action(sponsor).items
    assert (item.reminded, item.overdue) == (True, True)
    inbox = page(sponsor, "inbox")
    assert "8 days" in inbox and "Overdue" in inbox
    assert "Business case to decide" in page(sponsor, "home")


def test_home_counts_every_overdue_item_not_only_the_ten_it_shows(manager, sponsor, settings):
    settings.ESCALATE_AFTER_DAYS = 7
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        for project in ProjectFactory.create_batch(
            12, manager=manager, sponsor=sponsor.sponsor_profile
        ):
            services.proposal_submit(proposal=project.proposal, by=manager)

    inbox = needs_action(sponsor, 10)

    assert (len(inbox.decisions), inbox.total, inbox.overdue_total) == (10, 12, 12)
    assert "12 items need your action</a>, 12 overdue." in page(sponsor, "home")


def test_a_database_that_refuses_a_limit_inside_a_union_gets_the_same_inbox(
    manager, sponsor, settings, monkeypatch
):
    """SQLite (`make run`'s default) refuses `(… LIMIT n) UNION ALL (…)`: there each kind is
    its own query, with the same items, totals and overdue counts."""
    settings.ESCALATE_AFTER_DAYS = 7
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        for project in ProjectFactory.create_batch(
            3, manager=manager, sponsor=sponsor.sponsor_profile
        ):
            services.proposal_submit(proposal=project.proposal, by=manager)
    for project in ProjectFactory.create_batch(2, manager=manager, sponsor=sponsor.sponsor_profile):
        services.proposal_submit(proposal=project.proposal, by=manager)

    def seen(inbox):
        items = [(item.wait.key, item.record.pk) for item in inbox.items]
        return items, inbox.total, inbox.decisions_total, inbox.overdue_total

    united = seen(needs_action(sponsor, 4))
    monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)
    assert seen(needs_action(sponsor, 4)) == united
    assert united[1:] == (5, 5, 3)


def waiting_a_day_apart(count: int, manager, sponsor) -> list[Project]:
    """`count` business cases submitted to `sponsor` a day apart, the oldest first."""
    projects = []
    for days in range(count, 0, -1):
        with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
            project = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
            services.proposal_submit(proposal=project.proposal, by=manager)
        projects.append(project)
    return projects


def test_needs_my_action_shows_every_item_a_page_at_a_time(manager, sponsor, monkeypatch):
    """Nothing waits unseen: past the first page the rest are a page further, oldest first;
    a page beyond the last is the last, and the same on a database without the union."""
    ids = [project.pk for project in waiting_a_day_apart(5, manager, sponsor)]

    def shown(page: int) -> tuple[list[int], int, int]:
        inbox = needs_action(sponsor, 2, decisions_page=page)
        return [item.project.pk for item in inbox.decisions], inbox.decisions_page, inbox.total

    pages = [shown(page) for page in (1, 2, 3)]
    assert pages == [(ids[:2], 1, 5), (ids[2:4], 2, 5), (ids[4:], 3, 5)]
    kept = len(statements._kept)
    assert shown(4) == shown(10**9) == pages[2]
    assert len(statements._kept) == kept  # pages past the first keep no statement
    assert shown(0) == shown(-3) == pages[0]
    monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)
    assert [shown(page) for page in (1, 2, 3)] == pages


def test_each_list_of_needs_my_action_has_pages_of_its_own(manager, sponsor, monkeypatch):
    monkeypatch.setattr(people_views, "INBOX_LIMIT", 2)
    projects = waiting_a_day_apart(8, manager, sponsor)
    Proposal.objects.filter(project__in=projects[5:]).update(  # funding to record: work
        state=ProposalState.APPROVED, revision=1, decided_at=timezone.now()
    )
    client = client_for(sponsor)
    inbox = reverse("projects:inbox")

    def rows(html: str) -> list[int]:
        return [
            p.pk for p in projects if f'href="{reverse("projects:detail", args=[p.pk])}"' in html
        ]

    html = client.get(inbox, {"decisions": "2", "todo": "2"}).content.decode()
    assert rows(html) == [projects[2].pk, projects[3].pk, projects[7].pk]
    assert "Each list shows 2 at a time." in html
    assert '<nav aria-label="Pages of decisions">' in html and "Page 2 of 3" in html
    assert 'href="?todo=2&amp;decisions=1#decisions-heading">Previous</a>' in html
    assert 'href="?todo=2&amp;decisions=3#decisions-heading">Next</a>' in html
    assert '<nav aria-label="Pages of things to do">' in html and "Page 2 of 2" in html
    assert 'href="?decisions=2&amp;todo=1#work-heading">Previous</a>' in html
    first = client.get(inbox).content.decode()
    assert rows(first) == [projects[0].pk, projects[1].pk, projects[5].pk, projects[6].pk]
    assert 'href="?decisions=2#decisions-heading">Next</a>' in first
    for asked in ("", "x", "2.5", "-1", "0"):  # any address: a page, never an error
        response = client.get(inbox, {"decisions": asked, "todo": asked})
        assert rows(response.content.decode()) == rows(first)
    beyond = client.get(inbox, {"decisions": "9" * 40, "todo": "3"}).content.decode()
    assert rows(beyond) == [projects[4].pk, projects[7].pk]  # the last pages


def test_the_count_beside_needs_my_action(submitted, sponsor, manager):
    assert needs_action_count(sponsor) == 1
    assert ">1<" in page(sponsor, "inbox-count")
    assert page(manager, "inbox-count").strip() == ""


def test_home_and_needs_my_action_show_the_count_without_asking_for_it(manager, sponsor):
    """Both pages have just counted what waits: the navigation shows their total at once —
    every item, not only the ten decisions and ten pieces of work home lists — and every
    other page asks for the count after loading."""
    projects = ProjectFactory.create_batch(24, manager=manager, sponsor=sponsor.sponsor_profile)
    for project in projects[:12]:
        services.proposal_submit(proposal=project.proposal, by=manager)
    Proposal.objects.filter(project__in=projects[12:]).update(  # funding to record
        state=ProposalState.APPROVED, revision=1, decided_at=timezone.now()
    )
    count = reverse("projects:inbox-count")
    badge = (
        '<span class="badge rounded-pill text-bg-warning ms-1">24'
        '<span class="visually-hidden"> waiting</span></span>'
    )

    assert needs_action_count(sponsor) == 24
    for name in ("home", "inbox"):
        shown = page(sponsor, name)
        assert f"Needs my action{badge}" in shown and count not in shown
    assert count in page(sponsor, "portfolio")


def test_recall_empties_the_sponsors_inbox(submitted, manager, sponsor):
    services.proposal_recall(proposal=submitted.proposal, by=manager)
    assert kinds(sponsor) == []
    assert kinds(manager) == ["business_case_draft"]


def test_sql_lists_and_the_project_page_agree_on_what_waits(
    manager, manager2, sponsor, sponsor2, pmo, member
):
    """Each kind's filter and its test for one record say the same: the inbox (SQL) and the
    project page (Python) list the same items for everyone, over projects in every state."""
    built = [_in_stage(stage, manager, sponsor) for stage in Stage.values]
    built += _half_way(manager, sponsor)
    people = [manager, manager2, sponsor, sponsor2, pmo, member]
    for user in people:
        from_sql = {(i.wait.key, i.project.pk, i.record.pk) for i in needs_action(user).items}
        from_pages = {
            (step.item.wait.key, project.pk, step.item.record.pk)
            for project in built
            for step in waiting_on(Project.objects.get(pk=project.pk), user)
            if step.mine
        }
        assert from_sql == from_pages, user.username
    assert {key for key, *_ in _all_items(people)} >= {
        "business_case",
        "advance",
        "charter_draft",
        "definition",
        "plan_draft",
        "closure",
        "on_hold",
    }


def _half_way(manager, sponsor) -> list[Project]:
    """Projects just entered a stage, its work not done: a charter to fill, goals to define,
    a plan to write."""
    from tests.security.test_rulebook import build

    member = UserFactory()
    fresh = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
    Proposal.objects.filter(project=fresh).update(state=ProposalState.APPROVED)
    FundingFactory(project=fresh)
    services.project_transition(project=fresh, name="advance_to_initiating", by=manager)
    signed = build(Stage.INITIATING, manager=manager, sponsor=sponsor, member=member)
    services.project_transition(project=signed, name="advance_to_defining", by=sponsor)
    defined = build(Stage.DEFINING, manager=manager, sponsor=sponsor, member=member)
    services.project_transition(project=defined, name="advance_to_planning", by=manager)
    return [fresh, signed, defined]


def _all_items(people) -> set:
    return {(i.wait.key, i.project.pk) for user in people for i in needs_action(user).items}


def _in_stage(stage: str, manager, sponsor) -> Project:
    """A project moved to `stage` through the services (a submitted case in Identifying)."""
    from tests.security.test_rulebook import build

    if stage == Stage.IDENTIFYING:
        project = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
        services.proposal_submit(proposal=project.proposal, by=manager)
        return project
    member = UserFactory()
    project = build(stage, manager=manager, sponsor=sponsor, member=member)
    if stage == Stage.CLOSING:  # a closure report still to write
        Project.objects.filter(pk=project.pk).update(gate_ready_since=None)
        project.closure.__class__.objects.filter(pk=project.closure.pk).update(lessons_learned="")
    return project


def test_every_kind_is_declared_with_a_rule_that_filters(db):
    from lifecycle.rules import rule

    for wait in WAITS:
        rule(wait.rule).q(SponsorFactory().user, wait.at)  # no "has no queryset form"


def test_kinds_only_the_pmo_can_have_are_not_asked_for_anyone_else(sponsor, manager, pmo):
    """A kind declared as the PMO's is left out of everyone else's inbox without a query: its
    rule must then allow nobody else."""
    from lifecycle.rules import is_nothing, rule

    pmos_only = [wait for wait in WAITS if wait.sides == (PMO,)]
    assert {wait.key for wait in pmos_only} == {"sponsor_deactivated", "manager_deactivated"}
    for wait in pmos_only:
        assert all(
            is_nothing(rule(wait.rule).q(someone, wait.at)) for someone in (sponsor, manager)
        )
        assert wait in kinds_for(pmo) and wait not in kinds_for(sponsor)


@pytest.mark.parametrize("name", ["home", "inbox"])
@pytest.mark.parametrize("who", ["sponsor", "manager", "pmo"])
def test_home_and_inbox_keep_their_query_count_as_data_grows(
    name, who, manager, sponsor, pmo, request
):
    user = request.getfixturevalue(who)
    client = client_for(user)

    def grow(count: int) -> None:
        for project in ProjectFactory.create_batch(
            count, manager=manager, sponsor=sponsor.sponsor_profile
        ):
            services.proposal_submit(proposal=project.proposal, by=manager)
        for project in ProjectFactory.create_batch(
            count, manager=manager, sponsor=sponsor.sponsor_profile
        ):
            Proposal.objects.filter(project=project).update(
                state=ProposalState.CHANGES_REQUESTED, decided_by=sponsor
            )
            FundingFactory(project=project)

    def queries() -> int:
        client.get(reverse(f"projects:{name}"))  # the user's permissions, read once
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"projects:{name}")).status_code == 200
        return len(captured)

    grow(2)
    small = queries()
    grow(25)
    assert queries() == small, who


def test_the_new_pages_need_a_login_and_the_overdue_list_is_the_pmos(manager, sponsor, pmo):
    from django.test import Client

    for name in ("inbox", "inbox-count", "overdue-panel", "profile", "delegations"):
        response = Client().get(reverse(f"projects:{name}"))
        assert response.status_code == 302 and "/login/" in response["Location"], name
    assert client_for(sponsor).get(reverse("projects:overdue-panel")).status_code == 403
    assert client_for(manager).get(reverse("projects:overdue-panel")).status_code == 403
    assert "Nothing has waited more than 7 days." in page(pmo, "overdue-panel")


def test_the_pmos_overdue_list_costs_the_same_for_few_or_many_rows(
    manager, manager2, sponsor, sponsor2, pmo, settings
):
    def overdue(count: int, manager, sponsor) -> None:
        with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
            for project in ProjectFactory.create_batch(
                count, manager=manager, sponsor=sponsor.sponsor_profile
            ):
                services.proposal_submit(proposal=project.proposal, by=manager)

    client = client_for(pmo)

    def queries() -> int:
        client.get(reverse("projects:overdue-panel"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("projects:overdue-panel")).status_code == 200
        return len(captured)

    overdue(2, manager, sponsor)
    overdue(2, manager2, sponsor2)
    few = queries()
    overdue(20, manager, sponsor)
    overdue(20, manager2, sponsor2)
    assert queries() == few
    assert "The 10 oldest of 44 overdue items." in page(pmo, "overdue-panel")


def test_a_register_items_review_filter_and_test_agree(
    manager, manager2, sponsor, sponsor2, pmo, member
):
    """The personal kind of the register (an overdue review, for its owner): its filter and
    its test, with the rule and the owner, say the same for everyone, over items open and
    closed, overdue and not, in projects of every stage."""
    from lifecycle.rules import allows
    from projects.models import RaidItem
    from projects.waiting import WAITS_BY_KEY

    wait = WAITS_BY_KEY["raid_review"]
    today = timezone.localdate()
    owners = [manager, sponsor, member]
    for n, stage in enumerate(Stage.values):
        project = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile, stage=stage)
        project.memberships.create(user=member)
        for m, (status, days) in enumerate([("open", -3), ("open", 0), ("closed", -5)]):
            RaidItem.objects.create(
                project=project,
                kind="issue",
                title=f"Item {n}.{m}",
                status=status,
                owner=owners[(n + m) % 3],
                review_date=today + timedelta(days=days),
            )
    for user in (manager, manager2, sponsor, sponsor2, pmo, member):
        from_sql = {i.record.pk for i in needs_action(user).items if i.wait is wait}
        from_test = {
            item.pk
            for item in RaidItem.objects.select_related("project")
            if wait.test(item, today)
            and allows(user, wait.rule, item)
            and wait.named.test(user, item)
        }
        assert from_sql == from_test, user.username
    assert {i.record.pk for i in needs_action(member).items if i.wait is wait}
