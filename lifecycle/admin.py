from django.contrib import admin
from django.http import HttpRequest

from lifecycle.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "record", "label", "from_state", "to_state", "actor", "subject"]
    list_filter = ["record", "action"]
    search_fields = ["comment", "label"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
