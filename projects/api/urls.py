"""`/api/v1/`: every address takes the project as `project_id`, so the browser's permission
matrix (which walks the routes with a `pk`) stays the browser's; tests/api has the API's."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.views import APIView

from projects.api import (
    schema,  # noqa: F401  (registers the token scheme for the schema)
    views,
)
from projects.api.errors import no_such_address

app_name = "api"


def call(view: type[APIView]) -> Callable:
    """Tokens are checked by the API itself (401 problem), not by the login redirect (DRF
    marks its views so; said here too, as it is the point)."""
    return login_not_required(view.as_view())


PROJECT = "projects/<int:project_id>/"

urlpatterns = [
    path("projects/", call(views.ProjectList), name="projects"),
    path(PROJECT, call(views.ProjectDetail), name="project"),
    path(PROJECT + "transitions/<str:name>/", call(views.StageTransition), name="transition"),
    path("business-cases/", call(views.BusinessCaseCreate), name="business-case-create"),
    path(PROJECT + "business-case/", call(views.BusinessCaseDetail), name="business-case"),
    path(
        PROJECT + "business-case/<str:action>/",
        call(views.BusinessCaseAction),
        name="business-case-action",
    ),
    path(PROJECT + "charter/", call(views.CharterDetail), name="charter"),
    path(PROJECT + "charter/pdf/", call(views.CharterPdf), name="charter-pdf"),
    path(
        PROJECT + "charter/revisions/",
        call(views.CharterRevisionList),
        name="charter-revisions",
    ),
    path(
        PROJECT + "charter/revisions/<int:number>/",
        call(views.CharterRevisionDetail),
        name="charter-revision",
    ),
    path(
        PROJECT + "charter/revisions/<int:number>/pdf/",
        call(views.CharterPdf),
        name="charter-revision-pdf",
    ),
    path(PROJECT + "pdfs/<int:job_id>/", call(views.PdfJobDetail), name="pdf-job"),
    path(PROJECT + "pdfs/<int:job_id>/download/", call(views.PdfDownload), name="pdf-download"),
    path(PROJECT + "goals/", call(views.GoalList), name="goals"),
    path(PROJECT + "goals/<int:goal_id>/", call(views.GoalDetail), name="goal"),
    path(
        PROJECT + "goals/<int:goal_id>/measurements/",
        call(views.MeasurementList),
        name="measurements",
    ),
    path(PROJECT + "attachments/", call(views.AttachmentList), name="attachments"),
    path(
        PROJECT + "attachments/<int:attachment_id>/download/",
        call(views.AttachmentDownload),
        name="attachment-download",
    ),
    # Last: any other address under /api/v1/ (a typo, a negative id) is a problem document.
    re_path(r"", csrf_exempt(login_not_required(no_such_address)), name="no-such-address"),
]
