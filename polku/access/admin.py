"""Admin for staff scopes, and a read-only view of the access log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from polku.access.models import AccessLog, StaffProfile, Team

admin.site.register(Team)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "team"]
    list_filter = ["role", "area"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """The log is evidence: nobody edits or deletes it through the admin."""

    list_display = ["at", "actor", "action", "person_id", "purpose", "channel"]
    list_filter = ["action", "channel"]
    search_fields = ["actor", "person_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
