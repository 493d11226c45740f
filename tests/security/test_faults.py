"""Faults: a worker's child killed mid-render again and again, the database dropping its
connections, pathological input."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from projects import rendering, services
from projects.models import PdfJob
from tests.conftest import client_for
from tests.projects.test_pdf_worker import charter_project, wait_for

KILLS = int(os.environ.get("KILL_ROUNDS", "20"))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_killing_the_workers_child_mid_render_loses_and_doubles_nothing(
    celery_worker, capsys, settings
):
    """Each round: a big charter starts rendering, its process is SIGKILLed; the job is
    rendered again by the next child — exactly once more — and stored once."""
    settings.PDF_REQUESTS_PER_MINUTE = 10 * KILLS  # one person asks for every render here
    project, manager = charter_project(stakeholders=150, milestones=80, tasks=80)
    ready = lost = doubled = 0
    for round_number in range(KILLS):
        services.charter_update(
            charter=project.charter,
            by=manager,
            version=type(project.charter).objects.get(pk=project.charter.pk).version,
            lists={"assumption": [{"text": f"Round {round_number}"}]},
            purpose=f"Round {round_number}",
            justification="J",
            objectives="O",
            budget_notes="",
        )
        job = services.charter_pdf_request(project=project, by=manager)
        wait_for(job.pk, statuses=("rendering",))
        time.sleep(0.2)
        for child in celery_worker.pool_processes():
            os.kill(child, signal.SIGKILL)
        job = wait_for(job.pk, timeout=120)
        ready += job.status == "ready"
        lost += job.status != "ready"
        doubled += job.attempts != 2
    stored = list((Path(settings.MEDIA_ROOT) / "pdfs" / str(project.pk)).iterdir())
    with capsys.disabled():
        print(
            f"\nkills: {KILLS} mid-render, {ready} PDFs, {lost} lost, "
            f"{doubled} rendered more than twice, {len(stored)} files"
        )
    assert (ready, lost, doubled, len(stored)) == (KILLS, 0, 0, KILLS)


@pytest.mark.django_db(transaction=True)
def test_the_next_request_succeeds_after_the_database_dropped_its_connections(manager):
    from tests.factories import ProjectFactory

    project = ProjectFactory(manager=manager)
    client = client_for(manager)
    assert client.get(project.get_absolute_url()).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()  # ours too: as if the server restarted under every connection

    assert client.get(project.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("goal", "\n".join(["A line"] * 5000), "Ensure this value has at most 2000 characters"),
        ("estimated_cost", "9" * 400, "Ensure that there are no more than 14 digits in total."),
        ("estimated_cost", "1e999999", "Write the amount in digits, e.g. 1,000,000 (not 1e6)."),
        ("title", "\u0000" * 10, "Null characters are not allowed."),
    ],
)
def test_pathological_input_gets_field_errors(project, manager, field, value, error):
    from tests.projects.test_views import case_for

    response = client_for(manager).post(
        reverse("projects:business-case-edit", args=[project.pk]),
        case_for(project.sponsor.user, **{field: value}),
    )
    assert response.status_code == 200
    assert error in response.content.decode()


def test_a_huge_charter_renders_or_fails_with_a_message_and_the_worker_stays_healthy(
    filled, manager
):
    from tests.conftest import charter_lists, charter_texts

    services.charter_update(
        charter=filled.charter,
        by=manager,
        version=filled.charter.version,
        lists=charter_lists(stakeholders=100),
        **charter_texts(objectives="\n".join(f"Objective line {n}" for n in range(1300))),
    )
    job = rendering.render_job(services.charter_pdf_request(project=filled, by=manager).pk)

    assert job.status in (PdfJob.Status.READY, PdfJob.Status.FAILED)
    assert job.status == PdfJob.Status.READY or job.error
