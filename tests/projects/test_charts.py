"""The server-drawn charts: the plan timeline's axis, gridlines, today line and milestones that
stay inside the drawing; goal charts' axes; the heat map's colours, which only grow stronger
with the score and keep their text readable; and the SVGs' title and description on the pages."""

import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from projects import charts
from projects.goals import Reading
from projects.services import definition
from projects.templatetags.tollgate import goal_chart, risk_heat_map
from tests.conftest import client_for, smart_goal


def task(pk, name, start, end, depends_on=None, owner=""):
    return SimpleNamespace(
        pk=pk, name=name, start_date=start, end_date=end, depends_on_id=depends_on, owner=owner
    )


def milestone(name, due):
    return SimpleNamespace(name=name, due_date=due)


PLAN = {
    "tasks": [
        task(1, "Design", date(2026, 12, 7), date(2027, 1, 15)),
        task(2, "Build", date(2027, 1, 18), date(2027, 3, 12), depends_on=1),
    ],
    "milestones": [milestone("Go live", date(2027, 3, 31))],
}


def layout(today=date(2027, 1, 4), **changes):
    parts = PLAN | changes
    return charts.timeline_layout(parts["tasks"], parts["milestones"], today=today)


# -- Axes ------------------------------------------------------------------------------------------


def test_month_gridlines_fall_on_the_first_of_each_month_inside_the_range():
    assert charts.month_starts(date(2026, 12, 7), date(2027, 3, 1)) == [
        date(2027, 1, 1),
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]
    assert charts.month_starts(date(2027, 1, 1), date(2027, 1, 20)) == [date(2027, 1, 1)]
    assert charts.month_starts(date(2027, 1, 2), date(2027, 1, 20)) == []


def test_months_are_labelled_as_people_read_them():
    assert [m["label"] for m in layout()["months"]] == [
        "Jan 2027",
        "Feb 2027",
        "Mar 2027",
        "Apr 2027",
    ]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (250, 1000, [200, 400, 600, 800, 1000]),
        (22, 40, [20, 25, 30, 35, 40]),
        (0.5, 0.9, [0.5, 0.6, 0.7, 0.8, 0.9]),
        (7, 7, [0, 5, 10, 15]),
    ],
)
def test_value_ticks_are_round_numbers_covering_the_values(low, high, expected):
    ticks = charts.value_ticks(low, high)
    assert ticks == pytest.approx(expected)
    assert ticks[0] <= low and ticks[-1] >= high


# -- The plan timeline -----------------------------------------------------------------------------


def test_the_today_line_shows_when_today_is_inside_the_plan():
    drawn = layout(today=date(2027, 1, 4))
    gridline = {m["label"]: m["x"] for m in drawn["months"]}
    assert drawn["today"]["label"] == "Today, 4 Jan 2027"
    assert gridline["Jan 2027"] < drawn["today"]["x"] < gridline["Feb 2027"]
    assert "Today, 4 Jan 2027, falls within the plan" in drawn["desc"]


@pytest.mark.parametrize("today", [date(2026, 6, 1), date(2028, 1, 1)])
def test_no_today_line_when_today_is_outside_the_plan(today):
    drawn = layout(today=today)
    assert drawn["today"] is None
    assert "Today" not in drawn["desc"]


def test_the_last_milestone_is_drawn_whole_inside_the_drawing_area():
    drawn = layout()
    diamond_half_width = 8
    for row in drawn["rows"]:
        end = row["x"] + row.get("width", diamond_half_width)
        assert drawn["left"] <= row["x"] - diamond_half_width
        assert end <= drawn["right"] <= drawn["width"]
    last = drawn["rows"][-1]
    assert last["kind"] == "milestone"
    assert last["x"] + diamond_half_width < drawn["right"]


def test_a_dependency_arrow_runs_from_the_task_waited_for_into_the_next():
    drawn = layout()
    design, build = drawn["rows"][0], drawn["rows"][1]
    (arrow,) = drawn["arrows"]
    start_x, _start_y, down_to, across_to = map(
        float, re.fullmatch(r"M([\d.]+),([\d.]+) V([\d.]+) H([\d.]+)", arrow).groups()
    )
    assert design["x"] < start_x <= design["x"] + design["width"]
    assert down_to == build["mid"]
    assert across_to == pytest.approx(build["x"] - 1)


def test_the_description_says_in_words_what_the_timeline_shows():
    assert layout()["desc"] == (
        "2 tasks from 7 Dec 2026 to 31 Mar 2027. 1 milestone: Go live on 31 Mar 2027. "
        "1 task waits for another to end. Today, 4 Jan 2027, falls within the plan."
    )


def test_undated_rows_are_listed_not_drawn():
    drawn = layout(milestones=[milestone("Go live", None)])
    assert drawn["undated"] == ["Go live"]
    assert [row["name"] for row in drawn["rows"]] == ["Design", "Build"]
    assert layout(tasks=[], milestones=[milestone("Go live", None)])["rows"] == []


def test_the_timeline_escapes_task_names():
    evil = "<script>alert(1)</script>"
    drawn = layout(tasks=[task(1, evil, date(2027, 1, 4), date(2027, 1, 8))])
    html = render_to_string("projects/delivery/_timeline.html", {"timeline": drawn})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# -- Goal charts -----------------------------------------------------------------------------------


def a_goal(readings=(), **changes):
    values = {
        "pk": 7,
        "statement": "Attract visitors",
        "metric": "Visitors per day",
        "unit": "visitors",
        "baseline": Decimal("250"),
        "target": Decimal("1000"),
        "start_date": date(2026, 11, 1),
        "due_date": date(2027, 2, 1),
        "readings": [Reading(d, Decimal(v)) for d, v in readings],
    } | changes
    return SimpleNamespace(**values)


def test_a_goal_chart_has_axes_from_start_to_due_in_the_goals_unit():
    chart = charts.goal_chart(a_goal([(date(2026, 12, 1), "480")]), width=640, height=220)
    assert [t["label"] for t in chart["x_ticks"]] == ["1 Nov 2026", "1 Feb 2027"]
    assert [t["label"] for t in chart["y_ticks"]] == ["200", "400", "600", "800", "1,000"]
    assert chart["unit"] == "visitors"
    assert chart["target"]["label"] == "target 1,000"
    assert chart["due"]["x"] == chart["x_ticks"][-1]["x"]
    assert chart["top"] <= chart["target"]["y"] < chart["baseline"]["y"] <= chart["bottom"]
    (point,) = chart["points"]
    assert point["label"] == "480 visitors on 1 Dec 2026"
    assert chart["left"] < point["x"] < chart["due"]["x"]
    assert chart["desc"] == (
        "Baseline 250 visitors, target 1,000 visitors, from 1 Nov 2026, due 1 Feb 2027, "
        "1 reading, the latest 480 visitors on 1 Dec 2026."
    )


def test_a_goal_chart_without_readings_or_due_date_still_draws():
    chart = charts.goal_chart(a_goal(due_date=None), width=320, height=140)
    assert chart["due"] is None and chart["points"] == [] and chart["line"] == ""
    assert "no due date" in chart["desc"] and "no reading yet" in chart["desc"]


# -- The heat map ----------------------------------------------------------------------------------


def test_a_goal_chart_escapes_its_metric_and_unit():
    evil = "<script>alert('x')</script>"
    goal = a_goal([(date(2026, 12, 1), "480")], metric=evil, unit=evil)
    svg = goal_chart(goal, 640, 220)
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in svg  # as Django escapes it
    assert svg.count("<circle") == 1 and 'points="' in svg


def test_the_heat_maps_colour_never_pales_as_the_score_grows():
    scores = sorted({likelihood * impact for likelihood in range(1, 6) for impact in range(1, 6)})
    shades = [charts.heat_shade(score) for score in scores]
    assert shades == sorted(shades)
    assert charts.heat_shade(25) == len(charts.HEAT_SHADES) - 1 > charts.heat_shade(20)
    assert charts.heat_shade(1) == 0


def test_every_heat_map_colour_keeps_its_count_readable():
    for background, text in charts.HEAT_SHADES:
        assert charts.contrast(text, background) >= 4.5, (background, text)


def test_the_legend_names_the_risk_levels_bands():
    assert [(band["word"], band["scores"]) for band in charts.heat_legend()] == [
        ("low", "1–4"),
        ("medium", "5–9"),
        ("high", "10–16"),
        ("critical", "17–25"),
    ]
    assert [charts.risk_level(s) for s in (4, 5, 16, 20)] == ["low", "medium", "high", "critical"]


# -- On the pages ----------------------------------------------------------------------------------


def svg_of(page: str, css_class: str) -> str:
    match = re.search(rf'<svg class="{css_class}[^"]*".*?</svg>', page, re.S)
    assert match, f"no {css_class} on the page"
    return match.group(0)


def test_the_plan_tabs_timeline_is_an_image_with_a_title_and_description(delivering, manager):
    page = client_for(manager).get(reverse("projects:plan", args=[delivering.pk])).content.decode()
    svg = svg_of(page, "timeline-chart")
    assert 'role="img"' in svg
    assert '<title id="timeline-title">Plan timeline</title>' in svg
    today = timezone.localdate()
    assert re.search(r"<desc [^>]*>1 task from .*1 milestone: Go live on ", svg)
    assert f"Today, {today.day} {today:%b %Y}" in svg
    assert 'class="dependency"' not in svg  # one task waits for nothing


def test_a_goals_chart_is_an_image_with_a_title_and_description(defining, manager):
    goal = definition.goal_save(project=defining, by=manager, **smart_goal())
    definition.measurement_add(
        goal=goal, by=manager, date=timezone.localdate() - timedelta(days=2), value=Decimal("500")
    )
    address = reverse("projects:goal", args=[defining.pk, goal.pk])
    svg = svg_of(client_for(manager).get(address).content.decode(), "goal-chart")
    assert 'role="img"' in svg
    assert "<title id=" in svg and "Visitors per day: readings against the target</title>" in svg
    assert re.search(r"<desc [^>]*>Baseline 250 visitors, target 1,000 visitors, ", svg)
    assert "target 1,000</text>" in svg and ">due</text>" in svg


def test_the_heat_map_shows_a_legend_and_its_counts(pmo):
    page = client_for(pmo).get(reverse("projects:portfolio-heat-map")).content.decode()
    assert "Critical <span" in page and "17–25" in page
    assert 'title="Score 25, critical"' in page


def test_the_heat_maps_counts_are_grouped_as_people_read_them_and_its_caption_escaped():
    """A cell of the portfolio's map may hold thousands of open risks: "1,234", as the
    Django template it replaced printed it."""
    html = risk_heat_map({(3, 3): 1234, (1, 1): 2}, caption="risks <of> the register")

    assert ">1,234</td>" in html and ">2</td>" in html
    assert "number of risks &lt;of&gt; the register" in html and "<of>" not in html
