"""CSRF on every POST route, mass assignment on every form, and workflow bypass attempts."""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lifecycle.errors import TransitionConflict, TransitionForbidden
from lifecycle.models import AuditEntry
from lifecycle.services import transition_run
from lifecycle.stages import Stage
from projects import forms, lists
from projects.models import Charter, Plan, Project, ProjectDeliverable, Proposal
from projects.services import change, discussion, evidence
from tests.security.test_permission_matrix import POST_ROUTES, project_routes, route_kwargs


def test_every_post_route_refuses_a_request_without_a_csrf_token(delivering, manager, member):
    deliverable = delivering.deliverables.first()
    discussion.comment_add(record=deliverable, by=member, body="A comment to edit")
    quote = SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%%EOF\n")
    evidence.attachment_add(record=deliverable, by=manager, upload=quote)
    change.change_request_raise(
        project=delivering, by=manager, title="A change", reason="Why", scope_impact="More"
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    before = AuditEntry.objects.count()
    refused = 0
    for route in project_routes():
        if route.name not in POST_ROUTES:
            continue
        url = reverse(f"projects:{route.name}", kwargs=route_kwargs(route.name, delivering))
        assert client.post(url, {"comment": "no token"}).status_code == 403, route.name
        refused += 1
    assert refused == len(POST_ROUTES)
    assert AuditEntry.objects.count() == before


FORM_MODULES = [
    importlib.import_module(f"projects.forms.{module.name}")
    for module in pkgutil.iter_modules(forms.__path__)
]
# What no form may ever post: the state machines' fields, the people who decide and own.
PROTECTED = {"stage", "state", "sponsor_id", "manager", "requester", "project", "approved_at"}


def test_no_form_takes_all_fields_or_excludes():
    assert len(FORM_MODULES) >= 5
    model_forms = []
    for module in FORM_MODULES:
        tree = ast.parse(Path(inspect.getfile(module)).read_text())
        meta_fields = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") in ("fields", "exclude") for t in node.targets)
        ]
        for node in meta_fields:
            assert getattr(node.targets[0], "id", "") != "exclude"
            assert not (isinstance(node.value, ast.Constant) and node.value.value == "__all__")
        model_forms += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and issubclass(obj, django_forms.ModelForm)
            and obj is not django_forms.ModelForm
        ]
    assert model_forms
    for form in model_forms:
        assert not set(form.base_fields) & PROTECTED, form
    for spec in [lists.RISKS, *lists.CHARTER_LISTS, *lists.SCOPE_LISTS, *lists.PLAN_LISTS]:
        assert not set(spec.formset_class.form.base_fields) & PROTECTED, spec.key


EXTRA = {
    "stage": "closed",
    "state": "approved",
    "sponsor": "1",
    "requester": "1",
    "manager": "1",
    "approved_at": "2020-01-01",
    "project": "1",
    "funded": "99999999",
    "revision": "99",
    "version": "0",
}


@pytest.mark.parametrize(
    "route",
    [
        "business-case-edit",
        "funding-create",
        "charter-edit",
        "goal-create",
        "scope-edit",
        "status-report-create",
        "raid-create",
    ],
)
def test_extra_fields_change_nothing(route, project, approved, manager, sponsor):
    """Posted to each form (valid or not), the extra fields never land."""
    who = sponsor if route == "funding-create" else manager
    target = Project.objects.get(pk=project.pk)
    client = Client()
    client.force_login(who)
    url = reverse(f"projects:{route}", args=[target.pk])
    client.post(url, EXTRA | {"amount": "10", "source": "CC", "approved_on": "2026-01-01"})
    after = Project.objects.get(pk=target.pk)
    assert (after.stage, after.manager_id, after.sponsor_id) == (
        Stage.IDENTIFYING,
        manager.pk,
        sponsor.pk,
    )
    assert Proposal.objects.get(project=target).state in ("approved", "draft")
    assert after.funded in (0, 10, 120000, 120010)


def all_transitions(model):
    field = model._meta.get_field("state" if model is not Project else "stage")
    return field, {t.name for t in field.get_all_transitions(model)}


@pytest.mark.parametrize("model", [Project, Proposal, Charter, Plan, ProjectDeliverable])
def test_transitions_outside_the_graph_change_nothing(model, delivering, pmo, manager, sponsor):
    """Every transition the record's current state does not allow, by each of its people."""
    instance = {
        Project: delivering,
        Proposal: delivering.proposal,
        Charter: Charter.objects.get(project=delivering),
        Plan: Plan.objects.get(project=delivering),
        ProjectDeliverable: delivering.deliverables.first(),
    }[model]
    field, names = all_transitions(model)
    current = field.get_state(instance)
    attempts = 0
    for name in sorted(names):
        meta = getattr(instance, name)._django_fsm
        if meta.has_transition(current):
            continue
        for who in (pmo, manager, sponsor):
            before = AuditEntry.objects.count()
            with pytest.raises((TransitionConflict, TransitionForbidden)):
                transition_run(instance=instance, name=name, by=who, comment="bypass")
            assert AuditEntry.objects.count() == before
            attempts += 1
    assert attempts > 0
    assert field.get_state(type(instance).objects.get(pk=instance.pk)) == current


@pytest.mark.parametrize(
    ("route", "prefix", "where"),
    [
        ("charter-edit", "stakeholders", "filled"),
        ("business-case-edit", "risks", "project"),
        ("plan-edit", "tasks", "planning"),
    ],
)
def test_a_request_claiming_100000_rows_is_refused_before_any_form_is_built(
    manager, route, prefix, where, request, django_assert_max_num_queries
):
    """A 600-byte POST whose TOTAL_FORMS say 100,000 once held a worker for 30 s."""
    project = request.getfixturevalue(where)
    client = Client()
    client.force_login(manager)
    client.get(reverse("projects:home"))  # the user's permissions, read once
    url = reverse(f"projects:{route}", args=[project.pk])
    data = {f"{prefix}-TOTAL_FORMS": "100000", f"{prefix}-INITIAL_FORMS": "0"}

    with django_assert_max_num_queries(20):
        response = client.post(url, data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "takes at most" in page and "100,000 were sent. Nothing was saved." in page
