"""Every route of a project, for every kind of person (SPEC §5).

Routes come from the URL resolver, so a new one cannot be forgotten: it lands here with no
expectation and fails until it gets one. Every page answers insiders, outsiders get 404
whatever they try, the anonymous are sent to log in, and their POSTs change nothing. What
each insider may post in each stage is tests/security/test_rulebook.py's table.
"""

from collections import Counter
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lifecycle.models import AuditEntry
from projects import models, rendering
from projects.services import change, discussion, evidence, pdfs, project_transition
from tests.conftest import client_for
from tests.factories import ProjectFactory

# Routes that write (each role's answer in each stage is tests/security/test_rulebook.py's)
# and the PDF requests, which render what the person may already read.
POST_ROUTES = {
    "business-case-edit",
    "business-case-pdf",
    "proposal-action",
    "funding-create",
    "funding-action",
    "funding-correct",
    "sponsor-change",
    "manager-change",
    "stage-action",
    "charter-edit",
    "charter-action",
    "charter-pdf",
    "charter-revision-pdf",
    "goal-create",
    "goal-edit",
    "goal-archive",
    "measurement-create",
    "scope-edit",
    "plan-edit",
    "plan-action",
    "plan-forecasts",
    "change-request-create",
    "change-request-action",
    "status-report-create",
    "deliverable-action",
    "closure-edit",
    "closure-pdf",
    "status-report-pdf",
    "raid-create",
    "raid-edit",
    "raid-review",
    "raid-close",
    "raid-reopen",
    "actual-create",
    "actuals-import",
    "forecast-edit",
    "thread",
    "mentions-read",
    "comment-edit",
    "comment-remove",
    "attachment-add",
    "attachment-remove",
}
# Form pages: open to whom the rule allows now; others hear why (403 not theirs, 409 not now).
RESTRICTED_PAGES = {
    "business-case-edit",
    "funding-create",
    "funding-correct",
    "sponsor-change",
    "manager-change",
    "charter-edit",
    "goal-create",
    "goal-edit",
    "scope-edit",
    "plan-edit",
    "change-request-create",
    "closure-edit",
    "actuals-import",
    "comment-edit",
    "raid-create",
    "raid-edit",
    "raid-review",
}
# Read, but only by who may write there now: whom a comment box may @mention (JSON).
FOR_WRITERS = {"mention-people"}
# A record's thread: a page for everyone on the project, and the form that adds a comment.
POST_ONLY = POST_ROUTES - RESTRICTED_PAGES - {"thread"}
ROLES = ["anonymous", "outsider", "member", "manager", "manager (other)", "sponsor"]
ROLES += ["sponsor (other)", "pmo"]
INSIDERS = {"member", "manager", "sponsor", "pmo"}


def project_routes() -> list[URLPattern]:
    """Every route of the projects app that takes a project's `pk`."""

    def walk(patterns: list[Any]) -> list[URLPattern]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns)
            elif "<int:pk>" in str(pattern.pattern):
                found.append(pattern)
        return found

    return walk(get_resolver().url_patterns)


def route_kwargs(name: str, project: models.Project) -> dict[str, Any]:
    def goal() -> dict[str, int]:
        return {"goal_pk": project.goals.first().pk}

    def deliverable_thread() -> dict[str, Any]:
        return {"kind": "deliverable", "record": project.deliverables.first().pk}

    extra = {
        "proposal-action": lambda: {"action": "approve"},
        "stage-action": lambda: {"name": "hold"},
        "charter-action": lambda: {"action": "amend"},
        "charter-revision": lambda: {"number": 1},
        "charter-revision-pdf": lambda: {"number": 1},
        "goal": goal,
        "goal-edit": goal,
        "goal-archive": goal,
        "measurement-create": goal,
        "plan-action": lambda: {"action": "revise"},
        "change-request": lambda: {"change": project.change_requests.first().pk},
        "change-request-action": lambda: {
            "change": project.change_requests.first().pk,
            "action": "withdraw",
        },
        "deliverable-action": lambda: {
            "deliverable": project.deliverables.first().pk,
            "action": "deliver",
        },
        "pdf-status": lambda: {"job": project.pdf_jobs.first().pk},
        "funding-action": lambda: {"funding": project.fundings.first().pk, "action": "approve"},
        "funding-correct": lambda: {"funding": project.fundings.first().pk},
        "pdf-download": lambda: {"job": project.pdf_jobs.first().pk},
        "thread": deliverable_thread,
        "mentions-read": deliverable_thread,
        "mention-people": deliverable_thread,
        "attachment-add": deliverable_thread,
        "comment-edit": lambda: {"comment": project.comments.first().pk},
        "comment-remove": lambda: {"comment": project.comments.first().pk},
        "attachment-download": lambda: {"attachment": project.attachments.first().pk},
        "attachment-remove": lambda: {"attachment": project.attachments.first().pk},
        **dict.fromkeys(
            ("raid-edit", "raid-review", "raid-close", "raid-reopen"),
            lambda: {"item": project.raid_items.first().pk},
        ),
    }
    return {"pk": project.pk} | extra.get(name, dict)()


@pytest.fixture
def world(delivering, manager, manager2, sponsor2, member):
    """The project under test, in Delivering with every record, a PDF, a comment and a file;
    and another project, of other people, for the outsiders' own roles."""
    rendering.render_job(pdfs.charter_pdf_request(project=delivering, by=manager).pk)
    deliverable = delivering.deliverables.first()
    discussion.comment_add(record=deliverable, by=member, body="Matrix thread")
    quote = SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%%EOF\n")
    evidence.attachment_add(record=deliverable, by=manager, upload=quote)
    change.change_request_raise(
        project=delivering, by=manager, title="Matrix change", reason="Why not", scope_impact="More"
    )
    other = ProjectFactory(
        title="Somebody else's migration", manager=manager2, sponsor=sponsor2.sponsor_profile
    )
    return delivering, other


def client_as(role: str, people: dict[str, Any]) -> Client:
    return Client() if role == "anonymous" else client_for(people[role])


def state(project: models.Project) -> tuple:
    """What a POST could change: the audit log, and the records people write."""
    return (
        AuditEntry.objects.count(),
        models.Project.objects.get(pk=project.pk).stage,
        models.Funding.objects.count(),
        models.Measurement.objects.count(),
        models.StatusReport.objects.count(),
        models.Goal.objects.filter(archived_at__isnull=False).count(),
        models.Plan.objects.get(project=project).state,
        sorted(project.change_requests.values_list("state", flat=True)),
        sorted(project.deliverables.values_list("state", flat=True)),
        models.PdfJob.objects.count(),
        list(models.RaidItem.objects.order_by("pk").values_list("status", "title", "owner_id")),
    )


def expected_get(name: str, role: str) -> set[int]:
    if role == "anonymous":
        return {302}
    if name in POST_ONLY:
        return {405}
    if role not in INSIDERS:
        return {404}
    if name == "closure-edit":
        return {404}  # the project delivers: its closure report is opened in Closing
    if name in RESTRICTED_PAGES | FOR_WRITERS:
        return {200, 403, 409}
    return {200}


@pytest.fixture
def people(viewer, member, manager, manager2, sponsor, sponsor2, pmo) -> dict[str, Any]:
    """The matrix's people by role (anonymous aside), for the browser's and the API's."""
    return {
        "outsider": viewer,
        "member": member,
        "manager": manager,
        "manager (other)": manager2,
        "sponsor": sponsor,
        "sponsor (other)": sponsor2,
        "pmo": pmo,
    }


def test_the_permission_matrix(world, people, capsys):
    project, _ = world
    routes = project_routes()
    names = {route.name for route in routes}
    pages = {"detail", "history", "charter", "charter-revision", "goals", "goal", "scope"}
    pages |= {"plan", "status", "closure", "pdf-status", "pdf-download", "attachment-download"}
    pages |= {"raid", "costs", "actuals-sample", "changes", "change-request", *FOR_WRITERS}
    assert names - POST_ROUTES - pages == set(), "a new project route: give it an expectation"

    mismatches, cells, unauthorized = [], Counter(), 0
    for route in routes:
        url = reverse(f"projects:{route.name}", kwargs=route_kwargs(route.name, project))
        for role in ROLES:
            client = client_as(role, people)
            answer = client.get(url).status_code
            cells["GET"] += 1
            if answer not in expected_get(route.name, role):
                mismatches.append(("GET", route.name, role, answer))
            if route.name not in POST_ROUTES or role in INSIDERS:
                continue  # insiders' posts: every stage, every role, in test_rulebook.py
            before = state(project)
            answer = client.post(url, {"comment": "matrix"}).status_code
            cells["POST"] += 1
            if answer != (302 if role == "anonymous" else 404):
                mismatches.append(("POST", route.name, role, answer))
            elif state(project) != before:
                unauthorized += 1
                mismatches.append(("POST changed state", route.name, role, answer))

    with capsys.disabled():
        print(
            f"\npermission matrix: {len(routes)} routes × {len(ROLES)} roles = "
            f"{sum(cells.values())} cells ({cells['GET']} GET, {cells['POST']} POST), "
            f"{len(mismatches)} mismatches, {unauthorized} unauthorized changes"
        )
    assert mismatches == []


# The PMO's own pages (no project in their address): the rule `may_manage_webhooks` answers
# everyone else 403, whatever the record; the anonymous are sent to log in.
PMO_ROUTES = {"webhooks", "webhook-create", "webhook", "webhook-edit", "webhook-replay"}
PMO_POST_ONLY = {"webhook-replay"}


def pmo_routes() -> list[URLPattern]:
    """Every route of the projects app whose name is a webhook's."""

    def walk(patterns: list[Any]) -> list[URLPattern]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns)
            elif (pattern.name or "").startswith("webhook"):
                found.append(pattern)
        return found

    return walk(get_resolver().url_patterns)


def test_the_pmo_pages(
    world, manager, sponsor, viewer, member, pmo, django_capture_on_commit_callbacks
):
    project, _ = world
    endpoint = models.WebhookEndpoint.objects.create(
        url="https://93.184.215.14/hook", events=["stage.changed"], secret="s" * 32, created_by=pmo
    )
    with django_capture_on_commit_callbacks(execute=True):
        project_transition(project=project, name="hold", by=sponsor, comment="Wait")
    delivery = models.WebhookDelivery.objects.get()
    kwargs = {
        "webhook": {"endpoint": endpoint.pk},
        "webhook-edit": {"endpoint": endpoint.pk},
        "webhook-replay": {"endpoint": endpoint.pk, "delivery": delivery.pk},
    }
    people = {"outsider": viewer, "member": member, "manager": manager, "sponsor": sponsor}
    people["pmo"] = pmo
    routes = pmo_routes()
    assert {route.name for route in routes} == PMO_ROUTES, "a new PMO route: give it an expectation"

    def webhook_state() -> tuple:
        return (
            list(models.WebhookEndpoint.objects.values_list("url", "events", "active", "secret")),
            models.WebhookDelivery.objects.count(),
        )

    mismatches = []
    for route in routes:
        url = reverse(f"projects:{route.name}", kwargs=kwargs.get(route.name, {}))
        for role in ["anonymous", *people]:
            client = client_as(role, people)
            expected = 302 if role == "anonymous" else 405 if route.name in PMO_POST_ONLY else 200
            if role not in ("anonymous", "pmo") and route.name not in PMO_POST_ONLY:
                expected = 403
            if (answer := client.get(url).status_code) != expected:
                mismatches.append(("GET", route.name, role, answer))
            if role == "pmo":
                continue  # the PMO's posts: tests/projects/test_webhooks.py
            before = webhook_state()
            data = {"url": "https://93.184.215.15/x", "events": ["charter.signed"], "active": "on"}
            answer = client.post(url, data).status_code
            if answer != (302 if role == "anonymous" else 403):
                mismatches.append(("POST", route.name, role, answer))
            elif webhook_state() != before:
                mismatches.append(("POST changed state", route.name, role, answer))
    assert mismatches == []


def test_other_projects_ids_in_a_projects_routes_are_not_found(world, manager):
    """IDOR: a goal, deliverable or PDF of another project, under this project's address."""
    project, other = world
    foreign_goal = models.Goal.objects.create(
        project=other, statement="Theirs", direction="increase", baseline=0
    )
    foreign_job = models.PdfJob.objects.create(
        project=other,
        kind="charter",
        title="Theirs",
        document={},
        source_sha256="0" * 64,
        requested_by=manager,
    )
    client = client_for(manager)
    foreign_item = models.RaidItem.objects.create(project=other, kind="issue", title="Theirs")
    probes = [
        ("raid-edit", {"item": foreign_item.pk}),
        ("raid-review", {"item": foreign_item.pk}),
        ("goal", {"goal_pk": foreign_goal.pk}),
        ("goal-edit", {"goal_pk": foreign_goal.pk}),
        ("pdf-status", {"job": foreign_job.pk}),
        ("pdf-download", {"job": foreign_job.pk}),
    ]
    for name, kwargs in probes:
        assert (
            client.get(reverse(f"projects:{name}", kwargs={"pk": project.pk} | kwargs)).status_code
            == 404
        )
    posts = [
        ("raid-close", {"item": foreign_item.pk}),
        ("measurement-create", {"goal_pk": foreign_goal.pk}),
        ("goal-archive", {"goal_pk": foreign_goal.pk}),
    ]
    for name, kwargs in posts:
        url = reverse(f"projects:{name}", kwargs={"pk": project.pk} | kwargs)
        assert client.post(url, {"date": "2026-01-01", "value": "1"}).status_code == 404
    assert not foreign_goal.measurements.exists()
    assert models.RaidItem.objects.get(pk=foreign_item.pk).is_open


def test_lists_show_no_foreign_rows(world, manager):
    project, other = world
    client = client_for(manager)
    for path in (
        reverse("projects:home"),
        reverse("projects:portfolio"),
        reverse("projects:portfolio-csv"),
    ):
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert other.title.encode() not in body
        assert project.title.encode() in body
