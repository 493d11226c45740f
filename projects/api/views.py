"""The API's calls. Each is a few lines, like the browser's views: find the record through
the object-scoped selectors (outsiders get 404), ask the same service (same rules, same
audit rows, same e-mails), answer with the record. Refusals rise to `errors.exception_handler`.
"""

from typing import Any

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lifecycle.rules import require
from lifecycle.selectors import actions_for, next_gate
from lifecycle.stages import Stage
from projects import charter_document, goals, services
from projects.api import serializers as api
from projects.api.pagination import NewestFirst, OldestFirst
from projects.forms.definition import MeasurementForm
from projects.models import Attachment, Category, Goal, Proposal
from projects.selectors.charters import (
    charter_revisions,
    pdf_job_file,
    pdf_job_get,
    signed_revisions,
)
from projects.selectors.definition import project_goals
from projects.selectors.discussion import attachment_get
from projects.selectors.portfolio import portfolio_filter
from projects.selectors.projects import project_get
from projects.services import definition, pdfs
from projects.services.projects import stage_transition_names
from projects.views.common import record_of


class ApiView(APIView):
    """A body is read only as JSON: one sent without a content type is refused, not ignored.
    A list that pages names its `pagination_class` (the schema documents its pages)."""

    pagination_class: type | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length not in ("", "0") and not request.content_type:
            raise exceptions.UnsupportedMediaType("", "Send the body as application/json.")

    def page(self, rows: Any, serializer: type[serializers.Serializer]) -> Response:
        paginator = self.pagination_class()
        found = paginator.paginate_queryset(rows, self.request, view=self)
        return paginator.get_paginated_response(serializer(found, many=True).data)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# -- Projects ----------------------------------------------------------------------------------

PORTFOLIO_FILTERS = [
    OpenApiParameter("q", str, description="Title, goal or reference (TG-0042)."),
    OpenApiParameter("stage", str, enum=Stage.values),
    OpenApiParameter("sponsor", int, description="A sponsor's id."),
    OpenApiParameter("category", str, enum=Category.values),
    OpenApiParameter("page_size", int, description="Rows per page, at most 200 (50)."),
]


class ProjectList(ApiView):
    pagination_class = NewestFirst

    @extend_schema(parameters=PORTFOLIO_FILTERS, responses=api.ProjectSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The projects the caller may see, with the portfolio's filters, newest first."""
        filters = portfolio_filter(request.user, request.query_params)
        if not filters.is_valid():
            raise exceptions.ValidationError(filters.errors)
        return self.page(filters.qs, api.ProjectSerializer)


class ProjectDetail(ApiView):
    @extend_schema(responses=api.ProjectDetailSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        """One project, its next gate's checklist and the stage actions the caller may take."""
        project = project_get(user=request.user, pk=project_id)
        context = {"next_gate": next_gate(project), "actions": actions_for(project, request.user)}
        return Response(api.ProjectDetailSerializer(project, context=context).data)


class StageTransition(ApiView):
    @extend_schema(
        request=api.CommentSerializer,
        responses=api.AuditEntrySerializer,
        parameters=[OpenApiParameter("name", str, "path", enum=stage_transition_names())],
    )
    def post(self, request: Request, project_id: int, name: str) -> Response:
        """Advance, hold, resume or cancel: the browser's stage buttons, gates and all."""
        project = project_get(user=request.user, pk=project_id)
        comment = validated(api.CommentSerializer, request.data)["comment"]
        entry = services.project_transition(
            project=project, name=name, by=request.user, comment=comment
        )
        return Response(api.AuditEntrySerializer(entry).data)


# -- Business cases ------------------------------------------------------------------------------


class BusinessCaseCreate(ApiView):
    @extend_schema(
        request=api.BusinessCaseWriteSerializer, responses={201: api.BusinessCaseSerializer}
    )
    def post(self, request: Request) -> Response:
        """**New business case**: a project in Identifying with the caller as its manager,
        with the `risks` sent (none if none are)."""
        require(request.user, "may_create_business_case")
        fields = api.business_case_fields(request.data, user=request.user)
        project = services.business_case_create(by=request.user, **fields)
        return Response(api.BusinessCaseSerializer(project.proposal).data, status=201)


class BusinessCaseDetail(ApiView):
    @extend_schema(responses=api.BusinessCaseSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get(user=request.user, pk=project_id)
        return Response(api.BusinessCaseSerializer(project.proposal).data)

    @extend_schema(
        request=api.BusinessCaseWriteSerializer(partial=True),
        responses=api.BusinessCaseSerializer,
    )
    def patch(self, request: Request, project_id: int) -> Response:
        """**Save draft**: the fields sent change, the others stay; `risks`, when sent,
        replace the case's risks as a whole (when not sent, they stay)."""
        proposal = project_get(user=request.user, pk=project_id).proposal
        require(request.user, "may_edit_business_case", proposal)
        fields = api.business_case_fields(request.data, user=request.user, proposal=proposal)
        services.business_case_update(proposal=proposal, by=request.user, **fields)
        return Response(api.BusinessCaseSerializer(Proposal.objects.get(pk=proposal.pk)).data)


# The business case's actions by their names in the address.
PROPOSAL_ACTIONS = {name.replace("_", "-"): name for name in services.PROPOSAL_ACTIONS}


class BusinessCaseAction(ApiView):
    @extend_schema(
        request=api.DecisionSerializer,
        responses=api.AuditEntrySerializer,
        parameters=[OpenApiParameter("action", str, "path", enum=list(PROPOSAL_ACTIONS))],
    )
    def post(self, request: Request, project_id: int, action: str) -> Response:
        """Submit, approve, reject, request changes, withdraw or recall: a reason is needed
        to reject or request changes; `seen` (the `version` read) makes a stale decision 409."""
        if action not in PROPOSAL_ACTIONS:
            raise Http404("No such action.")
        service = services.PROPOSAL_ACTIONS[PROPOSAL_ACTIONS[action]]
        project = project_get(user=request.user, pk=project_id)
        decision = validated(api.DecisionSerializer, request.data)
        entry = service(proposal=project.proposal, by=request.user, **decision)
        return Response(api.AuditEntrySerializer(entry).data)


# -- Charters and their PDFs -----------------------------------------------------------------------


class CharterDetail(ApiView):
    @extend_schema(responses=api.CharterSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        """The charter as it stands, every section, and its signed revisions' numbers."""
        charter = record_of(project_get(user=request.user, pk=project_id), "charter")
        charter.document = charter_document.snapshot(
            charter_document.charter_with_sections(charter.pk)
        )
        revisions = signed_revisions(charter)
        baseline = revisions[0] if revisions else None
        context = {
            "revisions": revisions,
            "pdf_job": pdfs.charter_pdf_job(charter, charter.document, baseline),
        }
        return Response(api.CharterSerializer(charter, context=context).data)


class CharterRevisionList(ApiView):
    @extend_schema(responses=api.CharterRevisionSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """Signed revisions, newest (the baseline) first: each a frozen snapshot and its hash."""
        charter = record_of(project_get(user=request.user, pk=project_id), "charter")
        revisions = signed_revisions(charter)
        context = {"pdf_jobs": pdfs.charter_revision_pdf_jobs(revisions)}
        return Response(api.CharterRevisionSerializer(revisions, many=True, context=context).data)


class CharterRevisionDetail(ApiView):
    @extend_schema(responses=api.CharterRevisionSerializer)
    def get(self, request: Request, project_id: int, number: int) -> Response:
        charter = record_of(project_get(user=request.user, pk=project_id), "charter")
        revision = get_object_or_404(charter_revisions(charter), number=number)
        return Response(api.CharterRevisionSerializer(revision).data)


class CharterPdf(ApiView):
    @extend_schema(request=None, responses={202: api.PdfJobSerializer})
    def post(self, request: Request, project_id: int, number: int | None = None) -> Response:
        """**Generate PDF** of the charter as it stands, or of one signed revision: the job,
        with `download_url` once it is ready (an unchanged document is rendered once)."""
        validated(api.EmptySerializer, request.data)
        project = project_get(user=request.user, pk=project_id)
        charter = record_of(project, "charter")
        revision = None
        if number is not None:
            revision = get_object_or_404(charter_revisions(charter), number=number)
        job = services.charter_pdf_request(project=project, by=request.user, revision=revision)
        return Response(api.PdfJobSerializer(job).data, status=202)


class PdfJobDetail(ApiView):
    @extend_schema(responses=api.PdfJobSerializer)
    def get(self, request: Request, project_id: int, job_id: int) -> Response:
        job = pdf_job_get(user=request.user, project_pk=project_id, job_pk=job_id)
        return Response(api.PdfJobSerializer(job).data)


class PdfDownload(ApiView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, project_id: int, job_id: int) -> FileResponse:
        job = pdf_job_get(user=request.user, project_pk=project_id, job_pk=job_id)
        return FileResponse(
            pdf_job_file(job),
            as_attachment=True,
            filename=job.filename,
            content_type="application/pdf",
        )


# -- Goals and measurements ------------------------------------------------------------------------


def _with_state(goal: Goal) -> Goal:
    goal.state = goals.goal_state(goal, list(goal.measurements.all()), timezone.localdate())
    return goal


class GoalList(ApiView):
    @extend_schema(responses=api.GoalSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """The project's goals (archived ones too), each with its progress and status."""
        project = project_get(user=request.user, pk=project_id)
        shown = [_with_state(goal) for goal in project_goals(project)]
        return Response(api.GoalSerializer(shown, many=True).data)


def _goal(request: Request, project_id: int, goal_id: int) -> Goal:
    project = project_get(user=request.user, pk=project_id)
    goal = get_object_or_404(project_goals(project), pk=goal_id)  # another project's: 404
    goal.project = project
    return goal


class GoalDetail(ApiView):
    @extend_schema(responses=api.GoalSerializer)
    def get(self, request: Request, project_id: int, goal_id: int) -> Response:
        return Response(api.GoalSerializer(_with_state(_goal(request, project_id, goal_id))).data)


class MeasurementList(ApiView):
    pagination_class = OldestFirst

    @extend_schema(responses=api.MeasurementSerializer(many=True))
    def get(self, request: Request, project_id: int, goal_id: int) -> Response:
        """The goal's readings, oldest first."""
        goal = _goal(request, project_id, goal_id)
        readings = goal.measurements.select_related("recorded_by")
        return self.page(readings, api.MeasurementSerializer)

    @extend_schema(
        request=api.MeasurementWriteSerializer, responses={201: api.MeasurementSerializer}
    )
    def post(self, request: Request, project_id: int, goal_id: int) -> Response:
        """**Add measurement**: a reading from an analytics tool, recorded as the caller."""
        goal = _goal(request, project_id, goal_id)
        require(request.user, "may_add_measurement", goal)
        reading = validated(api.MeasurementWriteSerializer, request.data)
        form = MeasurementForm({k: api.form_value(v) for k, v in reading.items()}, goal=goal)
        measurement = definition.measurement_add(
            goal=goal, by=request.user, **api.through_form(form)
        )
        return Response(api.MeasurementSerializer(measurement).data, status=201)


# -- Evidence --------------------------------------------------------------------------------------


class AttachmentList(ApiView):
    pagination_class = NewestFirst

    @extend_schema(responses=api.AttachmentSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """Files attached to the project's records as evidence: what, by whom, its hash."""
        project = project_get(user=request.user, pk=project_id)
        files = Attachment.objects.filter(project=project).select_related(
            "uploaded_by", "record_type"
        )
        return self.page(files, api.AttachmentSerializer)


class AttachmentDownload(ApiView):
    @extend_schema(
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, typed by its content."
            )
        }
    )
    def get(self, request: Request, project_id: int, attachment_id: int) -> FileResponse:
        found = attachment_get(user=request.user, pk=project_id, attachment=attachment_id)
        try:
            stored = found.file.open("rb")
        except OSError:
            raise Http404("The file is missing from storage.") from None
        response = FileResponse(
            stored, as_attachment=True, filename=found.name, content_type=found.mime_type
        )
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
