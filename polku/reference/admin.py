"""Admin for reference data (person data is deliberately not in the admin: it would bypass the access log)."""

from django.contrib import admin

from polku.reference.models import EmploymentArea, EmploymentAreaMembership, LabourMarketStatus, Municipality, ServiceType


class MembershipInline(admin.TabularInline):
    model = EmploymentAreaMembership
    extra = 0


@admin.register(EmploymentArea)
class EmploymentAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fi", "valid_from", "valid_to"]
    inlines = [MembershipInline]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fi", "name_sv", "region", "valid_to"]
    search_fields = ["code", "name_fi", "name_sv"]


admin.site.register(LabourMarketStatus)
admin.site.register(ServiceType)
