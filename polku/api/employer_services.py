"""Employer services in the API: the employer register, vacancies with their ranked candidates (each with its score
breakdown), job offers and their outcomes, competence profiles, skill suggestions from free text, and the figures.

Mounted at ``/api/employer-services`` (``router``) and a person's competence profile and suggested vacancies at
``/api/persons/{id}/…`` (``person_router``). A candidate list is logged as a read of every person on it; errors have
the API's one shape, ``{"errors": [{"field", "code", "message"}]}``.
"""

from __future__ import annotations

from datetime import date
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
from polku.access.services import log_person_reads, log_refused
from polku.api.schemas import Code, Day, Name
from polku.core.errors import AccessDenied
from polku.employer_services import extraction, matching, selectors, services
from polku.employer_services.models import CompetenceProfile, JobOffer, Vacancy
from polku.people.models import Person
from polku.provision.models import Employer

router = Router(tags=["employer services"])
person_router = Router(tags=["employer services"])
PURPOSE = gettext_noop("työnvälitys ja osaamisen kohtaanto")


def _gate(request: HttpRequest) -> None:
    policy.employer_area_id(request.user)  # AccessDenied (403) for roles without employer services


# --- shapes -----------------------------------------------------------------------------------------------------


class EmployerIn(Schema):
    name: Name
    business_id: str = Field(max_length=20, description="Y-tunnus, 1234567-8 (checksum validated).")
    kind: Code = "company"
    municipality: Code | None = None
    industry: str = Field("", max_length=1, description="TOL 2008 section letter A–U.")
    size: Code = ""
    consent_to_contact: bool = False
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)


class EmployerOut(Schema):
    id: int
    name: str
    business_id: str
    kind: str
    municipality: str | None
    industry: str
    size: str
    consent_to_contact: bool


class ContactIn(Schema):
    kind: Code
    contacted_on: Day
    notes: str = Field("", max_length=2000)


class LanguageIn(Schema):
    code: str = Field(max_length=2)
    level: int = Field(ge=1, le=7, description="1–6 = A1–C2, 7 = mother tongue")


class VacancyFields(Schema):
    title: str = Field("", max_length=300)
    municipality: Code | None = None
    description: str = Field("", max_length=5000)
    occupation: str = Field("", max_length=120, description="ESCO occupation URI or UUID")
    required_skills: list[str] = Field(default_factory=list, max_length=50)
    wished_skills: list[str] = Field(default_factory=list, max_length=50)
    education_level: int | None = None
    licences: list[Code] = Field(default_factory=list, max_length=20)
    languages: list[LanguageIn] = Field(default_factory=list, max_length=10)
    hours: Code = "full_time"
    positions: int = Field(1, ge=1, le=999)
    starts_on: Day | None = None
    ends_on: Day | None = None
    apply_by: Day | None = None


class VacancyIn(VacancyFields):
    employer_id: int


class VacancyChangeIn(VacancyFields):
    """A vacancy's fields as changed (its employer stays); ``version``: the one the client read, so that a change
    made meanwhile is refused instead of overwritten (required: no last-writer-wins)."""

    version: int = Field(description="The version read (GET or the create's answer); a change made since is refused")


class VacancyOut(Schema):
    id: int
    version: int
    employer_id: int
    title: str
    occupation: str
    required_skills: list[str]
    wished_skills: list[str]
    licences: list[str]
    municipality: str
    hours: str
    status: str


class PartOut(Schema):
    part: str
    weight: int
    points: Decimal
    matched: list[str]
    missing: list[str]
    note: str


class CandidateOut(Schema):
    person_id: UUID
    name: str
    score: Decimal
    missing_licences: list[str]
    ranked_below_for_missing_licence: bool
    presentable_to_employer: bool = Field(description="The client's consent to present their profile to employers "
                                                      "is in force now")
    breakdown: list[PartOut]


class SuggestedVacancyOut(Schema):
    vacancy_id: int
    title: str
    employer: str
    score: Decimal
    missing_licences: list[str]
    breakdown: list[PartOut]


class OfferIn(Schema):
    vacancy_id: int
    person_id: UUID
    binding: bool = False
    offered_on: Day
    respond_by: Day | None = None


class OfferOutcomeIn(Schema):
    response: Code
    outcome: Code
    outcome_on: Day | None = None
    refusal_reason: str = Field("", max_length=300)
    version: int | None = None


class OfferOut(Schema):
    id: int
    vacancy_id: int
    person_id: UUID
    binding: bool
    offered_on: date
    respond_by: date
    response: str
    outcome: str
    outcome_on: date | None
    version: int


class ProfileIn(Schema):
    occupations: list[str] = Field(default_factory=list, max_length=20)
    skills: list[str] = Field(default_factory=list, max_length=100)
    education_level: int | None = None
    education: str = Field("", max_length=200)
    licences: list[Code] = Field(default_factory=list, max_length=20)
    languages: list[LanguageIn] = Field(default_factory=list, max_length=10)
    work_history: list[dict[str, str]] = Field(default_factory=list, max_length=30)
    place_preference: Code = "area"
    hours_preference: Code = "any"
    version: int | None = None


class ProfileOut(Schema):
    person_id: UUID
    occupations: list[str]
    skills: list[str]
    education_level: int | None
    education: str
    licences: list[str]
    languages: list[dict[str, Any]]
    work_history: list[dict[str, Any]]
    place_preference: str
    hours_preference: str
    version: int


class TextIn(Schema):
    text: str = Field(max_length=5000)


class SuggestionOut(Schema):
    code: str
    kind: str
    label_fi: str
    label_sv: str
    label_en: str
    matched_text: str
    counted: bool = Field(description="False when every mention was negated ('ei ajokorttia').")
    negation: str


class FiguresOut(Schema):
    offers: int
    hired: int
    decided: int
    hired_share: float | None
    job_seekers: int
    with_profile: int
    profile_coverage: float | None
    months: list[dict[str, Any]]
    subsidised_by_sector: dict[str, int]


def _employer_out(employer: Employer) -> dict[str, Any]:
    return {"id": employer.pk, "name": employer.name, "business_id": employer.business_id, "kind": employer.kind,
            "municipality": employer.municipality_id, "industry": employer.industry, "size": employer.size,
            "consent_to_contact": employer.consent_to_contact}


def _vacancy_out(vacancy: Vacancy) -> dict[str, Any]:
    return {"id": vacancy.pk, "version": vacancy.version, "employer_id": vacancy.employer_id, "title": vacancy.title,
            "occupation": vacancy.occupation, "required_skills": vacancy.required_skills,
            "wished_skills": vacancy.wished_skills, "licences": vacancy.licences,
            "municipality": vacancy.municipality_id, "hours": vacancy.hours, "status": vacancy.status}


def _breakdown(match: matching.Match) -> list[dict[str, Any]]:
    return [{"part": p.key, "weight": p.weight, "points": p.points, "matched": list(p.matched),
             "missing": list(p.missing), "note": p.note} for p in match.parts]


def _offer_out(offer: JobOffer) -> dict[str, Any]:
    return {"id": offer.pk, "vacancy_id": offer.vacancy_id, "person_id": offer.person_id, "binding": offer.binding,
            "offered_on": offer.offered_on, "respond_by": offer.respond_by, "response": offer.response,
            "outcome": offer.outcome, "outcome_on": offer.outcome_on, "version": offer.version}


# --- employers and vacancies -----------------------------------------------------------------------------------------


@router.get("/employers", response=list[EmployerOut])
def employer_list(request: HttpRequest) -> Any:
    _gate(request)
    return [_employer_out(e) for e in selectors.employers_for(request.user).order_by("name")[:1000]]


@router.post("/employers", response={201: EmployerOut})
def employer_register(request: HttpRequest, payload: EmployerIn) -> Any:
    _gate(request)
    employer = services.employer_register(
        actor=request.user, name=payload.name, business_id=payload.business_id, kind=payload.kind,
        municipality_code=payload.municipality, today=timezone.localdate(), details=services.EmployerDetails(
            industry=payload.industry, size=payload.size, consent_to_contact=payload.consent_to_contact,
            phone=payload.phone, email=payload.email))
    return Status(201, _employer_out(employer))


@router.post("/employers/{employer_id}/contacts", response={201: dict[str, Any]})
def contact_record(request: HttpRequest, employer_id: int, payload: ContactIn) -> Any:
    _gate(request)
    employer = get_object_or_404(selectors.employers_for(request.user), pk=employer_id)
    contact = services.contact_record(actor=request.user, employer=employer, kind=payload.kind,
                                      contacted_on=payload.contacted_on, notes=payload.notes,
                                      today=timezone.localdate())
    return Status(201, {"id": contact.pk, "employer_id": employer.pk, "kind": contact.kind,
                        "contacted_on": contact.contacted_on.isoformat()})


@router.get("/vacancies", response=list[VacancyOut])
def vacancy_list(request: HttpRequest, status: Code = "open") -> Any:
    _gate(request)
    return [_vacancy_out(v) for v in selectors.vacancies_for(request.user).filter(status=status)[:1000]]


@router.post("/vacancies", response={201: VacancyOut})
def vacancy_create(request: HttpRequest, payload: VacancyIn) -> Any:
    _gate(request)
    employer = get_object_or_404(selectors.employers_for(request.user), pk=payload.employer_id)
    vacancy = services.vacancy_create(actor=request.user, employer=employer, data=_vacancy_input(payload))
    return Status(201, _vacancy_out(vacancy))


@router.put("/vacancies/{vacancy_id}", response=VacancyOut)
def vacancy_update(request: HttpRequest, vacancy_id: int, payload: VacancyChangeIn) -> Any:
    """Change an open vacancy of the caller's area (checked as a new one; a filled or closed one is refused)."""
    _gate(request)
    vacancy = get_object_or_404(selectors.vacancies_for(request.user), pk=vacancy_id)
    changed = services.vacancy_update(actor=request.user, vacancy=vacancy, data=_vacancy_input(payload),
                                      expected_version=payload.version)
    return _vacancy_out(changed)


def _vacancy_input(payload: VacancyFields) -> services.VacancyInput:
    return services.VacancyInput(
        title=payload.title, municipality_code=payload.municipality, description=payload.description,
        occupation=payload.occupation, required_skills=tuple(payload.required_skills),
        wished_skills=tuple(payload.wished_skills), education_level=payload.education_level,
        licences=tuple(payload.licences), languages=tuple(row.dict() for row in payload.languages),
        hours=payload.hours, positions=payload.positions, starts_on=payload.starts_on, ends_on=payload.ends_on,
        apply_by=payload.apply_by)


@router.get("/vacancies/{vacancy_id}/candidates", response=list[CandidateOut])
def candidates(request: HttpRequest, vacancy_id: int, limit: int = 20) -> Any:
    """The best job seekers within the caller's matching scope, each with the breakdown of the score. Logged as a
    read of every person listed."""
    _gate(request)
    vacancy = get_object_or_404(selectors.vacancies_for(request.user), pk=vacancy_id)
    policy.require(request.user, policy.Capability.MATCH_CANDIDATES)
    found = selectors.candidates(request.user, vacancy, timezone.localdate(), limit=max(1, min(limit, 100)))
    log_person_reads(user=request.user, person_ids=[c.person.pk for c in found], action=AccessAction.API_CANDIDATE_LIST,
                     purpose=PURPOSE, channel=AccessChannel.API)
    return [{"person_id": c.person.pk, "name": f"{c.person.last_name}, {c.person.first_names}", "score": c.match.score,
             "missing_licences": list(c.match.missing_licences), "ranked_below_for_missing_licence": c.below_for_licence,
             "presentable_to_employer": c.presentable, "breakdown": _breakdown(c.match)} for c in found]


# --- job offers ---------------------------------------------------------------------------------------------------


@router.post("/offers", response={201: OfferOut})
def offer_send(request: HttpRequest, payload: OfferIn) -> Any:
    _gate(request)
    vacancy = get_object_or_404(selectors.vacancies_for(request.user), pk=payload.vacancy_id)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None or not policy.may_match(request.user, person):
        if person is not None:
            log_refused(user=request.user, person_ids=[person.pk], action=AccessAction.API_JOB_OFFER, purpose=PURPOSE,
                        channel=AccessChannel.API)
        from polku.core.errors import ErrorCode, ValidationFailed

        raise ValidationFailed.single("person_id", ErrorCode.FORBIDDEN,
                                      "Työnhakija ei kuulu rajaukseesi; hänelle ei voi lähettää työtarjousta.")
    offer = services.offer_send(actor=request.user, vacancy=vacancy, person=person, binding=payload.binding,
                                offered_on=payload.offered_on, respond_by=payload.respond_by)
    log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.API_JOB_OFFER, purpose=PURPOSE,
                     channel=AccessChannel.API)
    return Status(201, _offer_out(offer))


@router.put("/offers/{offer_id}", response=OfferOut)
def offer_record(request: HttpRequest, offer_id: int, payload: OfferOutcomeIn) -> Any:
    _gate(request)
    offer = get_object_or_404(JobOffer.objects.filter(vacancy__in=selectors.vacancies_for(request.user)), pk=offer_id)
    if not policy.may_match(request.user, offer.person):
        log_refused(user=request.user, person_ids=[offer.person_id], action=AccessAction.API_JOB_OFFER, purpose=PURPOSE,
                    channel=AccessChannel.API)
        raise AccessDenied("Työnhakija ei kuulu rajaukseesi.")
    saved = services.offer_record(actor=request.user, offer=offer, response=payload.response, outcome=payload.outcome,
                                  outcome_on=payload.outcome_on, refusal_reason=payload.refusal_reason,
                                  expected_version=payload.version, today=timezone.localdate())
    log_person_reads(user=request.user, person_ids=[offer.person_id], action=AccessAction.API_JOB_OFFER, purpose=PURPOSE,
                     channel=AccessChannel.API)
    return _offer_out(saved)


@router.get("/figures", response=FiguresOut)
def figures(request: HttpRequest) -> Any:
    _gate(request)
    result = selectors.figures(request.user, timezone.localdate())
    return {"offers": result.offers, "hired": result.hired, "decided": result.decided, "hired_share": result.hired_share,
            "job_seekers": result.job_seekers, "with_profile": result.with_profile,
            "profile_coverage": result.coverage, "subsidised_by_sector": result.subsidised_by_sector,
            "months": [m.__dict__ for m in result.months]}


@router.post("/skill-suggestions", response=list[SuggestionOut])
def skill_suggestions(request: HttpRequest, payload: TextIn) -> Any:
    """ESCO skills, occupations, languages and licences named in a text (fi/sv/en), with the words that matched;
    negated mentions are returned with ``counted`` false. Nothing is stored."""
    if not (policy.may_use_employer_services(request.user) or policy.can_write_person_data(request.user)):
        raise AccessDenied("Ei oikeutta.")
    return [{"code": s.concept.code, "kind": s.concept.kind, "label_fi": s.concept.labels["fi"],
             "label_sv": s.concept.labels["sv"], "label_en": s.concept.labels["en"], "matched_text": s.evidence.text,
             "counted": not s.negated, "negation": s.evidence.cue} for s in extraction.extract(payload.text)]


# --- a person's competence profile and suggested vacancies ----------------------------------------------------------


def _profile_person(request: HttpRequest, person_id: UUID, action: AccessAction) -> Person:
    person = get_object_or_404(Person, pk=person_id)
    if not policy.may_match(request.user, person):
        log_refused(user=request.user, person_ids=[person.pk], action=action, purpose=PURPOSE, channel=AccessChannel.API)
        raise AccessDenied("Työnhakija ei kuulu rajaukseesi.")
    log_person_reads(user=request.user, person_ids=[person.pk], action=action, purpose=PURPOSE, channel=AccessChannel.API)
    return person


def _profile_out(profile: CompetenceProfile) -> dict[str, Any]:
    return {"person_id": profile.person_id, "occupations": profile.occupations, "skills": profile.skills,
            "education_level": profile.education_level, "education": profile.education, "licences": profile.licences,
            "languages": profile.languages, "work_history": profile.work_history,
            "place_preference": profile.place_preference, "hours_preference": profile.hours_preference,
            "version": profile.version}


@person_router.get("/{person_id}/competence-profile", response=ProfileOut)
def profile_get(request: HttpRequest, person_id: UUID) -> Any:
    person = _profile_person(request, person_id, AccessAction.API_COMPETENCE_PROFILE)
    return _profile_out(get_object_or_404(CompetenceProfile, person=person))


@person_router.put("/{person_id}/competence-profile", response=ProfileOut)
def profile_put(request: HttpRequest, person_id: UUID, payload: ProfileIn) -> Any:
    person = _profile_person(request, person_id, AccessAction.API_COMPETENCE_PROFILE_EDIT)
    profile = services.profile_save(actor=request.user, person=person, data=services.ProfileInput(
        occupations=tuple(payload.occupations), skills=tuple(payload.skills), education_level=payload.education_level,
        education=payload.education, licences=tuple(payload.licences),
        languages=tuple(row.dict() for row in payload.languages), work_history=tuple(payload.work_history),
        place_preference=payload.place_preference, hours_preference=payload.hours_preference),
        expected_version=payload.version)
    return _profile_out(profile)


@person_router.get("/{person_id}/vacancy-suggestions", response=list[SuggestedVacancyOut])
def vacancy_suggestions(request: HttpRequest, person_id: UUID, limit: int = 10) -> Any:
    _gate(request)
    person = _profile_person(request, person_id, AccessAction.API_VACANCY_SUGGESTIONS)
    profile = get_object_or_404(CompetenceProfile, person=person)
    found = selectors.vacancies_for_person(request.user, profile, timezone.localdate(), limit=max(1, min(limit, 50)))
    return [{"vacancy_id": s.vacancy.pk, "title": s.vacancy.title, "employer": s.vacancy.employer.name,
             "score": s.match.score, "missing_licences": list(s.match.missing_licences),
             "breakdown": _breakdown(s.match)} for s in found]
