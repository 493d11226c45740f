"""The PMO's admin: people, sponsors and their limits, memberships. Records that carry
decisions are read-only here — they change only through the services — and nothing that
has history can be deleted."""

from django.contrib import admin
from django.http import HttpRequest

from projects.models import (
    Charter,
    CharterRevision,
    Funding,
    Membership,
    Project,
    Proposal,
    Risk,
    Sponsor,
)


@admin.register(Sponsor)
class SponsorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "business_unit", "approval_limit"]
    search_fields = ["user__first_name", "user__last_name", "title", "business_unit"]
    fields = ["user", "title", "business_unit", "approval_limit"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "kind"]
    extra = 0


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "category", "stage", "manager", "sponsor"]
    list_filter = ["stage", "category"]
    search_fields = ["title"]
    fields = ["title", "category", "manager", "sponsor", "stage", "created_at"]
    readonly_fields = ["title", "category", "manager", "sponsor", "stage", "created_at"]
    inlines = [MembershipInline]


class RiskInline(admin.TabularInline):
    model = Risk
    fields = ["description", "likelihood", "impact", "mitigation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["project", "state", "estimated_cost", "submitted_at", "decided_at"]
    list_filter = ["state"]
    fields = readonly_fields = [
        "project",
        "state",
        *Proposal.CASE_FIELDS,
        "revision",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_comment",
    ]
    inlines = [RiskInline]


@admin.register(Funding)
class FundingAdmin(ReadOnlyAdmin):
    list_display = ["project", "amount", "source", "approved_on", "recorded_by"]
    fields = readonly_fields = [
        "project",
        "amount",
        "source",
        "approved_on",
        "approved_by",
        "recorded_by",
        "recorded_at",
    ]


@admin.register(Charter)
class CharterAdmin(ReadOnlyAdmin):
    """Charters change only through the manager's form and the sign-off services."""

    list_display = ["project", "state", "revision", "updated_at"]
    list_filter = ["state"]
    fields = readonly_fields = ["project", "state", "revision", *Charter.TEXT_FIELDS, "updated_at"]


@admin.register(CharterRevision)
class CharterRevisionAdmin(ReadOnlyAdmin):
    """Signed revisions are frozen: visible here, never editable."""

    list_display = ["charter", "number", "signed_by", "signed_at", "sha256"]
    fields = readonly_fields = ["charter", "number", "signed_by", "signed_at", "sha256", "snapshot"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
