"""Admin views of imported statistics: read-only, since figures change only by importing a file (``polku pxweb``)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from polku.public_statistics.models import PublicStatistic, PublicStatisticImport


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PublicStatistic)
class PublicStatisticAdmin(ReadOnlyAdmin):
    list_display = ["table", "region_code", "month", "variable", "breakdown", "value", "status"]
    list_filter = ["table", "variable"]
    search_fields = ["region_code"]


@admin.register(PublicStatisticImport)
class PublicStatisticImportAdmin(ReadOnlyAdmin):
    list_display = ["table", "file_name", "cells", "imported_at", "imported_by"]
