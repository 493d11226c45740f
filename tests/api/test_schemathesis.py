"""Schemathesis, a third-party API fuzzer, against the OpenAPI schema on a live server with a
real token: every operation gets generated requests, valid and invalid ones (bounded, so it
runs in `make test`), and every answer must be no server error and conform to the schema
(status, content type, body).
Each read is also called once with the ids of real records, so success bodies are checked
too, not only the 404s of made-up ids."""

import time
from itertools import product

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from projects import rendering
from projects.services import discussion, evidence, pdfs
from projects.services.tokens import token_create

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Generated requests per operation: enough to find the crashes, few enough for CI.
EXAMPLES = 15


@pytest.fixture
def records(delivering, manager):
    """A project with every kind of record the API reads: goals, a signed charter revision,
    a rendered PDF, evidence."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = pdfs.charter_pdf_request(project=delivering, by=manager)
    rendering.render_job(job.pk)
    deliverable = delivering.deliverables.first()
    discussion.comment_add(record=deliverable, by=manager, body="Fuzzed")
    upload = SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%%EOF\n")
    attachment = evidence.attachment_add(record=deliverable, by=manager, upload=upload)
    return {
        "project_id": delivering.pk,
        "goal_id": delivering.goals.first().pk,
        "number": 1,
        "job_id": job.pk,
        "attachment_id": attachment.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
    live_server, records, pmo, settings, capsys
):
    settings.API_THROTTLE_RATE = "100000/minute"
    secret = token_create(owner=pmo, name="Schemathesis", scope="write").secret
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers=headers)
    started, failures, calls = time.monotonic(), [], 0

    for result, mode in product(schema.get_all_operations(), GenerationMode):
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(base_url=live_server.url, headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            fuzz()
        except Exception as error:  # collected: every operation gets its turn
            failures.append(f"{operation.label} ({mode.value} data): {error}")

        if operation.method.upper() == "GET" and mode == GenerationMode.POSITIVE:
            known = {k: v for k, v in records.items() if "{" + k + "}" in operation.path}
            case = operation.Case(path_parameters=known)
            response = case.call(base_url=live_server.url, headers=headers)
            calls += 1
            try:
                case.validate_response(response, checks=CHECKS)
                assert response.status_code == 200, (operation.label, response.status_code)
            except Exception as error:
                failures.append(f"{operation.label} with real ids: {error}")

    with capsys.disabled():
        print(
            f"\nschemathesis: {calls} requests to {len(list(schema.get_all_operations()))} "
            f"operations in {time.monotonic() - started:.1f} s, {len(failures)} failures"
        )
    assert failures == [], "\n\n".join(failures)
