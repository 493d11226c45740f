"""Goal readings posted by another system: the main integration (SPEC §4, §12)."""

from datetime import timedelta

from django.utils import timezone

from lifecycle.models import AuditEntry
from projects.models import Goal, Measurement
from tests.api.conftest import caller_for, problem
from tests.factories import ProjectFactory


def _url(project, goal) -> str:
    return f"/api/v1/projects/{project.pk}/goals/{goal.pk}/measurements/"


def test_the_manager_posts_a_reading(delivering, manager):
    goal = delivering.goals.first()
    today = timezone.localdate().isoformat()
    answer = caller_for(manager).post(
        _url(delivering, goal), {"date": today, "value": "812.5", "note": "From analytics"}
    )
    assert answer.status_code == 201, answer.content
    reading = Measurement.objects.get(pk=answer.json()["id"])
    assert (reading.value, reading.recorded_by, reading.note) == (812.5, manager, "From analytics")
    entry = AuditEntry.objects.for_subject(delivering).latest("pk")
    assert (entry.action, entry.event, entry.actor) == (
        "measurement_add",
        "measurement.added",
        manager,
    )
    listed = caller_for(manager, "read").get(_url(delivering, goal)).json()["results"]
    assert listed[-1]["value"] == "812.5000"
    goal_now = caller_for(manager, "read").get(f"/api/v1/projects/{delivering.pk}/goals/{goal.pk}/")
    assert goal_now.json()["latest"] == "812.5000"


def test_a_reading_dated_in_the_future_is_refused_by_field(delivering, manager):
    goal = delivering.goals.first()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answer = caller_for(manager).post(_url(delivering, goal), {"date": tomorrow, "value": "1"})
    assert answer.status_code == 400
    assert "future" in problem(answer)["errors"]["date"][0]
    assert not Measurement.objects.filter(goal=goal, value=1).exists()


def test_a_value_that_is_not_a_number_is_refused(delivering, manager):
    goal = delivering.goals.first()
    for value in ("lots", None, [], "1e400", "NaN"):
        answer = caller_for(manager).post(
            _url(delivering, goal), {"date": timezone.localdate().isoformat(), "value": value}
        )
        assert answer.status_code == 400, value
        assert "value" in problem(answer)["errors"]


def test_a_member_may_read_but_not_post_readings(delivering, member):
    goal = delivering.goals.first()
    api = caller_for(member)
    assert api.get(_url(delivering, goal)).status_code == 200
    answer = api.post(_url(delivering, goal), {"date": "2026-01-01", "value": "3"})
    assert answer.status_code == 403
    assert problem(answer)["code"] == "forbidden"


def test_another_projects_goal_under_this_project_is_404(delivering, manager, manager2, sponsor2):
    other = ProjectFactory(title="Theirs", manager=manager2, sponsor=sponsor2.sponsor_profile)
    foreign = Goal.objects.create(
        project=other, statement="Theirs", direction="increase", baseline=0
    )
    answer = caller_for(manager).post(
        _url(delivering, foreign), {"date": "2026-01-01", "value": "3"}
    )
    assert answer.status_code == 404
    assert not foreign.measurements.exists()


def test_a_reading_on_a_closed_project_is_409_with_the_reason(delivering, manager, pmo):
    from projects import services  # the PMO cancels it, with a reason

    services.project_transition(project=delivering, name="cancel", by=pmo, comment="Stopped")
    goal = delivering.goals.first()
    answer = caller_for(manager).post(
        _url(delivering, goal), {"date": timezone.localdate().isoformat(), "value": "3"}
    )
    assert answer.status_code == 409
    assert problem(answer)["code"] == "not_now"
