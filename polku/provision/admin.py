"""Admin for the catalogue, employers and budgets; referrals and decisions are read-only here (the services
validate and write them, with the person's timeline)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from polku.access.admin import PersonDataAdmin
from polku.provision.models import Decision, Employer, KuntalisaBudget, Referral, ServiceOffering, ServiceProvider


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "business_id", "area"]
    list_filter = ["kind", "area"]
    search_fields = ["name", "business_id"]


@admin.register(ServiceOffering)
class ServiceOfferingAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "service_type", "area", "capacity", "available_from", "available_to"]
    list_filter = ["area", "service_type"]
    search_fields = ["name", "provider__name"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "business_id", "kind", "municipality"]
    list_filter = ["kind"]
    search_fields = ["name", "business_id"]


@admin.register(KuntalisaBudget)
class KuntalisaBudgetAdmin(admin.ModelAdmin):
    list_display = ["municipality", "year", "amount"]
    list_filter = ["year"]


class ReadOnlyAdmin(PersonDataAdmin):
    """Person-level rows: written only through the services (access checks, timeline, budget); shown logged."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["id", "offering", "status", "referred_on", "participation_start", "participation_end", "ended_on"]
    list_filter = ["status"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "employer", "percent", "monthly_amount", "months", "decided_on", "municipality"]
    list_filter = ["kind", "municipality"]
