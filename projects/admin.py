"""The PMO's admin: people, sponsors and their limits, memberships. Records that carry
decisions are read-only here — they change only through the services — and nothing that
has history can be deleted."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from projects.models import (
    Charter,
    CharterRevision,
    Funding,
    Membership,
    NotificationFailure,
    Project,
    Proposal,
    Risk,
    Sponsor,
)


class PeopleAdmin(UserAdmin):
    """People, as the PMO administers them: who they are, whether they are active, their roles
    (groups). Only a superuser makes someone staff or superuser, grants single permissions,
    changes a superuser, or sets another person's password — otherwise the PMO could make
    itself superuser, or log in as the sponsor and sign in their name."""

    ELEVATING = ("is_staff", "is_superuser", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        if obj is not None and obj.is_superuser:
            return [
                name
                for _, section in self.get_fieldsets(request, obj)
                for name in section["fields"]
            ]
        return [*fields, *self.ELEVATING]

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied("Only a superuser sets another person's password.")
        return super().user_change_password(request, id, form_url)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), PeopleAdmin)


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


@admin.register(NotificationFailure)
class NotificationFailureAdmin(ReadOnlyAdmin):
    """E-mails that failed for good, for the PMO to follow up."""

    list_display = ["at", "entry", "error"]
    fields = readonly_fields = ["at", "entry", "error"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
