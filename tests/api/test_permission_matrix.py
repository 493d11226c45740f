"""The browser's permission matrix (tests/security/test_permission_matrix.py), repeated
through the API with real tokens: every API route × every kind of person.

Outsiders get 404 for everything of the project whatever they send, the anonymous 401, read
tokens 403 for every write; and no write succeeds unless the rulebook allows it to that person
now: the rule is asked before each POST, the answer compared, and the POST rolled back so every
cell starts from the same project."""

from collections import Counter
from typing import Any

from django.db import transaction
from django.urls import get_resolver
from django.utils import timezone

from lifecycle.rules import allows
from lifecycle.selectors import actions_for
from projects.models import Project
from tests.api.conftest import Caller, caller_for
from tests.security.test_permission_matrix import ROLES, people, state, world  # noqa: F401

INSIDERS = {"member", "manager", "sponsor", "pmo"}
OUTSIDERS = {"outsider", "manager (other)", "sponsor (other)"}
# Routes that only write: a GET is 405.
POST_ONLY = {"transition", "business-case-create", "business-case-action", "charter-pdf"}
POST_ONLY |= {"charter-revision-pdf"}
WRITES = POST_ONLY | {"business-case", "measurements"}


def api_routes() -> list[Any]:
    """Every route of the API but the last, which answers 404 to any other address."""
    routes = get_resolver("projects.api.urls").url_patterns
    return [route for route in routes if route.name != "no-such-address"]


def route_urls(name: str, project: Project) -> list[str]:
    """The route's address(es) for `project`: one per action an action route takes."""
    goal = project.goals.first()
    ids = {
        "project_id": project.pk,
        "goal_id": goal.pk,
        "number": 1,
        "job_id": project.pdf_jobs.first().pk,
        "attachment_id": project.attachments.first().pk,
    }
    route = next(r for r in api_routes() if r.name == name)
    path = "/api/v1/" + str(route.pattern)
    for key, value in ids.items():
        path = path.replace(f"<int:{key}>", str(value))
    if name == "transition":
        names = ["hold", "cancel", "advance_to_closing", "resume"]
        return [path.replace("<str:name>", each) for each in names]
    if name == "business-case-action":
        actions = ["approve", "reject", "withdraw", "submit"]
        return [path.replace("<str:action>", each) for each in actions]
    return [path]


def body_for(name: str, sponsor: Any) -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    return {
        "measurements": {"date": today, "value": "5"},
        "business-case": {"need": "Matrix"},
        "business-case-create": {
            "title": "Matrix",
            "category": "other",
            "sponsor": sponsor.pk,
            "goal": "Matrix goal",
        },
        "charter-pdf": {},
        "charter-revision-pdf": {},
    }.get(name, {"comment": "matrix"})


def rule_allows(name: str, url: str, user: Any, project: Project) -> bool:
    """What the rulebook says `user` may write through this route now."""
    project = Project.objects.select_related("proposal").get(pk=project.pk)
    last = url.rstrip("/").rsplit("/", 1)[-1]
    if name == "transition":
        return last in {a.name for a in actions_for(project, user)}
    if name == "business-case-action":
        taken = {a.name for a in actions_for(project.proposal, user, field="state")}
        return last.replace("-", "_") in taken | ({"approve"} if "endorse" in taken else set())
    if name == "business-case":
        return allows(user, "may_edit_business_case", project.proposal)
    if name == "business-case-create":
        return allows(user, "may_create_business_case")
    if name == "measurements":
        return allows(user, "may_add_measurement", project.goals.first())
    if name in ("charter-pdf", "charter-revision-pdf"):
        return allows(user, "may_generate_pdf", project)
    raise AssertionError(f"{name}: give it a rule")


def expected_refusal(role: str, in_project: bool, answer: int) -> int:
    """The anonymous are asked for a token; outsiders hear of no such project."""
    if role == "anonymous":
        return 401
    if role in OUTSIDERS and in_project:
        return 404
    return answer  # insiders: whatever the rule and the project's state say


def send(caller: Caller, name: str, url: str, body: dict[str, Any]):
    if name == "business-case":
        return caller.patch(url, body)
    return caller.post(url, body)


def test_the_api_permission_matrix(world, people, capsys):  # noqa: F811
    project, _ = world
    writers = {role: caller_for(person) for role, person in people.items()}
    readers = {role: caller_for(person, "read") for role, person in people.items()}
    writers["anonymous"] = readers["anonymous"] = Caller()
    names = {route.name for route in api_routes()}
    assert names - WRITES - {"projects", "project", "business-case", "charter"} <= {
        "charter-revisions",
        "charter-revision",
        "pdf-job",
        "pdf-download",
        "goals",
        "goal",
        "attachments",
        "attachment-download",
    }, "a new API route: give it an expectation"

    mismatches, cells, unauthorized = [], Counter(), 0
    for route in api_routes():
        for url in route_urls(route.name, project):
            for role in ROLES:
                in_project = route.name not in ("projects", "business-case-create")
                # Reading.
                answer = readers[role].get(url).status_code
                cells["GET"] += 1
                if role == "anonymous":
                    expected = {401}
                elif route.name in POST_ONLY:
                    expected = {405}
                elif role in OUTSIDERS and in_project:
                    expected = {404}
                else:
                    expected = {200}
                if answer not in expected:
                    mismatches.append(("GET", url, role, answer))
                if route.name not in WRITES:
                    continue
                body = body_for(route.name, people["sponsor"])
                # A read token writes nothing.
                before = state(project)
                answer = send(readers[role], route.name, url, body).status_code
                cells["POST read token"] += 1
                if answer != (401 if role == "anonymous" else 403):
                    mismatches.append(("POST read token", url, role, answer))
                if state(project) != before:
                    unauthorized += 1
                    mismatches.append(("read token changed state", url, role, answer))
                # A write token writes what the rulebook allows, nothing else.
                person = people.get(role)
                allowed = person is not None and rule_allows(route.name, url, person, project)
                with transaction.atomic():
                    before = state(project)
                    answer = send(writers[role], route.name, url, body).status_code
                    changed = state(project) != before
                    transaction.set_rollback(True)
                cells["POST write token"] += 1
                if (answer < 400 or changed) and not allowed:
                    unauthorized += 1
                    mismatches.append(("unauthorised success", url, role, answer))
                elif answer != expected_refusal(role, in_project, answer):
                    mismatches.append(("POST", url, role, answer))
                elif answer == 403 and allowed:
                    mismatches.append(("refused what the rule allows", url, role, answer))

    with capsys.disabled():
        print(
            f"\nAPI permission matrix: {len(api_routes())} routes × {len(ROLES)} roles = "
            f"{sum(cells.values())} cells ({', '.join(f'{n} {k}' for k, n in cells.items())}), "
            f"{len(mismatches)} mismatches, {unauthorized} unauthorised successes"
        )
    assert mismatches == []
    assert unauthorized == 0


def test_lists_show_no_foreign_rows(world, manager):  # noqa: F811
    project, other = world
    listed = {
        row["id"] for row in caller_for(manager, "read").get("/api/v1/projects/").json()["results"]
    }
    assert project.pk in listed and other.pk not in listed
