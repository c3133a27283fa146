"""Service provision in the API: offerings with their fill, referrals and participations, decisions, employers
and the kuntalisä budget.

Mounted at ``/api/provision`` (``router``); a person's referrals and decisions at ``/api/persons/{id}/…``
(``person_router``). Person-level reads and writes pass ``person_access`` (role, scope, access log);
errors have the API's one shape, ``{"errors": [{"field", "code", "message"}]}``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import person_access
from polku.api.schemas import Code, Day, Name, Search, Year
from polku.core.errors import ErrorCode, ValidationFailed
from polku.people.models import Person
from polku.provision import selectors, services
from polku.provision.models import Decision, DecisionKind, Employer, EmployerKind, Referral, ServiceOffering
from polku.reference.models import EmploymentArea

router = Router(tags=["provision"])
person_router = Router(tags=["provision"])

DEFAULT_PURPOSE = gettext_noop("asiakastyö")


# --- shapes -----------------------------------------------------------------------------------------------


class OfferingFillOut(Schema):
    id: int
    name: str
    area: str
    provider: str
    provider_kind: str
    service_type: str
    available_from: date
    available_to: date | None
    on_date: date
    capacity: int
    in_use: int = Field(description="Places held on the date: referred (reserved) and participating.")
    participating: int
    free: int
    fill_rate: float = Field(description="Active participations / capacity.")


class ReferralIn(Schema):
    person_id: UUID
    offering_id: int
    referred_on: Day


class ParticipationStartIn(Schema):
    start_date: Day
    planned_end: Day
    version: int | None = Field(None, ge=0, le=2**31 - 1,
                                description="The version the change is based on (optimistic locking).")


class ParticipationEndIn(Schema):
    end_date: Day
    version: int | None = Field(None, ge=0, le=2**31 - 1)


class ReferralCloseIn(Schema):
    outcome: str = Field(json_schema_extra={"enum": ["declined", "cancelled"]}, max_length=20)
    version: int | None = Field(None, ge=0, le=2**31 - 1)


class ReferralOut(Schema):
    id: int
    person_id: UUID
    offering_id: int
    offering_name: str
    service_type: str
    referred_on: date
    status: str
    participation_start: date | None
    participation_end: date | None
    ended_on: date | None
    version: int
    created_at: datetime


class EmployerIn(Schema):
    name: Name
    business_id: str = Field(description="Y-tunnus, 1234567-8.", max_length=20)
    kind: str = Field(EmployerKind.COMPANY, json_schema_extra={"enum": list(EmployerKind.values)}, max_length=30)
    municipality: Code | None = Field(None, description="Three-digit municipality code.")


class EmployerOut(Schema):
    id: int
    name: str
    business_id: str
    kind: str
    municipality: str | None


class DecisionIn(Schema):
    person_id: UUID
    kind: str = Field(json_schema_extra={"enum": list(DecisionKind.values)}, max_length=30)
    employer_id: int | None = None
    percent: int | None = Field(None, ge=0, le=100, description="Wage subsidy only: 50, 70 or 100.")
    monthly_amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2, description="Euros per month, e.g. 500.00.")
    months: int = Field(ge=0, le=120)
    start_date: Day
    decided_on: Day
    municipality: Code | None = Field(None, description="Kuntalisä: the paying municipality (default: home municipality).")


class DecisionOut(Schema):
    id: int
    person_id: UUID
    kind: str
    employer_id: int | None
    employer_name: str | None
    percent: int | None
    monthly_amount: Decimal
    months: int
    total: Decimal
    start_date: date
    decided_on: date
    municipality: str | None


class BudgetOut(Schema):
    municipality: str
    year: int
    amount: Decimal | None = Field(description="Null when no budget is set for the year.")
    committed: Decimal
    available: Decimal | None


# --- helpers ------------------------------------------------------------------------------------------------


def _purpose(request: HttpRequest) -> str:
    return request.headers.get("X-Polku-Purpose", DEFAULT_PURPOSE)


def _person(request: HttpRequest, person_id: Any, *, write: bool, action: AccessAction) -> Person:
    person = get_object_or_404(Person, pk=person_id)
    person_access(user=request.user, person=person, write=write, action=action, purpose=_purpose(request),
                  channel=AccessChannel.API)
    return person


def _referral_for_write(request: HttpRequest, referral_id: int, action: AccessAction) -> Referral:
    referral = get_object_or_404(Referral, pk=referral_id)
    _person(request, referral.person_id, write=True, action=action)
    return referral


def referral_out(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk, "person_id": referral.person_id, "offering_id": referral.offering_id,
        "offering_name": referral.offering.name, "service_type": referral.offering.service_type_id,
        "referred_on": referral.referred_on, "status": referral.status,
        "participation_start": referral.participation_start, "participation_end": referral.participation_end,
        "ended_on": referral.ended_on, "version": referral.version, "created_at": referral.created_at,
    }


def decision_out(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.pk, "person_id": decision.person_id, "kind": decision.kind, "employer_id": decision.employer_id,
        "employer_name": decision.employer.name if decision.employer else None, "percent": decision.percent,
        "monthly_amount": decision.monthly_amount, "months": decision.months, "total": decision.total,
        "start_date": decision.start_date, "decided_on": decision.decided_on, "municipality": decision.municipality_id,
    }


def employer_out(employer: Employer) -> dict[str, Any]:
    return {"id": employer.pk, "name": employer.name, "business_id": employer.business_id, "kind": employer.kind,
            "municipality": employer.municipality_id}


# --- catalogue ------------------------------------------------------------------------------------------------


@router.get("/offerings", response=list[OfferingFillOut])
def offering_list(request: HttpRequest, area: Code | None = None, on: Day | None = None) -> Any:
    """Offerings available on ``on`` (default today), in the employment area ``area`` (code), with their fill."""
    area_id = None
    if area:
        found = EmploymentArea.objects.filter(code=area).first()
        if found is None:
            raise ValidationFailed.single("area", ErrorCode.UNKNOWN, f"Tuntematon työllisyysalue: {area}.")
        area_id = found.pk
    return [
        {"id": f.offering.pk, "name": f.offering.name, "area": f.offering.area.code, "provider": f.offering.provider.name,
         "provider_kind": f.offering.provider.kind, "service_type": f.offering.service_type_id,
         "available_from": f.offering.available_from, "available_to": f.offering.available_to, "on_date": f.on_date,
         "capacity": f.capacity, "in_use": f.in_use, "participating": f.participating, "free": f.free,
         "fill_rate": round(f.fill_rate, 4)}
        for f in selectors.offerings_with_fill(area_id, on or timezone.localdate())
    ]


# --- referrals and participation ---------------------------------------------------------------------------------


@router.post("/referrals", response={201: ReferralOut})
def referral_create(request: HttpRequest, payload: ReferralIn) -> Any:
    person = _person(request, payload.person_id, write=True, action=AccessAction.API_REFERRAL_CREATE)
    offering = ServiceOffering.objects.filter(pk=payload.offering_id).first()
    if offering is None:
        raise ValidationFailed.single("offering_id", ErrorCode.UNKNOWN, f"Tuntematon palvelu: {payload.offering_id}.")
    referral = services.referral_create(person=person, offering=offering, referred_on=payload.referred_on,
                                        actor=request.user)
    return Status(201, referral_out(referral))


@router.post("/referrals/{referral_id}/start", response={200: ReferralOut})
def participation_start(request: HttpRequest, referral_id: int, payload: ParticipationStartIn) -> Any:
    """Start the participation; the person's status spells are written in the same transaction."""
    referral = _referral_for_write(request, referral_id, AccessAction.API_PARTICIPATION_START)
    return referral_out(services.participation_start(referral=referral, start_date=payload.start_date,
                                                     planned_end=payload.planned_end, actor=request.user,
                                                     expected_version=payload.version))


@router.post("/referrals/{referral_id}/end", response={200: ReferralOut})
def participation_end(request: HttpRequest, referral_id: int, payload: ParticipationEndIn) -> Any:
    referral = _referral_for_write(request, referral_id, AccessAction.API_PARTICIPATION_END)
    return referral_out(services.participation_end(referral=referral, end_date=payload.end_date, actor=request.user,
                                                   expected_version=payload.version))


@router.post("/referrals/{referral_id}/close", response={200: ReferralOut})
def referral_close(request: HttpRequest, referral_id: int, payload: ReferralCloseIn) -> Any:
    """A referral that did not start: ``declined`` by the person or ``cancelled``."""
    referral = _referral_for_write(request, referral_id, AccessAction.API_REFERRAL_CLOSE)
    return referral_out(services.referral_close(referral=referral, outcome=payload.outcome, actor=request.user,
                                                expected_version=payload.version))


@person_router.get("/{person_id}/referrals", response=list[ReferralOut])
def person_referrals(request: HttpRequest, person_id: UUID) -> Any:
    person = _person(request, person_id, write=False, action=AccessAction.API_PERSON_REFERRALS)
    return [referral_out(r) for r in selectors.referrals_for(person)]


# --- decisions, employers, budget ------------------------------------------------------------------------------------


@person_router.get("/{person_id}/decisions", response=list[DecisionOut])
def person_decisions(request: HttpRequest, person_id: UUID) -> Any:
    person = _person(request, person_id, write=False, action=AccessAction.API_PERSON_DECISIONS)
    return [decision_out(d) for d in selectors.decisions_for(person)]


@router.post("/decisions", response={201: DecisionOut})
def decision_create(request: HttpRequest, payload: DecisionIn) -> Any:
    person = _person(request, payload.person_id, write=True, action=AccessAction.API_DECISION_CREATE)
    employer = None
    if payload.employer_id is not None:
        employer = Employer.objects.filter(pk=payload.employer_id).first()
        if employer is None:
            raise ValidationFailed.single("employer_id", ErrorCode.UNKNOWN, f"Tuntematon työnantaja: {payload.employer_id}.")
    decision = services.decision_create(
        person=person, kind=payload.kind, employer=employer, percent=payload.percent,
        monthly_amount=payload.monthly_amount, months=payload.months, start_date=payload.start_date,
        decided_on=payload.decided_on, municipality_code=payload.municipality, actor=request.user,
    )
    return Status(201, decision_out(decision))


@router.get("/employers", response=list[EmployerOut])
def employer_list(request: HttpRequest, search: Search = "") -> Any:
    employers = Employer.objects.all()
    if search:
        employers = employers.filter(name__icontains=search) | employers.filter(business_id__startswith=search)
    return [employer_out(e) for e in employers[:200]]


@router.post("/employers", response={201: EmployerOut})
def employer_create(request: HttpRequest, payload: EmployerIn) -> Any:
    policy.require(request.user, policy.Capability.EDIT_SERVICE_CATALOGUE,
                   message="Roolilla ei ole oikeutta lisätä työnantajia.")
    return Status(201, employer_out(services.employer_create(name=payload.name, business_id=payload.business_id,
                                                             kind=payload.kind, municipality_code=payload.municipality)))


@router.get("/kuntalisa-budget", response=BudgetOut)
def kuntalisa_budget(request: HttpRequest, municipality: Code, year: Year) -> Any:
    """A municipality's kuntalisä budget for a year: set, committed by decisions decided that year, available."""
    status = selectors.budget_status(municipality, year)
    return {"municipality": status.municipality_code, "year": status.year, "amount": status.amount,
            "committed": status.committed, "available": status.available}
