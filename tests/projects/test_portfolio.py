"""The portfolio: filters, sorting, totals, board, CSV export — all within what the user sees."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from projects import services
from projects.models import Category, Project, Proposal
from tests.conftest import client_for
from tests.factories import FundingFactory, ProjectFactory, UserFactory

PORTFOLIO = reverse("projects:portfolio")
SUMMARY = reverse("projects:portfolio-summary")  # the totals and heat map, loaded after it
CSV = reverse("projects:portfolio-csv")


@pytest.fixture
def portfolio(manager, manager2, sponsor, sponsor2):
    """Six projects across categories, sponsors and costs."""
    specs = [
        ("Store relaunch", Category.SOFTWARE, sponsor, "210000", "100000"),
        ("Campus network", Category.NETWORK, sponsor2, "120000", None),
        ("Laptop refresh", Category.HARDWARE, sponsor2, "48000", "48000"),
        ("Sales dashboard", Category.ANALYTICS, sponsor, "38000", None),
        ('Archive, "legacy" part', Category.DATA, sponsor, "55000", None),
        ('=HYPERLINK("http://evil")', Category.OTHER, sponsor, "1000", None),
    ]
    projects = []
    for title, category, who, cost, funded in specs:
        project = ProjectFactory(
            title=title, category=category, manager=manager, sponsor=who.sponsor_profile
        )
        Proposal.objects.filter(pk=project.proposal.pk).update(estimated_cost=Decimal(cost))
        if funded:
            FundingFactory(project=project, amount=Decimal(funded))
        projects.append(project)
    ProjectFactory(title="Someone else's", manager=manager2, sponsor=sponsor2.sponsor_profile)
    return projects


def titles(response):
    return [p.title for p in response.context["page"]]


def test_filters_and_totals(portfolio, pmo):
    client = client_for(pmo)

    everything = client.get(SUMMARY)
    network = client.get(PORTFOLIO, {"category": "network"})
    by_sponsor = client.get(PORTFOLIO, {"sponsor": portfolio[1].sponsor_id})
    searched = client.get(PORTFOLIO, {"q": "dashboard"})
    by_reference = client.get(PORTFOLIO, {"q": portfolio[2].reference})

    assert everything.context["totals"]["count"] == 7
    assert titles(network) == ["Campus network"]
    assert sorted(titles(by_sponsor)) == ["Campus network", "Laptop refresh", "Someone else's"]
    assert titles(searched) == ["Sales dashboard"]
    assert titles(by_reference) == ["Laptop refresh"]
    totals = client.get(SUMMARY, {"sponsor": portfolio[0].sponsor_id}).context["totals"]
    assert (totals["count"], totals["estimated"], totals["funded"]) == (
        4,
        Decimal("304000"),
        Decimal("100000"),
    )


def test_the_text_search_finds_each_column_at_any_length(portfolio, pmo, manager2):
    """Title, goal and description, in any case; three characters or more go through the
    trigram indexes on PostgreSQL, shorter text through one scan; `%` and `_` are the
    characters typed, not wildcards; the board finds the same; outsiders still find nothing."""
    goals = {1: ("Replace 40% of the core switches", ""), 2: ("", "Lease under plan_b")}
    goals[3] = ("", "Fallback is planXb")
    for index, (goal, description) in goals.items():
        Proposal.objects.filter(project=portfolio[index]).update(goal=goal, description=description)
    client = client_for(pmo)

    def found(text, **extra):
        response = client.get(PORTFOLIO, {"q": text, **extra})
        assert response.status_code == 200
        if extra:
            return sorted(
                c.title for column in response.context["columns"] for c in column["cards"]
            )
        assert response.context["page"].paginator.count == len(response.context["page"])
        return sorted(titles(response))

    assert found("RELAUNCH") == ["Store relaunch"]  # title
    assert found("core switch") == ["Campus network"]  # goal only
    assert found("under plan") == ["Laptop refresh"]  # description only
    assert found("wo") == ["Campus network"]  # two characters, in a title
    assert found("40") == ["Campus network"]  # two characters, in a goal
    assert found("_b") == ["Laptop refresh"]  # two characters, in a description: `_` is not any
    assert found("plan_b") == ["Laptop refresh"]  # not "planXb"
    assert found("40%") == ["Campus network"]
    assert found("4%c") == []  # `%` is not "anything"
    assert found("%") == ["Campus network"]
    assert found("switches", view="board") == ["Campus network"]
    assert found("relaunch", view="board") == ["Store relaunch"]
    assert titles(client_for(manager2).get(PORTFOLIO, {"q": "relaunch"})) == []
    assert titles(client_for(manager2).get(PORTFOLIO, {"q": "someone"})) == ["Someone else's"]


def test_sorting_by_estimated_cost(portfolio, pmo):
    response = client_for(pmo).get(PORTFOLIO, {"sort": "-estimated", "category": "software"})
    assert titles(response) == ["Store relaunch", "Someone else's"]  # 210,000 then 120,000
    ordered = titles(client_for(pmo).get(PORTFOLIO, {"sort": "-estimated"}))
    assert ordered[0] == "Store relaunch" and ordered[-1] == '=HYPERLINK("http://evil")'


def test_a_manager_sees_only_their_projects(portfolio, manager2):
    response = client_for(manager2).get(PORTFOLIO)
    assert titles(response) == ["Someone else's"]


def test_the_totals_load_after_the_page_and_add_up_only_what_the_person_sees(
    portfolio, pmo, manager2
):
    """The list counts its own rows for the pager; the money and the risks come from
    `portfolio-summary`, asked for with the page's filters: a fragment for htmx, or a page of
    its own for a browser without JavaScript."""
    page = client_for(pmo).get(PORTFOLIO, {"category": "network", "page": "1"}).content.decode()
    assert "Adding up the 1 project and counting their risks" in page
    assert f'hx-get="{SUMMARY}?category=network"' in page  # the filters, not the page number

    fragment = client_for(pmo).get(SUMMARY, {"category": "network"}, headers={"HX-Request": "1"})
    assert fragment.context["totals"]["estimated"] == Decimal("120000")
    assert "<html" not in fragment.content.decode()
    assert "Risk heat map" in fragment.content.decode()
    whole = client_for(pmo).get(SUMMARY, {"category": "network"}).content.decode()
    assert "<h1" in whole and "Back to the portfolio" in whole

    theirs = client_for(manager2).get(SUMMARY).context["totals"]
    theirs_only = Project.objects.get(title="Someone else's").estimated_cost
    assert (theirs["count"], theirs["estimated"]) == (1, theirs_only)


def test_the_board_groups_by_stage(portfolio, pmo):
    response = client_for(pmo).get(PORTFOLIO, {"view": "board"})
    identifying = response.context["columns"][0]
    assert (identifying["stage"], identifying["count"]) == ("identifying", 7)
    assert "Store relaunch" in response.content.decode()


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_is_filtered_escaped_and_scoped(portfolio, pmo, manager2):
    rows = read_csv(client_for(pmo).get(CSV, {"sponsor": portfolio[0].sponsor_id}))

    assert rows[0][:4] == ["Reference", "Title", "Category", "Stage"]
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {
        "Store relaunch",
        "Sales dashboard",
        'Archive, "legacy" part',
        '\'=HYPERLINK("http://evil")',
    }
    assert by_title["Store relaunch"][7:9] == ["210000.00", "100000.00"]
    assert [row[1] for row in read_csv(client_for(manager2).get(CSV))[1:]] == ["Someone else's"]


def test_csv_export_is_streamed(portfolio, pmo):
    response = client_for(pmo).get(CSV)
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]


def page_queries(client, params, django_assert_max_num_queries):
    client.get(PORTFOLIO, params)  # a user's first request also reads their permissions
    with django_assert_max_num_queries(20) as captured:
        assert client.get(PORTFOLIO, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "params", [{}, {"view": "board"}, {"category": "software", "sort": "-funded"}]
)
def test_a_page_of_50_from_500_projects_costs_what_it_does_from_5(
    manager, sponsor, pmo, params, django_assert_max_num_queries
):
    client = client_for(pmo)
    ProjectFactory.create_batch(5, manager=manager, sponsor=sponsor.sponsor_profile)
    small = page_queries(client, params, django_assert_max_num_queries)

    ProjectFactory.create_batch(495, manager=manager, sponsor=sponsor.sponsor_profile)
    large = page_queries(client, params, django_assert_max_num_queries)

    assert large == small


@pytest.mark.django_db
def test_the_searched_columns_have_trigram_indexes():
    """Migration 0026 indexes what `PortfolioFilter.search` matches, as Django writes it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        definitions = sorted(row[0] for row in cursor.fetchall())
    assert [d.split(" USING ")[1] for d in definitions] == [
        "gin (upper((title)::text) gin_trgm_ops)",
        "gin (upper(description) gin_trgm_ops)",
        "gin (upper(goal) gin_trgm_ops)",
    ]


def test_the_next_page_keeps_the_filters_on_the_portfolio_and_the_people_page(
    manager, sponsor, pmo
):
    ProjectFactory.create_batch(55, manager=manager, sponsor=sponsor.sponsor_profile)
    UserFactory.create_batch(55, last_name="Lindqvist")
    client = client_for(pmo)

    portfolio = client.get(reverse("projects:portfolio"), {"sort": "title"}).content.decode()
    people = client.get(reverse("projects:people"), {"q": "Lindqvist"}).content.decode()

    assert re.search(r'href="\?[^"]*sort=title[^"]*&amp;page=2">Next<', portfolio)
    assert 'href="?q=Lindqvist&amp;page=2">Next<' in people
    assert "Page 1 of 2" in portfolio and "Page 1 of 2" in people


@pytest.mark.parametrize("sort", ["eac", "-variance", "funded", "-estimated"])
def test_projects_that_tie_on_the_sorted_column_are_each_on_one_page(
    portfolio, pmo, monkeypatch, sort
):
    """No plan is approved yet: every estimate at completion and variance is blank, and most
    fundings are nil. Paged two at a time, each project is still shown once."""
    monkeypatch.setattr("projects.views.projects.PORTFOLIO_PAGE_SIZE", 2)
    client = client_for(pmo)
    shown = [
        title
        for page in range(1, 5)
        for title in titles(client.get(PORTFOLIO, {"sort": sort, "page": page}))
    ]
    assert sorted(shown) == sorted([p.title for p in portfolio] + ["Someone else's"])


def test_the_estimated_cost_the_portfolio_sums_follows_every_write_to_a_business_case(
    portfolio, pmo, manager
):
    """`Project.estimated_cost` is the database's copy of the business case's figure: the
    service, `QuerySet.update()` (the fixture) and raw SQL all keep it."""
    store = portfolio[0]
    read_before = Project.objects.get(pk=store.pk)
    services.business_case_update(
        proposal=store.proposal, by=manager, risks=[], estimated_cost=Decimal("250000")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE projects_proposal SET estimated_cost = NULL WHERE project_id = %s",
            [portfolio[1].pk],
        )
    created = services.business_case_create(
        by=manager,
        title="Print room",
        category=Category.HARDWARE,
        sponsor=store.sponsor,
        risks=[],
        goal="Print on demand",
        estimated_cost=Decimal("7000"),
    )

    read_before.title = "Store relaunch, phase 1"
    read_before.save()  # read before the estimate changed: it does not put the old one back

    copies = dict(Project.objects.values_list("pk", "estimated_cost"))
    figures = dict(Proposal.objects.values_list("project_id", "estimated_cost"))
    assert copies == figures
    assert (copies[store.pk], copies[portfolio[1].pk], copies[created.pk]) == (
        Decimal("250000"),
        None,
        Decimal("7000"),
    )
    totals = client_for(pmo).get(SUMMARY).context["totals"]
    assert totals["estimated"] == sum(cost for cost in figures.values() if cost is not None)


def test_a_project_read_in_part_saves_what_it_was_read_with(portfolio, django_assert_num_queries):
    partly = Project.objects.only("title", "stage").get(pk=portfolio[0].pk)
    partly.title = "Store relaunch, phase 2"
    with django_assert_num_queries(1):  # the update: no field left unread is read to write it
        partly.save()
    saved = Project.objects.get(pk=portfolio[0].pk)
    assert (saved.title, saved.estimated_cost, saved.category) == (
        "Store relaunch, phase 2",
        Decimal("210000"),
        portfolio[0].category,
    )


def test_the_database_keeps_the_estimate_copy_with_two_triggers(db):
    """A migration that rebuilt either table would drop them silently (docs/decisions.md)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'projects_proposal'::regclass"
            " AND NOT tgisinternal ORDER BY tgname"
        )
        assert [name for (name,) in cursor.fetchall()] == [
            "projects_proposal_estimate_insert",
            "projects_proposal_estimate_update",
        ]


def test_a_text_search_is_paged_and_counted_by_one_query(
    manager, sponsor, pmo, monkeypatch, django_assert_max_num_queries
):
    """The search runs once: the page's ids carry the count (`COUNT(*) OVER ()`). Past the
    last page the set is counted, and the last page shown, as without a search."""
    monkeypatch.setattr("projects.views.projects.PORTFOLIO_PAGE_SIZE", 2)
    ProjectFactory.create_batch(
        5, title="Data lake", manager=manager, sponsor=sponsor.sponsor_profile
    )
    ProjectFactory(title="Other", manager=manager, sponsor=sponsor.sponsor_profile)
    client = client_for(pmo)

    def searched(page):
        with django_assert_max_num_queries(20) as captured:
            response = client.get(PORTFOLIO, {"q": "lake", "page": page})
        counts = [q["sql"] for q in captured if "COUNT(*) FROM" in q["sql"]]
        return response.context["page"], counts

    first, counts = searched(1)
    assert (first.number, first.paginator.count, len(first), counts) == (1, 5, 2, [])
    last, counts = searched(3)
    assert (last.number, len(last), counts) == (3, 1, [])
    beyond, counts = searched(9)
    assert (beyond.number, [row.title for row in beyond], len(counts)) == (3, ["Data lake"], 1)
    assert searched("x")[0].number == 1
    assert searched("9" * 25)[0].number == 3  # past what an OFFSET can hold: the last page
    nothing = client.get(PORTFOLIO, {"q": "no such text"}).context["page"]
    assert (nothing.paginator.count, len(nothing)) == (0, 0)


def test_the_kept_statements_read_the_rows_afresh_for_each_person_and_filter(
    portfolio, pmo, manager2, sponsor
):
    """The list's and the board's SQL is kept per person's standing and filters
    (projects/statements.py): a new project shows at once, other filters give other rows,
    and someone who sees less never gets the PMO's statement."""
    client = client_for(pmo)
    assert "New intake" not in titles(client.get(PORTFOLIO, {"category": "software"}))
    ProjectFactory(
        title="New intake",
        category=Category.SOFTWARE,
        manager=manager2,
        sponsor=sponsor.sponsor_profile,
    )

    assert "New intake" in titles(client.get(PORTFOLIO, {"category": "software"}))
    assert "New intake" not in titles(client.get(PORTFOLIO, {"category": "network"}))
    board = client.get(PORTFOLIO, {"category": "software", "view": "board"}).context["columns"]
    assert "New intake" in [card.title for column in board for card in column["cards"]]
    outsider = client_for(manager2)
    assert sorted(titles(outsider.get(PORTFOLIO, {"category": "software"}))) == [
        "New intake",
        "Someone else's",
    ]
