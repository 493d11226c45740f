"""What the API reads and takes. Reads are plain serializers of the records; writes take only
the fields they name (an unknown one is refused by name, never dropped) and then pass through
the browser's own form, so a value the page refuses is refused here with the same words."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lifecycle.models import AuditEntry
from lifecycle.rules import allows
from lifecycle.services import COMMENT_MAX_LENGTH
from projects import formats, proposal_document
from projects.forms.proposals import BusinessCaseForm
from projects.lists import RISKS, ListSection, Row
from projects.models import (
    Attachment,
    Charter,
    CharterRevision,
    Goal,
    Measurement,
    PdfJob,
    Project,
    Proposal,
    Risk,
    Sponsor,
)
from projects.models.projects import SCORE_VALIDATORS
from projects.services.pdfs import charter_revision_pdf_job

# -- Shared -------------------------------------------------------------------------------------


class Strict:
    """Refuses a body with fields this serializer does not take (or may not write)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [f"Unknown field: this call takes {_names(writable)}."]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


def _names(fields: set[str]) -> str:
    return ", ".join(sorted(fields)) or "no fields"


def through_form(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned data, or its errors as the API's field errors."""
    errors = form_errors(form)
    if errors:
        raise serializers.ValidationError(errors)
    return form.cleaned_data


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """The form's errors as the API's field errors (none if it is valid)."""
    if form.is_valid():
        return {}
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


def form_value(value: Any) -> Any:
    """A typed value as a form field takes it from a POST."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "pk"):
        return value.pk
    return value


class EmptySerializer(Strict, serializers.Serializer):
    """A call that takes no fields."""


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return formats.person(user)


class SponsorSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk", help_text="The sponsor's id: their person's.")
    person = PersonSerializer(source="user")

    class Meta:
        model = Sponsor
        fields = ["id", "person", "title", "business_unit"]


class CheckSerializer(serializers.Serializer):
    label = serializers.CharField()
    met = serializers.BooleanField()
    detail = serializers.CharField()


class ActionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    comment_required = serializers.BooleanField()
    checks = CheckSerializer(many=True)


class CommentSerializer(Strict, serializers.Serializer):
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH,
        allow_blank=True,
        default="",
        help_text="The reason: required to reject, request changes, hold or cancel.",
    )


class AuditEntrySerializer(serializers.ModelSerializer):
    """What an action did: the row it wrote in the project's history."""

    actor = PersonSerializer(read_only=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "record", "action", "event", "label", "from_state", "to_state"]
        fields += ["comment", "actor", "at"]
        read_only_fields = fields


class DecisionSerializer(CommentSerializer):
    seen = serializers.CharField(
        max_length=64,
        allow_blank=True,
        default="",
        help_text="The business case's `version` you decided on: if it changed since, 409.",
    )


# -- Projects ----------------------------------------------------------------------------------


class ProjectSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    manager = PersonSerializer(read_only=True)
    sponsor = SponsorSerializer(read_only=True)
    estimated_cost = serializers.DecimalField(
        max_digits=16, decimal_places=2, source="proposal.estimated_cost", allow_null=True
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "reference",
            "title",
            "category",
            "stage",
            "stage_label",
            "stage_entered_at",
            "manager",
            "sponsor",
            "created_at",
            "estimated_cost",
            "funded",
            "actual_cost",
            "forecast_cost",
        ]
        read_only_fields = fields


class ProjectDetailSerializer(ProjectSerializer):
    next_gate = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "next_gate", "actions"]
        read_only_fields = fields

    @extend_schema_field(ActionSerializer(allow_null=True))
    def get_next_gate(self, project: Project) -> dict[str, Any] | None:
        gate = self.context["next_gate"]
        return ActionSerializer(gate).data if gate else None

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, project: Project) -> list[dict[str, Any]]:
        """The stage transitions the caller may ask for now."""
        return ActionSerializer(self.context["actions"], many=True).data


# -- Business cases ------------------------------------------------------------------------------


class RiskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Risk
        fields = ["id", "description", "likelihood", "impact", "score", "mitigation"]
        read_only_fields = fields


class BusinessCaseSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    title = serializers.CharField(source="project.title", read_only=True)
    category = serializers.CharField(source="project.category", read_only=True)
    sponsor = serializers.IntegerField(source="project.sponsor_id", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    risks = RiskSerializer(many=True, read_only=True)
    version = serializers.SerializerMethodField(help_text="Send it back as `seen` with a decision.")

    class Meta:
        model = Proposal
        fields = [
            "project",
            "title",
            "category",
            "sponsor",
            "state",
            "state_label",
            *Proposal.CASE_FIELDS,
            "revision",
            "submitted_at",
            "decided_at",
            "decided_by",
            "decision_comment",
            "risks",
            "version",
        ]
        read_only_fields = fields

    def get_version(self, proposal: Proposal) -> str:
        return proposal_document.version(proposal)


# A score out of range is refused with the model's words, as the browser refuses it.
SCORE = {"min_value": SCORE_VALIDATORS[0].message, "max_value": SCORE_VALIDATORS[1].message}


class RiskWriteSerializer(Strict, serializers.Serializer):
    """A risk of the business case; checked again by the browser's risk row (`RISKS`)."""

    description = serializers.CharField(max_length=500)
    likelihood = serializers.IntegerField(
        min_value=1, max_value=5, error_messages=SCORE, help_text="1 (rare) to 5 (almost certain)"
    )
    impact = serializers.IntegerField(
        min_value=1, max_value=5, error_messages=SCORE, help_text="1 (minor) to 5 (severe)"
    )
    mitigation = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class BusinessCaseWriteSerializer(Strict, serializers.Serializer):
    """The business case's fields; checked again by the browser's form (`BusinessCaseForm`)
    and its risks by the browser's list of risk rows (`RISKS`)."""

    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Project._meta.get_field("category").choices)
    sponsor = serializers.IntegerField(min_value=1, help_text="The sponsor's id.")
    goal = serializers.CharField(max_length=2000)
    need = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    estimated_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, required=False
    )
    start_date = serializers.DateField(allow_null=True, required=False)
    end_date = serializers.DateField(allow_null=True, required=False)
    benefits = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    risks = RiskWriteSerializer(
        many=True,
        required=False,
        max_length=RISKS.max_num,
        help_text=f"All the risks, in order (at most {RISKS.max_num}): when sent, they replace "
        "the case's risks as a whole; the first rewrites the first risk, and so on.",
    )


def business_case_fields(
    data: Any, *, user: Any, proposal: Proposal | None = None
) -> dict[str, Any]:
    """The fields for `business_case_create` (or, with `proposal`, the changed ones merged
    into the current case for `business_case_update`) and the risks, checked as the browser's
    form and its risk rows do. Risks not sent are the case's own (none for a new one)."""
    serializer = BusinessCaseWriteSerializer(data=data, partial=proposal is not None)
    serializer.is_valid(raise_exception=True)
    given = dict(serializer.validated_data)
    risks = given.pop("risks", None)
    project, current = None, {}
    if proposal is not None:
        project = proposal.project
        current = {"title": project.title, "category": project.category}
        current |= {"sponsor": project.sponsor_id}
        current |= {name: getattr(proposal, name) for name in Proposal.CASE_FIELDS}
    form = BusinessCaseForm(
        {name: form_value(value) for name, value in (current | given).items()},
        instance=proposal,
        project=project,
        author=project.manager if project else user,
        # A sponsor sent is checked by the service (only the PMO changes it once submitted).
        sponsor_fixed=project is not None
        and "sponsor" not in given
        and not allows(user, "may_choose_sponsor", proposal),
    )
    if risks is None:
        return through_form(form) | {"risks": risk_rows(proposal)}
    rows = risks_bound(risks, proposal)
    errors = form_errors(form) | list_errors(rows)
    if errors:
        raise serializers.ValidationError(errors)
    return form.cleaned_data | {"risks": rows.rows()}


def risk_rows(proposal: Proposal | None) -> list[Row]:
    """The case's risks as they stand, as the service takes them (kept as they are)."""
    if proposal is None:
        return []
    return [
        {"id": risk.pk} | {name: getattr(risk, name) for name in RISKS.fields}
        for risk in proposal.risks.all()
    ]


def risks_bound(risks: list[dict[str, Any]], proposal: Proposal | None) -> ListSection:
    """The risks sent, bound to the browser's list of risk rows as its page would post them:
    the n-th risk sent rewrites the case's n-th risk (unchanged if equal), those beyond are
    new, and the case's risks beyond the last one sent are removed."""
    existing = [risk["id"] for risk in risk_rows(proposal)][: len(risks)]
    key = RISKS.key
    posted = {f"{key}-TOTAL_FORMS": str(len(risks)), f"{key}-INITIAL_FORMS": str(len(existing))}
    for index, risk in enumerate(risks):
        if index < len(existing):
            posted[f"{key}-{index}-id"] = str(existing[index])
        for name in RISKS.fields:
            posted[f"{key}-{index}-{name}"] = form_value(risk.get(name, ""))
    return RISKS.bind(posted, proposal or Proposal())


def list_errors(rows: ListSection) -> dict[str, list[str]]:
    """The list's errors as the API's field errors: `risks` for the list as a whole,
    `risks[2].likelihood` for a field of one row."""
    if rows.formset.is_valid():
        return {}
    errors = {}
    if rows.formset.non_form_errors():
        errors[rows.key] = [str(m) for m in rows.formset.non_form_errors()]
    for index, row in enumerate(rows.formset.errors):
        for name, messages in row.items():
            path = f"{rows.key}[{index}]" + ("" if name == "__all__" else f".{name}")
            errors[path] = [str(m) for m in messages]
    return errors


# -- Charters ------------------------------------------------------------------------------------


class PdfJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = PdfJob
        fields = ["id", "kind", "title", "status", "attempts", "error", "queued_at"]
        fields += ["finished_at", "pdf_sha256", "download_url"]
        read_only_fields = fields

    def get_download_url(self, job: PdfJob) -> str | None:
        """Where to fetch the PDF once it is ready (with the same token)."""
        if job.status != PdfJob.Status.READY:
            return None
        return reverse("api:pdf-download", args=[job.project_id, job.pk])


class CharterRevisionSerializer(serializers.ModelSerializer):
    signed_by = PersonSerializer(read_only=True)
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = CharterRevision
        fields = ["number", "sha256", "signed_by", "signed_at", "snapshot", "pdf"]
        read_only_fields = fields

    @extend_schema_field(PdfJobSerializer(allow_null=True))
    def get_pdf(self, revision: CharterRevision) -> dict[str, Any] | None:
        """Its PDF once asked for (POST …/pdf/), with `download_url` when ready."""
        jobs = self.context.get("pdf_jobs")  # a list's, looked up at once
        job = jobs.get(revision.number) if jobs is not None else charter_revision_pdf_job(revision)
        return PdfJobSerializer(job).data if job else None


class CharterSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    document = serializers.JSONField(
        read_only=True, help_text="Every section as it stands (the PDF's content)."
    )
    revisions = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Charter
        fields = ["state", "state_label", *Charter.TEXT_FIELDS, "revision", "version"]
        fields += ["submitted_at", "updated_at", "document", "revisions", "pdf"]
        read_only_fields = fields

    @extend_schema_field(PdfJobSerializer(allow_null=True))
    def get_pdf(self, charter: Charter) -> dict[str, Any] | None:
        """The PDF of the charter as it stands (the signed baseline once signed), once asked
        for (POST …/charter/pdf/), with `download_url` when ready."""
        job = self.context["pdf_job"]
        return PdfJobSerializer(job).data if job else None

    def get_revisions(self, charter: Charter) -> list[int]:
        """The numbers of the signed revisions, newest (the baseline) first."""
        return [revision.number for revision in self.context["revisions"]]


# -- Goals and measurements ----------------------------------------------------------------------


class MeasurementSerializer(serializers.ModelSerializer):
    recorded_by = PersonSerializer(read_only=True)

    class Meta:
        model = Measurement
        fields = ["id", "date", "value", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields


class MeasurementWriteSerializer(Strict, serializers.Serializer):
    """A reading; checked again by the browser's form (`MeasurementForm`: within the goal's
    life, not in the future)."""

    date = serializers.DateField()
    value = serializers.DecimalField(max_digits=17, decimal_places=4)
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class GoalSerializer(serializers.ModelSerializer):
    archived = serializers.SerializerMethodField()
    latest = serializers.DecimalField(
        max_digits=17, decimal_places=4, source="state.latest", allow_null=True
    )
    progress = serializers.FloatField(source="state.progress", allow_null=True)
    status = serializers.CharField(source="state.status")

    class Meta:
        model = Goal
        fields = ["id", *Goal.FIELDS, "reading_due_on", "archived", "latest", "progress"]
        fields += ["status"]
        read_only_fields = fields

    def get_archived(self, goal: Goal) -> bool:
        return goal.archived_at is not None


# -- Evidence --------------------------------------------------------------------------------------


class RecordSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="business case, charter, deliverable, closure report …")
    id = serializers.IntegerField()


class AttachmentSerializer(serializers.ModelSerializer):
    record = serializers.SerializerMethodField()
    gate = serializers.CharField(
        read_only=True, help_text="The stage whose gate it is evidence for; blank if none."
    )
    uploaded_by = PersonSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "sha256", "mime_type", "record", "gate"]
        fields += ["uploaded_by", "uploaded_at", "frozen_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(RecordSerializer)
    def get_record(self, attachment: Attachment) -> dict[str, Any]:
        """What it is evidence for: the kind of record and its id."""
        return {"kind": attachment.record_type.model, "id": attachment.record_id}

    def get_download_url(self, attachment: Attachment) -> str:
        return reverse("api:attachment-download", args=[attachment.project_id, attachment.pk])
