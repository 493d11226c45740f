"""Goal progress and status: the formulas, checked over many baselines, targets and dates."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from projects.goals import Status, elapsed, progress, status

values = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)
days = st.integers(min_value=1, max_value=2000)
START = date(2027, 1, 1)


@given(baseline=values, target=values)
def test_progress_is_zero_at_the_baseline_and_one_at_the_target(baseline, target):
    if target == baseline:
        assert progress(baseline, target, baseline) is None
        return
    assert progress(baseline, target, baseline) == 0
    assert progress(baseline, target, target) == 1


@given(baseline=values, target=values, a=values, b=values)
def test_progress_rises_with_the_value_for_increases_and_falls_for_decreases(
    baseline, target, a, b
):
    if target == baseline:
        return
    low, high = sorted((a, b))
    if target > baseline:
        assert progress(baseline, target, low) <= progress(baseline, target, high)
    else:
        assert progress(baseline, target, low) >= progress(baseline, target, high)


@given(
    baseline=values, gap=st.decimals(min_value=1, max_value=10**5, places=2), share=st.floats(0, 1)
)
def test_decreasing_goals_measure_progress_the_same_way(baseline, gap, share):
    """Down from baseline to baseline − gap: halfway down is half done, as going up would be."""
    target = baseline - gap
    latest = baseline - gap * Decimal(str(share))
    up = progress(baseline, baseline + gap, baseline + gap * Decimal(str(share)))
    assert abs(progress(baseline, target, latest) - up) < 1e-9


def test_the_seed_goals():
    # 1,000 visitors per day from 250: at 575 the goal is 43% done.
    assert round(progress(Decimal(250), Decimal(1000), Decimal(575)), 2) == 0.43
    # 40% of trial customers upgrading, from 22%: at 31% half-way.
    assert progress(Decimal(22), Decimal(40), Decimal(31)) == 0.5
    # Cut support tickets from 400 to 100 a week: at 250, half-way.
    assert progress(Decimal(400), Decimal(100), Decimal(250)) == 0.5


@given(length=days, gone=st.integers(-100, 3000))
def test_elapsed_runs_from_zero_to_one(length, gone):
    share = elapsed(START, START + timedelta(days=length), START + timedelta(days=gone))
    assert 0 <= share <= 1
    if gone <= 0:
        assert share == 0
    if gone >= length:
        assert share == 1


@given(done=st.floats(-2, 3, allow_nan=False), length=days, gone=st.integers(0, 3000))
def test_status_follows_progress_against_time(done, length, gone):
    due = START + timedelta(days=length)
    today = START + timedelta(days=gone)
    share = elapsed(START, due, today)

    result = status(done, share, due, today)

    if done >= 1:
        assert result == Status.ACHIEVED
    elif today > due:
        assert result == Status.MISSED
    elif done >= share - 0.1:
        assert result == Status.ON_TRACK
    else:
        assert result == Status.AT_RISK


def test_no_measurement_means_not_started():
    assert status(None, 0.5, START, START) == Status.NOT_STARTED


def test_examples_a_sponsor_would_recognise():
    due = START + timedelta(days=100)
    assert status(0.5, 0.5, due, START + timedelta(days=50)) == Status.ON_TRACK
    assert status(0.45, 0.5, due, START + timedelta(days=50)) == Status.ON_TRACK  # within slack
    assert status(0.2, 0.5, due, START + timedelta(days=50)) == Status.AT_RISK
    assert status(0.9, 1.0, due, START + timedelta(days=101)) == Status.MISSED
    assert status(1.2, 0.3, due, START + timedelta(days=30)) == Status.ACHIEVED
