"""Statements compiled once (projects/statements.py): Needs my action, its count and the PMO's
overdue list run SQL kept per person's standing and day, and still read the rows afresh — a
new item, a delegation that begins, a limit that changes and the clock all show at once."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
import time_machine
from django.contrib.auth import get_user
from django.core.exceptions import EmptyResultSet
from django.db import DataError, connection
from django.db.models import F, Prefetch, Q, prefetch_related_objects
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lifecycle.models import AuditEntry
from projects import services, statements
from projects.models import Funding, Goal, Project, Proposal
from projects.rules import standing
from projects.selectors.inbox import needs_action, needs_action_count, overdue_everywhere
from projects.selectors.proposals import DECISIONS, last_decision
from projects.services import definition
from projects.services.delegations import delegation_create, delegation_revoke
from projects.waiting import WAITS
from tests.conftest import smart_goal
from tests.factories import ProjectFactory, SponsorFactory, UserFactory


def fresh(user):
    """The person as a new request reads them."""
    return type(user).objects.select_related("sponsor_profile").get(pk=user.pk)


def sql_of(queryset) -> tuple[str, tuple]:
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:  # the rules' filter left nothing: no SQL to send
        return "", ()


def deputise(sponsor, deputy):
    """`deputy` stands in for `sponsor` from today for three days."""
    today = timezone.localdate()
    return delegation_create(
        sponsor=sponsor.sponsor_profile,
        deputy=deputy,
        starts_on=today,
        ends_on=today + timedelta(days=3),
        note="Leave",
        by=sponsor,
    )


def per_person() -> list:
    """The kept statements built for a person's standing, not those that read records by id
    (one for each number of ids read)."""
    return [key for key in statements._kept if key[1:2] != ("ids",)]


def keys(user) -> list[str]:
    return [item.wait.key for item in needs_action(fresh(user)).items]


def test_building_every_kinds_filter_reads_nothing_but_the_persons_standing(
    submitted, pmo, sponsor, sponsor2, manager, viewer
):
    """The key a statement is kept under names the standing: a filter that read anything else
    from the database (a list of ids, a limit) would make a kept statement stale."""
    today = timezone.localdate()
    deputise(sponsor, sponsor2)
    for someone in (pmo, sponsor, sponsor2, manager, viewer):
        person = fresh(someone)
        standing(person)
        with CaptureQueriesContext(connection) as queries:
            for wait in WAITS:
                sql_of(wait.waiting_for(person, today))
                sql_of(wait.waiting_anywhere(today))
        assert [query["sql"] for query in queries] == [], someone.username


def test_two_people_of_the_same_standing_get_the_same_sql_but_for_their_id(db):
    """Everything else about a person — their name, title, business unit, staff flag, the
    projects they manage or sponsor — must not shape the SQL, or a kept statement would."""
    today = timezone.localdate()
    dana = SponsorFactory(title="CIO", business_unit="IT")
    lee = SponsorFactory(title="CFO", business_unit="Finance", user__is_staff=True)
    ProjectFactory(sponsor=dana, manager=UserFactory(first_name="Alex"))
    alex, sam = UserFactory(), UserFactory(last_name="Other")
    ProjectFactory(manager=sam)
    for one, other in ((dana.user, lee.user), (alex, sam)):
        one, other = fresh(one), fresh(other)
        assert standing(one)[1:] == standing(other)[1:]
        for wait in WAITS:
            sql, params = sql_of(wait.waiting_for(one, today))
            theirs = tuple(other.pk if value == one.pk else value for value in params)
            assert (sql, theirs) == sql_of(wait.waiting_for(other, today)), wait.key


def test_a_kept_statement_reads_new_items_afresh(project, sponsor, manager):
    assert (needs_action_count(fresh(sponsor)), keys(sponsor)) == (0, [])
    services.proposal_submit(proposal=project.proposal, by=manager)
    kept = len(per_person())
    assert (needs_action_count(fresh(sponsor)), keys(sponsor)) == (1, ["business_case"])
    assert len(per_person()) == kept  # the same statements, run again

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
    delegation = deputise(sponsor, sponsor2)
    assert needs_action_count(fresh(sponsor2)) == 1  # the deputy sees Dana's business case
    assert keys(sponsor2) == ["business_case"]
    delegation_revoke(delegation=delegation, by=sponsor)
    assert (needs_action_count(fresh(sponsor2)), keys(sponsor2)) == (0, [])

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
    noon = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    with time_machine.travel(noon - timedelta(days=5, hours=-1), tick=False):
        services.proposal_submit(proposal=project.proposal, by=manager)  # 4 days 23 hours ago
    with time_machine.travel(noon, tick=False):
        assert needs_action(fresh(sponsor)).overdue_total == 0
        assert overdue_everywhere() == ([], 0)
    kept = len(per_person())

    with time_machine.travel(noon + timedelta(hours=2), tick=False):  # the same day
        assert needs_action(fresh(sponsor)).overdue_total == 1
        rows, total = overdue_everywhere()
    assert total == 1 and rows[0].item.wait.key == "business_case"
    assert rows[0].holders == ["Dana Whitfield, CIO"]
    assert len(per_person()) == kept  # the same statements, asked at a later moment


def test_a_new_day_is_a_new_statement(defining, manager):
    """A reading due today is not late yet; tomorrow it is — the day is in the key."""
    goal = definition.goal_save(project=defining, by=manager, **smart_goal())
    today = timezone.localdate()
    Goal.objects.filter(pk=goal.pk).update(reading_due_on=today)
    assert "reading" not in keys(manager)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert "reading" in keys(manager)


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


def shaped_by_the_moment(moment):
    projects = Project.objects.values_list("pk")
    return projects.filter(stage="closed") if moment.year % 2 else projects


def cut_to_the_day(moment):
    return Project.objects.filter(created_at__date__lt=moment.date()).values_list("pk")


def cut_to_the_hour(moment):
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return Project.objects.filter(created_at__lt=hour).values_list("pk")


@pytest.mark.parametrize("build", [shaped_by_the_moment, cut_to_the_day, cut_to_the_hour])
def test_a_moment_that_is_not_moved_by_a_fixed_distance_is_refused(db, build):
    """Binding each request's moment would give such a statement other rows than the ORM."""
    with pytest.raises(ValueError, match="moment may change its parameters"):
        statements.compiled(("test-refused", build.__name__), build, at_moment=True)


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


def test_ids_are_bound_where_they_stood_and_their_number_is_part_of_the_key(manager):
    projects = ProjectFactory.create_batch(3, manager=manager)

    def titles_of(ids):
        return Project.objects.filter(pk__in=ids, manager=manager).values_list("pk", "title")

    two = statements.compiled("test-ids", titles_of, ids=2)
    assert len(two.ids) == 2 and two is statements.compiled("test-ids", titles_of, ids=2)
    assert statements.compiled("test-ids", titles_of, ids=3) is not two
    chosen = [projects[2].pk, projects[0].pk]
    assert sorted(two.rows(ids=chosen)) == sorted(
        Project.objects.filter(pk__in=chosen).values_list("pk", "title")
    )
    with pytest.raises(AssertionError, match="as many ids"):
        two.rows(ids=[projects[0].pk])


def only_the_first(ids):
    return Project.objects.filter(pk=ids[0]).values_list("pk")


def the_same_twice(ids):
    return Project.objects.filter(pk__in=ids).exclude(pk__in=ids).values_list("pk")


def counted_ids(ids):
    return Project.objects.filter(pk__lt=len(ids) * 1000).values_list("pk")


@pytest.mark.parametrize("build", [only_the_first, the_same_twice, counted_ids])
def test_ids_that_do_not_each_stand_once_as_given_are_refused(db, build):
    """Binding each request's ids would give such a statement other rows than the ORM."""
    with pytest.raises(ValueError, match="ids and texts must each stand once"):
        statements.compiled(("test-refused-ids", build.__name__), build, ids=2)


def test_texts_are_bound_where_they_stood(manager):
    """A statement `texts=m` (a PDF's fingerprint) binds each request's texts as it binds ids."""
    first, second = ProjectFactory.create_batch(2, manager=manager)

    def titled(ids, texts):
        return Project.objects.filter(pk__in=ids, title=texts[0]).values_list("pk")

    statement = statements.compiled("test-texts", titled, ids=2, texts=1)
    both = [first.pk, second.pk]
    assert statement.rows(ids=both, texts=[second.title]) == [(second.pk,)]
    assert statement.rows(ids=both, texts=["no such title"]) == []
    assert statements.compiled("test-texts", titled, ids=2, texts=1) is statement


def test_a_text_the_orm_rewrites_is_refused(db):
    """`icontains` sends `%text%`, not the text: binding it would ask something else."""

    def containing(ids, texts):
        return Project.objects.filter(pk__in=ids, title__icontains=texts[0]).values_list("pk")

    with pytest.raises(ValueError, match="ids and texts must each stand once"):
        statements.compiled("test-rewritten-text", containing, ids=1, texts=1)


def test_ids_of_a_positive_field_are_bound(project, sponsor, manager):
    """The latest decision on a business case is read by the audit's `subject_id`, a positive
    integer field: Django compiles an id outside a field's range to nothing, so the ids a
    statement is compiled with are within every integer field's range."""
    services.proposal_submit(proposal=project.proposal, by=manager)
    services.proposal_request_changes(proposal=project.proposal, by=sponsor, comment="Costs?")
    decision = last_decision(project.proposal)
    assert decision == (
        AuditEntry.objects.for_subject(project)
        .filter(record="Business case", action__in=DECISIONS)
        .latest("at", "pk")
    )
    assert decision.action == "request_changes" and decision.actor == sponsor


def test_a_kept_statement_converts_its_values_as_the_orm_does(manager):
    """Django's converters (a decimal annotation, a boolean) apply to the kept statement's
    rows too: the same values, of the same types, as the queryset gives."""
    ProjectFactory(manager=manager)

    def build():
        return (
            Project.objects.filter(manager=manager)
            .annotate(doubled=F("estimated_cost") * 2, held=Q(stage="on_hold"))
            .values_list("pk", "doubled", "held", "created_at")
        )

    rows = statements.compiled("test-converted", build).rows()
    assert rows == list(build())
    assert [type(value) for value in rows[0]] == [type(value) for value in build()[0]]


def test_a_page_of_a_kept_statement(manager):
    projects = ProjectFactory.create_batch(5, manager=manager)
    statement = statements.compiled(
        "test-page",
        lambda: Project.objects.filter(manager=manager).order_by("pk").values_list("pk"),
    )
    assert statement.rows(limit=2, offset=1) == [(projects[1].pk,), (projects[2].pk,)]
    assert statement.rows(limit=2, offset=4) == [(projects[4].pk,)]


def test_records_read_by_a_kept_statement_are_the_orms(project, manager, pmo):
    """A project page's project and its joined records, and the records behind what waits,
    come from kept statements (`project_get`, `_read`): the same fields and related records
    as the queryset gives, and no query to reach what was joined."""
    services.proposal_submit(proposal=project.proposal, by=manager)

    def joined(ids):
        return Project.objects.select_related("proposal__decided_by", "sponsor__user", "charter")

    statement = statements.compiled(
        "test-records", lambda ids: joined(ids).filter(pk__in=ids), ids=1
    )
    [kept] = statement.records(ids=[project.pk])
    orm = joined([]).get(pk=project.pk)
    fields = [field.attname for field in Project._meta.concrete_fields]
    assert [getattr(kept, name) for name in fields] == [getattr(orm, name) for name in fields]
    with CaptureQueriesContext(connection) as queries:
        assert kept.proposal.state == orm.proposal.state
        assert kept.proposal.decided_by is None and kept.sponsor.user == orm.sponsor.user
        assert not hasattr(kept, "charter") or kept.charter is None
    assert len(queries) == 0
    assert not kept._state.adding and kept._state.db == "default"
    assert statement.records(ids=[0]) == []


def test_a_record_joined_to_several_rows_is_one_object_shared_by_them(manager, sponsor):
    """Two projects with one manager and one sponsor, read with their people joined: each
    person is built once and shared by the rows, as Django's prefetch shares it, with the
    ORM's fields; a record joined by another path (the manager as a sponsor's user) is its
    own object."""
    projects = ProjectFactory.create_batch(2, manager=manager, sponsor=sponsor.sponsor_profile)
    ids = sorted(project.pk for project in projects)

    def joined(ids):
        return Project.objects.select_related("manager", "sponsor__user").filter(pk__in=ids)

    first, second = statements.records_by_id("test-shared", joined, ids)
    orm = joined(ids).get(pk=first.pk)

    assert first.manager is second.manager and first.sponsor is second.sponsor
    assert first.sponsor.user is second.sponsor.user is not first.manager
    assert first.manager.username == orm.manager.username == manager.username
    assert first.sponsor.user.sponsor_profile is first.sponsor  # Django's reverse cache
    assert sorted([first.pk, second.pk]) == ids


def test_the_signed_in_person_is_read_with_their_sponsor_profile_in_one_query(sponsor, client):
    client.force_login(sponsor)
    request = RequestFactory().get("/")
    request.session = client.session
    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        assert user == sponsor and user.sponsor_profile.approval_limit is not None
    people = [q["sql"] for q in queries if "django_session" not in q["sql"]]
    assert len(people) == 1 and "projects_sponsor" in people[0]


def test_lists_prefetched_by_kept_statements_are_djangos(planning):
    """`prefetched` gives the lists Django's `prefetch_related_objects` gives — a project's
    goals and scope, its charter's sections through the joined charter — in their own order,
    each item knowing its record, and reading them again costs no query. A lookup through a
    record not joined is left to Django; a record already listed is not read again."""
    sections = ["stakeholders", "milestones", "deliverables", "tasks"]

    def read():
        return Project.objects.select_related("charter").get(pk=planning.pk)

    ours, theirs = read(), read()
    lookups = ["goals", "scope_items", *(f"charter__{name}" for name in sections)]
    statements.prefetched([ours], *lookups)
    prefetch_related_objects([theirs], *lookups)

    with CaptureQueriesContext(connection) as queries:
        for name in ["goals", "scope_items"]:
            assert list(getattr(ours, name).all()) == list(getattr(theirs, name).all()) != []
            assert all(item.project is ours for item in getattr(ours, name).all())
        for name in sections:
            listed = list(getattr(ours.charter, name).all())
            assert listed == list(getattr(theirs.charter, name).all()) != []
            assert all(item.charter is ours.charter for item in listed)
    assert len(queries) == 0

    with CaptureQueriesContext(connection) as queries:
        statements.prefetched([ours], "goals")  # listed already
    assert len(queries) == 0
    not_joined = Project.objects.get(pk=planning.pk)
    statements.prefetched([not_joined], "charter__milestones")  # Django's prefetch
    with CaptureQueriesContext(connection) as queries:
        assert list(not_joined.charter.milestones.all()) == list(theirs.charter.milestones.all())
    assert len(queries) == 0


def test_a_prefetch_that_joins_records_is_read_by_a_kept_statement(planning):
    """`Prefetch` with a queryset that joins people (a project's fundings with who recorded
    and approved each) lists what Django lists, the people joined; one that filters is
    Django's own prefetch."""
    joined = Funding.objects.select_related("recorded_by", "approved_by")
    ours, theirs = (Project.objects.get(pk=planning.pk) for _ in range(2))
    statements.prefetched([ours], Prefetch("fundings", queryset=joined))
    prefetch_related_objects([theirs], Prefetch("fundings", queryset=joined))
    with CaptureQueriesContext(connection) as queries:
        listed = list(ours.fundings.all())
        assert listed == list(theirs.fundings.all()) != []
        assert [f.recorded_by for f in listed] == [f.recorded_by for f in theirs.fundings.all()]
        assert all(f.project is ours for f in listed)
    assert len(queries) == 0
    assert [k for k in statements._kept if k[0][0] == "prefetch"]

    filtered = Project.objects.get(pk=planning.pk)
    approved = Funding.objects.filter(state="approved")
    statements.prefetched([filtered], Prefetch("fundings", queryset=approved))
    expected = list(planning.fundings.filter(state="approved"))
    with CaptureQueriesContext(connection) as queries:
        assert list(filtered.fundings.all()) == expected != []
    assert len(queries) == 0


def test_a_record_without_the_joined_one_lists_nothing(project):
    """A project before its charter: the charter's sections have nowhere to go."""
    read = Project.objects.select_related("charter").get(pk=project.pk)
    with CaptureQueriesContext(connection) as queries:
        statements.prefetched([read], "charter__stakeholders")
    assert len(queries) == 0


def test_a_record_listed_twice_gets_its_list_twice(planning):
    one, again = (Project.objects.get(pk=planning.pk) for _ in range(2))
    statements.prefetched([one, again], "goals")
    with CaptureQueriesContext(connection) as queries:
        assert list(one.goals.all()) == list(again.goals.all()) != []
    assert len(queries) == 0


def test_a_project_id_past_what_the_database_holds_is_not_found(pmo, client):
    client.force_login(pmo)
    assert client.get(f"/projects/{'9' * 25}/").status_code == 404
    # An action posted to it: the project to act on is not found either, nothing is written.
    audited = AuditEntry.objects.count()
    assert client.post(f"/projects/{'9' * 25}/stage/hold/", {"comment": "x"}).status_code == 404
    assert AuditEntry.objects.count() == audited


def plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def test_a_statement_planned_once_writes_its_constants_and_binds_the_rest(manager):
    """The union of what waits is planned once per connection: its constants are written into
    the SQL as literals (a text with a quote and a percent sign here), only the moment is
    bound at each run, the rows are the ORM's, and the connection's plan setting is as it was
    after the run. A text with `;` stays a parameter: the page cache would read it as a
    second statement, a write."""
    odd, two = "50% o'clock", "one; two"
    ProjectFactory(manager=manager, title=odd)
    ProjectFactory(manager=manager, title="Another")

    def build(moment):
        return (
            Project.objects.filter(
                title=odd, manager=manager, created_at__lte=moment + timedelta(days=1)
            )
            .exclude(title=two)
            .values_list("pk", "title")
        )

    plain = statements.compiled("test-plain", build, at_moment=True)
    once = statements.compiled("test-planned-once", build, at_moment=True, planned_once=True)
    assert once.generic and once.params[once.moments[0][0]] != two and two in once.params
    assert len(once.params) == 2 and "o''clock" in once.sql and "50%%" in once.sql
    now = timezone.now()
    for _ in range(4):  # prepared from the second run on (DB_PREPARE_THRESHOLD)
        assert once.rows(now) == plain.rows(now) == list(build(now)) != []
    assert once.rows(now - timedelta(days=30)) == []
    assert plan_cache_mode() == "auto"
    assert statements.compiled("test-planned-once", build, at_moment=True) is not once


def test_a_statement_planned_once_binds_ids_and_texts_counts_and_pages(manager):
    projects = ProjectFactory.create_batch(3, manager=manager, category="hardware")

    def build(ids, texts):
        return (
            Project.objects.filter(pk__in=ids, category=texts[0], manager=manager)
            .order_by("pk")
            .values_list("pk")
        )

    once = statements.compiled("test-once-ids", build, ids=2, texts=1, planned_once=True)
    assert once.generic and len(once.params) == 3
    chosen = [projects[2].pk, projects[0].pk]
    expected = [(projects[0].pk,), (projects[2].pk,)]
    assert once.rows(ids=chosen, texts=["hardware"]) == expected
    assert once.rows(ids=chosen, texts=["software"]) == []
    assert once.rows(ids=chosen, texts=["hardware"], limit=1, offset=1) == expected[1:]
    counted = statements.compiled(
        "test-once-count",
        lambda: Project.objects.filter(manager=manager).values("pk"),
        planned_once=True,
    )
    assert counted.generic and counted.params == () and counted.count() == 3
    assert plan_cache_mode() == "auto"


def test_without_prepared_statements_a_statement_is_run_as_compiled(manager, monkeypatch):
    """Behind a pooler in transaction mode (DB_PREPARE_THRESHOLD empty) nothing is prepared:
    no generic plan to keep, so no settings either."""
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    kept = statements.compiled(
        "test-not-prepared",
        lambda: Project.objects.filter(manager=manager).values_list("pk"),
        planned_once=True,
    )
    assert not kept.generic and kept.params == (manager.pk,)


FAILING = statements.Statement("SELECT 1 / 0 WHERE %s", (True,), generic=True)


def test_a_failing_statement_planned_once_leaves_the_setting_as_it_was(db):
    """In a transaction: its savepoint is rolled back, the setting with it, and the
    transaction goes on."""
    with pytest.raises(DataError):
        FAILING.rows()
    assert plan_cache_mode() == "auto"


@pytest.mark.django_db(transaction=True)
def test_a_failing_statement_planned_once_outside_a_transaction_sets_it_back():
    with pytest.raises(DataError):
        FAILING.rows()
    assert plan_cache_mode() == "auto"
    assert connection.get_autocommit()


def test_a_prefetch_in_another_order_is_djangos(planning):
    """A `Prefetch` whose order is not its model's plain one (reversed, cleared) is not a
    kept statement: it would share its key with the plain order."""
    reversed_order = Funding.objects.all().reverse()
    ours, theirs = (Project.objects.get(pk=planning.pk) for _ in range(2))
    statements.prefetched([ours], Prefetch("fundings", queryset=reversed_order))
    prefetch_related_objects([theirs], Prefetch("fundings", queryset=reversed_order))
    assert list(ours.fundings.all()) == list(theirs.fundings.all()) != []
    assert not [k for k in statements._kept if "reverse" in repr(k)]


class Pipelines:
    """Counts the pipelines opened on the connection (the real one, with its real queries)."""

    def __init__(self, monkeypatch):
        self.opened = 0
        connection.ensure_connection()
        real = connection.connection.pipeline

        def counted():
            self.opened += 1
            return real()

        monkeypatch.setattr(connection.connection, "pipeline", counted)


def test_statements_asked_together_give_each_its_own_rows_in_one_round_trip(
    planning, manager, monkeypatch
):
    """`together` sends the statements in one pipeline and gives each statement's rows as it
    would alone, converted as the ORM converts them, in the order asked: a read by ids, one
    at a moment, a statement with nothing to ask (no query) and one planned once (run on its
    own, its setting put back)."""
    goals = statements.compiled(
        "test-together-goals",
        lambda ids: (
            Goal.objects.filter(project__in=ids).order_by("pk").values_list("pk", "baseline")
        ),
        ids=1,
    )
    recent = statements.compiled(
        "test-together-recent",
        lambda moment: Project.objects.filter(created_at__lte=moment).values_list("pk"),
        at_moment=True,
    )
    nothing = statements.compiled("test-together-none", lambda: Project.objects.none())
    once = statements.compiled(
        "test-together-once",
        lambda: Project.objects.filter(manager=manager).order_by("pk").values_list("pk"),
        planned_once=True,
    )
    now = timezone.now()
    asked = [
        goals.asked(ids=[planning.pk]),
        once.asked(),
        nothing.asked(),
        recent.asked(now),
    ]
    alone = [goals.rows(ids=[planning.pk]), once.rows(), nothing.rows(), recent.rows(now)]
    pipelines = Pipelines(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        found = statements.together(asked)
    assert found == alone and found[0] and found[1] and found[3] and found[2] == []
    assert isinstance(found[0][0][1], Decimal)  # the ORM's converters
    assert pipelines.opened == 1
    assert len([q for q in queries if q["sql"].startswith(("SELECT", "(SELECT"))]) == 3
    assert plan_cache_mode() == "auto"


def test_reads_by_id_and_prefetched_lists_are_sent_together(planning, monkeypatch):
    """Several reads by id, and the lists `prefetched` reads with kept statements, go in one
    round trip each; an empty read sends nothing and gives nothing."""
    project = Project.objects.select_related("charter").get(pk=planning.pk)
    pipelines = Pipelines(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        statements.prefetched([project], "goals", "scope_items", "charter__milestones")
    assert pipelines.opened == 1 and len(queries) == 3
    assert list(project.goals.all()) == list(planning.goals.all()) != []
    again = Project.objects.get(pk=planning.pk)
    with CaptureQueriesContext(connection) as queries:
        statements.prefetched([again], "goals", "goals")  # named twice, read once
    assert len(queries) == 1 and list(again.goals.all()) == list(planning.goals.all())

    def by_id(model):
        return lambda ids: model.objects.filter(pk__in=ids)

    goal = planning.goals.first()
    found = statements.records_by_ids(
        [
            (("test-by-ids", "goal"), by_id(Goal), [goal.pk]),
            (("test-by-ids", "none"), by_id(Funding), []),
            (("test-by-ids", "project"), by_id(Project), [planning.pk]),
        ]
    )
    assert found == [[goal], [], [planning]] and pipelines.opened == 2


PLAIN_FAILING = statements.Statement("SELECT 1 / 0 WHERE %s", (True,))


@pytest.mark.django_db(transaction=True)
def test_a_failing_statement_sent_together_is_djangos_error_and_the_connection_goes_on():
    fine = statements.Statement("SELECT %s::int", (1,))
    with pytest.raises(DataError):
        statements.together([fine.asked(), PLAIN_FAILING.asked(), fine.asked()])
    assert fine.rows() == [(1,)]
    assert connection.get_autocommit()
    assert connection.connection.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
