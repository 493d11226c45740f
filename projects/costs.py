"""Cost arithmetic, in Decimal only (never float): what a budget line and a project have spent,
are forecast to spend, and how far that is from the baseline, the funding and the tolerance.

Pure functions of figures: the services store their results (`Project.actual_cost`,
`Project.forecast_cost`), the pages and the portfolio show them, the exceptions compare them.
Conventions, written down once (docs/decisions.md):

- Estimate at completion (EAC) = actual cost + forecast to complete. A line whose manager gave
  no forecast is forecast to spend what is left of its budget (never less than nothing).
- Variance = EAC − reference (the baseline budget, or the funding): positive is an overrun,
  negative a saving, as a figure and as a percentage of the reference.
- A cost tolerance of p % is exceeded when EAC > baseline × (1 + p/100); a time tolerance of
  d days when a forecast date is more than d days after the baseline date.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_complete(budget: Decimal, actual: Decimal, forecast: Decimal | None) -> Decimal:
    """What a line is still expected to cost: the manager's forecast, else what is left."""
    if forecast is not None:
        return cents(forecast)
    return cents(max(budget - actual, ZERO))


def at_completion(actual: Decimal, still_to_come: Decimal) -> Decimal:
    """Estimate at completion: what is spent plus what is still expected."""
    return cents(actual + still_to_come)


def variance(estimate: Decimal, reference: Decimal) -> Decimal:
    """How far the estimate is above (positive) or below (negative) the reference."""
    return cents(estimate - reference)


def variance_pct(estimate: Decimal, reference: Decimal) -> Decimal | None:
    """The variance as a percentage of the reference, to one decimal (None against nothing)."""
    if reference == 0:
        return None
    return ((estimate - reference) * 100 / reference).quantize(TENTH, rounding=ROUND_HALF_UP)


def cost_ceiling(baseline: Decimal, tolerance_pct: Decimal) -> Decimal:
    """The highest estimate the tolerance allows."""
    return cents(baseline * (1 + tolerance_pct / 100))


def beyond_cost_tolerance(estimate: Decimal, baseline: Decimal, tolerance_pct: Decimal) -> bool:
    return estimate > cost_ceiling(baseline, tolerance_pct)


def beyond_time_tolerance(forecast: date, baseline: date, tolerance_days: int) -> bool:
    return forecast > baseline + timedelta(days=tolerance_days)


@dataclass(frozen=True)
class Figures:
    """One budget line's figures, or a project's totals (the sum of its lines')."""

    budget: Decimal  # the current baseline's
    actual: Decimal
    to_complete: Decimal

    @property
    def at_completion(self) -> Decimal:
        return at_completion(self.actual, self.to_complete)

    @property
    def variance(self) -> Decimal:
        return variance(self.at_completion, self.budget)

    @property
    def variance_pct(self) -> Decimal | None:
        return variance_pct(self.at_completion, self.budget)

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            budget=self.budget + other.budget,
            actual=self.actual + other.actual,
            to_complete=self.to_complete + other.to_complete,
        )


def line_figures(budget: Decimal, actual: Decimal, forecast: Decimal | None) -> Figures:
    return Figures(budget=budget, actual=actual, to_complete=to_complete(budget, actual, forecast))


def total(figures: list[Figures]) -> Figures:
    return sum(figures, Figures(ZERO, ZERO, ZERO))
