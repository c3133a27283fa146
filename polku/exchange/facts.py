"""Where each entity of the exchange format lives in Polku, and how a record's values become a row and back.

One table of correspondences used by both the import and the export, so the two cannot disagree on a field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone

from polku.casework.models import ApplicationReport, EmploymentPlan, Meeting
from polku.timeline.models import (
    BenefitMonth,
    EmploymentConditionMet,
    HomeMunicipalitySpell,
    JobSearchPeriod,
    StatusSpell,
)
from polku.timeline.selectors import homes_in


@dataclass(frozen=True)
class FactTable:
    """An entity's model and its fields: (exchange field, model field) pairs; codes are stored as they are."""

    entity: str
    model: type[Model]
    fields: tuple[tuple[str, str], ...]
    defaults: tuple[tuple[str, Any], ...] = ()

    def row_values(self, values: dict[str, Any]) -> dict[str, Any]:
        # An empty code is no reference: nullable foreign keys (``service_type_id``) take None, not "".
        out = {ours: (None if ours.endswith("_id") and values.get(theirs) == "" else values.get(theirs))
               for theirs, ours in self.fields}
        for name, default in self.defaults:
            if out.get(name) in (None, ""):
                out[name] = default
        return out

    def record_values(self, row: dict[str, Any]) -> dict[str, Any]:
        return {theirs: "" if row[ours] is None and ours.endswith("_id") else row[ours] for theirs, ours in self.fields}

    @property
    def model_fields(self) -> list[str]:
        return [ours for _, ours in self.fields]


FACT_TABLES: dict[str, FactTable] = {t.entity: t for t in (
    FactTable("homes", HomeMunicipalitySpell,
              (("municipality", "municipality_id"), ("start_date", "start_date"), ("end_date", "end_date"))),
    FactTable("job_searches", JobSearchPeriod,
              (("registered_on", "registered_on"), ("ended_on", "ended_on"), ("end_reason", "end_reason")),
              (("end_reason", ""),)),
    FactTable("status_spells", StatusSpell,
              (("status", "status_id"), ("service_type", "service_type_id"), ("start_date", "start_date"),
               ("end_date", "end_date"))),
    FactTable("benefit_months", BenefitMonth,
              (("month", "month"), ("benefit_type", "benefit_type"), ("basis", "basis"), ("days", "days"),
               ("amount", "amount")),
              (("basis", "unemployment"),)),
    FactTable("employment_conditions", EmploymentConditionMet, (("met_on", "met_on"),)),
    FactTable("meetings", Meeting, (("held_on", "held_on"), ("kind", "kind"), ("channel", "channel"))),
    FactTable("plans", EmploymentPlan,
              (("drawn_up_on", "drawn_up_on"), ("valid_until", "valid_until"),
               ("applications_required", "applications_required"), ("reporting_period_months", "reporting_period_months"),
               ("obligation_basis", "obligation_basis"), ("next_meeting_on", "next_meeting_on")),
              (("reporting_period_months", 1), ("obligation_basis", "standard"))),
    FactTable("application_reports", ApplicationReport,
              (("period_start", "period_start"), ("applications", "applications"), ("reported_on", "reported_on"))),
)}

# Spell-like entities: (start field, end field) in exchange terms; a person's current ones never overlap.
NON_OVERLAPPING = {"homes": ("start_date", "end_date"), "status_spells": ("start_date", "end_date"),
                   "job_searches": ("registered_on", "ended_on")}
# At most one current row per person and these values (the database's unique constraints, checked first for a message).
UNIQUE_PER_PERSON = {"benefit_months": ("month", "benefit_type", "basis"), "employment_conditions": ("met_on",),
                     "application_reports": ("period_start",), "plans": ()}


def living_in(municipalities: set[str]) -> QuerySet[HomeMunicipalitySpell]:
    """Who lives in the scope today (the access policy's placement of a person)."""
    return homes_in(municipalities, timezone.localdate())
