"""Business cases through the API: the browser's services, rules, audit rows and e-mails."""

import redis
from django.conf import settings

from lifecycle.models import AuditEntry
from projects import notifications, proposal_document
from projects.models import Project, Proposal, ProposalState
from tests.api.conftest import caller_for, problem
from tests.conftest import client_for
from tests.factories import ProjectFactory, RiskFactory

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


# -- Risks -----------------------------------------------------------------------------------------

SCANNERS = {"description": "Scanners arrive late", "likelihood": 3, "impact": 4}
SCANNERS |= {"mitigation": "Order in January"}
TRAINING = {"description": "Staff untrained", "likelihood": 2, "impact": 2, "mitigation": ""}


def risks_of(project) -> list[dict]:
    return list(
        Proposal.objects.get(project=project)
        .risks.order_by("pk")
        .values("description", "likelihood", "impact", "mitigation")
    )


def test_a_business_case_is_created_with_its_risks(manager, sponsor):
    answer = caller_for(manager).post(
        "/api/v1/business-cases/", CASE | {"sponsor": sponsor.pk, "risks": [SCANNERS, TRAINING]}
    )
    assert answer.status_code == 201, answer.content
    project = Project.objects.get(pk=answer.json()["project"])
    assert risks_of(project) == [SCANNERS, TRAINING]
    assert [risk["score"] for risk in answer.json()["risks"]] == [12, 4]


def test_risks_sent_replace_the_drafts_risks_as_a_whole(project, manager):
    RiskFactory(proposal=project.proposal, description="Budget cut")  # two risks now
    answer = caller_for(manager).patch(
        f"/api/v1/projects/{project.pk}/business-case/", {"risks": [TRAINING]}
    )
    assert answer.status_code == 200, answer.content
    assert risks_of(project) == [TRAINING]
    assert [risk["description"] for risk in answer.json()["risks"]] == ["Staff untrained"]


def test_risks_not_sent_stay(project, manager):
    before = risks_of(project)
    answer = caller_for(manager).patch(
        f"/api/v1/projects/{project.pk}/business-case/", {"need": "Pallets go missing"}
    )
    assert answer.status_code == 200, answer.content
    assert risks_of(project) == before != []
    entry = AuditEntry.objects.for_subject(project).get(action="edit")
    assert entry.data == {"changed": ["need"]}


def test_the_same_risks_sent_again_change_nothing(project, manager):
    [risk] = risks_of(project)
    api = caller_for(manager)
    answer = api.patch(f"/api/v1/projects/{project.pk}/business-case/", {"risks": [risk]})
    assert answer.status_code == 200, answer.content
    assert AuditEntry.objects.for_subject(project).get(action="edit").data == {"changed": []}


def test_a_bad_risk_is_named_by_its_place_and_nothing_is_saved(project, manager):
    before = risks_of(project)
    answer = caller_for(manager).patch(
        f"/api/v1/projects/{project.pk}/business-case/",
        {"need": "Changed", "risks": [SCANNERS | {"likelihood": 7}, TRAINING | {"impact": 0}]},
    )
    body = problem(answer)
    assert (answer.status_code, body["code"]) == (400, "invalid")
    assert body["errors"] == {
        "risks[0].likelihood": ["Use a value from 1 to 5."],  # the browser's words
        "risks[1].impact": ["Use a value from 1 to 5."],
    }
    assert risks_of(project) == before
    assert Proposal.objects.get(project=project).need != "Changed"


def test_the_browsers_risk_row_checks_each_risk(project, manager):
    """What only the browser's row form knows (a one-line description) applies too."""
    answer = caller_for(manager).patch(
        f"/api/v1/projects/{project.pk}/business-case/",
        {"risks": [SCANNERS, TRAINING | {"description": "Bell\x07"}]},
    )
    assert answer.status_code == 400
    assert list(problem(answer)["errors"]) == ["risks[1].description"]


def test_unknown_fields_of_a_risk_are_refused_by_name(project, manager):
    before = risks_of(project)
    answer = caller_for(manager).patch(
        f"/api/v1/projects/{project.pk}/business-case/",
        {"risks": [SCANNERS | {"score": 25, "owner": 1}]},
    )
    body = problem(answer)
    assert answer.status_code == 400
    assert sorted(body["errors"]) == ["risks[0].owner", "risks[0].score"]
    assert risks_of(project) == before


def test_risks_take_at_most_the_browsers_number_of_rows(manager, sponsor):
    risks = [TRAINING] * 51
    answer = caller_for(manager).post(
        "/api/v1/business-cases/", CASE | {"sponsor": sponsor.pk, "risks": risks}
    )
    body = problem(answer)
    assert answer.status_code == 400
    assert "no more than 50" in body["errors"]["risks"][0]
    assert not Project.objects.exists()


def test_risks_take_at_most_the_browsers_text_in_all(manager, sponsor):
    long = TRAINING | {"description": "x" * 500, "mitigation": "y" * 2000}
    answer = caller_for(manager).post(
        "/api/v1/business-cases/", CASE | {"sponsor": sponsor.pk, "risks": [long] * 9}
    )
    assert answer.status_code == 400
    assert "under 20,000 characters" in problem(answer)["errors"]["risks"][0]
    assert not Project.objects.exists()


def test_risks_of_a_case_that_is_not_a_draft_are_409(submitted, manager):
    before = risks_of(submitted)
    answer = caller_for(manager).patch(
        f"/api/v1/projects/{submitted.pk}/business-case/", {"risks": [TRAINING]}
    )
    assert answer.status_code == 409
    assert problem(answer)["code"] == "not_now"
    assert risks_of(submitted) == before


def test_risks_changed_through_the_api_are_audited_and_diffed_as_in_the_browser(
    project, manager, sponsor
):
    """The same change of risks, once in the browser and once through the API: the same
    audit row and the same "what changed" lines."""
    twin = ProjectFactory(title="Twin", manager=manager, sponsor=sponsor.sponsor_profile)
    for each in (project, twin):
        RiskFactory(proposal=each.proposal, description="Budget cut")
    before = {each.pk: proposal_document.snapshot(each.proposal) for each in (project, twin)}
    [first, second] = project.proposal.risks.all()
    page = {"risks-TOTAL_FORMS": "2", "risks-INITIAL_FORMS": "2"}
    page |= {"risks-0-id": str(first.pk), "risks-0-DELETE": ""}
    page |= {f"risks-0-{name}": value for name, value in SCANNERS.items()}
    page |= {"risks-1-id": str(second.pk), "risks-1-DELETE": "on"}
    page |= {f"risks-1-{name}": "2" for name in ("likelihood", "impact")}
    page |= {"risks-1-description": "Budget cut"}
    case = {"title": project.title, "category": project.category, "sponsor": sponsor.pk}
    case |= {name: getattr(project.proposal, name) or "" for name in Proposal.CASE_FIELDS}
    browser = client_for(manager).post(f"/projects/{project.pk}/business-case/edit/", case | page)
    assert browser.status_code == 302, browser.content.decode()[:2000]
    answer = caller_for(manager).patch(
        f"/api/v1/projects/{twin.pk}/business-case/", {"risks": [SCANNERS]}
    )
    assert answer.status_code == 200, answer.content

    fields = ("record", "action", "event", "label", "data", "actor")
    rows = [
        list(AuditEntry.objects.for_subject(each).filter(action="edit").values(*fields))
        for each in (project, twin)
    ]
    assert rows[0] == rows[1] != []
    assert rows[1][0]["data"] == {"changed": ["risks"]}
    changes = [
        [
            (change.what, change.before, change.after)
            for change in proposal_document.diff(
                before[each.pk], proposal_document.snapshot(Proposal.objects.get(project=each))
            )
        ]
        for each in (project, twin)
    ]
    assert changes[0] == changes[1]
    assert [what for what, _, _ in changes[1]] == ["Risk changed", "Risk removed"]
    assert risks_of(project) == risks_of(twin) == [SCANNERS]


def test_a_draft_sent_back_for_changes_takes_new_risks(submitted, sponsor, manager):
    url = f"/api/v1/projects/{submitted.pk}/business-case/"
    caller_for(sponsor).post(url + "request-changes/", {"comment": "Name the training risk"})
    answer = caller_for(manager).patch(url, {"risks": [SCANNERS, TRAINING]})
    assert answer.status_code == 200, answer.content
    assert Proposal.objects.get(project=submitted).state == ProposalState.CHANGES_REQUESTED
    assert risks_of(submitted) == [SCANNERS, TRAINING]
