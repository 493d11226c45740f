"""CSV export of the portfolio: streamed row by row, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from projects.costs import CENT
from projects.formats import person
from projects.models import Project

MONEY_COLUMNS = ["Estimated cost", "Funded", "Actual cost", "Estimate at completion", "Variance"]


def header() -> list[str]:
    """Column names as people read them; money columns name the currency, since their cells
    hold plain numbers a spreadsheet sums (and dates ISO ones it sorts): docs/decisions.md."""
    currency = f" ({settings.CURRENCY})"
    return [
        "Reference",
        "Title",
        "Category",
        "Stage",
        "Business case",
        "Manager",
        "Sponsor",
        *(name + currency for name in MONEY_COLUMNS),
        "Start",
        "End",
        "Created",
    ]


# A cell starting with one of these is a formula to a spreadsheet: neutralise it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """A file-like object that hands back what the csv writer writes."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def figure(amount: Decimal | None) -> Decimal | str:
    """An amount as a number a spreadsheet sums (a negative one too: it is no formula), or
    an empty cell when there is none yet."""
    return "" if amount is None else amount.quantize(CENT)


def portfolio_rows(projects: QuerySet[Project]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header())  # a BOM, so spreadsheets read UTF-8
    for project in projects.iterator(chunk_size=500):
        proposal = project.proposal
        yield writer.writerow(
            [
                cell(value)
                for value in (
                    project.reference,
                    project.title,
                    project.get_category_display(),
                    project.get_stage_display(),
                    proposal.get_state_display(),
                    person(project.manager),
                    person(project.sponsor.user),
                    f"{project.estimated:.2f}",
                    f"{project.funded:.2f}",
                    f"{project.actual_cost:.2f}",
                    figure(project.forecast_cost),
                    figure(project.variance),
                    proposal.start_date.isoformat() if proposal.start_date else "",
                    proposal.end_date.isoformat() if proposal.end_date else "",
                    timezone.localdate(project.created_at).isoformat(),
                )
            ]
        )
