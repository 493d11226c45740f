"""Error pages (issue 19): every error answers a page in the app's layout saying what happened
in a plain sentence, with its status and a way back; an action's address opened as a page
(a reload after a form came back) answers 405 with the Allow header, no longer a blank page."""

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_manager_who_reopens_an_action_address_sees_a_405_page_leading_back(manager, project):
    url = reverse("projects:proposal-action", args=[project.pk, "submit"])

    response = client_for(manager).get(url)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert "This address is an action, not a page" in page
    assert "Nothing was changed." in page
    assert f'href="{reverse("projects:detail", args=[project.pk])}"' in page
    assert "Back to the project" in page
    assert 'href="#content"' in page  # the layout's skip link: the page is the app's own


def test_a_405_outside_a_project_leads_home(manager):
    response = client_for(manager).get(reverse("logout"))

    assert response.status_code == 405
    assert "Go to Home" in response.content.decode()


def test_an_outsider_sees_a_404_page_with_a_way_home(viewer, project):
    response = client_for(viewer).get(reverse("projects:detail", args=[project.pk]))

    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "not shared with you" in page
    assert f'href="{reverse("projects:home")}"' in page


def test_someone_refused_a_page_sees_a_403_page_with_a_way_home(viewer):
    response = client_for(viewer).get(reverse("projects:people"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed" in page
    assert "Go to Home" in page


def test_a_request_with_an_unknown_host_answers_the_400_page(settings):
    settings.ALLOWED_HOSTS = ["testserver"]

    response = Client(HTTP_HOST="evil.example").get("/login/")

    assert response.status_code == 400
    assert "Tollgate could not read what your browser sent." in response.content.decode()


def test_a_form_posted_without_its_csrf_token_gets_the_expired_form_page(manager, project):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("projects:proposal-action", args=[project.pk, "submit"]))

    assert response.status_code == 403
    page = response.content.decode()
    assert "Your form expired or cookies are blocked" in page
    assert "nothing was saved" in page
    assert "Go back, reload the page and try again" in page
    assert f'href="{reverse("projects:home")}"' in page
    assert 'href="#content"' in page  # the app's own layout
    project.refresh_from_db()
    assert project.proposal.state == "draft"


def test_a_login_from_a_browser_that_blocks_cookies_gets_the_expired_form_page():
    response = Client(enforce_csrf_checks=True).post(
        "/login/", {"username": "manager", "password": "demo-pass-2026"}
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "Your form expired or cookies are blocked" in page
    assert "If cookies are blocked for this site, allow them first" in page


def test_the_500_page_renders_without_a_request_or_a_database(django_db_blocker):
    with django_db_blocker.block():
        page = get_template("500.html").render()

    assert "Something went wrong" in page
    assert 'href="/"' in page
