"""The cost arithmetic (projects/costs.py), as properties over any amounts: Decimal in, Decimal
out, never a float; EAC, variance and totals exactly as the Costs page and the portfolio
promise them."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projects import costs
from projects.costs import Figures

# Amounts as they are stored: up to 12 digits before the point, two after.
amounts = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("999999999999.99"), places=2, allow_nan=False
)
positive = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2, allow_nan=False
)
forecasts = st.none() | amounts
lines = st.lists(st.tuples(amounts, amounts, forecasts), max_size=12)


def is_cents(value: Decimal) -> bool:
    return isinstance(value, Decimal) and value == value.quantize(costs.CENT)


@given(budget=amounts, actual=amounts, forecast=forecasts)
def test_the_estimate_at_completion_is_actual_plus_to_complete_exactly(budget, actual, forecast):
    figures = costs.line_figures(budget, actual, forecast)
    assert figures.at_completion == actual + figures.to_complete
    assert all(
        type(value) is Decimal
        for value in (figures.to_complete, figures.at_completion, figures.variance)
    )


@given(budget=amounts, actual=amounts, forecast=amounts)
def test_the_managers_forecast_is_what_is_still_to_come(budget, actual, forecast):
    assert costs.line_figures(budget, actual, forecast).to_complete == forecast


@given(budget=amounts, actual=amounts)
def test_without_a_forecast_what_is_left_of_the_budget_is_still_to_come(budget, actual):
    figures = costs.line_figures(budget, actual, None)
    assert figures.to_complete == max(budget - actual, Decimal(0))
    # Within budget the line lands on it; spent beyond it, the estimate is what was spent.
    assert figures.at_completion == max(budget, actual)


@given(budget=amounts, actual=amounts, forecast=forecasts)
def test_the_variance_is_positive_for_an_overrun_and_negative_for_a_saving(
    budget, actual, forecast
):
    figures = costs.line_figures(budget, actual, forecast)
    assert figures.variance == figures.at_completion - budget
    if figures.at_completion > budget:
        assert figures.variance > 0
    elif figures.at_completion < budget:
        assert figures.variance < 0
    else:
        assert figures.variance == 0


@given(estimate=amounts, reference=positive)
def test_the_variance_percentage_has_the_variances_sign_and_one_decimal(estimate, reference):
    pct = costs.variance_pct(estimate, reference)
    exact = (estimate - reference) * 100 / reference
    assert isinstance(pct, Decimal)
    assert pct == pct.quantize(Decimal("0.1"))
    assert abs(pct - exact) <= Decimal("0.05")
    assert (pct > 0) <= (estimate > reference) and (pct < 0) <= (estimate < reference)


@given(estimate=amounts)
def test_there_is_no_percentage_of_nothing(estimate):
    assert costs.variance_pct(estimate, Decimal(0)) is None


@given(rows=lines)
def test_the_totals_are_the_sums_of_the_lines(rows):
    figures = [costs.line_figures(*row) for row in rows]
    total = costs.total(figures)
    assert total.budget == sum((f.budget for f in figures), Decimal(0))
    assert total.actual == sum((f.actual for f in figures), Decimal(0))
    assert total.to_complete == sum((f.to_complete for f in figures), Decimal(0))
    assert total.at_completion == sum((f.at_completion for f in figures), Decimal(0))
    assert total.variance == sum((f.variance for f in figures), Decimal(0))


@given(
    budget=amounts,
    actual=amounts,
    forecast=st.decimals(
        min_value=Decimal("0"), max_value=Decimal("99999999.99999"), places=5, allow_nan=False
    ),
)
def test_every_figure_is_in_cents_rounded_half_up(budget, actual, forecast):
    figures = costs.line_figures(budget, actual, forecast)
    assert figures.to_complete == forecast.quantize(costs.CENT, rounding="ROUND_HALF_UP")
    assert all(
        is_cents(value) for value in (figures.to_complete, figures.at_completion, figures.variance)
    )


def test_half_a_cent_rounds_up():
    assert costs.line_figures(Decimal(0), Decimal(0), Decimal("0.005")).to_complete == Decimal(
        "0.01"
    )
    assert costs.cents(Decimal("2.675")) == Decimal("2.68")  # a float would say 2.67


@given(baseline=amounts, tolerance=st.decimals(min_value=0, max_value=100, places=2))
def test_the_tolerance_ceiling_is_the_last_estimate_within_it(baseline, tolerance):
    ceiling = costs.cost_ceiling(baseline, tolerance)
    assert not costs.beyond_cost_tolerance(ceiling, baseline, tolerance)
    assert costs.beyond_cost_tolerance(ceiling + costs.CENT, baseline, tolerance)


@pytest.mark.parametrize(
    "function, args",
    [
        (costs.to_complete, (1.5, 0.5, None)),
        (costs.at_completion, (1.5, Decimal(1))),
        (costs.variance, (Decimal(1), 0.1)),
    ],
)
def test_a_float_is_never_taken_for_money(function, args):
    with pytest.raises((TypeError, AttributeError)):
        function(*args)


def test_figures_add_up_in_decimal():
    total = Figures(Decimal("0.10"), Decimal("0.20"), Decimal(0)) + Figures(
        Decimal("0.20"), Decimal("0.10"), Decimal(0)
    )
    assert total.at_completion == Decimal("0.30") and total.variance == Decimal("0.00")
