"""The JSON API. OpenAPI document at /api/openapi.json, interactive docs at /api/docs.

Thin by design: parse, check access, call one service or selector, log the read, return.
Errors have one shape everywhere: ``{"errors": [{"field", "code", "message"}]}``.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any, cast
from uuid import UUID

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import django_auth

from polku.access import policy, registration
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_person_reads, log_refused, person_access
from polku.api import schemas
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.core.logging import PERSONAL_ID_PATTERN
from polku.people.models import Person
from polku.people.selectors import persons_matching_name
from polku.reference.models import EmploymentArea, LabourMarketStatus, Municipality, ServiceType
from polku.timeline import selectors, services
from polku.timeline.models import BenefitMonth, HomeMunicipalitySpell, JobSearchPeriod, StatusSpell

# Every operation may answer with the API's one error shape: the OpenAPI document says so for each of them.
ERROR_RESPONSES = {
    400: "Refused before validation: a NUL character, an over-long query value or an unreadable body "
           "(the field named).",
    401: "Not signed in.",
    403: "The role or area does not allow this.",
    404: "No such object, or not one the user may see.",
    413: "The request is too large.",
    422: "A value was refused: every problem named with its field, code and message.",
}


class PolkuAPI(NinjaAPI):
    """The API with every operation's error answers in its OpenAPI document."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorOut" not in components:
            error_out = schemas.ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(error_out.pop("$defs", {}))
            components["ErrorOut"] = error_out
        for operations in document["paths"].values():
            for operation in operations.values():
                document_errors(operation)
        return document


def document_errors(operation: dict[str, Any]) -> None:
    """Add the error answers the operation can give and does not yet list (401 only where a login is needed)."""
    responses = operation.setdefault("responses", {})
    public = operation.get("security") == [] or "security" not in operation
    for status, description in ERROR_RESPONSES.items():
        if status in responses or str(status) in responses or (status == 401 and public):
            continue
        responses[status] = {"description": description,
                             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


api = PolkuAPI(
    title="Polku API",
    version="0.1.0",
    description="Job-seeker timelines and reference data. Every read of a person's data is access-logged.",
    urls_namespace="api",
    auth=django_auth,
)

DEFAULT_PURPOSE = gettext_noop("asiakastyö")


# --- error shape ---------------------------------------------------------------------------


@api.exception_handler(ValidationFailed)
def _validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    return api.create_response(request, {"errors": [e.as_dict() for e in exc.errors]}, status=422)


# Finnish wording for the shape errors pydantic finds before a service sees the input.
SCHEMA_MESSAGES: dict[str, tuple[ErrorCode, str]] = {
    "missing": (ErrorCode.REQUIRED, "Pakollinen kenttä puuttuu."),
    "date_from_datetime_parsing": (ErrorCode.INVALID, "Päivämäärä muodossa VVVV-KK-PP."),
    "date_parsing": (ErrorCode.INVALID, "Päivämäärä muodossa VVVV-KK-PP."),
    "datetime_parsing": (ErrorCode.INVALID, "Aika muodossa VVVV-KK-PPTHH:MM:SS+03:00."),
    "datetime_from_date_parsing": (ErrorCode.INVALID, "Aika muodossa VVVV-KK-PPTHH:MM:SS+03:00."),
    "decimal_parsing": (ErrorCode.INVALID, "Euromäärä numerona, desimaalierottimena piste (esim. 781.41)."),
    "decimal_max_places": (ErrorCode.INVALID, "Enintään kaksi desimaalia."),
    "int_parsing": (ErrorCode.INVALID, "Kokonaisluku."),
    "greater_than_equal": (ErrorCode.INVALID, "Arvo on liian pieni (vähintään {ge})."),
    "less_than_equal": (ErrorCode.INVALID, "Arvo on liian suuri (enintään {le})."),
    "string_pattern_mismatch": (ErrorCode.INVALID, "Arvo ei ole oikeassa muodossa (kuukausi: VVVV-KK)."),
    "string_too_short": (ErrorCode.REQUIRED, "Kenttä ei voi olla tyhjä."),
    "string_too_long": (ErrorCode.INVALID, "Teksti on liian pitkä (enintään {max_length} merkkiä)."),
    "too_long": (ErrorCode.INVALID, "Liian monta arvoa (enintään {max_length})."),
    "date_out_of_range": (ErrorCode.INVALID, "Päivämäärän on oltava vuosina {first}–{last}."),
    "less_than": (ErrorCode.INVALID, "Arvo on liian suuri."),
    "greater_than": (ErrorCode.INVALID, "Arvo on liian pieni."),
    "float_parsing": (ErrorCode.INVALID, "Numero, desimaalierottimena piste."),
    "finite_number": (ErrorCode.INVALID, "Numero, desimaalierottimena piste."),
    "int_from_float": (ErrorCode.INVALID, "Kokonaisluku."),
    "string_type": (ErrorCode.INVALID, "Tekstiä."),
    "uuid_parsing": (ErrorCode.INVALID, "Tunniste ei ole UUID."),
    "bool_parsing": (ErrorCode.INVALID, "Arvo on true tai false."),
}


@api.exception_handler(SchemaValidationError)
def _schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        location = [str(part) for part in item.get("loc", []) if part not in {"body", "payload", "query", "path"}]
        code, message = SCHEMA_MESSAGES.get(str(item.get("type")), (ErrorCode.INVALID, str(item.get("msg", "invalid"))))
        with contextlib.suppress(KeyError, IndexError, ValueError):  # without the placeholders' values: as written
            message = message.format(**item.get("ctx", {}))
        errors.append({"field": ".".join(location) or "body", "code": str(code), "message": message})
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"errors": [{"field": "body", "code": "too_large",
                                                     "message": "Pyyntö on liian suuri."}]}, status=413)


@api.exception_handler(AccessDenied)
def _access_denied(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    return api.create_response(
        request, {"errors": [{"field": "", "code": str(ErrorCode.FORBIDDEN), "message": str(exc)}]}, status=403,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, {"errors": [{"field": "", "code": str(ErrorCode.UNKNOWN), "message": "Ei löytynyt."}]}, status=404,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"errors": [{"field": "", "code": "unauthenticated", "message": "Kirjaudu sisään."}]}, status=401,
    )


# --- helpers ----------------------------------------------------------------------------------


def _purpose(request: HttpRequest) -> str:
    return request.headers.get("X-Polku-Purpose", DEFAULT_PURPOSE)


def _read_person(request: HttpRequest, person_id: UUID, action: AccessAction) -> Person:
    """Fetch a person the user may read, and log the read."""
    person = get_object_or_404(Person, pk=person_id)
    person_access(user=request.user, person=person, write=False, action=action, purpose=_purpose(request),
                  channel=AccessChannel.API)
    return person


def _write_person(request: HttpRequest, person_id: Any, action: AccessAction) -> Person:
    """Fetch a person the user may record facts for, and log the write."""
    person = get_object_or_404(Person, pk=person_id)
    person_access(user=request.user, person=person, write=True, action=action, purpose=_purpose(request),
                  channel=AccessChannel.API)
    return person


def _month(value: str) -> date:
    return date.fromisoformat(f"{value}-01")


# --- reference data -------------------------------------------------------------------------


@api.get("/municipalities", response=list[schemas.MunicipalityOut], tags=["reference"])
def municipalities(request: HttpRequest) -> Any:
    return Municipality.objects.all()


@api.get("/employment-areas", response=list[schemas.EmploymentAreaOut], tags=["reference"])
def employment_areas(request: HttpRequest) -> Any:
    return [
        {**{f: getattr(area, f) for f in ("code", "name_fi", "name_sv", "name_en", "valid_from", "valid_to", "source")},
         "municipalities": [m.municipality_id for m in area.memberships.all()]}
        for area in EmploymentArea.objects.prefetch_related("memberships")
    ]


@api.get("/statuses", response=list[schemas.CatalogueEntryOut], tags=["reference"])
def statuses(request: HttpRequest) -> Any:
    return LabourMarketStatus.objects.all()


@api.get("/service-types", response=list[schemas.CatalogueEntryOut], tags=["reference"])
def service_types(request: HttpRequest) -> Any:
    return ServiceType.objects.all()


# --- persons -----------------------------------------------------------------------------------


@api.get("/persons", response=list[schemas.PersonOut], tags=["persons"])
def person_list(request: HttpRequest, search: str = Query("", max_length=100), limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0, le=1_000_000)) -> Any:
    """Persons the user may see, by name; each returned person is an access-logged read."""
    queryset = policy.persons_visible_to(request.user)
    if not policy.can_see_person_level_data(request.user):
        raise AccessDenied("Roolilla on pääsy vain koostetietoihin.")
    if PERSONAL_ID_PATTERN.search(search):
        # An identity code in a query string ends up in server and proxy logs: only POST /persons/lookup takes one.
        raise ValidationFailed.single("search", ErrorCode.INVALID,
                                      "Henkilötunnuksella haetaan vain POST /api/persons/lookup -kutsulla.")
    persons = list(persons_matching_name(queryset, search)[offset:offset + limit])
    log_person_reads(user=request.user, person_ids=[p.pk for p in persons], action=AccessAction.API_PERSON_LIST,
                     purpose=_purpose(request), channel=AccessChannel.API)
    return persons


@api.post("/persons", response={201: schemas.PersonOut, 403: schemas.ErrorOut, 422: schemas.ErrorOut}, tags=["persons"])
def person_create(request: HttpRequest, payload: schemas.PersonIn) -> Any:
    """Register a person with their home municipality (both or neither).

    A code already in the register is answered 422 ``duplicate`` only to a user who may see that person; anyone
    else gets 403 with a neutral message, and the attempt is logged against the person.
    """
    policy.require_write_access(request.user)
    profile = policy.staff_profile(request.user)
    if payload.home_municipality is None and not policy.sees_everyone(request.user):
        raise ValidationFailed.single("home_municipality", ErrorCode.REQUIRED, "Anna henkilön kotikunta.")
    if payload.home_municipality is not None:
        policy.require_municipality_in_scope(request.user, payload.home_municipality)
    person = registration.person_register_for(
        user=request.user, channel=AccessChannel.API, purpose=_purpose(request),
        personal_id_code=payload.personal_id, first_names=payload.first_names, last_name=payload.last_name,
        language=payload.language, education=payload.education, immigrant_background=payload.immigrant_background,
        municipality_code=payload.home_municipality, since=payload.home_municipality_since,
        team_id=profile.team_id if profile else None,
    )
    return Status(201, person)


@api.post("/persons/lookup", response={200: schemas.PersonOut, 404: schemas.ErrorOut}, tags=["persons"])
def person_lookup(request: HttpRequest, payload: schemas.PersonLookupIn) -> Any:
    """Find a person by identity code; the code travels in the body, so it stays out of URLs and logs."""
    person = services.person_find_by_personal_id(payload.personal_id)
    if person is not None and not policy.visible_person_ids(request.user, [person.pk]):
        log_refused(user=request.user, person_ids=[person.pk], action=AccessAction.API_PERSON_LOOKUP,
                    purpose=_purpose(request), channel=AccessChannel.API)
        person = None
    if person is None:
        return Status(404, {"errors": [{"field": "personal_id", "code": str(ErrorCode.UNKNOWN),
                                 "message": "Henkilöä ei löytynyt tai sinulla ei ole oikeutta hänen tietoihinsa."}]})
    log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.API_PERSON_LOOKUP,
                     purpose=_purpose(request), channel=AccessChannel.API)
    return Status(200, person)


@api.get("/persons/{person_id}", response=schemas.PersonOut, tags=["persons"])
def person_detail(request: HttpRequest, person_id: UUID) -> Any:
    return _read_person(request, person_id, AccessAction.API_PERSON_DETAIL)


@api.get("/persons/{person_id}/timeline", response=schemas.TimelineOut, tags=["timeline"])
def person_timeline(request: HttpRequest, person_id: UUID, known_at: schemas.Moment | None = None) -> Any:
    """All current facts of a person, or those Polku knew at ``known_at`` (with its time zone)."""
    if known_at is not None and known_at.tzinfo is None:
        raise ValidationFailed.single("known_at", ErrorCode.INVALID, "Anna aikavyöhyke, esim. 2025-03-31T23:59:59+03:00.")
    person = _read_person(request, person_id, AccessAction.API_PERSON_TIMELINE)
    return selectors.person_timeline(person, known_at=known_at)


# --- home municipality --------------------------------------------------------------------------


@api.post("/persons/{person_id}/home-municipalities", response={201: schemas.HomeMunicipalityOut}, tags=["timeline"])
def home_municipality_add(request: HttpRequest, person_id: UUID, payload: schemas.HomeMunicipalityIn) -> Any:
    person = _write_person(request, person_id, AccessAction.API_HOME_MUNICIPALITY_ADD)
    return Status(201, services.home_municipality_record(
        person=person, municipality_code=payload.municipality, start_date=payload.start_date,
        end_date=payload.end_date, actor=request.user, source="api",
    ))


@api.post("/home-municipalities/{spell_id}/correct", response={201: schemas.HomeMunicipalityOut}, tags=["timeline"])
def home_municipality_correct(request: HttpRequest, spell_id: int, payload: schemas.HomeMunicipalityCorrectionIn) -> Any:
    spell = get_object_or_404(HomeMunicipalitySpell, pk=spell_id)
    person = _write_person(request, spell.person_id, AccessAction.API_HOME_MUNICIPALITY_CORRECT)
    return Status(201, services.home_municipality_record(
        person=person, municipality_code=payload.municipality, start_date=payload.start_date,
        end_date=payload.end_date, actor=request.user, source="api", corrects=spell, reason=payload.reason,
    ))


# --- status spells --------------------------------------------------------------------------------


@api.post("/persons/{person_id}/status-spells", response={201: schemas.StatusSpellOut}, tags=["timeline"])
def status_spell_add(request: HttpRequest, person_id: UUID, payload: schemas.StatusSpellIn) -> Any:
    person = _write_person(request, person_id, AccessAction.API_STATUS_SPELL_ADD)
    return Status(201, services.status_spell_record(
        person=person, status=payload.status, service_type=payload.service_type, start_date=payload.start_date,
        end_date=payload.end_date, actor=request.user, source="api",
    ))


@api.post("/status-spells/{spell_id}/correct", response={201: schemas.StatusSpellOut}, tags=["timeline"])
def status_spell_correct(request: HttpRequest, spell_id: int, payload: schemas.StatusSpellCorrectionIn) -> Any:
    spell = get_object_or_404(StatusSpell, pk=spell_id)
    person = _write_person(request, spell.person_id, AccessAction.API_STATUS_SPELL_CORRECT)
    return Status(201, services.status_spell_record(
        person=person, status=payload.status, service_type=payload.service_type, start_date=payload.start_date,
        end_date=payload.end_date, actor=request.user, source="api", corrects=spell, reason=payload.reason,
    ))


@api.post("/status-spells/{spell_id}/retract", response={204: None}, tags=["timeline"])
def status_spell_retract(request: HttpRequest, spell_id: int, payload: schemas.CorrectionReason) -> Any:
    spell = get_object_or_404(StatusSpell, pk=spell_id)
    _write_person(request, spell.person_id, AccessAction.API_STATUS_SPELL_RETRACT)
    services.fact_retract(fact=spell, reason=payload.reason, actor=request.user)
    return Status(204, None)


RETRACT_ACTIONS = {
    "home-municipalities": AccessAction.API_HOMEMUNICIPALITYSPELL_RETRACT,
    "job-search-periods": AccessAction.API_JOBSEARCHPERIOD_RETRACT,
    "benefit-months": AccessAction.API_BENEFITMONTH_RETRACT,
}
RETRACTABLE: dict[str, type[HomeMunicipalitySpell] | type[JobSearchPeriod] | type[BenefitMonth]] = {
    "home-municipalities": HomeMunicipalitySpell,
    "job-search-periods": JobSearchPeriod,
    "benefit-months": BenefitMonth,
}


@api.post("/{kind}/{fact_id}/retract", response={204: None}, tags=["timeline"])
def fact_retract(request: HttpRequest, kind: str = schemas.query_enum(..., list(RETRACTABLE), location=Path),
                 fact_id: int = Path(...), *, payload: schemas.CorrectionReason) -> Any:
    """Withdraw a home-municipality spell, job-search period or benefit row recorded in error (history kept)."""
    model = RETRACTABLE.get(kind)
    if model is None:
        raise Http404
    fact = cast("HomeMunicipalitySpell | JobSearchPeriod | BenefitMonth", get_object_or_404(model, pk=fact_id))
    _write_person(request, fact.person_id, RETRACT_ACTIONS[kind])
    services.fact_retract(fact=fact, reason=payload.reason, actor=request.user)
    return Status(204, None)


@api.get("/status-spells/{spell_id}/history", response=list[schemas.StatusSpellOut], tags=["timeline"])
def status_spell_history(request: HttpRequest, spell_id: int) -> Any:
    """Every version of a spell: the audit trail of its corrections."""
    spell = get_object_or_404(StatusSpell, pk=spell_id)
    _read_person(request, spell.person_id, AccessAction.API_STATUS_SPELL_HISTORY)
    return selectors.fact_history(StatusSpell, spell.lineage)


# --- job-search periods -----------------------------------------------------------------------------


@api.post("/persons/{person_id}/job-search-periods", response={201: schemas.JobSearchPeriodOut}, tags=["timeline"])
def job_search_open(request: HttpRequest, person_id: UUID, payload: schemas.JobSearchOpenIn) -> Any:
    person = _write_person(request, person_id, AccessAction.API_JOB_SEARCH_OPEN)
    return Status(201, services.job_search_open(person=person, registered_on=payload.registered_on,
                                                ended_on=payload.ended_on, end_reason=payload.end_reason,
                                                actor=request.user, source="api"))


@api.post("/job-search-periods/{period_id}/end", response={201: schemas.JobSearchPeriodOut}, tags=["timeline"])
def job_search_end(request: HttpRequest, period_id: int, payload: schemas.JobSearchEndIn) -> Any:
    period = get_object_or_404(JobSearchPeriod, pk=period_id)
    _write_person(request, period.person_id, AccessAction.API_JOB_SEARCH_END)
    return Status(201, services.job_search_end(period=period, ended_on=payload.ended_on, end_reason=payload.end_reason,
                                        actor=request.user))


# --- benefit days ---------------------------------------------------------------------------------------


@api.post("/persons/{person_id}/benefit-months", response={201: schemas.BenefitMonthOut}, tags=["timeline"])
def benefit_month_add(request: HttpRequest, person_id: UUID, payload: schemas.BenefitMonthIn) -> Any:
    person = _write_person(request, person_id, AccessAction.API_BENEFIT_MONTH_ADD)
    return Status(201, services.benefit_month_record(
        person=person, month=_month(payload.month), benefit_type=payload.benefit_type, basis=payload.basis,
        days=payload.days, amount=payload.amount, actor=request.user, source="api",
    ))


@api.post("/benefit-months/{row_id}/correct", response={201: schemas.BenefitMonthOut}, tags=["timeline"])
def benefit_month_correct(request: HttpRequest, row_id: int, payload: schemas.BenefitMonthCorrectionIn) -> Any:
    row = get_object_or_404(BenefitMonth, pk=row_id)
    person = _write_person(request, row.person_id, AccessAction.API_BENEFIT_MONTH_CORRECT)
    return Status(201, services.benefit_month_record(
        person=person, month=row.month, benefit_type=row.benefit_type, basis=row.basis, days=payload.days,
        amount=payload.amount, actor=request.user, source="api", corrects=row, reason=payload.reason,
    ))


api.add_router("/kela-invoices", "polku.api.kela_invoices.router")
api.add_router("/municipal-share", "polku.api.municipal_share.router")
api.add_router("/kpi", "polku.api.kpi.router")
api.add_router("/casework", "polku.api.casework.router")
api.add_router("/forecast", "polku.api.forecast.router")
api.add_router("/provision", "polku.api.provision.router")
api.add_router("/persons", "polku.api.provision.person_router")
api.add_router("/exchange", "polku.api.exchange.router")
api.add_router("/employer-services", "polku.api.employer_services.router")
api.add_router("/persons", "polku.api.employer_services.person_router")
api.add_router("/v1", "polku.api.open_data.router")  # PxWeb API v1 over the open data, no login
