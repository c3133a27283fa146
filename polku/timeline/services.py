"""Writes to the timeline: record, correct and retract facts, one transaction per logical change.

Every function validates first and raises ``ValidationFailed`` listing every problem with its
field; nothing is written unless all checks pass. The person row is locked for the duration, so
two concurrent writers cannot together create an overlap the checks would each have allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Required, TypedDict, TypeVar, Unpack

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from polku.core.calendar import month_start
from polku.core.errors import ErrorCode, FieldError, ValidationFailed, raise_if
from polku.core.signals import person_facts_written
from polku.people import personal_id
from polku.people.models import Education, Gender, Language, Person
from polku.reference.models import LabourMarketStatus, Municipality, ServiceType
from polku.timeline import validators
from polku.timeline.models import (
    BenefitBasis,
    BenefitMonth,
    BenefitType,
    FactSource,
    FactVersion,
    HomeMunicipalitySpell,
    JobSearchEndReason,
    JobSearchPeriod,
    StatusSpell,
)

Actor = AbstractBaseUser | AnonymousUser | None
F = TypeVar("F", bound=FactVersion)


def acting_user(actor: Actor) -> Any:
    """The user to record as author, or None for anonymous and system writes."""
    return actor if actor is not None and actor.is_authenticated else None


def lock_person(person: Person) -> None:
    """Serialise writes about one person: checks and writes made under this lock cannot interleave."""
    Person.objects.select_for_update().filter(pk=person.pk).first()


# --- persons ----------------------------------------------------------------------------------


NAME_MAX_LENGTH = Person._meta.get_field("last_name").max_length or 200  # first_names has the same


@transaction.atomic
def person_create(
    *,
    personal_id_code: str,
    first_names: str,
    last_name: str,
    language: str = Language.FINNISH,
    education: str = Education.UPPER_SECONDARY,
    immigrant_background: bool = False,
    team_id: int | None = None,
    actor: Actor = None,
    require_artificial: bool = False,
    also_refused: Sequence[FieldError] = (),
) -> Person:
    """Register a person; the identity code is validated, hashed and encrypted, never stored plain.

    ``also_refused`` are a caller's own findings, reported together with these checks' in one error.
    """
    errors: list[FieldError] = list(also_refused)
    compact = ""
    for field, value in (("first_names", first_names), ("last_name", last_name)):
        if not value.strip():
            errors.append(FieldError(field, ErrorCode.REQUIRED, "Nimi on pakollinen."))
        elif len(value.strip()) > NAME_MAX_LENGTH:
            errors.append(FieldError(field, ErrorCode.INVALID, f"Nimi on liian pitkä (enintään {NAME_MAX_LENGTH} merkkiä)."))
        elif "\x00" in value:
            errors.append(FieldError(field, ErrorCode.INVALID, "Nimessä on NUL-merkki (\\0), jota ei hyväksytä."))
    try:
        compact = personal_id.validate(
            personal_id_code, require_artificial=require_artificial or settings.ARTIFICIAL_IDS_ONLY,
        )
    except ValidationFailed as failure:
        errors.extend(failure.errors)
    if language not in Language.values:
        errors.append(FieldError("language", ErrorCode.INVALID, f"Tuntematon kieli: {language}."))
    if education not in Education.values:
        errors.append(FieldError("education", ErrorCode.INVALID, f"Tuntematon koulutustaso: {education}."))
    if compact and Person.objects.filter(personal_id_hash=personal_id.keyed_hash(compact)).exists():
        errors.append(FieldError("personal_id", ErrorCode.DUPLICATE, "Henkilö on jo rekisterissä."))
    raise_if(errors)
    return Person.objects.create(
        personal_id_hash=personal_id.keyed_hash(compact),
        personal_id_encrypted=personal_id.encrypt(compact),
        first_names=first_names.strip(),
        last_name=last_name.strip(),
        birth_date=personal_id.birth_date(compact),
        gender=Gender.FEMALE if personal_id.is_female(compact) else Gender.MALE,
        language=language,
        education=education,
        immigrant_background=immigrant_background,
        team_id=team_id,
        created_by=acting_user(actor),
    )


class PersonDetails(TypedDict, total=False):
    """The keyword arguments of :func:`person_create`, for services that create a person on the way."""

    personal_id_code: Required[str]
    first_names: Required[str]
    last_name: Required[str]
    language: str
    education: str
    immigrant_background: bool
    team_id: int | None
    require_artificial: bool


@transaction.atomic
def person_register(
    *, municipality_code: str | None, since: date | None, actor: Actor = None, **details: Unpack[PersonDetails],
) -> Person:
    """Create a person and their current home municipality together, or neither (every problem reported at once)."""
    refused: list[FieldError] = []
    if municipality_code and since is None:
        refused.append(FieldError("home_municipality_since", ErrorCode.REQUIRED, "Anna kotikunnan alkamispäivä."))
    if municipality_code and since is not None:
        refused += [FieldError("home_municipality" if e.field == "municipality" else e.field, e.code, e.message)
                    for e in _resolve_municipality(municipality_code, since, None)[1]]
    person = person_create(actor=actor, also_refused=refused, **details)
    if municipality_code and since is not None:
        try:
            home_municipality_record(person=person, municipality_code=municipality_code, start_date=since, actor=actor)
        except ValidationFailed as failure:
            raise ValidationFailed([
                FieldError("home_municipality" if e.field == "municipality" else e.field, e.code, e.message)
                for e in failure.errors
            ]) from None
    return person


def person_find_by_personal_id(code: str) -> Person | None:
    """Look a person up by identity code (through the keyed hash only)."""
    compact = personal_id.validate(code)
    return Person.objects.filter(personal_id_hash=personal_id.keyed_hash(compact)).first()


# --- spells -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpellInput:
    start_date: date
    end_date: date | None


def _check_spell(model: type[Any], person: Person, spell: SpellInput, exclude_lineage: Any = None) -> list[FieldError]:
    errors = validators.check_order(spell.start_date, spell.end_date, start_field="start_date", end_field="end_date")
    if not errors:
        other = validators.overlapping(
            model, person_id=person.pk, start=spell.start_date, end=spell.end_date, exclude_lineage=exclude_lineage,
        )
        if other is not None:
            errors.append(validators.overlap_error("start_date", other))
    return errors


def _resolve_municipality(code: str, start: date, end: date | None) -> tuple[Municipality | None, list[FieldError]]:
    """The municipality, which must exist for the whole spell (a merged one cannot be lived in after its end)."""
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        return None, [FieldError("municipality", ErrorCode.UNKNOWN, f"Tuntematon kuntanumero: {code}.")]
    if not municipality.is_valid_on(start):
        return None, [FieldError("municipality", ErrorCode.INVALID,
                                 f"Kunta {code} {municipality.name_fi} ei ollut voimassa {start.isoformat()}.")]
    if municipality.valid_to is not None and (end is None or end > municipality.valid_to):
        return None, [FieldError("end_date", ErrorCode.INVALID,
                                 f"Kunta {code} {municipality.name_fi} lakkasi {municipality.valid_to.isoformat()}; "
                                 f"jakson on päätyttävä viimeistään silloin.")]
    return municipality, []


def _resolve_status(status_code: str, service_code: str | None) -> tuple[LabourMarketStatus | None, ServiceType | None,
                                                                          list[FieldError]]:
    errors: list[FieldError] = []
    status = LabourMarketStatus.objects.filter(code=status_code).first()
    service = ServiceType.objects.filter(code=service_code).first() if service_code else None
    if status is None:
        errors.append(FieldError("status", ErrorCode.UNKNOWN, f"Tuntematon työmarkkina-asema: {status_code}."))
    if service_code and service is None:
        errors.append(FieldError("service_type", ErrorCode.UNKNOWN, f"Tuntematon palvelu: {service_code}."))
    if status is not None and status.requires_service_type and not service_code:
        errors.append(FieldError("service_type", ErrorCode.REQUIRED, "Palvelussa-jaksolle on annettava palvelu."))
    if status is not None and not status.requires_service_type and service_code:
        errors.append(FieldError("service_type", ErrorCode.INVALID,
                                 f"Asemalla {status_code} ei ole palvelua; jätä palvelu tyhjäksi."))
    return status, service, errors


def _supersede(fact: FactVersion, *, actor: Actor, reason: str, at: datetime) -> None:
    if not reason.strip():
        raise ValidationFailed.single("reason", ErrorCode.REQUIRED, "Korjaukselle on annettava syy.")
    if fact.superseded_at is not None:
        raise ValidationFailed.single("id", ErrorCode.NOT_CURRENT, "Tämä versio on jo korjattu; korjaa uusin versio.")
    fact.superseded_at = at
    fact.superseded_by_user = acting_user(actor)
    fact.correction_reason = reason.strip()
    fact.save(update_fields=["superseded_at", "superseded_by_user", "correction_reason"])


@dataclass(frozen=True)
class Conflict:
    """How to report a database guard refusing the write (a concurrent writer got there first)."""

    field: str
    code: ErrorCode
    message: str


SPELL_CONFLICT = Conflict("start_date", ErrorCode.OVERLAP, "Jakso menee päällekkäin toisen kanssa.")
JOB_SEARCH_CONFLICT = Conflict("registered_on", ErrorCode.OVERLAP, "Työnhakujakso menee päällekkäin toisen kanssa.")
BENEFIT_CONFLICT = Conflict("month", ErrorCode.DUPLICATE, "Kuukaudelle on jo tämän etuuden rivi; korjaa se korjauksena.")


def _check_target(corrects: FactVersion | None, person: Person) -> list[FieldError]:
    """A correction must stay with the same person and correct the current version."""
    if corrects is None:
        return []
    corrects.refresh_from_db()
    if getattr(corrects, "person_id", None) != person.pk:
        return [FieldError("id", ErrorCode.INVALID, "Korjattava tieto kuuluu toiselle henkilölle.")]
    return []


def _write_version(row: F, *, corrects: FactVersion | None, actor: Actor, reason: str, conflict: Conflict) -> F:
    """Save a new fact version; a correction supersedes the old one at the very same instant.

    One timestamp for both sides keeps "what did we know at T" answerable without a gap.
    """
    now = timezone.now()
    row.recorded_at = now
    if corrects is not None:
        _supersede(corrects, actor=actor, reason=reason, at=now)
        row.lineage = corrects.lineage
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        raise ValidationFailed.single(conflict.field, conflict.code, conflict.message) from error
    person_facts_written.send(sender=type(row), person_ids=[row.person_id])  # type: ignore[attr-defined]
    return row


@transaction.atomic
def home_municipality_record(
    *, person: Person, municipality_code: str, start_date: date, end_date: date | None = None,
    actor: Actor = None, source: str = FactSource.MANUAL, corrects: HomeMunicipalitySpell | None = None,
    reason: str = "",
) -> HomeMunicipalitySpell:
    """Record a home-municipality spell, or (``corrects``) a corrected version of one."""
    lock_person(person)
    errors = _check_target(corrects, person)
    spell = SpellInput(start_date, end_date)
    municipality, found = _resolve_municipality(municipality_code, start_date, end_date)
    errors += found + validators.check_plausible_dates(person, start_date, end_date)
    errors += _check_spell(HomeMunicipalitySpell, person, spell, exclude_lineage=corrects.lineage if corrects else None)
    raise_if(errors)
    row = HomeMunicipalitySpell(person=person, municipality=municipality, start_date=start_date, end_date=end_date,
                                recorded_by=acting_user(actor), source=source)
    return _write_version(row, corrects=corrects, actor=actor, reason=reason, conflict=SPELL_CONFLICT)


@transaction.atomic
def status_spell_record(
    *, person: Person, status: str, start_date: date, end_date: date | None = None,
    service_type: str | None = None, actor: Actor = None, source: str = FactSource.MANUAL,
    corrects: StatusSpell | None = None, reason: str = "",
) -> StatusSpell:
    """Record a labour-market status spell, or (``corrects``) a corrected version of one."""
    lock_person(person)
    errors = _check_target(corrects, person)
    status_row, service_row, resolved = _resolve_status(status, service_type)
    errors += resolved + validators.check_plausible_dates(person, start_date, end_date)
    errors += _check_spell(StatusSpell, person, SpellInput(start_date, end_date),
                           exclude_lineage=corrects.lineage if corrects else None)
    raise_if(errors)
    row = StatusSpell(person=person, status=status_row, service_type=service_row, start_date=start_date,
                      end_date=end_date, recorded_by=acting_user(actor), source=source)
    return _write_version(row, corrects=corrects, actor=actor, reason=reason, conflict=SPELL_CONFLICT)


@transaction.atomic
def fact_retract(*, fact: FactVersion, reason: str, actor: Actor = None) -> None:
    """Withdraw a fact recorded in error; its history stays, it is no longer current."""
    fact.refresh_from_db()
    _supersede(fact, actor=actor, reason=reason, at=timezone.now())
    person_facts_written.send(sender=type(fact), person_ids=[fact.person_id])  # type: ignore[attr-defined]


# --- job-search periods ---------------------------------------------------------------------------


@transaction.atomic
def job_search_open(*, person: Person, registered_on: date, ended_on: date | None = None, end_reason: str = "",
                    actor: Actor = None, source: str = FactSource.MANUAL) -> JobSearchPeriod:
    """Register the person as a job seeker from ``registered_on``.

    With ``ended_on`` and ``end_reason`` it records a past, already ended job search (e.g. from an import).
    """
    lock_person(person)
    errors = validators.check_plausible_dates(person, registered_on, ended_on, start_field="registered_on",
                                              end_field="ended_on")
    errors += validators.check_order(registered_on, ended_on, start_field="registered_on", end_field="ended_on")
    if (ended_on is None) != (not end_reason):
        errors.append(FieldError("end_reason", ErrorCode.REQUIRED, "Päättyneelle työnhaulle annetaan päättymispäivä ja syy."))
    elif end_reason and end_reason not in JobSearchEndReason.values:
        errors.append(FieldError("end_reason", ErrorCode.INVALID, f"Tuntematon päättymissyy: {end_reason}."))
    other = validators.overlapping(JobSearchPeriod, person_id=person.pk, start=registered_on, end=ended_on,
                                   start_field="registered_on", end_field="ended_on")
    if other is not None:
        errors.append(validators.overlap_error("registered_on", other, start_field="registered_on", end_field="ended_on"))
    raise_if(errors)
    row = JobSearchPeriod(person=person, registered_on=registered_on, ended_on=ended_on, end_reason=end_reason,
                          recorded_by=acting_user(actor), source=source)
    return _write_version(row, corrects=None, actor=actor, reason="", conflict=JOB_SEARCH_CONFLICT)


@transaction.atomic
def job_search_end(*, period: JobSearchPeriod, ended_on: date, end_reason: str, actor: Actor = None) -> JobSearchPeriod:
    """End a job search with its outcome; writes a new version of the period (the old one is kept)."""
    lock_person(period.person)
    period.refresh_from_db()
    errors = validators.check_order(period.registered_on, ended_on, start_field="registered_on", end_field="ended_on")
    if end_reason not in JobSearchEndReason.values:
        errors.append(FieldError("end_reason", ErrorCode.INVALID,
                                 f"Tuntematon päättymissyy: {end_reason}. Sallitut: {', '.join(JobSearchEndReason.values)}."))
    if period.ended_on is not None:
        errors.append(FieldError("ended_on", ErrorCode.INVALID, "Työnhaku on jo päättynyt; korjaa se korjauksena."))
    later = validators.overlapping(JobSearchPeriod, person_id=period.person_id, start=period.registered_on, end=ended_on,
                                   start_field="registered_on", end_field="ended_on", exclude_lineage=period.lineage)
    if later is not None:
        errors.append(validators.overlap_error("ended_on", later, start_field="registered_on", end_field="ended_on"))
    errors += validators.check_plausible_dates(period.person, period.registered_on, ended_on, start_field="registered_on",
                                               end_field="ended_on")
    raise_if(errors)
    row = JobSearchPeriod(person_id=period.person_id, registered_on=period.registered_on, ended_on=ended_on,
                          end_reason=end_reason, recorded_by=acting_user(actor), source=period.source)
    return _write_version(row, corrects=period, actor=actor, reason=f"ended: {end_reason}", conflict=JOB_SEARCH_CONFLICT)


# --- benefit days -------------------------------------------------------------------------------------


@transaction.atomic
def benefit_month_record(
    *, person: Person, month: date, benefit_type: str, days: int, amount: Decimal,
    basis: str = BenefitBasis.UNEMPLOYMENT, actor: Actor = None, source: str = FactSource.MANUAL,
    corrects: BenefitMonth | None = None, reason: str = "",
) -> BenefitMonth:
    """Record paid benefit days for a month (or correct an earlier row for the same month)."""
    lock_person(person)
    month = month_start(month)
    errors: list[FieldError] = []
    if benefit_type not in BenefitType.values:
        errors.append(FieldError("benefit_type", ErrorCode.UNKNOWN,
                                 f"Tuntematon etuus: {benefit_type}. Sallitut: {', '.join(BenefitType.values)}."))
    if basis not in BenefitBasis.values:
        errors.append(FieldError("basis", ErrorCode.UNKNOWN, f"Tuntematon maksuperuste: {basis}."))
    errors += validators.check_amount(amount, days) + validators.check_benefit_month(person, month)
    errors += _check_target(corrects, person)
    others = BenefitMonth.objects.current().filter(person=person, month=month)
    if corrects is not None:
        others = others.exclude(pk=corrects.pk)
        if (corrects.benefit_type, corrects.basis, corrects.month) != (benefit_type, basis, month):
            errors.append(FieldError("month", ErrorCode.INVALID,
                                     "Korjaus ei voi vaihtaa kuukautta, etuutta tai perustetta; peru rivi ja kirjaa uusi."))
    elif others.filter(benefit_type=benefit_type, basis=basis).exists():
        errors.append(FieldError("month", ErrorCode.DUPLICATE,
                                 f"Kuukaudelle {month:%Y-%m} on jo tämän etuuden rivi; korjaa se korjauksena."))
    other_days = sum(row.days for row in others)
    errors += validators.check_benefit_days(month, days, other_days)
    raise_if(errors)
    row = BenefitMonth(person=person, month=month, benefit_type=benefit_type, basis=basis, days=days,
                       amount=amount, recorded_by=acting_user(actor), source=source)
    return _write_version(row, corrects=corrects, actor=actor, reason=reason, conflict=BENEFIT_CONFLICT)
