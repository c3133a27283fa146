"""Admin for staff scopes, a read-only view of the access log, and the base of admin pages that show persons."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse

from polku.access.models import (
    AccessAction,
    AccessChannel,
    AccessLog,
    IdentityProviderGroup,
    StaffProfile,
    Team,
)
from polku.access.services import log_person_reads


class PersonDataAdmin(admin.ModelAdmin):
    """An admin page of rows that belong to a person: every list page and record shown is an access-logged read
    (``admin_list``, ``admin_view``) of the persons on it, like the same data on any other page."""

    person_field = "person"

    def _log(self, request: HttpRequest, person_ids: list[Any], action: AccessAction) -> None:
        log_person_reads(user=request.user, person_ids=[p for p in person_ids if p is not None], action=action,
                         purpose=f"ylläpito: {self.model._meta.label}", channel=AccessChannel.WEB)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            self._log(request, [getattr(row, f"{self.person_field}_id") for row in changelist.result_list],
                      AccessAction.ADMIN_LIST)
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        row = self.get_object(request, unquote(object_id)) if response.status_code == 200 else None
        if row is not None:
            self._log(request, [getattr(row, f"{self.person_field}_id")], AccessAction.ADMIN_VIEW)
        return response

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
                     ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        row = self.get_object(request, unquote(object_id)) if response.status_code == 200 else None
        if row is not None:
            self._log(request, [getattr(row, f"{self.person_field}_id")], AccessAction.ADMIN_VIEW)
        return response


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


@admin.register(IdentityProviderGroup)
class IdentityProviderGroupAdmin(admin.ModelAdmin):
    """The mapping of the identity provider's groups to Polku's roles (see ``polku.access.oidc``)."""

    list_display = ("group", "role", "area", "team")
    list_filter = ("role", "area")
    search_fields = ("group",)
