"""The portfolio's cost columns — Actual, EAC and Variance (EAC − baseline budget) — in the
list, sorted, in the totals and in the CSV export, which agree with each other."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import Project
from tests.conftest import BUILT, client_for
from tests.factories import ProjectFactory

PORTFOLIO = reverse("projects:portfolio")
SUMMARY = reverse("projects:portfolio-summary")  # the totals and heat map, loaded after it
CSV = reverse("projects:portfolio-csv")


@pytest.fixture
def seeded(manager, sponsor):
    """Forty projects like the bench's: a quarter without an approved plan (no estimate),
    the others with a baseline of 180,000, part spent, and estimates 15% under to 15% over."""
    projects = ProjectFactory.create_batch(40, manager=manager, sponsor=sponsor.sponsor_profile)
    for n, project in enumerate(projects):
        if n % 4 == 0:
            Project.objects.filter(pk=project.pk).update(actual_cost=Decimal(n * 10))
            continue
        Project.objects.filter(pk=project.pk).update(
            baseline_budget=Decimal("180000"),
            actual_cost=Decimal(20000 + n * 3000) + Decimal("0.35"),
            forecast_cost=Decimal("180000") * (85 + n % 31) / 100 + Decimal("0.01"),
        )
    return projects


def read_csv(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def column_sum(rows: list[dict[str, str]], name: str) -> Decimal:
    return sum((Decimal(row[name]) for row in rows if row[name]), Decimal(0))


def test_the_totals_on_the_page_equal_the_csv_columns_sums(seeded, pmo):
    client = client_for(pmo)
    totals = client.get(SUMMARY).context["totals"]
    rows = read_csv(client.get(CSV))

    assert len(rows) == totals["count"] == 40
    assert column_sum(rows, "Actual cost (EUR)") == totals["actual"]
    assert column_sum(rows, "Estimate at completion (EUR)") == totals["eac"]
    assert column_sum(rows, "Variance (EUR)") == totals["variance"]
    assert totals["variance"] == totals["eac"] - Decimal("180000") * 30


def test_the_csv_writes_a_saving_as_a_negative_number_and_blank_without_a_plan(seeded, pmo):
    rows = {row["Title"]: row for row in read_csv(client_for(pmo).get(CSV))}
    planless, under = rows[seeded[0].title], rows[seeded[1].title]
    assert (planless["Estimate at completion (EUR)"], planless["Variance (EUR)"]) == ("", "")
    assert under["Variance (EUR)"] == str(Decimal("180000") * 86 / 100 + Decimal("0.01") - 180000)
    assert under["Variance (EUR)"].startswith("-")  # a number, not a formula to neutralise


def test_the_list_shows_and_sorts_by_variance_overruns_marked(seeded, pmo):
    response = client_for(pmo).get(PORTFOLIO, {"sort": "-variance"})
    page = list(response.context["page"])
    variances = [p.variance for p in page if p.variance is not None]
    assert variances == sorted(variances, reverse=True)
    assert page[-1].variance is None  # projects without an estimate come last, either way
    assert (
        list(client_for(pmo).get(PORTFOLIO, {"sort": "variance"}).context["page"])[-1].variance
        is None
    )
    body = response.content.decode()
    assert "Overrun" in body and '<abbr title="Estimate at completion">EAC</abbr>' in body


@pytest.mark.parametrize("sort", ["-actual", "eac", "-variance"])
def test_sorting_by_a_cost_column_keeps_the_page_a_constant_number_of_queries(
    manager, sponsor, pmo, sort, django_assert_max_num_queries
):
    client = client_for(pmo)
    ProjectFactory.create_batch(5, manager=manager, sponsor=sponsor.sponsor_profile)
    client.get(PORTFOLIO, {"sort": sort})
    with django_assert_max_num_queries(20) as small:
        client.get(PORTFOLIO, {"sort": sort}, **BUILT)
    ProjectFactory.create_batch(95, manager=manager, sponsor=sponsor.sponsor_profile)
    with django_assert_max_num_queries(20) as large:
        client.get(PORTFOLIO, {"sort": sort}, **BUILT)
    assert len(large) == len(small)
