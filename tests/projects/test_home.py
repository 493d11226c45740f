"""Home is role-aware; home and the portfolio make the same number of queries for 3 or 60
projects."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lifecycle.selectors import next_gate
from projects.models import Project, Proposal, ProposalState, with_gates
from projects.services.projects import gate_statuses_refresh
from tests.conftest import BUILT, client_for
from tests.factories import FundingFactory, ProjectFactory


def make_projects(count, *, manager, sponsor):
    projects = ProjectFactory.create_batch(count, manager=manager, sponsor=sponsor.sponsor_profile)
    Proposal.objects.filter(project__in=projects).update(state=ProposalState.SUBMITTED, revision=1)
    for project in projects[::2]:
        FundingFactory(project=project)
    return projects


def test_sponsor_sees_what_awaits_their_decision_oldest_first(submitted, sponsor):
    page = client_for(sponsor).get(reverse("projects:home")).content.decode()

    assert "Awaiting my decision" in page
    assert "Customer portal redesign" in page
    assert "Alex Moreno" in page  # people by their full names


def test_manager_sees_the_next_gate_and_what_is_missing(approved, manager):
    page = client_for(manager).get(reverse("projects:home")).content.decode()

    assert "My projects" in page
    assert "Advance to Initiating" in page
    assert "Funding recorded (an amount above zero, with its source)" in page
    assert "Business case approved by the sponsor" not in page  # met, so not missing


def test_pmo_sees_the_portfolio_by_stage_and_what_awaits_their_decision(project, pmo):
    page = client_for(pmo).get(reverse("projects:home")).content.decode()

    assert "Portfolio by stage" in page
    assert "Awaiting my decision" in page  # escalations above every sponsor's limit (issue 16)
    assert "Overdue across the portfolio" in page


def unmet_labels(project: Project) -> list[str]:
    """What the project's checklist says is missing, evaluated afresh."""
    fresh = with_gates([Project.objects.for_gates().get(pk=project.pk)])[0]
    return [check.label for check in next_gate(fresh).unmet]


def test_the_pmo_sees_the_gates_blocked_longest_behind_any_number_ready(pmo, manager, sponsor):
    """Active projects whose next gate is closed, longest in their stage first, ten at most:
    found by the stored gate status, so 25 older projects ready to advance hide none of them
    (the list used to evaluate the 30 longest in their stage and keep the blocked among them)."""
    now = timezone.now()
    ready = make_projects(25, manager=manager, sponsor=sponsor)
    Proposal.objects.filter(project__in=ready).update(state=ProposalState.APPROVED)
    for project in ready[1::2]:  # make_projects funded the others
        FundingFactory(project=project)
    Project.objects.filter(pk__in=[p.pk for p in ready]).update(
        stage_entered_at=now - timedelta(days=100), gate_ready_since=now
    )
    blocked = ProjectFactory.create_batch(12, manager=manager, sponsor=sponsor.sponsor_profile)
    for days, project in enumerate(blocked):
        Project.objects.filter(pk=project.pk).update(
            stage_entered_at=now - timedelta(days=50 - days)
        )
    gate_statuses_refresh()  # written around the services: stored as `refresh_gates` does
    # One with nothing stored yet has its checklist evaluated instead.
    Project.objects.filter(pk=blocked[0].pk).update(gate_unmet=None)

    response = client_for(pmo).get(reverse("projects:home"))

    shown = response.context["blocked"]
    assert [project.pk for project, gate in shown] == [project.pk for project in blocked[:10]]
    assert all(not gate.ready and gate.unmet for project, gate in shown)
    for project, gate in shown[:2]:  # evaluated (nothing stored), and as stored
        assert [check.label for check in gate.unmet] == unmet_labels(project) != []
    assert gate_statuses_refresh() == 1  # the one not stored; the others agree
    assert "Gates blocked longest" in response.content.decode()

    # Stored statuses that disagree with the checklists (written around the services): the
    # ready ones are left out however many come first, and the list still shows ten.
    Project.objects.filter(pk__in=[p.pk for p in ready]).update(gate_ready_since=None)
    shown = client_for(pmo).get(reverse("projects:home")).context["blocked"]
    assert [project.pk for project, gate in shown] == [project.pk for project in blocked[:10]]


def test_viewer_sees_the_projects_they_follow(project, member):
    page = client_for(member).get(reverse("projects:home")).content.decode()

    assert "Projects I follow" in page
    assert "Customer portal redesign" in page


def test_portfolio_lists_only_visible_projects(project, manager2, sponsor2):
    ProjectFactory(title="Someone else's", manager=manager2, sponsor=sponsor2.sponsor_profile)

    page = client_for(manager2).get(reverse("projects:portfolio")).content.decode()

    assert "Someone else&#x27;s" in page
    assert "Customer portal redesign" not in page


def query_count(client, path, django_assert_max_num_queries, budget):
    client.get(path)  # a user's first request also reads their permissions into the cache
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("user", ["sponsor", "manager", "pmo"])
@pytest.mark.parametrize("path", ["projects:home", "projects:portfolio"])
def test_query_count_does_not_grow_with_projects(
    user, path, manager, sponsor, pmo, request, django_assert_max_num_queries
):
    client = client_for(request.getfixturevalue(user))
    make_projects(3, manager=manager, sponsor=sponsor)
    small = query_count(client, reverse(path), django_assert_max_num_queries, 25)

    make_projects(60, manager=manager, sponsor=sponsor)
    large = query_count(client, reverse(path), django_assert_max_num_queries, 25)

    assert large == small


def test_project_page_query_count_is_bounded(funded, sponsor, django_assert_max_num_queries):
    client = client_for(sponsor)
    client.get(funded.get_absolute_url())  # content types cached per process, as in production
    with django_assert_max_num_queries(14):
        assert client.get(funded.get_absolute_url()).status_code == 200


def test_a_delivering_projects_tabs_keep_their_query_count_as_its_records_grow(
    delivering, sponsor, sponsor2, manager, pmo, django_assert_max_num_queries
):
    """What a delivering project's gate and its waits read (deliverables, status reports,
    exceptions, change requests) is read once per tab, however many there are, and whoever
    sent a deliverable back is read with them."""
    from projects.models import ProjectDeliverable

    client = client_for(sponsor)
    tabs = [reverse(f"projects:{tab}", args=[delivering.pk]) for tab in ("detail", "status")]

    def built(path):  # the tab built afresh, not the copy kept since the last change
        client.get(path, **BUILT)
        with django_assert_max_num_queries(30) as captured:
            assert client.get(path, **BUILT).status_code == 200
        return len(captured)

    ProjectDeliverable.objects.create(project=delivering, name="Cut-over plan")
    few = [built(tab) for tab in tabs]

    for number, by in enumerate([sponsor, sponsor2, pmo, manager] * 3):
        ProjectDeliverable.objects.create(
            project=delivering,
            name=f"Runbook {number}",
            sent_back_at=timezone.now(),
            sent_back_by=by,
            sent_back_reason="Not yet",
        )
    many = [built(tab) for tab in tabs]

    assert many == [count + 1 for count in few]  # the people who sent them back, at once


def test_home_lists_the_ten_newest_of_a_sponsors_and_a_managers_projects_and_counts_them_all(
    manager, sponsor
):
    """The count beside each short list is every project it holds, not the ten shown: a
    sponsor's active projects, a manager's open ones (on hold too), never closed or cancelled."""
    projects = make_projects(14, manager=manager, sponsor=sponsor)
    for project, stage in zip(projects, ["closed", "cancelled", "on_hold"], strict=False):
        Project.objects.filter(pk=project.pk).update(stage=stage)

    sponsor_home = client_for(sponsor).get(reverse("projects:home"), headers=BUILT)
    manager_home = client_for(manager).get(reverse("projects:home"), headers=BUILT)

    assert len(sponsor_home.context["sponsored"]) == 10
    assert "The 10 newest of the 11 active projects you sponsor" in sponsor_home.content.decode()
    assert len(manager_home.context["managed"]) == 10
    assert "The 10 newest of your 12 open projects" in manager_home.content.decode()


def test_every_audited_write_stores_what_the_next_gate_still_misses(defining, manager):
    """The stored gate status follows the services: Defining's gate misses a goal, scope and
    requirements; each write that meets one takes it off; a new stage stores its own gate's."""
    from projects import services
    from projects.services import definition
    from tests.conftest import scope_lists, smart_goal

    def stored():
        return Project.objects.values_list("gate_unmet", "gate_ready_since").get(pk=defining.pk)

    missing, since = stored()
    assert missing == unmet_labels(defining) and len(missing) == 3 and since is None
    definition.goal_save(project=defining, by=manager, **smart_goal())
    assert stored()[0] == unmet_labels(defining) == missing[1:]
    definition.scope_update(project=defining, by=manager, lists=scope_lists())
    missing, since = stored()
    assert missing == [] and since is not None  # ready: nothing missing, since now
    services.project_transition(project=defining, name="advance_to_planning", by=manager)
    planning = Project.objects.get(pk=defining.pk)
    assert planning.gate_unmet == unmet_labels(planning) != [] and planning.gate_ready_since is None


def test_home_shows_what_each_project_misses_as_stored_without_reading_its_lists(
    defining, manager, sponsor
):
    """A manager's and a sponsor's projects on home: what each still misses comes from the
    stored status, so the lists the gate reads (goals, scope, requirements) are not read;
    a project with nothing stored yet (before `refresh_gates`) is evaluated as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for person in (manager, sponsor):
        client = client_for(person)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("projects:home"), headers=BUILT)
        rows = response.context["managed" if person == manager else "sponsored"]
        assert [(p.pk, [c.label for c in gate.unmet]) for p, gate in rows] == [
            (defining.pk, unmet_labels(defining))
        ]
        assert "At least one requirement" in response.content.decode()
        assert not [q for q in queries if '"projects_requirement"' in q["sql"]]

    Project.objects.filter(pk=defining.pk).update(gate_unmet=None)
    with CaptureQueriesContext(connection) as queries:
        response = client_for(manager).get(reverse("projects:home"), headers=BUILT)
    assert [c.label for c in response.context["managed"][0][1].unmet] == unmet_labels(defining)
    assert [q for q in queries if '"projects_requirement"' in q["sql"]]
