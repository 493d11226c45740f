"""Goals and scope in the browser: natural input, field errors, read-only later, bounded queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Goal, Measurement
from projects.services import definition
from tests.conftest import client_for, smart_goal


def url(name, project, *args):
    return reverse(f"projects:{name}", args=[project.pk, *args])


def goal_post(**changes):
    values = {key: "" if value is None else str(value) for key, value in smart_goal().items()}
    return values | changes


def test_manager_types_the_seed_goals_naturally(defining, manager):
    client = client_for(manager)
    first = goal_post(baseline="250", target="1,000")
    second = goal_post(
        statement="Get 40% of free-trial customers to upgrade to premium plans in one month",
        unit="%",
        baseline="22%",
        target="40%",
    )

    assert client.post(url("goal-create", defining), first).status_code == 302
    assert client.post(url("goal-create", defining), second).status_code == 302

    assert [(g.target, g.unit) for g in Goal.objects.all()] == [
        (Decimal("1000"), "visitors"),
        (Decimal("40"), "%"),
    ]
    page = client.get(url("goals", defining)).content.decode()
    assert "1,000 visitors" in page and "40 %" in page
    assert page.count(">SMART<") == 2


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"target": "lots"}, "Enter a number."),
        ({"baseline": "2000000000000"}, "Enter a value below 1,000,000,000,000."),
        ({"baseline": "1e30"}, "Ensure that there are no more than 17 digits in total."),
        ({"target": "250"}, "The target must differ from the baseline."),
        ({"target": "100"}, "To increase, the target must be above the baseline."),
        ({"direction": "decrease", "target": "2000"}, "To decrease, the target must be below"),
        ({"due_date": "2020-01-01"}, "The due date must be after the start."),
        ({"statement": ""}, "This field is required."),
        ({"statement": "x" * 1000}, "at most 300 characters"),
    ],
)
def test_bad_goal_input_gets_field_errors(defining, manager, changes, error):
    response = client_for(manager).post(url("goal-create", defining), goal_post(**changes))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Goal.objects.exists()


def test_an_incomplete_goal_is_saved_and_flagged(defining, manager):
    client = client_for(manager)
    response = client.post(
        url("goal-create", defining), goal_post(unit="", due_date=""), follow=True
    )

    page = response.content.decode()
    assert "Not SMART yet — lacking: Unit given, Due date after the start date." in page
    assert "Not SMART" in client.get(url("goals", defining)).content.decode()


@pytest.fixture
def goal(defining, manager):
    return definition.goal_save(project=defining, by=manager, **smart_goal())


@pytest.mark.parametrize(
    ("value", "day", "error"),
    [
        ("many", 0, "Enter a number."),
        ("500", 3, "cannot be dated in the future"),
        ("500", -40, "The goal starts on"),
    ],
)
def test_bad_measurements_get_field_errors(goal, defining, manager, value, day, error):
    when = timezone.localdate() + timedelta(days=day)
    response = client_for(manager).post(
        url("measurement-create", defining, goal.pk), {"date": when, "value": value}
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Measurement.objects.exists()


def test_adding_a_measurement_moves_the_progress_bar(goal, defining, manager):
    client = client_for(manager)
    before = client.get(url("goals", defining)).content.decode()

    client.post(
        url("measurement-create", defining, goal.pk),
        {"date": timezone.localdate(), "value": "625", "note": "Launch week"},
    )

    after = client.get(url("goals", defining)).content.decode()
    assert 'aria-valuenow="0"' in before
    assert 'aria-valuenow="50"' in after  # (625 − 250) / (1,000 − 250)
    assert "<polyline" in after


def test_the_scope_is_edited_with_formsets(defining, manager):
    data = {}
    for key, rows in {
        "in_scope": [{"text": "Checkout"}],
        "out_of_scope": [{"text": "Warehouse"}],
        "requirements": [{"text": "Fast pages", "priority": "must", "acceptance_criterion": "2 s"}],
    }.items():
        data |= {f"{key}-TOTAL_FORMS": str(len(rows)), f"{key}-INITIAL_FORMS": "0"}
        for n, row in enumerate(rows):
            data |= {f"{key}-{n}-{field}": value for field, value in row.items()}

    response = client_for(manager).post(url("scope-edit", defining), data)

    assert response.status_code == 302
    page = client_for(manager).get(url("scope", defining)).content.decode()
    assert "Checkout" in page and "Warehouse" in page and "Must have" in page


def test_bad_priority_is_a_field_error(defining, manager):
    data = {
        "in_scope-TOTAL_FORMS": "0",
        "in_scope-INITIAL_FORMS": "0",
        "out_of_scope-TOTAL_FORMS": "0",
        "out_of_scope-INITIAL_FORMS": "0",
        "requirements-TOTAL_FORMS": "1",
        "requirements-INITIAL_FORMS": "0",
        "requirements-0-text": "X",
        "requirements-0-priority": "urgent",
    }
    response = client_for(manager).post(url("scope-edit", defining), data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_outsiders_and_members(goal, defining, member, viewer):
    assert client_for(viewer).get(url("goals", defining)).status_code == 404
    assert client_for(viewer).get(url("goal", defining, goal.pk)).status_code == 404
    member_client = client_for(member)
    assert member_client.get(url("goals", defining)).status_code == 200
    assert member_client.get(url("goal-create", defining)).status_code == 403
    assert member_client.get(url("scope-edit", defining)).status_code == 403
    response = member_client.post(
        url("measurement-create", defining, goal.pk), {"date": timezone.localdate(), "value": "1"}
    )
    assert response.status_code == 403


def goals_page_queries(client, project, django_assert_max_num_queries):
    client.get(url("goals", project))  # a user's first request also reads their permissions
    with django_assert_max_num_queries(20) as captured:
        assert client.get(url("goals", project)).status_code == 200
    return len(captured)


def test_goals_page_queries_do_not_grow(defining, manager, django_assert_max_num_queries):
    client = client_for(manager)
    today = timezone.localdate()

    def add(goals, readings):
        for _ in range(goals):
            goal = definition.goal_save(project=defining, by=manager, **smart_goal())
            for n in range(readings):
                definition.measurement_add(
                    goal=goal, by=manager, date=today - timedelta(days=n), value=Decimal(300 + n)
                )

    add(1, 1)
    small = goals_page_queries(client, defining, django_assert_max_num_queries)
    add(4, 20)
    large = goals_page_queries(client, defining, django_assert_max_num_queries)

    assert large == small
