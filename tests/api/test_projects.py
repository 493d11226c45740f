"""Projects, stage transitions, charters, PDFs and evidence through the API."""

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lifecycle.models import AuditEntry
from projects import rendering
from projects.models import Project
from projects.services import evidence, pdfs
from tests.api.conftest import caller_for, problem
from tests.conftest import client_for
from tests.factories import ProjectFactory


def test_the_list_takes_the_portfolios_filters(project, manager, sponsor):
    other = ProjectFactory(title="Data lake", manager=manager, sponsor=sponsor.sponsor_profile)
    api = caller_for(manager, "read")

    def titles(**params):
        return [r["title"] for r in api.get("/api/v1/projects/", **params).json()["results"]]

    assert titles(q="lake") == ["Data lake"]
    assert titles(q=project.reference) == [project.title]
    assert set(titles(stage="identifying")) == {project.title, other.title}
    assert titles(stage="delivering") == []


def test_the_list_pages_with_cursors(manager, sponsor):
    for n in range(5):
        ProjectFactory(title=f"Project {n}", manager=manager, sponsor=sponsor.sponsor_profile)
    api = caller_for(manager, "read")
    first = api.get("/api/v1/projects/", page_size=2).json()
    assert [r["title"] for r in first["results"]] == ["Project 4", "Project 3"]
    second = api.client.get(first["next"], headers=api.headers).json()
    assert [r["title"] for r in second["results"]] == ["Project 2", "Project 1"]


def test_a_project_shows_its_gate_and_the_callers_actions(funded, manager, member):
    body = caller_for(manager, "read").get(f"/api/v1/projects/{funded.pk}/").json()
    assert body["next_gate"]["label"] == "Advance to Initiating"
    assert all(check["met"] for check in body["next_gate"]["checks"])
    assert [a["name"] for a in body["actions"]] == ["advance_to_initiating"]
    assert caller_for(member, "read").get(f"/api/v1/projects/{funded.pk}/").json()["actions"] == []


def test_advancing_through_the_api_writes_the_browsers_audit_row(funded, manager):
    answer = caller_for(manager).post(
        f"/api/v1/projects/{funded.pk}/transitions/advance_to_initiating/"
    )
    assert answer.status_code == 200, answer.content
    assert Project.objects.get(pk=funded.pk).stage == "initiating"
    entry = AuditEntry.objects.for_subject(funded).get(action="advance_to_initiating")
    assert (entry.record, entry.actor, entry.to_state) == ("Stage", manager, "Initiating")


def test_an_unmet_gate_is_409_with_its_checklist(project, manager):
    answer = caller_for(manager).post(
        f"/api/v1/projects/{project.pk}/transitions/advance_to_initiating/"
    )
    body = problem(answer)
    assert (answer.status_code, body["code"]) == (409, "gate_closed")
    assert [c["met"] for c in body["checks"]] == [False, False]
    assert Project.objects.get(pk=project.pk).stage == "identifying"


def test_a_transition_outside_the_graph_is_409(delivering, sponsor):
    api = caller_for(sponsor)
    answer = api.post(f"/api/v1/projects/{delivering.pk}/transitions/resume/")
    assert answer.status_code == 409
    assert Project.objects.get(pk=delivering.pk).stage == "delivering"
    assert problem(api.post(f"/api/v1/projects/{delivering.pk}/transitions/fly/"))["status"] in (
        403,
        404,
    )


def test_holding_needs_a_reason_and_then_holds(delivering, sponsor):
    api = caller_for(sponsor)
    url = f"/api/v1/projects/{delivering.pk}/transitions/hold/"
    assert "comment" in problem(api.post(url))["errors"]
    assert api.post(url, {"comment": "Budget review"}).status_code == 200
    assert Project.objects.get(pk=delivering.pk).stage == "on_hold"


def test_the_charter_its_revisions_and_a_pdf_link(delivering, manager):
    api = caller_for(manager)
    charter = api.get(f"/api/v1/projects/{delivering.pk}/charter/").json()
    assert charter["state"] == "signed" and charter["revisions"] == [1]
    assert charter["document"]["purpose"]
    revision = api.get(f"/api/v1/projects/{delivering.pk}/charter/revisions/1/").json()
    assert len(revision["sha256"]) == 64 and revision["snapshot"]
    job = api.post(f"/api/v1/projects/{delivering.pk}/charter/revisions/1/pdf/")
    assert job.status_code == 202
    rendering.render_job(job.json()["id"])
    ready = api.get(f"/api/v1/projects/{delivering.pk}/charter/revisions/1/").json()["pdf"]
    assert ready["status"] == "ready"
    listed = api.get(f"/api/v1/projects/{delivering.pk}/charter/revisions/").json()
    assert [revision["pdf"]["id"] for revision in listed] == [ready["id"]]
    pdf = api.client.get(ready["download_url"], headers=api.headers)
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_pdf_whose_file_is_gone_from_storage_is_a_404_problem_not_a_500(
    delivering, manager, caplog
):
    job = pdfs.charter_pdf_request(project=delivering, by=manager)
    rendering.render_job(job.pk)
    job.refresh_from_db()
    default_storage.delete(job.file.name)
    api = caller_for(manager, "read")
    answer = api.get(f"/api/v1/projects/{delivering.pk}/pdfs/{job.pk}/download/")
    assert problem(answer)["detail"] == "The PDF file is missing from storage."
    assert f"PDF job {job.pk}: its stored file {job.file.name} is missing" in caplog.text


def test_a_project_without_a_charter_yet_is_404_for_it(project, manager):
    answer = caller_for(manager, "read").get(f"/api/v1/projects/{project.pk}/charter/")
    assert problem(answer)["status"] == 404


def test_evidence_is_listed_with_its_hash_and_downloaded_with_the_token(delivering, manager):
    deliverable = delivering.deliverables.first()
    upload = SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%%EOF\n")
    evidence.attachment_add(record=deliverable, by=manager, upload=upload)
    api = caller_for(manager, "read")
    files = api.get(f"/api/v1/projects/{delivering.pk}/attachments/").json()["results"]
    assert [(f["name"], f["record"]["id"]) for f in files] == [("quote.pdf", deliverable.pk)]
    download = api.client.get(files[0]["download_url"], headers=api.headers)
    assert b"".join(download.streaming_content) == b"%PDF-1.4\n%%EOF\n"


def test_the_schema_and_docs_need_a_login_and_load_nothing_from_elsewhere(project, manager):
    assert Client().get("/api/schema/").status_code == 401
    assert Client().get("/api/docs/").status_code == 302
    page = client_for(manager).get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "https://" not in page and "<style>" not in page
    assert client_for(manager).get("/api/docs/?script").status_code == 200
    assert caller_for(manager, "read").get("/api/schema/").status_code == 200


def test_pdf_renders_are_the_browsers_jobs(delivering, manager):
    """The same content asked for in the browser and through the API is one job."""
    browser_job = pdfs.charter_pdf_request(project=delivering, by=manager)
    api = caller_for(manager)
    api_job = api.post(f"/api/v1/projects/{delivering.pk}/charter/pdf/").json()
    assert api_job["id"] == browser_job.pk
    assert (
        api.get(f"/api/v1/projects/{delivering.pk}/charter/").json()["pdf"]["id"] == api_job["id"]
    )
    assert (
        api.get(f"/api/v1/projects/{delivering.pk}/pdfs/{api_job['id']}/").json()["id"]
        == (api_job["id"])
    )


def test_the_list_costs_the_same_queries_for_2_or_12_projects(manager, sponsor):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/projects/").status_code == 200
        return len(queries)

    api = caller_for(manager, "read")
    for n in range(2):
        ProjectFactory(title=f"Few {n}", manager=manager, sponsor=sponsor.sponsor_profile)
    count_queries()  # the first call also notes the token's use and caches permissions
    few = count_queries()
    for n in range(10):
        ProjectFactory(title=f"Many {n}", manager=manager, sponsor=sponsor.sponsor_profile)
    assert count_queries() == few
