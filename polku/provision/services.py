"""Writes of service provision: the catalogue, referrals and participations, decisions and the kuntalisä budget.

Each function is one transaction: it checks everything first and raises ``ValidationFailed`` listing
every problem with its field, so nothing is half-written. Writes about a person check the actor's
role and scope first (``AccessDenied``, through ``polku.access.policy``). Starting and ending a
participation also write the person's status spells through ``polku.timeline.services``, in the same
transaction: either the referral and the timeline both change, or neither does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fi import ytunnus

from polku.access import policy
from polku.core.errors import ErrorCode, FieldError, ValidationFailed, raise_if
from polku.people.models import Person
from polku.provision import rules
from polku.provision.models import (
    Decision,
    DecisionKind,
    Employer,
    EmployerKind,
    KuntalisaBudget,
    OfferingCapacity,
    ProviderKind,
    Referral,
    ReferralStatus,
    ServiceOffering,
    ServiceProvider,
)
from polku.reference.models import EmploymentArea, Municipality, ServiceType
from polku.timeline import services as timeline
from polku.timeline.models import HomeMunicipalitySpell, StatusSpell
from polku.timeline.services import Actor, acting_user

IN_SERVICE = "in_service"
PLACE_HOLDING = (ReferralStatus.REFERRED, ReferralStatus.STARTED, ReferralStatus.COMPLETED)
MAX_AMOUNT = Decimal("99999999.99")  # the columns' 10 digits, 2 decimals


def fi_date(day: date) -> str:
    """A date as Finns write it: 1.3.2026."""
    return f"{day.day}.{day.month}.{day.year}"


def fi_euros(amount: Decimal) -> str:
    """Euros as Finns write them: 50 000,00 €."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",") + " €"


def business_id_compact(value: str, *, field: str = "business_id") -> tuple[str, list[FieldError]]:
    """A Finnish business ID (Y-tunnus) in its stored form ``1234567-8``, or the error naming ``field``."""
    try:
        return ytunnus.format(ytunnus.validate(value)), []
    except InvalidChecksum:
        return "", [FieldError(field, ErrorCode.INVALID_CHECKSUM, _("Y-tunnuksen %(business_id)s tarkiste ei täsmää.")
                                                                  % {"business_id": value.strip()})]
    except ValidationError:
        return "", [FieldError(field, ErrorCode.INVALID, _("Y-tunnus on muodossa 1234567-8."))]


def _check_amount(amount: Decimal, field: str, *, allow_zero: bool = False) -> list[FieldError]:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return [FieldError(field, ErrorCode.INVALID, _("Summa ei ole luku."))]
    if amount < 0 or (amount == 0 and not allow_zero):
        return [FieldError(field, ErrorCode.INVALID, _("Summan on oltava positiivinen."))]
    if amount > MAX_AMOUNT:
        return [FieldError(field, ErrorCode.INVALID, _("Summa on liian suuri."))]
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return [FieldError(field, ErrorCode.INVALID, _("Summa annetaan senttien tarkkuudella (enintään 2 desimaalia)."))]
    return []


def _check_version(referral: Referral, expected_version: int | None) -> list[FieldError]:
    if expected_version is not None and expected_version != referral.version:
        return [FieldError("version", ErrorCode.NOT_CURRENT,
                           _("Ohjausta on muutettu välillä (versio %(version)s); lataa se uudelleen.")
                           % {"version": referral.version})]
    return []


# --- catalogue ------------------------------------------------------------------------------------


@transaction.atomic
def provider_create(*, name: str, kind: str, area_code: str, business_id: str = "") -> ServiceProvider:
    """Add a service provider to an employment area's catalogue."""
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError("name", ErrorCode.REQUIRED, _("Nimi on pakollinen.")))
    if kind not in ProviderKind.values:
        errors.append(FieldError("kind", ErrorCode.INVALID,
                                 _("Tuntematon tuottajatyyppi: %(kind)s. Sallitut: %(values)s.")
                                 % {"kind": kind, "values": ', '.join(ProviderKind.values)}))
    area = EmploymentArea.objects.filter(code=area_code).first()
    if area is None:
        errors.append(FieldError("area", ErrorCode.UNKNOWN, _("Tuntematon työllisyysalue: %(area_code)s.")
                                                            % {"area_code": area_code}))
    compact = ""
    if business_id.strip():
        compact, found = business_id_compact(business_id)
        errors += found
    raise_if(errors)
    assert area is not None
    return ServiceProvider.objects.create(name=name.strip(), kind=kind, area=area, business_id=compact)


@transaction.atomic
def offering_create(
    *, provider: ServiceProvider, service_type: str, name: str, capacity: int, available_from: date,
    available_to: date | None = None, description: str = "", area_code: str | None = None,
) -> ServiceOffering:
    """Add a catalogue entry; its area is the provider's unless ``area_code`` names another."""
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError("name", ErrorCode.REQUIRED, _("Nimi on pakollinen.")))
    service = ServiceType.objects.filter(code=service_type).first()
    if service is None:
        errors.append(FieldError("service_type", ErrorCode.UNKNOWN, _("Tuntematon palvelu: %(service_type)s.")
                                                                    % {"service_type": service_type}))
    if not isinstance(capacity, int) or capacity < 1:
        errors.append(FieldError("capacity", ErrorCode.INVALID, _("Paikkoja on oltava vähintään yksi.")))
    if available_to is not None and available_to < available_from:
        errors.append(FieldError("available_to", ErrorCode.END_BEFORE_START,
                                 _("Saatavuus päättyy (%(available_to)s) ennen alkuaan (%(available_from)s).")
                                 % {"available_to": fi_date(available_to), "available_from": fi_date(available_from)}))
    area = provider.area if area_code is None else EmploymentArea.objects.filter(code=area_code).first()
    if area is None:
        errors.append(FieldError("area", ErrorCode.UNKNOWN, _("Tuntematon työllisyysalue: %(area_code)s.")
                                                            % {"area_code": area_code}))
    raise_if(errors)
    assert area is not None
    assert service is not None
    return ServiceOffering.objects.create(
        area=area, provider=provider, service_type=service, name=name.strip(), capacity=capacity,
        available_from=available_from, available_to=available_to, description=description.strip(),
    )


@transaction.atomic
def offering_capacity_change(*, offering: ServiceOffering, capacity: int, valid_from: date,
                             actor: Actor = None) -> OfferingCapacity:
    """The offering has ``capacity`` places from ``valid_from`` on (until a later change). Recorded as history, so
    past fill rates keep their capacity. Refused below the places already in use on any day it would cover."""
    offering = _lock_offering(offering)
    errors: list[FieldError] = []
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        errors.append(FieldError("capacity", ErrorCode.INVALID, _("Paikkoja on oltava vähintään yksi.")))
    if valid_from <= offering.available_from or (offering.available_to is not None and valid_from > offering.available_to):
        errors.append(FieldError("valid_from", ErrorCode.INVALID,
                                 _("Muutoksen on alettava palvelun saatavuuden aikana, ensimmäisen päivän "
                                   "(%(available_from)s) jälkeen.") % {"available_from": fi_date(offering.available_from)}))
    if offering.capacity_changes.filter(valid_from=valid_from).exists():
        errors.append(FieldError("valid_from", ErrorCode.DUPLICATE, _("Paikkamäärä on jo muutettu alkaen %(day)s.")
                                                                    % {"day": fi_date(valid_from)}))
    if not errors:
        later = offering.capacity_changes.filter(valid_from__gt=valid_from).order_by("valid_from").first()
        until = later.valid_from - timedelta(days=1) if later else offering.available_to
        intervals = place_intervals(offering)
        days = sorted({valid_from} | {s for s, _ in intervals if s > valid_from and (until is None or s <= until)})
        crowded = next(((day, used) for day in days if (used := places_in_use(intervals, day)) > capacity), None)
        if crowded is not None:
            errors.append(FieldError("capacity", ErrorCode.INVALID,
                                     _("Paikkoja on käytössä %(in_use)s jo %(day)s; paikkamäärä ei voi olla pienempi.")
                                     % {"in_use": crowded[1], "day": fi_date(crowded[0])}))
    raise_if(errors)
    return OfferingCapacity.objects.create(offering=offering, valid_from=valid_from, capacity=capacity,
                                           created_by=acting_user(actor))


# --- places -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FullOn:
    """The first day on which every place of an offering is in use."""

    day: date
    in_use: int
    capacity: int

    def error(self, field: str = "offering") -> FieldError:
        return FieldError(field, ErrorCode.INVALID,
                          _("Palvelu on täynnä: %(in_use)s/%(capacity)s paikkaa käytössä %(day)s.")
                          % {"in_use": self.in_use, "capacity": self.capacity, "day": fi_date(self.day)})


def place_intervals(offering: ServiceOffering, *, exclude: Referral | None = None) -> list[tuple[date, date | None]]:
    """The days each of the offering's referrals holds a place (reserved while referred, taken while started)."""
    referrals = Referral.objects.filter(offering=offering, status__in=PLACE_HOLDING)
    if exclude is not None:
        referrals = referrals.exclude(pk=exclude.pk)
    return [interval for r in referrals if (interval := r.place_interval()) is not None]


def places_in_use(intervals: list[tuple[date, date | None]], day: date) -> int:
    return sum(1 for start, end in intervals if start <= day and (end is None or day <= end))


def first_full_day(offering: ServiceOffering, start: date, end: date | None, *,
                   exclude: Referral | None = None) -> FullOn | None:
    """The first day in ``[start, end]`` with no free place (counts change only where a holding begins or the
    capacity changes)."""
    intervals = place_intervals(offering, exclude=exclude)
    last = min((d for d in (end, offering.available_to) if d is not None), default=None)
    prefetch_related_objects([offering], "capacity_changes")
    changes = [c.valid_from for c in offering.capacity_changes.all()]
    days = sorted({start} | {s for s in [*(s for s, _ in intervals), *changes]
                             if s > start and (last is None or s <= last)})
    for day in days:
        used = places_in_use(intervals, day)
        capacity = offering.capacity_on(day)
        if used >= capacity:
            return FullOn(day, used, capacity)
    return None


def _check_available(offering: ServiceOffering, day: date, field: str) -> list[FieldError]:
    if offering.is_available_on(day):
        return []
    until = fi_date(offering.available_to) if offering.available_to else "…"
    return [FieldError(field, ErrorCode.INVALID,
                       _("Palvelu %(name)s ei ole saatavilla %(day)s (saatavilla %(available_from)s–%(until)s).")
                       % {
                           "name": offering.name, "day": fi_date(day), "available_from": fi_date(offering.available_from),
                           "until": until})]


def _lock_offering(offering: ServiceOffering) -> ServiceOffering:
    """The offering row, locked: two referrals to its last place are decided one after the other."""
    return ServiceOffering.objects.select_for_update().get(pk=offering.pk)


# --- referrals and participation -------------------------------------------------------------------------


@transaction.atomic
def referral_create(*, person: Person, offering: ServiceOffering, referred_on: date, actor: Actor) -> Referral:
    """Refer a person to an offering; the referral reserves a place from ``referred_on`` on."""
    policy.require_write_access(actor, person)
    offering = _lock_offering(offering)
    errors = _check_available(offering, referred_on, "referred_on")
    if Referral.objects.filter(person=person, offering=offering,
                               status__in=(ReferralStatus.REFERRED, ReferralStatus.STARTED)).exists():
        errors.append(FieldError("offering", ErrorCode.DUPLICATE, _("Henkilö on jo ohjattu palveluun %(name)s.")
                                                                  % {"name": offering.name}))
    if not errors:
        full = first_full_day(offering, referred_on, None)
        if full is not None:
            errors.append(full.error())
    raise_if(errors)
    return Referral.objects.create(person=person, offering=offering, referred_on=referred_on,
                                   status=ReferralStatus.REFERRED, created_by=acting_user(actor))


def _lock_referral(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("offering", "person").get(pk=referral.pk)


def _timeline_errors(failure: ValidationFailed, renames: dict[str, str]) -> ValidationFailed:
    """The timeline's refusal, with its fields named as this service's caller knows them."""
    return ValidationFailed([FieldError(renames.get(e.field, e.field), e.code, e.message) for e in failure.errors])


@transaction.atomic
def participation_start(*, referral: Referral, start_date: date, planned_end: date, actor: Actor,
                        expected_version: int | None = None) -> Referral:
    """The referred person starts in the service: the referral becomes a participation and the timeline
    gets it. A current open status spell that began earlier is corrected to end the day before; then
    ``in_service`` with the offering's service type is recorded for ``[start_date, planned_end]``.
    """
    policy.require_write_access(actor, referral.person)
    referral = _lock_referral(referral)
    offering = _lock_offering(referral.offering)
    errors = _check_version(referral, expected_version)
    if referral.status != ReferralStatus.REFERRED:
        errors.append(FieldError("status", ErrorCode.INVALID,
                                 _("Vain ohjattu palvelu voi alkaa; ohjauksen tila on %(status)s.")
                                 % {"status": referral.get_status_display()}))
    if start_date < referral.referred_on:
        errors.append(FieldError("start_date", ErrorCode.INVALID,
                                 _("Osallistuminen ei voi alkaa ennen ohjausta (%(referred_on)s).")
                                 % {"referred_on": fi_date(referral.referred_on)}))
    if planned_end < start_date:
        errors.append(FieldError("planned_end", ErrorCode.END_BEFORE_START,
                                 _("Suunniteltu päättyminen %(planned_end)s on ennen alkua %(start_date)s.")
                                 % {"planned_end": fi_date(planned_end), "start_date": fi_date(start_date)}))
    errors += _check_available(offering, start_date, "start_date")
    if offering.available_to is not None and planned_end > offering.available_to:
        errors.append(FieldError("planned_end", ErrorCode.INVALID,
                                 _("Palvelu %(name)s on saatavilla vain %(available_to)s asti.")
                                 % {"name": offering.name, "available_to": fi_date(offering.available_to)}))
    if not errors:
        full = first_full_day(offering, start_date, planned_end, exclude=referral)
        if full is not None:
            errors.append(full.error())
    raise_if(errors)

    person = referral.person
    reason = f"Palvelu {offering.name} alkoi {fi_date(start_date)}."
    renames = {"end_date": "planned_end"}
    try:
        open_spell = (StatusSpell.objects.current().filter(person=person, end_date__isnull=True,
                                                 start_date__lt=start_date).first())
        if open_spell is not None:
            timeline.status_spell_record(
                person=person, status=open_spell.status_id, service_type=open_spell.service_type_id,
                start_date=open_spell.start_date, end_date=start_date - timedelta(days=1), actor=actor,
                corrects=open_spell, reason=reason,
            )
        spell = timeline.status_spell_record(
            person=person, status=IN_SERVICE, service_type=offering.service_type_id, start_date=start_date,
            end_date=planned_end, actor=actor,
        )
    except ValidationFailed as failure:
        raise _timeline_errors(failure, renames) from None
    referral.status = ReferralStatus.STARTED
    referral.participation_start = start_date
    referral.participation_end = planned_end
    referral.status_spell_lineage = spell.lineage
    referral.version += 1
    referral.save()
    return referral


@transaction.atomic
def participation_end(*, referral: Referral, end_date: date, actor: Actor,
                      expected_version: int | None = None) -> Referral:
    """The participation ended on ``end_date`` (at the latest the planned end); an earlier end corrects the
    ``in_service`` spell to end then."""
    policy.require_write_access(actor, referral.person)
    referral = _lock_referral(referral)
    errors = _check_version(referral, expected_version)
    if referral.status != ReferralStatus.STARTED:
        errors.append(FieldError("status", ErrorCode.INVALID,
                                 _("Vain alkanut palvelu voi päättyä; ohjauksen tila on %(status)s.")
                                 % {"status": referral.get_status_display()}))
    else:
        assert referral.participation_start is not None
        if end_date < referral.participation_start:
            errors.append(FieldError("end_date", ErrorCode.END_BEFORE_START,
                                     _("Päättymispäivä %(end_date)s on ennen alkua %(participation_start)s.")
                                     % {
                                         "end_date": fi_date(end_date),
                                         "participation_start": fi_date(referral.participation_start)}))
        if referral.participation_end is not None and end_date > referral.participation_end:
            errors.append(FieldError("end_date", ErrorCode.INVALID,
                                     _("Päättymispäivä %(end_date)s on suunnitellun päättymisen %(participation_end)s jälkeen.")
                                     % {"end_date": fi_date(end_date), "participation_end": fi_date(referral.participation_end)}))
    raise_if(errors)

    spell = None
    if referral.status_spell_lineage is not None:
        spell = StatusSpell.objects.current().filter(lineage=referral.status_spell_lineage).first()
    if spell is not None and spell.end_date != end_date:
        try:
            timeline.status_spell_record(
                person=referral.person, status=spell.status_id, service_type=spell.service_type_id,
                start_date=spell.start_date, end_date=end_date, actor=actor, corrects=spell,
                reason=f"Palvelu {referral.offering.name} päättyi {fi_date(end_date)}.",
            )
        except ValidationFailed as failure:
            raise _timeline_errors(failure, {}) from None
    referral.status = ReferralStatus.COMPLETED
    referral.ended_on = end_date
    referral.version += 1
    referral.save()
    return referral


CLOSING_OUTCOMES = (ReferralStatus.DECLINED, ReferralStatus.CANCELLED)


@transaction.atomic
def referral_close(*, referral: Referral, outcome: str, actor: Actor, expected_version: int | None = None) -> Referral:
    """A referral that did not start: the person declined it, or it was cancelled. Frees the place."""
    policy.require_write_access(actor, referral.person)
    referral = _lock_referral(referral)
    errors = _check_version(referral, expected_version)
    if outcome not in CLOSING_OUTCOMES:
        errors.append(FieldError("outcome", ErrorCode.INVALID,
                                 _("Tuntematon lopputulos: %(outcome)s. Sallitut: %(allowed)s.")
                                 % {"outcome": outcome, "allowed": ', '.join(CLOSING_OUTCOMES)}))
    if referral.status != ReferralStatus.REFERRED:
        errors.append(FieldError("status", ErrorCode.INVALID,
                                 _("Vain alkamaton ohjaus voidaan perua; ohjauksen tila on %(status)s.")
                                 % {"status": referral.get_status_display()}))
    raise_if(errors)
    referral.status = outcome
    referral.version += 1
    referral.save()
    return referral


# --- employers ---------------------------------------------------------------------------------------------


@transaction.atomic
def employer_create(*, name: str, business_id: str, kind: str = EmployerKind.COMPANY,
                    municipality_code: str | None = None) -> Employer:
    """Register an employer by its business ID (Y-tunnus, validated and stored as 1234567-8)."""
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError("name", ErrorCode.REQUIRED, _("Nimi on pakollinen.")))
    compact = ""
    if not business_id.strip():
        errors.append(FieldError("business_id", ErrorCode.REQUIRED, _("Y-tunnus on pakollinen.")))
    else:
        compact, found = business_id_compact(business_id)
        errors += found
    if compact and Employer.objects.filter(business_id=compact).exists():
        errors.append(FieldError("business_id", ErrorCode.DUPLICATE, _("Työnantaja %(business_id)s on jo rekisterissä.")
                                                                     % {"business_id": compact}))
    if kind not in EmployerKind.values:
        errors.append(FieldError("kind", ErrorCode.INVALID,
                                 _("Tuntematon työnantajatyyppi: %(kind)s. Sallitut: %(values)s.")
                                 % {"kind": kind, "values": ', '.join(EmployerKind.values)}))
    municipality = None
    if municipality_code:
        municipality = Municipality.objects.filter(code=municipality_code).first()
        if municipality is None:
            errors.append(FieldError("municipality", ErrorCode.UNKNOWN, _("Tuntematon kuntanumero: %(municipality_code)s.")
                                                                        % {"municipality_code": municipality_code}))
    raise_if(errors)
    try:
        with transaction.atomic():
            return Employer.objects.create(name=name.strip(), business_id=compact, kind=kind, municipality=municipality)
    except IntegrityError as error:  # a concurrent registration of the same business ID got there first
        raise ValidationFailed.single("business_id", ErrorCode.DUPLICATE,
                                      _("Työnantaja %(business_id)s on jo rekisterissä.") % {"business_id": compact}) from error


# --- decisions and the kuntalisä budget -----------------------------------------------------------------------


def kuntalisa_committed(municipality_code: str, year: int) -> Decimal:
    """Euros of the kuntalisä decisions charged to the municipality and decided in ``year`` (monthly × months)."""
    rows = Decision.objects.filter(kind=DecisionKind.MUNICIPAL_WAGE_SUPPLEMENT, municipality_id=municipality_code,
                                   decided_on__year=year).values_list("monthly_amount", "months")
    return sum((amount * months for amount, months in rows), Decimal("0.00"))


def _home_municipality_on(person: Person, day: date) -> str | None:
    spell = HomeMunicipalitySpell.objects.current().filter(
        person=person, start_date__lte=day,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day)).first()
    return spell.municipality_id if spell else None


def check_decision_terms(kind: str, employer: Employer | None, percent: int | None, months: int) -> list[FieldError]:
    """The rules of ``rules`` for the decision's kind: employer, percent and duration."""
    errors: list[FieldError] = []
    needs_employer = kind in (DecisionKind.WAGE_SUBSIDY, DecisionKind.MUNICIPAL_WAGE_SUPPLEMENT)
    kind_label = DecisionKind(kind).label
    if needs_employer and employer is None:
        errors.append(FieldError("employer", ErrorCode.REQUIRED, _("Päätökselle %(kind_label)s on annettava työnantaja.")
                                                                 % {"kind_label": kind_label}))
    if kind == DecisionKind.START_UP_GRANT and employer is not None:
        errors.append(FieldError("employer", ErrorCode.INVALID,
                                 "Starttirahapäätöksellä ei ole työnantajaa (tuki maksetaan aloittavalle yrittäjälle)."))
    if kind == DecisionKind.WAGE_SUBSIDY:
        if percent is None:
            errors.append(FieldError("percent", ErrorCode.REQUIRED,
                                     _("Palkkatuelle on annettava tukiprosentti (50, 70 tai 100).")))
        elif percent not in rules.WAGE_SUBSIDY_PERCENTS:
            errors.append(FieldError("percent", ErrorCode.INVALID,
                                     _("Palkkatuki on 50, 70 tai 100 %% (%(source)s).")
                                     % {"source": rules.rule('wage_subsidy_percent').source}))
        elif (percent == rules.WAGE_SUBSIDY_FULL_PERCENT and employer is not None
              and employer.kind not in rules.WAGE_SUBSIDY_FULL_PERCENT_EMPLOYER_KINDS):
            errors.append(FieldError("percent", ErrorCode.INVALID,
                                         _("100 %%:n palkkatuki vain yhdistykselle, säätiölle tai uskonnolliselle "
                                           "yhdyskunnalle; %(name)s on %(kind)s (HE 175/2022).")
                                         % {"name": employer.name, "kind": employer.get_kind_display()}))
    elif percent is not None:
        errors.append(FieldError("percent", ErrorCode.INVALID, _("Tukiprosentti annetaan vain palkkatuelle.")))
    if not isinstance(months, int) or not rules.DECISION_MIN_MONTHS <= months <= rules.DECISION_MAX_MONTHS:
        errors.append(FieldError("months", ErrorCode.INVALID,
                                 _("Kesto on %(min)s–%(max)s kuukautta.")
                                 % {
                                     "min": rules.DECISION_MIN_MONTHS,
                                     "max": rules.DECISION_MAX_MONTHS}))
    elif kind == DecisionKind.START_UP_GRANT and months > rules.START_UP_GRANT_MAX_MONTHS:
        errors.append(FieldError("months", ErrorCode.INVALID,
                                 _("Starttirahaa enintään %(max)s kuukautta (%(source)s).")
                                 % {
                                     "max": rules.START_UP_GRANT_MAX_MONTHS,
                                     "source": rules.rule('start_up_grant_months').source}))
    return errors


@transaction.atomic
def decision_create(
    *, person: Person, kind: str, monthly_amount: Decimal, months: int, start_date: date, decided_on: date,
    actor: Actor, employer: Employer | None = None, percent: int | None = None, municipality_code: str | None = None,
) -> Decision:
    """Record a decision. A kuntalisä is charged to ``municipality_code`` (default: the person's home municipality
    on ``decided_on``) and refused when its total (monthly × months) exceeds what is left of that year's budget."""
    policy.require_write_access(actor, person)
    if municipality_code:
        policy.require_municipality_in_scope(actor, municipality_code, field="municipality")
    if kind not in DecisionKind.values:
        raise ValidationFailed.single("kind", ErrorCode.INVALID,
                                      _("Tuntematon päätöslaji: %(kind)s. Sallitut: %(values)s.")
                                      % {"kind": kind, "values": ', '.join(DecisionKind.values)})
    errors = check_decision_terms(kind, employer, percent, months)
    errors += _check_amount(monthly_amount, "monthly_amount")
    municipality: Municipality | None = None
    code = municipality_code or _home_municipality_on(person, decided_on)
    if code is not None:
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            errors.append(FieldError("municipality", ErrorCode.UNKNOWN, _("Tuntematon kuntanumero: %(code)s.") % {"code": code}))
    elif kind == DecisionKind.MUNICIPAL_WAGE_SUPPLEMENT:
        errors.append(FieldError("municipality", ErrorCode.REQUIRED,
                                 _("Henkilöllä ei ole kotikuntaa %(decided_on)s; anna maksava kunta.")
                                 % {"decided_on": fi_date(decided_on)}))
    if kind == DecisionKind.MUNICIPAL_WAGE_SUPPLEMENT and municipality is not None and not errors:
        errors += _check_budget(municipality, decided_on.year, monthly_amount * months)
    raise_if(errors)
    return Decision.objects.create(
        person=person, kind=kind, employer=employer, percent=percent, monthly_amount=monthly_amount, months=months,
        start_date=start_date, decided_on=decided_on, municipality=municipality, decided_by=acting_user(actor),
    )


def _check_budget(municipality: Municipality, year: int, total: Decimal) -> list[FieldError]:
    """The budget row is locked, so two decisions cannot together spend past it."""
    budget = KuntalisaBudget.objects.select_for_update().filter(municipality=municipality, year=year).first()
    where = f"{municipality.code} {municipality.name_fi}, vuosi {year}"
    if budget is None:
        return [FieldError("municipality", ErrorCode.INVALID, _("Kuntalisän budjettia ei ole asetettu (%(where)s).")
                                                              % {"where": where})]
    remaining = budget.amount - kuntalisa_committed(municipality.code, year)
    if total > remaining:
        return [FieldError("monthly_amount", ErrorCode.INVALID,
                           _("Kuntalisän budjetti ei riitä: päätös yhteensä %(total)s, jäljellä %(remaining)s (%(where)s).")
                           % {"total": fi_euros(total), "remaining": fi_euros(max(remaining, Decimal(0))), "where": where})]
    return []


@transaction.atomic
def budget_set(*, municipality_code: str, year: int, amount: Decimal) -> KuntalisaBudget:
    """Set (or change) a municipality's kuntalisä budget for a year; not below what is already committed."""
    errors: list[FieldError] = []
    municipality = Municipality.objects.filter(code=municipality_code).first()
    if municipality is None:
        errors.append(FieldError("municipality", ErrorCode.UNKNOWN, _("Tuntematon kuntanumero: %(municipality_code)s.")
                                                                    % {"municipality_code": municipality_code}))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.append(FieldError("year", ErrorCode.INVALID, _("Vuosi on välillä 2000–2100.")))
    errors += _check_amount(amount, "amount", allow_zero=True)
    if not errors:
        committed = kuntalisa_committed(municipality_code, year)
        if amount < committed:
            errors.append(FieldError("amount", ErrorCode.INVALID,
                                     _("Budjetti ei voi olla pienempi kuin jo sidottu %(committed)s.")
                                     % {"committed": fi_euros(committed)}))
    raise_if(errors)
    budget, _created = KuntalisaBudget.objects.update_or_create(municipality=municipality, year=year,
                                                         defaults={"amount": amount})
    return budget
