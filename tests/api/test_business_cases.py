"""Business cases through the API: the browser's services, rules, audit rows and e-mails."""

import redis
from django.conf import settings

from lifecycle.models import AuditEntry
from projects import notifications
from projects.models import Project, Proposal
from tests.api.conftest import caller_for, problem
from tests.conftest import client_for
from tests.factories import ProjectFactory

CASE = {
    "title": "Warehouse scanners",
    "category": "hardware",
    "goal": "Scan every pallet at the dock",
    "need": "Lost pallets",
    "estimated_cost": "42000.00",
    "start_date": "2027-01-04",
    "end_date": "2027-06-30",
}


def test_a_manager_creates_a_draft_business_case(manager, sponsor):
    answer = caller_for(manager).post("/api/v1/business-cases/", CASE | {"sponsor": sponsor.pk})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    project = Project.objects.get(pk=body["project"])
    assert (project.manager, project.sponsor.user, body["state"]) == (manager, sponsor, "draft")
    assert project.proposal.estimated_cost == 42000
    assert AuditEntry.objects.for_subject(project).get().label == "Created"


def test_the_browsers_form_rules_apply(manager, sponsor):
    answer = caller_for(manager).post(
        "/api/v1/business-cases/",
        CASE | {"sponsor": sponsor.pk, "end_date": "2026-01-01", "estimated_cost": "-5"},
    )
    errors = problem(answer)["errors"]
    assert answer.status_code == 400
    assert "estimated_cost" in errors
    assert not Project.objects.exists()


def test_unknown_fields_are_refused_by_name(manager, sponsor):
    answer = caller_for(manager).post(
        "/api/v1/business-cases/", CASE | {"sponsor": sponsor.pk, "stage": "closed"}
    )
    body = problem(answer)
    assert answer.status_code == 400
    assert list(body["errors"]) == ["stage"]
    assert not Project.objects.exists()


def test_a_draft_is_updated_field_by_field(project, manager):
    answer = caller_for(manager).patch(
        f"/api/v1/projects/{project.pk}/business-case/", {"need": "Customers leave"}
    )
    assert answer.status_code == 200, answer.content
    proposal = Proposal.objects.get(pk=project.proposal.pk)
    assert proposal.need == "Customers leave"
    assert proposal.goal == project.proposal.goal  # the rest stays
    assert answer.json()["need"] == "Customers leave"


def test_only_the_manager_updates_the_draft(project, sponsor):
    answer = caller_for(sponsor).patch(
        f"/api/v1/projects/{project.pk}/business-case/", {"need": "Mine now"}
    )
    assert answer.status_code == 403
    assert Proposal.objects.get(pk=project.proposal.pk).need != "Mine now"


def test_a_decision_through_the_api_writes_the_browsers_audit_row(
    submitted, sponsor, manager2, sponsor2
):
    """The same approval, once in the browser and once through the API: the same row."""
    other = ProjectFactory(title="Twin", manager=manager2, sponsor=sponsor.sponsor_profile)
    Proposal.objects.filter(project=other).update(state="submitted", revision=1)
    client_for(sponsor).post(
        f"/projects/{submitted.pk}/business-case/approve/", {"comment": "Good case"}
    )
    answer = caller_for(sponsor).post(
        f"/api/v1/projects/{other.pk}/business-case/approve/", {"comment": "Good case"}
    )
    assert answer.status_code == 200, answer.content
    fields = ("record", "action", "event", "label", "from_state", "to_state", "comment", "actor")
    browser = AuditEntry.objects.for_subject(submitted).filter(action="approve").values(*fields)
    api = AuditEntry.objects.for_subject(other).filter(action="approve").values(*fields)
    assert list(browser) == list(api) != []
    assert answer.json()["to_state"] == "Approved"


def test_rejecting_needs_a_reason(submitted, sponsor):
    answer = caller_for(sponsor).post(f"/api/v1/projects/{submitted.pk}/business-case/reject/")
    body = problem(answer)
    assert answer.status_code == 400
    assert body["errors"]["comment"]
    assert Proposal.objects.get(project=submitted).state == "submitted"


def test_rejecting_cancels_the_project_with_the_reason(submitted, sponsor):
    answer = caller_for(sponsor).post(
        f"/api/v1/projects/{submitted.pk}/business-case/reject/", {"comment": "No budget"}
    )
    assert answer.status_code == 200
    project = Project.objects.get(pk=submitted.pk)
    assert (project.stage, project.stage_reason) == ("cancelled", "No budget")


def test_a_second_decision_is_409_already_decided(submitted, sponsor):
    api = caller_for(sponsor)
    url = f"/api/v1/projects/{submitted.pk}/business-case/approve/"
    assert api.post(url).status_code == 200
    before = AuditEntry.objects.count()
    again = api.post(url)
    assert again.status_code == 409
    assert problem(again)["code"] == "already_decided"
    assert AuditEntry.objects.count() == before


def test_a_decision_on_a_changed_case_is_409(submitted, sponsor):
    api = caller_for(sponsor)
    seen = api.get(f"/api/v1/projects/{submitted.pk}/business-case/").json()["version"]
    Proposal.objects.filter(project=submitted).update(estimated_cost=999)
    answer = api.post(f"/api/v1/projects/{submitted.pk}/business-case/approve/", {"seen": seen})
    assert answer.status_code == 409
    assert problem(answer)["code"] == "stale"
    assert Proposal.objects.get(project=submitted).state == "submitted"


def test_outsiders_get_404_whatever_they_try(submitted, viewer, sponsor2):
    for person in (viewer, sponsor2):
        api = caller_for(person)
        assert api.get(f"/api/v1/projects/{submitted.pk}/business-case/").status_code == 404
        url = f"/api/v1/projects/{submitted.pk}/business-case/approve/"
        assert problem(api.post(url))["status"] == 404
    assert Proposal.objects.get(project=submitted).state == "submitted"


def test_an_unknown_action_is_404(submitted, sponsor):
    answer = caller_for(sponsor).post(f"/api/v1/projects/{submitted.pk}/business-case/explode/")
    assert answer.status_code == 404


def test_changes_requested_then_the_manager_edits_and_resubmits(submitted, sponsor, manager):
    url = f"/api/v1/projects/{submitted.pk}/business-case/"
    answer = caller_for(sponsor).post(url + "request-changes/", {"comment": "Add maintenance"})
    assert answer.json()["to_state"] == "Changes requested"
    api = caller_for(manager)
    assert api.patch(url, {"benefits": "Maintenance included"}).status_code == 200
    assert api.post(url + "submit/").json()["to_state"] == "Submitted"
    assert Proposal.objects.get(project=submitted).benefits == "Maintenance included"


def test_a_decision_through_the_api_mails_the_manager_after_commit(
    submitted, sponsor, manager, django_capture_on_commit_callbacks
):
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue.delete("email")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = caller_for(sponsor).post(
            f"/api/v1/projects/{submitted.pk}/business-case/request-changes/",
            {"comment": "Add the savings"},
        )
        assert queue.llen("email") == 0  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert queue.llen("email") == 1
    [mail] = notifications.messages_for(AuditEntry.objects.get(pk=answer.json()["id"]))
    assert mail.to == [manager.email]
    assert "Comment: Add the savings" in mail.body
