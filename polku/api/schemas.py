"""Request and response shapes of the JSON API (pydantic via django-ninja)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field

from polku.people.models import Education, Language
from polku.timeline.models import BenefitBasis, BenefitType, JobSearchEndReason


class ErrorItem(Schema):
    field: str
    code: str
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


class MunicipalityOut(Schema):
    code: str
    name_fi: str
    name_sv: str
    region: str
    valid_from: date
    valid_to: date | None


class EmploymentAreaOut(Schema):
    code: str
    name_fi: str
    name_sv: str
    name_en: str
    valid_from: date
    valid_to: date | None
    municipalities: list[str]
    source: str


class CatalogueEntryOut(Schema):
    code: str
    name_fi: str
    name_sv: str
    name_en: str
    source: str


def one_of(default: Any, values: list[str]) -> Any:
    """A field whose allowed codes the OpenAPI schema lists; the service validates them (with Finnish messages)."""
    allowed: list[Any] = list(values)
    return Field(default, json_schema_extra={"enum": allowed}, description="One of the listed codes.")


class PersonIn(Schema):
    personal_id: str = Field(description="Personal identity code; sent in the body only, never in a URL.")
    first_names: str
    last_name: str
    language: str = one_of("fi", Language.values)
    education: str = one_of("upper_secondary", Education.values)
    immigrant_background: bool = False
    home_municipality: str | None = Field(None, description="Three-digit municipality code.")
    home_municipality_since: date | None = None


class PersonLookupIn(Schema):
    personal_id: str


class PersonOut(Schema):
    id: UUID
    first_names: str
    last_name: str
    masked_personal_id: str
    birth_date: date
    gender: str
    language: str
    education: str
    immigrant_background: bool


class FactMeta(Schema):
    id: int
    lineage: UUID
    recorded_at: datetime
    source: str
    superseded_at: datetime | None
    correction_reason: str


class HomeMunicipalityIn(Schema):
    municipality: str
    start_date: date
    end_date: date | None = None


class HomeMunicipalityOut(FactMeta):
    municipality: str = Field(alias="municipality_id")
    start_date: date
    end_date: date | None


class StatusSpellIn(Schema):
    status: str = Field(description="A code from GET /api/statuses.")
    service_type: str | None = Field(None, description="A code from GET /api/service-types; only with in_service.")
    start_date: date
    end_date: date | None = None


class StatusSpellOut(FactMeta):
    status: str = Field(alias="status_id")
    service_type: str | None = Field(alias="service_type_id")
    start_date: date
    end_date: date | None


class JobSearchOpenIn(Schema):
    registered_on: date
    ended_on: date | None = Field(None, description="Only for recording a past, already ended job search.")
    end_reason: str = one_of("", ["", *JobSearchEndReason.values])


class JobSearchEndIn(Schema):
    ended_on: date
    end_reason: str = one_of(..., JobSearchEndReason.values)


class JobSearchPeriodOut(FactMeta):
    registered_on: date
    ended_on: date | None
    end_reason: str


class BenefitMonthIn(Schema):
    month: str = Field(description="Calendar month as YYYY-MM.", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    benefit_type: str = one_of(..., BenefitType.values)
    basis: str = one_of("unemployment", BenefitBasis.values)
    days: int = Field(ge=0)
    amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2)


class BenefitMonthOut(FactMeta):
    month: date
    benefit_type: str
    basis: str
    days: int
    amount: Decimal


class CorrectionReason(Schema):
    reason: str = Field(min_length=1, description="Why the fact is corrected or withdrawn (kept in history).")


class StatusSpellCorrectionIn(StatusSpellIn):
    reason: str = Field(min_length=1)


class HomeMunicipalityCorrectionIn(HomeMunicipalityIn):
    reason: str = Field(min_length=1)


class BenefitMonthCorrectionIn(Schema):
    days: int = Field(ge=0)
    amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    reason: str = Field(min_length=1)


class TimelineOut(Schema):
    person: PersonOut
    home_municipalities: list[HomeMunicipalityOut]
    status_spells: list[StatusSpellOut]
    job_search_periods: list[JobSearchPeriodOut]
    benefit_months: list[BenefitMonthOut]
