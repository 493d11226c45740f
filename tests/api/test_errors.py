"""Bad input answers a problem document (RFC 9457) naming what is wrong, never a 500, and
changes nothing."""

from django.test import Client

from lifecycle.models import AuditEntry
from projects.models import Project
from tests.api.conftest import caller_for, problem


def test_invalid_json_is_400(submitted, sponsor):
    answer = caller_for(sponsor).post(
        f"/api/v1/projects/{submitted.pk}/business-case/approve/", '{"comment": '
    )
    assert problem(answer)["code"] == "parse_error"
    assert answer.status_code == 400


def test_wrong_types_name_their_fields(manager, sponsor):
    answer = caller_for(manager).post(
        "/api/v1/business-cases/",
        {"title": ["a list"], "category": "software", "sponsor": "Dana", "goal": "x"},
    )
    body = problem(answer)
    assert answer.status_code == 400
    assert {"title", "sponsor"} <= set(body["errors"])
    assert "sponsor" in body["detail"]


def test_a_body_that_is_not_an_object_is_400(submitted, sponsor):
    answer = caller_for(sponsor).post(
        f"/api/v1/projects/{submitted.pk}/business-case/approve/", "[1, 2]"
    )
    assert problem(answer)["status"] == 400


def test_a_huge_body_is_413_before_it_is_read(submitted, sponsor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = caller_for(sponsor)  # its token's creation is an audit row of its own
    before = AuditEntry.objects.count()
    answer = api.post(
        f"/api/v1/projects/{submitted.pk}/business-case/approve/", {"comment": "x" * 5000}
    )
    assert answer.status_code == 413
    assert problem(answer)["code"] == "too_large"
    assert AuditEntry.objects.count() == before


def test_a_form_encoded_or_untyped_body_is_415(submitted, sponsor):
    api = caller_for(sponsor)
    url = f"/api/v1/projects/{submitted.pk}/business-case/approve/"
    form = api.post(url, "comment=yes", content_type="application/x-www-form-urlencoded")
    assert problem(form)["status"] == 415
    untyped = api.client.generic(
        "POST", url, b'{"comment": "yes"}', content_type="", headers=api.headers
    )
    assert problem(untyped)["status"] == 415
    assert Project.objects.get(pk=submitted.pk).proposal.state == "submitted"


def test_an_unknown_filter_value_is_400_not_an_empty_list(project, manager):
    answer = caller_for(manager).get("/api/v1/projects/", stage="nowhere")
    assert answer.status_code == 400
    assert "stage" in problem(answer)["errors"]


def test_a_bad_cursor_is_404_problem(project, manager):
    answer = caller_for(manager).get("/api/v1/projects/", cursor="garbage")
    assert problem(answer)["status"] == 404


def test_a_wrong_method_is_405_problem(project, manager):
    answer = caller_for(manager).post(f"/api/v1/projects/{project.pk}/")
    assert problem(answer)["status"] == 405
    assert "GET" in answer["Allow"]


def test_without_a_token_the_api_answers_401_not_a_login_redirect(project):
    answer = Client().get("/api/v1/projects/")
    assert problem(answer)["status"] == 401


def test_the_session_needs_its_csrf_token_to_write(submitted, sponsor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sponsor)
    answer = client.post(
        f"/api/v1/projects/{submitted.pk}/business-case/approve/",
        "{}",
        content_type="application/json",
    )
    assert problem(answer)["status"] == 403
    assert Project.objects.get(pk=submitted.pk).proposal.state == "submitted"


def test_an_address_that_is_no_route_is_a_404_problem(manager):
    api = caller_for(manager)
    assert problem(api.get("/api/v1/projects/-3/"))["status"] == 404
    assert problem(api.post("/api/v1/nowhere/", {"a": 1}))["status"] == 404
