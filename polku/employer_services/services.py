"""Writes of employer services. Each function is one transaction: it checks everything first and raises
``ValidationFailed`` naming every bad field, or ``AccessDenied`` when the actor may not; nothing is half-written.

Who may is asked of ``polku.access.policy`` only: employer-register and vacancy writes need EMPLOYER_SERVICES in the
employer's area, a competence profile RECORD_PERSON_DATA for the person, a job offer MATCH_CANDIDATES for the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from polku.access import policy
from polku.core import precomputed
from polku.core.errors import AccessDenied, ErrorCode, FieldError, ValidationFailed, raise_if
from polku.employer_services.esco import LANGUAGE_NAMES, catalogue, industries
from polku.employer_services.models import (
    CompetenceProfile,
    ContactKind,
    ContactPerson,
    EducationLevel,
    EmployerContact,
    Hours,
    HoursPreference,
    JobOffer,
    LanguageLevel,
    MatchFeedback,
    NeedStatus,
    OfferOutcome,
    OfferResponse,
    PlacePreference,
    RecruitmentNeed,
    Vacancy,
    VacancyStatus,
)
from polku.employer_services.rules import follow_up_rules
from polku.people.models import Person
from polku.provision.models import Employer, EmployerSize
from polku.provision.services import employer_create
from polku.reference.models import EmploymentArea, Municipality

TITLE_MAX = 200


# --- checks shared by vacancies and profiles -------------------------------------------------------------------------


def check_skills(codes: list[str], field: str) -> tuple[list[str], list[FieldError]]:
    """ESCO skill codes (full URI or UUID) to full URIs, or an error naming ``field`` and each unknown code."""
    table = catalogue()
    found: list[str] = []
    errors: list[FieldError] = []
    for code in codes:
        concept = table.skill(str(code))
        if concept is None:
            errors.append(FieldError(field, ErrorCode.UNKNOWN, _("Tuntematon ESCO-taito: %(code)s.") % {"code": code}))
        elif concept.code not in found:
            found.append(concept.code)
    return found, errors


def check_occupations(codes: list[str], field: str) -> tuple[list[str], list[FieldError]]:
    table = catalogue()
    found: list[str] = []
    errors: list[FieldError] = []
    for code in codes:
        concept = table.occupation(str(code))
        if concept is None:
            errors.append(FieldError(field, ErrorCode.UNKNOWN, _("Tuntematon ESCO-ammatti: %(code)s.") % {"code": code}))
        elif concept.code not in found:
            found.append(concept.code)
    return found, errors


def check_licences(codes: list[str], field: str = "licences") -> tuple[list[str], list[FieldError]]:
    table = catalogue()
    errors = [FieldError(field, ErrorCode.UNKNOWN, _("Tuntematon lupa tai kortti: %(code)s.") % {"code": code})
              for code in codes if table.licence(str(code)) is None]
    return list(dict.fromkeys(str(code).strip() for code in codes)), errors


def check_languages(rows: list[dict[str, Any]], field: str = "languages") -> tuple[list[dict[str, Any]], list[FieldError]]:
    """``[{"code": "fi", "level": 4}]``: a known ISO 639-1 language, a level 1–7 (A1…C2, mother tongue)."""
    found: dict[str, int] = {}
    errors: list[FieldError] = []
    for row in rows:
        code = str(row.get("code", "")).strip().lower()
        level = row.get("level")
        if code not in LANGUAGE_NAMES:
            errors.append(FieldError(field, ErrorCode.UNKNOWN, _("Tuntematon kieli: %(code)s. Sallitut: %(values)s.")
                                     % {"code": code, "values": ", ".join(LANGUAGE_NAMES)}))
            continue
        if not isinstance(level, int) or level not in LanguageLevel.values:
            errors.append(FieldError(field, ErrorCode.INVALID, _("Kielitaidon taso on 1–7 (A1–C2, äidinkieli): %(code)s.")
                                     % {"code": code}))
            continue
        found[code] = level
    return [{"code": code, "level": level} for code, level in found.items()], errors


def _municipality(code: str | None, field: str, *, required: bool) -> tuple[Municipality | None, list[FieldError]]:
    if not code:
        if required:
            return None, [FieldError(field, ErrorCode.REQUIRED, _("Työpaikan kunta on pakollinen."))]
        return None, []
    found = Municipality.objects.filter(code=code).first()
    if found is None:
        return None, [FieldError(field, ErrorCode.UNKNOWN, _("Tuntematon kuntanumero: %(code)s.") % {"code": code})]
    return found, []


def _actor_area(actor: Any, municipality: Municipality | None) -> EmploymentArea | None:
    """The area the actor works for: their own, or (whole-register roles) the one the municipality belongs to."""
    area_id = policy.employer_area_id(actor)
    if area_id is not None:
        return EmploymentArea.objects.get(pk=area_id)
    if municipality is None:
        return None
    membership = municipality.area_memberships.order_by("-valid_from").select_related("area").first()
    return membership.area if membership is not None else None


def require_employer(actor: Any, employer: Employer) -> None:
    """Refuse unless ``employer`` is kept by the actor's area (or the actor reaches every area)."""
    if not policy.employer_within_reach(actor, employer):
        raise AccessDenied("Työnantaja ei kuulu työllisyysalueesi työnantajapalveluihin.")


# --- the employer register ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerDetails:
    industry: str = ""
    size: str = ""
    consent_to_contact: bool = False
    phone: str = ""
    email: str = ""


def _details_errors(details: EmployerDetails) -> list[FieldError]:
    errors: list[FieldError] = []
    if details.industry and details.industry not in industries():
        errors.append(FieldError("industry", ErrorCode.UNKNOWN, _("Tuntematon toimiala (TOL 2008): %(code)s.")
                                 % {"code": details.industry}))
    if details.size and details.size not in EmployerSize.values:
        errors.append(FieldError("size", ErrorCode.INVALID, _("Tuntematon kokoluokka: %(size)s.") % {"size": details.size}))
    return errors


@transaction.atomic
def employer_register(*, actor: Any, name: str, business_id: str, kind: str, municipality_code: str | None,
                      details: EmployerDetails, today: date) -> Employer:
    """Register an employer for the actor's area (business ID validated; the one register subsidies use too)."""
    if not policy.may_use_employer_services(actor):
        raise AccessDenied("Työnantajapalveluihin ei ole oikeutta.")
    errors = _details_errors(details)
    try:
        employer = employer_create(name=name, business_id=business_id, kind=kind, municipality_code=municipality_code)
    except ValidationFailed as failure:
        raise ValidationFailed(failure.errors + errors) from failure
    raise_if(errors)
    employer.area = _actor_area(actor, employer.municipality)
    _apply_details(employer, details, today)
    employer.save()
    return employer


def _apply_details(employer: Employer, details: EmployerDetails, today: date) -> None:
    employer.industry = details.industry
    employer.size = details.size
    if details.consent_to_contact and not employer.consent_to_contact:
        employer.consent_recorded_on = today
    if not details.consent_to_contact:
        employer.consent_recorded_on = None
    employer.consent_to_contact = details.consent_to_contact
    employer.phone = details.phone.strip()
    employer.email = details.email.strip()


@transaction.atomic
def employer_update(*, actor: Any, employer: Employer, details: EmployerDetails, today: date) -> Employer:
    """Change an employer's industry, size, consent and contact details; an employer without an area (registered
    for a subsidy decision) is taken into the actor's area."""
    locked = Employer.objects.select_for_update().get(pk=employer.pk)
    require_employer(actor, locked)
    raise_if(_details_errors(details))
    if locked.area_id is None:
        locked.area = _actor_area(actor, locked.municipality)
    _apply_details(locked, details, today)
    locked.save()
    _figures_changed()  # a municipality changed moves its contacts in the figures
    return locked


@transaction.atomic
def contact_person_add(*, actor: Any, employer: Employer, name: str, title: str = "", phone: str = "",
                       email: str = "") -> ContactPerson:
    require_employer(actor, employer)
    if not name.strip():
        raise ValidationFailed.single("name", ErrorCode.REQUIRED, _("Nimi on pakollinen."))
    return ContactPerson.objects.create(employer=employer, name=name.strip(), title=title.strip(), phone=phone.strip(),
                                        email=email.strip())


@transaction.atomic
def contact_record(*, actor: Any, employer: Employer, kind: str, contacted_on: date, notes: str = "",
                   contact_person: ContactPerson | None = None, today: date) -> EmployerContact:
    """One contact with an employer (a visit, a call, …) by the actor."""
    require_employer(actor, employer)
    errors: list[FieldError] = []
    if kind not in ContactKind.values:
        errors.append(FieldError("kind", ErrorCode.INVALID, _("Tuntematon yhteydenoton tapa: %(kind)s.") % {"kind": kind}))
    if contacted_on > today:
        errors.append(FieldError("contacted_on", ErrorCode.INVALID, _("Yhteydenoton päivä ei voi olla tulevaisuudessa.")))
    if contact_person is not None and contact_person.employer_id != employer.pk:
        errors.append(FieldError("contact_person", ErrorCode.INVALID, _("Yhteyshenkilö ei ole tämän työnantajan.")))
    raise_if(errors)
    contact = EmployerContact.objects.create(employer=employer, kind=kind, contacted_on=contacted_on,
                                             notes=notes.strip(), contact_person=contact_person, recorded_by=actor)
    _figures_changed()
    return contact


@transaction.atomic
def need_record(*, actor: Any, employer: Employer, description: str, positions: int, hidden: bool,
                noted_on: date) -> RecruitmentNeed:
    """A recruitment need found at an employer (``hidden``: not advertised anywhere)."""
    require_employer(actor, employer)
    errors: list[FieldError] = []
    if not description.strip():
        errors.append(FieldError("description", ErrorCode.REQUIRED, _("Kuvaus on pakollinen.")))
    if positions < 1:
        errors.append(FieldError("positions", ErrorCode.INVALID, _("Henkilöitä on vähintään yksi.")))
    raise_if(errors)
    return RecruitmentNeed.objects.create(employer=employer, description=description.strip(), positions=positions,
                                          hidden=hidden, noted_on=noted_on, recorded_by=actor)


# --- vacancies -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VacancyInput:
    title: str
    municipality_code: str | None
    description: str = ""
    occupation: str = ""
    required_skills: tuple[str, ...] = ()
    wished_skills: tuple[str, ...] = ()
    education_level: int | None = None
    licences: tuple[str, ...] = ()
    languages: tuple[dict[str, Any], ...] = ()
    hours: str = Hours.FULL_TIME
    positions: int = 1
    starts_on: date | None = None
    ends_on: date | None = None
    apply_by: date | None = None


POSITIONS_MAX = 999  # one vacancy notice; the column is a small integer


def _vacancy_values(actor: Any, employer: Employer, data: VacancyInput, need: RecruitmentNeed | None = None,
                    errors: list[FieldError] | None = None) -> dict[str, Any]:
    """The vacancy's fields from ``data``, checked as entered on the page or by the API (new or changed alike):
    unknown ESCO codes, licences and languages are refused naming the field; the area is the employer's, or the
    one the workplace's municipality belongs to."""
    errors = errors if errors is not None else []
    title = data.title.strip()
    if not title:
        errors.append(FieldError("title", ErrorCode.REQUIRED, _("Tehtävänimike on pakollinen.")))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", ErrorCode.INVALID, _("Tehtävänimike on enintään 200 merkkiä.")))
    municipality, found = _municipality(data.municipality_code, "municipality", required=True)
    errors += found
    occupation = ""
    if data.occupation.strip():
        occupations, found = check_occupations([data.occupation], "occupation")
        errors += found
        occupation = occupations[0] if occupations else ""
    required, found = check_skills(list(data.required_skills), "required_skills")
    errors += found
    wished, found = check_skills(list(data.wished_skills), "wished_skills")
    errors += found
    wished = [code for code in wished if code not in required]
    licences, found = check_licences(list(data.licences))
    errors += found
    languages, found = check_languages(list(data.languages))
    errors += found
    if data.education_level is not None and data.education_level not in EducationLevel.values:
        errors.append(FieldError("education_level", ErrorCode.INVALID, _("Tuntematon koulutusaste.")))
    if data.hours not in Hours.values:
        errors.append(FieldError("hours", ErrorCode.INVALID, _("Tuntematon työaika: %(hours)s.") % {"hours": data.hours}))
    if data.positions < 1:
        errors.append(FieldError("positions", ErrorCode.INVALID, _("Paikkoja on vähintään yksi.")))
    elif data.positions > POSITIONS_MAX:
        errors.append(FieldError("positions", ErrorCode.INVALID, _("Paikkoja on enintään %(n)s.") % {"n": POSITIONS_MAX}))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors.append(FieldError("ends_on", ErrorCode.END_BEFORE_START, _("Päättymispäivä on ennen alkamispäivää.")))
    if need is not None and need.employer_id != employer.pk:
        errors.append(FieldError("need", ErrorCode.INVALID, _("Rekrytointitarve on toisen työnantajan.")))
    raise_if(errors)
    assert municipality is not None
    area = _actor_area(actor, municipality) if employer.area_id is None else employer.area
    if area is None:
        raise ValidationFailed.single("municipality", ErrorCode.INVALID,
                                      _("Kunta ei kuulu millekään työllisyysalueelle."))
    return {"area": area, "title": title, "description": data.description.strip(), "occupation": occupation,
            "required_skills": required, "wished_skills": wished, "education_level": data.education_level,
            "licences": licences, "languages": languages, "municipality": municipality, "hours": data.hours,
            "positions": data.positions, "starts_on": data.starts_on, "ends_on": data.ends_on,
            "apply_by": data.apply_by}


@transaction.atomic
def vacancy_create(*, actor: Any, employer: Employer, data: VacancyInput, need: RecruitmentNeed | None = None) -> Vacancy:
    """A vacancy of ``employer``, entered by staff; from a recruitment need when given (the need is then marked
    turned into a vacancy)."""
    require_employer(actor, employer)
    vacancy = Vacancy.objects.create(employer=employer, need=need, created_by=actor,
                                     **_vacancy_values(actor, employer, data, need))
    if need is not None:
        RecruitmentNeed.objects.filter(pk=need.pk).update(status=NeedStatus.VACANCY)
    return vacancy


@transaction.atomic
def vacancy_update(*, actor: Any, vacancy: Vacancy, data: VacancyInput, expected_version: int | None = None) -> Vacancy:
    """Change an open vacancy (its title, requirements, place, hours, dates …), checked as a new one is. The employer
    stays; a filled or closed vacancy is kept as it was; a change made meanwhile by someone else is not overwritten
    (``expected_version``: the version the editor saw)."""
    locked = Vacancy.objects.select_for_update(of=("self",)).select_related("employer", "updated_by").get(pk=vacancy.pk)
    require_vacancy(actor, locked)
    require_employer(actor, locked.employer)
    errors: list[FieldError] = []
    if locked.status != VacancyStatus.OPEN:
        errors.append(FieldError("status", ErrorCode.INVALID,
                                 _("Työpaikka on jo täytetty tai suljettu; sitä ei voi enää muuttaa.")))
    if expected_version is not None and locked.version != expected_version:
        errors.append(FieldError("version", ErrorCode.CONFLICT,
                                 _("Työpaikkaa on muutettu sillä välin (%(user)s). Lataa sivu uudelleen.")
                                 % {"user": locked.updated_by.get_username() if locked.updated_by else "?"}))
    values = _vacancy_values(actor, locked.employer, data, errors=errors)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.updated_by = actor
    locked.save()
    return locked


def require_vacancy(actor: Any, vacancy: Vacancy) -> None:
    area_id = policy.employer_area_id(actor)
    if area_id is not None and vacancy.area_id != area_id:
        raise AccessDenied("Työpaikka ei kuulu työllisyysalueellesi.")


@transaction.atomic
def vacancy_close(*, actor: Any, vacancy: Vacancy, status: str, applicants: int, outcome: str) -> Vacancy:
    """Mark a vacancy filled or closed, with its number of applicants and a word on the outcome."""
    require_vacancy(actor, vacancy)
    errors: list[FieldError] = []
    if status not in VacancyStatus.values:
        errors.append(FieldError("status", ErrorCode.INVALID, _("Tuntematon tila: %(status)s.") % {"status": status}))
    if applicants < 0:
        errors.append(FieldError("applicants", ErrorCode.INVALID, _("Hakijoiden määrä ei voi olla negatiivinen.")))
    raise_if(errors)
    Vacancy.objects.filter(pk=vacancy.pk).update(status=status, applicants=applicants, outcome=outcome.strip())
    vacancy.refresh_from_db()
    return vacancy


# --- competence profiles ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileInput:
    occupations: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    education_level: int | None = None
    education: str = ""
    licences: tuple[str, ...] = ()
    languages: tuple[dict[str, Any], ...] = ()
    work_history: tuple[dict[str, Any], ...] = ()
    place_preference: str = PlacePreference.AREA
    hours_preference: str = HoursPreference.ANY


def _work_history(rows: tuple[dict[str, Any], ...]) -> tuple[list[dict[str, Any]], list[FieldError]]:
    found: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    for number, row in enumerate(rows, start=1):
        title = str(row.get("title", "")).strip()
        if not title:
            errors.append(FieldError("work_history", ErrorCode.REQUIRED,
                                     _("Työhistorian rivi %(number)s: tehtävä puuttuu.") % {"number": number}))
            continue
        found.append({"title": title[:200], "employer": str(row.get("employer", "")).strip()[:200],
                      "start": str(row.get("start", "") or "")[:10], "end": str(row.get("end", "") or "")[:10]})
    return found, errors


@transaction.atomic
def profile_save(*, actor: Any, person: Person, data: ProfileInput, expected_version: int | None = None,
                 by_client: bool = False) -> CompetenceProfile:
    """Write a job seeker's competence profile (the counsellor with the client). A save based on an older version
    than the stored one is refused naming who changed it, so two counsellors (or a counsellor and the client, who
    writes their own in the portal) never overwrite each other."""
    policy.require_competence_profile_write(actor, person, by_client=by_client)
    errors: list[FieldError] = []
    occupations, found = check_occupations(list(data.occupations), "occupations")
    errors += found
    skills, found = check_skills(list(data.skills), "skills")
    errors += found
    licences, found = check_licences(list(data.licences))
    errors += found
    languages, found = check_languages(list(data.languages))
    errors += found
    history, found = _work_history(data.work_history)
    errors += found
    if data.education_level is not None and data.education_level not in EducationLevel.values:
        errors.append(FieldError("education_level", ErrorCode.INVALID, _("Tuntematon koulutusaste.")))
    if data.place_preference not in PlacePreference.values:
        errors.append(FieldError("place_preference", ErrorCode.INVALID, _("Tuntematon työssäkäyntialue.")))
    if data.hours_preference not in HoursPreference.values:
        errors.append(FieldError("hours_preference", ErrorCode.INVALID, _("Tuntematon työaika.")))
    profile = CompetenceProfile.objects.select_for_update().filter(person=person).first()
    # Version 0 is "no profile yet": a form opened before someone else wrote the first one is a conflict too.
    if expected_version is not None and (0 if profile is None else profile.version) != expected_version:
        errors.append(_changed_meanwhile(profile, person))
    raise_if(errors)
    values = {"occupations": occupations, "skills": skills, "education_level": data.education_level,
              "education": data.education.strip()[:200], "licences": licences, "languages": languages,
              "work_history": history, "place_preference": data.place_preference,
              "hours_preference": data.hours_preference, "updated_by": actor}
    if profile is None:
        try:
            with transaction.atomic():  # someone else may be writing the first one at this very moment
                created = CompetenceProfile.objects.create(person=person, **values)
        except IntegrityError:
            raise ValidationFailed([_changed_meanwhile(CompetenceProfile.objects.filter(person=person).first(),
                                                       person)]) from None
        _figures_changed()
        return created
    for key, value in values.items():
        setattr(profile, key, value)
    profile.version += 1
    profile.save()
    return profile


def _changed_meanwhile(profile: CompetenceProfile | None, person: Person) -> FieldError:
    who = _editor(profile.updated_by if profile is not None else None, person)
    return FieldError("version", ErrorCode.CONFLICT,
                      _("Profiilia on muutettu sillä välin (%(user)s). Lataa sivu uudelleen.") % {"user": who})


def _editor(user: Any, person: Person) -> str:
    """Who last changed a profile, as a conflict names them: the client themselves, or a member of staff."""
    if user is None:
        return "?"
    return str(_("asiakas itse")) if policy.wrote_as_client(user, person) else user.get_username()


def _figures_changed() -> None:
    """Offers, outcomes, contacts and profiles are counted by the KPI engine and the figures page: their cached
    figures start a new generation once this write commits."""
    precomputed.new_named_generation(precomputed.RECORDED_FACTS)


# --- job offers ---------------------------------------------------------------------------------------------------


@transaction.atomic
def offer_send(*, actor: Any, vacancy: Vacancy, person: Person, binding: bool, offered_on: date,
               respond_by: date | None = None) -> JobOffer:
    """Send a job offer for ``vacancy`` to ``person``: someone within the actor's matching scope, for an open vacancy
    of the actor's area. The response deadline defaults to the follow-up rules' days."""
    require_vacancy(actor, vacancy)
    errors: list[FieldError] = []
    if not policy.may_match(actor, person):
        errors.append(FieldError("person", ErrorCode.FORBIDDEN, _("Työnhakija ei kuulu rajaukseesi; hänelle ei voi "
                                                                  "lähettää työtarjousta.")))
    if vacancy.status != VacancyStatus.OPEN:
        errors.append(FieldError("vacancy", ErrorCode.INVALID, _("Työpaikka ei ole enää avoin.")))
    deadline = respond_by or offered_on + timedelta(days=follow_up_rules().respond_within_days)
    if deadline < offered_on:
        errors.append(FieldError("respond_by", ErrorCode.END_BEFORE_START,
                                 _("Vastauksen määräpäivä on ennen tarjouspäivää.")))
    if JobOffer.objects.filter(vacancy=vacancy, person=person).exists():
        errors.append(FieldError("person", ErrorCode.DUPLICATE, _("Tälle työnhakijalle on jo tarjottu tätä työpaikkaa.")))
    raise_if(errors)
    try:
        with transaction.atomic():
            offer = JobOffer.objects.create(vacancy=vacancy, person=person, binding=binding, offered_on=offered_on,
                                            respond_by=deadline, created_by=actor)
        _figures_changed()
        return offer
    except IntegrityError as error:
        raise ValidationFailed.single("person", ErrorCode.DUPLICATE,
                                      _("Tälle työnhakijalle on jo tarjottu tätä työpaikkaa.")) from error


@transaction.atomic
def offer_record(*, actor: Any, offer: JobOffer, response: str, outcome: str, outcome_on: date | None,
                 refusal_reason: str = "", expected_version: int | None = None, today: date) -> JobOffer:
    """The job seeker's response and what came of the offer (applied, interview, hired, refused with a reason)."""
    locked = JobOffer.objects.select_for_update().select_related("vacancy").get(pk=offer.pk)
    require_vacancy(actor, locked.vacancy)
    if not policy.may_match(actor, locked.person):
        raise AccessDenied("Työnhakija ei kuulu rajaukseesi.")
    errors: list[FieldError] = []
    if response not in OfferResponse.values:
        errors.append(FieldError("response", ErrorCode.INVALID, _("Tuntematon vastaus: %(value)s.") % {"value": response}))
    if outcome not in OfferOutcome.values:
        errors.append(FieldError("outcome", ErrorCode.INVALID, _("Tuntematon tulos: %(value)s.") % {"value": outcome}))
    refused = response == OfferResponse.REFUSED or outcome == OfferOutcome.REFUSED
    if refused and not refusal_reason.strip():
        errors.append(FieldError("refusal_reason", ErrorCode.REQUIRED, _("Kirjaa kieltäytymisen syy.")))
    if outcome != OfferOutcome.OPEN and outcome_on is None:
        errors.append(FieldError("outcome_on", ErrorCode.REQUIRED, _("Tuloksen päivä on pakollinen.")))
    if outcome_on is not None and (outcome_on < locked.offered_on or outcome_on > today):
        errors.append(FieldError("outcome_on", ErrorCode.INVALID,
                                 _("Tuloksen päivä on tarjouspäivän ja tämän päivän välillä.")))
    if expected_version is not None and locked.version != expected_version:
        errors.append(FieldError("version", ErrorCode.CONFLICT, _("Tarjousta on muutettu sillä välin. Lataa sivu uudelleen.")))
    raise_if(errors)
    locked.response = response
    locked.outcome = outcome
    locked.outcome_on = outcome_on if outcome != OfferOutcome.OPEN else None
    locked.refusal_reason = refusal_reason.strip()[:300] if refused else ""
    locked.version += 1
    locked.save()
    _figures_changed()
    return locked


@transaction.atomic
def feedback_give(*, actor: Any, vacancy: Vacancy, person: Person, useful: bool, score: Any,
                  weights_version: str) -> MatchFeedback:
    """A counsellor's judgement of one suggestion, stored to evaluate the weights."""
    require_vacancy(actor, vacancy)
    if not policy.may_match(actor, person):
        raise ValidationFailed.single("person", ErrorCode.FORBIDDEN, _("Työnhakija ei kuulu rajaukseesi."))
    return MatchFeedback.objects.create(vacancy=vacancy, person=person, useful=useful, score=score,
                                        weights_version=weights_version, given_by=actor)
