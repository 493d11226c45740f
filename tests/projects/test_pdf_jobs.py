"""PDF jobs: requested once per content, rendered idempotently, read back from the PDF."""

from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from projects import rendering, services, tasks
from projects.models import Charter, PdfJob
from tests.conftest import charter_lists, charter_texts, client_for


def pdf_text(job: PdfJob, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    with job.file.open("rb") as content:
        path.write_bytes(content.read())
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def queued(queue: str = "pdf") -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue)


@pytest.fixture
def big(filled, manager):
    """A charter of the benchmark's size: 15 stakeholders, 12 milestones, 10 risks."""
    services.charter_update(
        charter=filled.charter,
        by=manager,
        version=filled.charter.version,
        lists=charter_lists(stakeholders=15, milestones=12, deliverables=5, tasks=8, risks=10),
        **charter_texts(),
    )
    return filled


def test_a_draft_renders_every_section_with_the_watermark(big, manager, tmp_path):
    job = rendering.render_job(services.charter_pdf_request(project=big, by=manager).pk)

    assert job.status == PdfJob.Status.READY, job.error
    text = pdf_text(job, tmp_path)
    assert "Project charter" in text and big.title in text
    for n in range(15):
        assert f"Stakeholder {n}" in text
    for n in range(12):
        assert f"Milestone {n}" in text
    for n in range(10):
        assert f"Risk {n}" in text
    assert "Page 2 of" in text  # page 1 is the cover, without running headers
    assert "DRAFT" in text
    assert "Not signed" in text
    assert job.pdf_sha256 and job.attempts == 1 and job.render_seconds > 0


def test_a_signed_charter_prints_the_signoff_block(big, manager, sponsor, tmp_path):
    services.charter_submit(charter=big.charter, by=manager)
    services.charter_sign(charter=big.charter, by=sponsor)
    revision = big.charter.revisions.get()

    job = rendering.render_job(services.charter_pdf_request(project=big, by=manager).pk)

    text = pdf_text(job, tmp_path)
    assert revision.sha256 in text.replace("\n", "")
    assert "Sponsor Dana Whitfield" in text and "Date signed" in text
    assert "DRAFT" not in text


def test_generate_is_enqueued_after_commit(filled, manager, django_capture_on_commit_callbacks):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("pdf")
    with django_capture_on_commit_callbacks() as callbacks:
        job = services.charter_pdf_request(project=filled, by=manager)
        assert queued() == 0

    for callback in callbacks:
        callback()
    assert job.status == PdfJob.Status.QUEUED
    assert queued() == 1


def test_an_unchanged_charter_is_rendered_once(filled, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as first_callbacks:
        first = services.charter_pdf_request(project=filled, by=manager)
    rendering.render_job(first.pk)
    with django_capture_on_commit_callbacks() as second_callbacks:
        second = services.charter_pdf_request(project=filled, by=manager)

    assert second.pk == first.pk
    assert (len(first_callbacks), len(second_callbacks)) == (1, 0)
    assert PdfJob.objects.get().attempts == 1
    assert rendering.render_job(first.pk).attempts == 1  # a late duplicate delivery: no-op


def test_a_changed_charter_gets_a_new_job(filled, manager):
    first = services.charter_pdf_request(project=filled, by=manager)
    services.charter_update(
        charter=filled.charter,
        by=manager,
        version=filled.charter.version,
        lists=charter_lists(stakeholders=2),
        **charter_texts(),
    )

    assert services.charter_pdf_request(project=filled, by=manager).pk != first.pk


def test_a_render_error_fails_with_a_message_and_can_be_retried(filled, manager):
    job = services.charter_pdf_request(project=filled, by=manager)
    PdfJob.objects.filter(pk=job.pk).update(
        document={"template": "1", "charter": None, "signoff": None}
    )

    failed = rendering.render_job(job.pk)

    assert failed.status == PdfJob.Status.FAILED
    assert failed.error.startswith("Rendering failed: TypeError")
    retried = services.charter_pdf_request(project=filled, by=manager)
    assert (retried.pk, retried.status, retried.attempts) == (job.pk, PdfJob.Status.QUEUED, 0)


def test_late_deliveries_leave_the_job_as_its_first_outcome_left_it(filled, manager, tmp_path):
    """Two deliveries of one task: the second's failure does not undo a failure or a success,
    and a render that finishes after the job was asked for again is kept."""
    job = services.charter_pdf_request(project=filled, by=manager)
    PdfJob.objects.filter(pk=job.pk).update(status=PdfJob.Status.FAILED, error="first")
    assert rendering._fail(job.pk, "second").error == "first"

    PdfJob.objects.filter(pk=job.pk).update(status=PdfJob.Status.QUEUED, error="")
    rendered = tmp_path / "late.pdf"
    rendered.write_bytes(b"%PDF-1.7 late")
    assert rendering._store(job.pk, rendered).status == PdfJob.Status.READY
    assert rendering._fail(job.pk, "too late").status == PdfJob.Status.READY


def test_a_job_whose_worker_keeps_dying_gives_up(filled, manager):
    job = services.charter_pdf_request(project=filled, by=manager)
    PdfJob.objects.filter(pk=job.pk).update(status=PdfJob.Status.RENDERING, attempts=3)

    job = rendering.render_job(job.pk)

    assert job.status == PdfJob.Status.FAILED
    assert "Gave up after 3 attempts" in job.error


def test_the_sweeper_requeues_stuck_jobs(filled, manager):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("pdf")
    job = services.charter_pdf_request(project=filled, by=manager)
    fresh = PdfJob.objects.create(
        project=filled,
        kind=PdfJob.Kind.CHARTER,
        title="Fresh",
        document={},
        source_sha256="f" * 64,
        requested_by=manager,
    )
    PdfJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=5))

    assert tasks.requeue_stuck_pdfs() == 1
    assert queued() == 1
    assert fresh.status == PdfJob.Status.QUEUED


def test_download_is_permission_checked(filled, manager, member, viewer):
    job = rendering.render_job(services.charter_pdf_request(project=filled, by=manager).pk)
    download = reverse("projects:pdf-download", args=[filled.pk, job.pk])

    response = client_for(member).get(download)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(viewer).get(download).status_code == 404
    assert not job.file.url.startswith(reverse("projects:home") + "static")  # not public


def test_a_pdf_whose_file_is_gone_from_storage_is_a_404_not_a_500(filled, manager, caplog):
    job = rendering.render_job(services.charter_pdf_request(project=filled, by=manager).pk)
    default_storage.delete(job.file.name)
    response = client_for(manager).get(reverse("projects:pdf-download", args=[filled.pk, job.pk]))
    assert response.status_code == 404
    assert f"PDF job {job.pk}: its stored file {job.file.name} is missing" in caplog.text


def test_a_pending_job_is_polled_and_a_ready_one_offers_the_download(filled, manager):
    job = services.charter_pdf_request(project=filled, by=manager)
    client = client_for(manager)
    status = reverse("projects:pdf-status", args=[filled.pk, job.pk])

    pending = client.get(status).content.decode()
    assert 'hx-trigger="load delay:250ms"' in pending and "Queued" in pending
    assert client.get(reverse("projects:pdf-download", args=[filled.pk, job.pk])).status_code == 404

    rendering.render_job(job.pk)
    ready = client.get(status).content.decode()
    assert "Download PDF" in ready and "hx-trigger" not in ready


def test_a_pending_job_is_asked_every_250_ms_for_two_seconds_then_less_and_less_often(
    filled, manager
):
    job = services.charter_pdf_request(project=filled, by=manager)
    client = client_for(manager)
    status = reverse("projects:pdf-status", args=[filled.pk, job.pk])

    page = client.get(reverse("projects:charter", args=[filled.pk])).content.decode()
    looks = [page] + [client.get(f"{status}?poll={n}").content.decode() for n in (7, 8, 9, 10, 99)]

    expected = [(250, 1), (250, 8), (500, 9), (1000, 10), (2000, 10), (2000, 10)]
    for html, (delay, following) in zip(looks, expected, strict=True):
        assert f'hx-trigger="load delay:{delay}ms"' in html
        assert f'hx-get="{status}?poll={following}"' in html
    assert 'hx-trigger="load delay:250ms"' in client.get(f"{status}?poll=x").content.decode()
    assert "Reload the page" in page  # without JavaScript, in a <noscript>


def test_generate_pdf_from_the_charter_page(filled, manager):
    client = client_for(manager)
    page = client.get(reverse("projects:charter", args=[filled.pk])).content.decode()
    assert "Generate PDF" in page

    response = client.post(reverse("projects:charter-pdf", args=[filled.pk]))

    assert response.status_code == 302
    job = PdfJob.objects.get()
    assert job.requested_by == manager
    assert "Queued" in client.get(response.url).content.decode()


def test_generate_pdf_answers_when_the_broker_is_down(
    filled, manager, django_capture_on_commit_callbacks
):
    """A real connection to a port where no broker listens: refused, logged, job queued."""
    from tests.worker import broker

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("pdf")
    with broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(reverse("projects:charter-pdf", args=[filled.pk]))

    assert response.status_code == 302
    assert PdfJob.objects.get().status == PdfJob.Status.QUEUED
    assert queued() == 0  # nothing reached the real broker either: the publish failed


def test_one_person_starts_a_few_renders_a_minute_and_is_told_when_to_retry(
    filled, manager, settings
):
    """Issue 15, finding 3: four save-and-generate pairs held both workers for 105 s."""
    from django.urls import reverse

    from tests.conftest import charter_texts, client_for

    settings.PDF_REQUESTS_PER_MINUTE = 2
    client = client_for(manager)
    answers = []
    for n in range(3):
        charter = Charter.objects.get(pk=filled.charter.pk)
        services.charter_update(
            charter=charter,
            by=manager,
            version=charter.version,
            lists={},
            **charter_texts(objectives=f"Version {n}"),
        )
        answers.append(client.post(reverse("projects:charter-pdf", args=[filled.pk])))
    again = client.post(reverse("projects:charter-pdf", args=[filled.pk]))

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "try again in" in answers[2].content.decode()
    assert 1 <= int(answers[2]["Retry-After"]) <= 61
    assert PdfJob.objects.count() == 2
    assert again.status_code == 429  # the same new content: still a new render
