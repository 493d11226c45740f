"""PDFs through a real Celery worker process on Redis: the journey, a killed child, a broker
that is down when the job is requested."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from projects import rendering, services, tasks
from projects.models import CharterRevision, PdfJob, Proposal
from tests.conftest import charter_lists, charter_texts, client_for
from tests.factories import FundingFactory, ProjectFactory, SponsorFactory, UserFactory
from tests.worker import broker, running_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def charter_project(stakeholders=3, milestones=2, **counts):
    """A project in Initiating with a complete draft charter, made through the services."""
    sponsor = UserFactory(first_name="Dana", last_name="Whitfield", groups=["Sponsors"])
    manager = UserFactory(groups=["Project managers"])
    project = ProjectFactory(manager=manager, sponsor=SponsorFactory(user=sponsor))
    Proposal.objects.filter(pk=project.proposal.pk).update(state="approved")
    FundingFactory(project=project)
    services.project_transition(project=project, name="advance_to_initiating", by=manager)
    project.refresh_from_db()
    services.charter_update(
        charter=project.charter,
        by=manager,
        version=0,
        lists=charter_lists(stakeholders=stakeholders, milestones=milestones, **counts),
        **charter_texts(),
    )
    return project, manager


def wait_for(job_id, statuses=("ready", "failed"), timeout=60) -> PdfJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = PdfJob.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {PdfJob.objects.get(pk=job_id).status}")


def test_generate_poll_and_download_with_a_real_worker(celery_worker, tmp_path):
    project, manager = charter_project()
    client = client_for(manager)

    client.post(reverse("projects:charter-pdf", args=[project.pk]))
    job = PdfJob.objects.get()
    status_url = reverse("projects:pdf-status", args=[project.pk, job.pk])
    job = wait_for(job.pk)
    assert job.status == "ready", job.error
    assert "Download PDF" in client.get(status_url).content.decode()

    response = client.get(reverse("projects:pdf-download", args=[project.pk, job.pk]))
    (tmp_path / "charter.pdf").write_bytes(b"".join(response.streaming_content))
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "charter.pdf").pages)
    assert project.title in text
    assert all(f"Stakeholder {n}" in text for n in range(3))
    assert "Page 2 of" in text  # page 1 is the cover, without running headers


def test_signing_renders_the_signed_revision_without_anyone_clicking_generate(
    celery_worker, tmp_path
):
    project, manager = charter_project()
    sponsor = project.sponsor.user
    services.charter_submit(charter=project.charter, by=manager)
    client = client_for(sponsor)

    response = client.post(reverse("projects:charter-action", args=[project.pk, "sign"]))

    assert response.status_code == 302
    revision = CharterRevision.objects.get(charter=project.charter)
    [job] = PdfJob.objects.filter(project=project)
    job = wait_for(job.pk)
    assert job.status == "ready", job.error
    assert (job.title, job.requested_by) == ("Charter revision 1 (signed)", sponsor)
    stored = Path(settings.MEDIA_ROOT) / job.file.name
    text = "".join(page.extract_text() for page in PdfReader(stored).pages)
    assert project.title in text and "DRAFT" not in text
    assert revision.sha256 in text.replace("\n", "")  # the sign-off block of this revision
    # The page the sponsor lands on (the charter) offers the download; so does the revision.
    for page in (response.url, reverse("projects:charter-revision", args=[project.pk, 1])):
        html = client.get(page).content.decode()
        assert reverse("projects:pdf-download", args=[project.pk, job.pk]) in html, page
    # Generate PDF of the signed charter afterwards renders nothing new.
    client_for(manager).post(reverse("projects:charter-pdf", args=[project.pk]))
    assert PdfJob.objects.filter(project=project).count() == 1


def test_a_child_killed_mid_render_loses_nothing_and_doubles_nothing(celery_worker):
    rounds = 3
    for round_number in range(rounds):
        # Large enough to take a few seconds, so the kill lands mid-render.
        project, manager = charter_project(stakeholders=400, milestones=200, tasks=200)
        job = services.charter_pdf_request(project=project, by=manager)
        wait_for(job.pk, statuses=("rendering",))
        time.sleep(0.3)
        [child] = celery_worker.pool_processes()
        os.kill(child, signal.SIGKILL)

        job = wait_for(job.pk, timeout=120)

        assert job.status == "ready", (round_number, job.error)
        assert job.attempts == 2, round_number  # rendered again, once
        stored = list((Path(settings.MEDIA_ROOT) / "pdfs" / str(project.pk)).iterdir())
        assert [path.name for path in stored] == [f"{job.source_sha256}.pdf"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"Redis did not start at {url}")


def test_a_job_requested_while_redis_is_down_completes_once_it_is_back(tmp_path):
    project, manager = charter_project()
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"

    with broker(url):  # nothing listens there yet: Redis is down
        started = time.monotonic()
        response = client_for(manager).post(reverse("projects:charter-pdf", args=[project.pk]))
        answered_in = time.monotonic() - started
    assert response.status_code == 302
    assert answered_in < 10
    job = PdfJob.objects.get()
    assert job.status == "queued"

    command = [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        wait_for_redis(url)
        with running_worker(tmp_path, broker_url=url), broker(url):
            PdfJob.objects.filter(pk=job.pk).update(
                queued_at=job.queued_at - rendering.STUCK_QUEUED_AFTER * 2
            )
            assert tasks.requeue_stuck_pdfs() == 1  # what celery beat runs every minute
            assert wait_for(job.pk).status == "ready"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_latest_status_reports_pdf_lists_its_top_five_risks(
    celery_worker, delivering, manager, tmp_path
):
    """Issue 18: the status report and its PDF list the five highest-scoring open risks —
    as the report kept them, read back from the PDF the worker rendered."""
    from projects.services import raid
    from tests.conftest import report_status

    for n, (likelihood, impact) in enumerate([(5, 5), (1, 2), (4, 4), (2, 5), (3, 3), (1, 1)]):
        raid.raid_item_add(
            project=delivering,
            by=manager,
            kind="risk",
            title=f"Register risk {n}",
            owner=manager,
            likelihood=likelihood,
            impact=impact,
            review_date=timezone.localdate(),
        )
    report_status(delivering, manager, summary="Build on track <script>x</script>")
    client = client_for(manager)

    client.post(reverse("projects:status-report-pdf", args=[delivering.pk]))
    job = wait_for(PdfJob.objects.get(kind="status_report").pk)
    assert job.status == "ready", job.error
    status_tab = client.get(reverse("projects:status", args=[delivering.pk]))
    assert "Download PDF" in status_tab.content.decode()

    response = client.get(reverse("projects:pdf-download", args=[delivering.pk, job.pk]))
    (tmp_path / "status.pdf").write_bytes(b"".join(response.streaming_content))
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "status.pdf").pages)
    assert "Status report" in text and "Build on track <script>x</script>" in text
    shown = [f"Register risk {n}" for n in (0, 2, 4, 3)] + ["Supplier delivers late"]
    assert all(title in text for title in shown), text
    assert "Register risk 1" not in text and "Register risk 5" not in text
    assert "25" in text and "Alex Moreno" in text
