"""Request and response shapes of the JSON API (pydantic via django-ninja)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from ninja import Query, Schema
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from polku.core.bounds import TEXT_MAX_LENGTH
from polku.people.models import Education, Language
from polku.timeline.models import BenefitBasis, BenefitType, JobSearchEndReason

# --- bounds of every input ------------------------------------------------------------------------------------
# Every string has a length limit (no longer than its database column), every number and date a sane range: an
# input outside them is refused with 422 naming the field, never stored or computed with. (NUL characters and
# oversized requests are refused before the API by polku.core.bounds.)

FIRST_YEAR, LAST_YEAR = 1900, 2100  # dates: a birth in 1900 to a plan ending by 2100
FIRST_BUDGET_YEAR = 2000  # years of figures and budgets


def _in_years(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError("date_out_of_range", "Päivämäärän on oltava vuosina {first}–{last}.",
                                  {"first": FIRST_YEAR, "last": LAST_YEAR})
    return value


Day = Annotated[date, AfterValidator(_in_years)]
Moment = Annotated[datetime, AfterValidator(_in_years)]
Year = Annotated[int, Field(ge=FIRST_BUDGET_YEAR, le=LAST_YEAR)]
Code = Annotated[str, Field(max_length=40)]  # catalogue codes, municipality and area codes, rule and profile names
Name = Annotated[str, Field(max_length=200)]  # names of persons, employers, teams (the columns' length)
Reason = Annotated[str, Field(min_length=1, max_length=500)]  # why a fact is corrected (correction_reason)
Text = Annotated[str, Field(max_length=TEXT_MAX_LENGTH)]  # free text: a plan's agreed actions, a meeting's notes
Search = Annotated[str, Field(max_length=100)]
PersonalId = Annotated[str, Field(max_length=20)]  # an identity code is 11 characters; some room for spaces
Count = Annotated[int, Field(ge=0, le=1_000_000)]
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"  # YYYY-MM, 1900-01 to 2099-12


def query_enum(default: Any, values: list[Any] | Callable[[], list[Any]], *, location: Any = Query,
               **kwargs: Any) -> Any:
    """A query (or ``location=Path``) parameter whose allowed values the OpenAPI document lists (a callable: computed
    when the document is); the view still checks them, with its Finnish message."""
    param = location(default, **kwargs)

    def extra(schema: dict[str, Any]) -> None:
        schema["enum"] = list(values() if callable(values) else values)
        if default is None:
            schema["enum"].append(None)

    param.json_schema_extra = extra
    return param


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


def one_of(default: Any, values: list[str], description: str = "One of the listed codes.") -> Any:
    """A field whose allowed codes the OpenAPI schema lists; the service validates them (with Finnish messages)."""
    allowed: list[Any] = list(values)
    return Field(default, json_schema_extra={"enum": allowed}, description=description,
                 max_length=max((len(v) for v in values), default=0) or None)


class PersonIn(Schema):
    personal_id: PersonalId = Field(description="Personal identity code; sent in the body only, never in a URL.")
    first_names: Name
    last_name: Name
    language: str = one_of("fi", Language.values)
    education: str = one_of("upper_secondary", Education.values)
    immigrant_background: bool = False
    home_municipality: Code | None = Field(None, description="Three-digit municipality code.")
    home_municipality_since: Day | None = None


class PersonLookupIn(Schema):
    personal_id: PersonalId


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
    municipality: Code
    start_date: Day
    end_date: Day | None = None


class HomeMunicipalityOut(FactMeta):
    municipality: str = Field(alias="municipality_id")
    start_date: date
    end_date: date | None


class StatusSpellIn(Schema):
    status: Code = Field(description="A code from GET /api/statuses.")
    service_type: Code | None = Field(None, description="A code from GET /api/service-types; only with in_service.")
    start_date: Day
    end_date: Day | None = None


class StatusSpellOut(FactMeta):
    status: str = Field(alias="status_id")
    service_type: str | None = Field(alias="service_type_id")
    start_date: date
    end_date: date | None


class JobSearchOpenIn(Schema):
    registered_on: Day
    ended_on: Day | None = Field(None, description="Only for recording a past, already ended job search.")
    end_reason: str = one_of("", ["", *JobSearchEndReason.values])


class JobSearchEndIn(Schema):
    ended_on: Day
    end_reason: str = one_of(..., JobSearchEndReason.values)


class JobSearchPeriodOut(FactMeta):
    registered_on: date
    ended_on: date | None
    end_reason: str


class BenefitMonthIn(Schema):
    month: str = Field(description="Calendar month as YYYY-MM.", pattern=MONTH_PATTERN)
    benefit_type: str = one_of(..., BenefitType.values)
    basis: str = one_of("unemployment", BenefitBasis.values)
    days: int = Field(ge=0, le=31)
    amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2)


class BenefitMonthOut(FactMeta):
    month: date
    benefit_type: str
    basis: str
    days: int
    amount: Decimal


class CorrectionReason(Schema):
    reason: Reason = Field(description="Why the fact is corrected or withdrawn (kept in history).")


class StatusSpellCorrectionIn(StatusSpellIn):
    reason: Reason


class HomeMunicipalityCorrectionIn(HomeMunicipalityIn):
    reason: Reason


class BenefitMonthCorrectionIn(Schema):
    days: int = Field(ge=0, le=31)
    amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    reason: Reason


class TimelineOut(Schema):
    person: PersonOut
    home_municipalities: list[HomeMunicipalityOut]
    status_spells: list[StatusSpellOut]
    job_search_periods: list[JobSearchPeriodOut]
    benefit_months: list[BenefitMonthOut]
