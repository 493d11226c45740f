"""The charter pages: the form with its lists, the read-only view, sign-off over HTTP."""

import pytest
from django.urls import reverse

from lifecycle.models import AuditEntry
from projects import services
from projects.lists import CHARTER_LISTS
from projects.models import Charter, CharterRevision, CharterState
from tests.conftest import charter_lists, charter_texts, client_for


def url(name, project, *args):
    return reverse(f"projects:{name}", args=[project.pk, *args])


def charter_post(charter, *, version=None, **rows):
    """The edit form as the browser posts it: text sections, then every list's formset."""
    data = charter_texts() | {"version": str(charter.version if version is None else version)}
    for key in (spec.key for spec in CHARTER_LISTS):
        existing = rows.get(key, [])
        data |= {
            f"{key}-TOTAL_FORMS": str(len(existing)),
            f"{key}-INITIAL_FORMS": "0",
            f"{key}-MIN_NUM_FORMS": "0",
            f"{key}-MAX_NUM_FORMS": "1000",
        }
        for number, row in enumerate(existing):
            data |= {f"{key}-{number}-{field}": value for field, value in row.items()}
    return data


STAKEHOLDER = {"name": "Sam Reed", "role": "Ops lead", "organisation": "Logistics"} | {
    "email": "sam@example.com",
    "influence": "high",
    "interest": "medium",
}


def test_manager_fills_the_charter_in_the_browser(initiating, manager):
    data = charter_post(
        initiating.charter,
        stakeholders=[STAKEHOLDER, STAKEHOLDER | {"name": "Chris Olsen"}],
        milestones=[{"name": "Pilot live", "due_date": "2027-03-01"}],
        deliverables=[{"name": "Installation", "description": "Both sites"}],
        assumption=[{"text": "Weekend access"}],
        strength=[{"text": "In-house team"}],
        weakness=[{"text": "One supplier"}],
        tasks=[{"name": "Survey", "owner": "Alex", "start_date": "2027-01-04"}],
    )

    response = client_for(manager).post(url("charter-edit", initiating), data)

    assert response.status_code == 302
    charter = Charter.objects.get(pk=initiating.charter.pk)
    assert [s.name for s in charter.stakeholders.all()] == ["Sam Reed", "Chris Olsen"]
    assert charter.items.get(kind="strength").text == "In-house team"
    assert charter.risks.count() == 0  # the risks formset was posted empty: removed


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ({"stakeholders": [STAKEHOLDER | {"email": "not-an-e-mail"}]}, "Enter a valid email"),
        ({"stakeholders": [STAKEHOLDER | {"name": ""}]}, "This field is required."),
        ({"deliverables": [{"name": "x" * 5000}]}, "at most 200 characters"),
        (
            {"tasks": [{"name": "T", "start_date": "2027-02-01", "end_date": "2027-01-01"}]},
            "The end must not be before the start.",
        ),
        ({"risks": [{"description": "R", "likelihood": "9", "impact": "1"}]}, "Use a value"),
        ({"milestones": [{"name": "M", "due_date": "someday"}]}, "Enter a valid date."),
    ],
)
def test_bad_rows_get_field_errors_and_nothing_is_saved(initiating, manager, rows, error):
    before = initiating.charter.version
    response = client_for(manager).post(
        url("charter-edit", initiating), charter_post(initiating.charter, **rows)
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert Charter.objects.get(pk=initiating.charter.pk).version == before


def test_html_in_the_charter_is_escaped(initiating, manager):
    client = client_for(manager)
    client.post(
        url("charter-edit", initiating),
        charter_post(initiating.charter, deliverables=[{"name": "<img src=x onerror=alert(1)>"}]),
    )

    page = client.get(url("charter", initiating)).content.decode()

    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_form_from_another_tab_is_refused_after_signing(filled, manager, sponsor):
    opened = filled.charter.version
    services.charter_submit(charter=filled.charter, by=manager)
    services.charter_sign(charter=filled.charter, by=sponsor)

    # The manager still has the form open from before; the edit page itself is now closed.
    response = client_for(manager).post(
        url("charter-edit", filled), charter_post(filled.charter, version=opened)
    )

    assert response.status_code == 409
    assert "The charter is signed: amend it" in response.content.decode()
    assert Charter.objects.get(pk=filled.charter.pk).stakeholders.count() == 1


def test_a_form_saved_in_another_tab_is_refused_with_409(filled, manager):
    client = client_for(manager)
    opened = filled.charter.version
    client.post(
        url("charter-edit", filled), charter_post(filled.charter, stakeholders=[STAKEHOLDER])
    )

    response = client.post(
        url("charter-edit", filled),
        charter_post(filled.charter, version=opened, stakeholders=[STAKEHOLDER] * 3),
    )

    assert response.status_code == 409
    assert "Nothing was saved" in response.content.decode()
    assert Charter.objects.get(pk=filled.charter.pk).stakeholders.count() == 1


def test_submit_sign_and_advance_over_http(filled, manager, sponsor):
    manager_client, sponsor_client = client_for(manager), client_for(sponsor)

    manager_client.post(url("charter-action", filled, "submit"))
    home = sponsor_client.get(reverse("projects:home")).content.decode()
    assert "Charter" in home and filled.title in home
    page = sponsor_client.get(url("charter", filled)).content.decode()
    assert "Sign charter" in page and "Return charter" in page

    assert sponsor_client.post(url("charter-action", filled, "sign")).status_code == 302
    revision = CharterRevision.objects.get()
    revision_page = sponsor_client.get(url("charter-revision", filled, 1)).content.decode()
    assert revision.sha256 in revision_page
    assert "read-only" in revision_page

    assert (
        sponsor_client.post(url("stage-action", filled, "advance_to_defining")).status_code == 302
    )
    history = manager_client.get(url("history", filled)).content.decode()
    for step in ("Submit charter for sign-off", "Sign charter", "Advance to Defining"):
        assert step in history


def test_double_click_on_sign_gives_one_revision_and_a_409(filled, manager, sponsor):
    services.charter_submit(charter=filled.charter, by=manager)
    client = client_for(sponsor)

    first = client.post(url("charter-action", filled, "sign"))
    second = client.post(url("charter-action", filled, "sign"))

    assert (first.status_code, second.status_code) == (302, 409)
    assert CharterRevision.objects.count() == 1
    assert AuditEntry.objects.filter(record="Charter", action="sign").count() == 1


def test_return_without_a_reason_is_a_field_error(filled, manager, sponsor):
    services.charter_submit(charter=filled.charter, by=manager)

    response = client_for(sponsor).post(url("charter-action", filled, "return_charter"))

    assert response.status_code == 400
    assert "Give a reason to “Return charter”." in response.content.decode()
    assert Charter.objects.get(pk=filled.charter.pk).state == CharterState.SUBMITTED


def test_members_read_the_charter_but_cannot_edit_it(filled, member, viewer):
    member_page = client_for(member).get(url("charter", filled))

    assert member_page.status_code == 200
    assert "Edit charter" not in member_page.content.decode()
    assert client_for(member).get(url("charter-edit", filled)).status_code == 403
    assert client_for(viewer).get(url("charter", filled)).status_code == 404
    assert client_for(viewer).post(url("charter-action", filled, "sign")).status_code == 404


def test_a_project_in_identifying_has_no_charter_yet(project, manager):
    page = client_for(manager).get(url("charter", project)).content.decode()

    assert "written in the Initiating stage" in page
    assert client_for(manager).get(url("charter-edit", project)).status_code == 404


def page_queries(client, path, django_assert_max_num_queries):
    client.get(path)  # a user's first request also reads their permissions
    with django_assert_max_num_queries(25) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_charter_page_queries_do_not_grow_with_its_lists(
    initiating, manager, django_assert_max_num_queries
):
    client = client_for(manager)
    charter = initiating.charter

    def fill(**counts):
        services.charter_update(
            charter=charter,
            by=manager,
            version=Charter.objects.get(pk=charter.pk).version,
            lists=charter_lists(**counts),
            **charter_texts(),
        )

    fill(stakeholders=1, milestones=1, deliverables=1, tasks=1, risks=1)
    small = page_queries(client, url("charter", initiating), django_assert_max_num_queries)
    fill(stakeholders=15, milestones=12, deliverables=8, tasks=20, risks=10)
    large = page_queries(client, url("charter", initiating), django_assert_max_num_queries)

    assert large == small


def test_existing_rows_are_kept_edited_or_deleted_through_the_form(filled, manager):
    charter = filled.charter
    services.charter_update(
        charter=charter,
        by=manager,
        version=Charter.objects.get(pk=charter.pk).version,
        lists=charter_lists(stakeholders=2),
        **charter_texts(),
    )
    first, second = charter.stakeholders.all()
    data = charter_post(Charter.objects.get(pk=charter.pk))
    data |= {
        "stakeholders-TOTAL_FORMS": "3",
        "stakeholders-INITIAL_FORMS": "2",
        "stakeholders-0-id": str(first.pk),
        "stakeholders-1-id": str(second.pk),
        "stakeholders-1-DELETE": "on",
    }
    for number, row in enumerate([STAKEHOLDER | {"name": "Kept"}, STAKEHOLDER, STAKEHOLDER]):
        data |= {f"stakeholders-{number}-{field}": value for field, value in row.items()}
    data["stakeholders-2-name"] = "New"

    response = client_for(manager).post(url("charter-edit", filled), data)

    assert response.status_code == 302
    assert [(s.pk, s.name) for s in charter.stakeholders.all()] == [
        (first.pk, "Kept"),
        (charter.stakeholders.last().pk, "New"),
    ]


def test_a_charter_too_long_to_print_is_refused_at_save_with_the_figures(initiating, manager):
    """Issue 15, finding 3: 100 deliverables of 1,000 characters once printed 978 pages."""
    long_ones = [{"name": f"Deliverable {n}", "description": "x" * 1000} for n in range(30)]

    response = client_for(manager).post(
        url("charter-edit", initiating), charter_post(initiating.charter, deliverables=long_ones)
    )

    assert response.status_code == 200
    assert "Keep “Major deliverables” under 20,000 characters in all; it has 30,410." in (
        response.content.decode()
    )
    assert not initiating.charter.deliverables.exists()
