"""Writes of case work, one transaction each: meetings, the employment plan, application reports,
assignments and phase handover, and ending a job search.

Each function validates everything first and raises ``ValidationFailed`` listing every problem with its
field; nothing is written unless all checks pass. Access (who may write for whom) is checked, and the
write logged, by the caller through ``polku.access.services.person_access`` like every other write.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ParamSpec, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from polku.access import policy
from polku.access.models import StaffProfile, Team
from polku.casework import due_table
from polku.casework.models import (
    ApplicationReport,
    CaseAssignment,
    CaseloadTransfer,
    EmploymentPlan,
    Meeting,
    MeetingChannel,
    MeetingKind,
    Phase,
)
from polku.casework.rules import ProcessRuleBook, shipped_rule_book
from polku.core.calendar import month_start
from polku.core.errors import AccessDenied, ErrorCode, FieldError, ValidationFailed, raise_if
from polku.core.languages import text_in
from polku.derived.vocabulary import status_vocabulary
from polku.people.models import Person
from polku.timeline import services as timeline_services
from polku.timeline.models import JobSearchEndReason, JobSearchPeriod, StatusSpell
from polku.timeline.services import Actor, acting_user, lock_person

STANDARD_OBLIGATION = "standard"
MAX_APPLICATIONS_REPORTED = 200


P = ParamSpec("P")
R = TypeVar("R")


def refreshes_due_items(write: Callable[P, R]) -> Callable[P, R]:
    """After ``write(person=…)`` succeeds, recompute the person's due items in the same transaction (put it under
    ``@transaction.atomic``), so a worklist read from the due-items table shows the write at once."""
    @functools.wraps(write)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        result = write(*args, **kwargs)
        person = kwargs["person"]
        due_table.refresh_persons([person.pk])  # type: ignore[attr-defined]
        return result
    return wrapper


def _required(value: Any, field: str, message: str) -> list[FieldError]:
    return [FieldError(field, ErrorCode.REQUIRED, message)] if value in (None, "") else []


# --- meetings ---------------------------------------------------------------------------------


@transaction.atomic
@refreshes_due_items
def meeting_record(*, person: Person, held_on: date | None, kind: str, channel: str, notes: str = "",
                   actor: Actor = None, today: date | None = None) -> Meeting:
    """Record a meeting that was held (an initial interview, a job-search conversation …)."""
    today = today or timezone.localdate()
    errors = _required(held_on, "held_on", _("Anna tapaamisen päivä."))
    if held_on is not None and held_on > today:
        errors.append(FieldError("held_on", ErrorCode.INVALID,
                                 _("Tapaaminen %(day)s on tulevaisuudessa; pidetyksi voi kirjata vain pidetyn tapaamisen.")
                                 % {"day": f"{held_on:%d.%m.%Y}"}))
    if held_on is not None and held_on < person.birth_date:
        errors.append(FieldError("held_on", ErrorCode.INVALID, _("Tapaaminen ennen henkilön syntymää.")))
    if kind not in MeetingKind.values:
        errors.append(FieldError("kind", ErrorCode.INVALID if kind else ErrorCode.REQUIRED,
                                 _("Valitse tapaamisen laji: %(allowed)s.") % {"allowed": ", ".join(MeetingKind.values)}))
    if channel not in MeetingChannel.values:
        errors.append(FieldError("channel", ErrorCode.INVALID if channel else ErrorCode.REQUIRED,
                                 _("Valitse asiointitapa: %(allowed)s.") % {"allowed": ", ".join(MeetingChannel.values)}))
    raise_if(errors)
    lock_person(person)
    assert held_on is not None
    return Meeting.objects.create(person=person, held_on=held_on, kind=kind, channel=channel, notes=notes.strip(),
                                  recorded_by=acting_user(actor), recorded_at=timezone.now())


# --- the employment plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInput:
    drawn_up_on: date | None
    valid_until: date | None
    agreed_actions: str
    applications_required: int | None
    obligation_basis: str = STANDARD_OBLIGATION
    next_meeting_on: date | None = None


def current_plan(person: Person) -> EmploymentPlan | None:
    return EmploymentPlan.objects.current().filter(person=person).select_related("recorded_by").first()


def _plan_errors(data: PlanInput, book: ProcessRuleBook, today: date) -> tuple[list[FieldError], int]:
    """Check a plan against the rule set in force when it is drawn up; returns the reporting period too."""
    errors = _required(data.drawn_up_on, "drawn_up_on", _("Anna laatimispäivä."))
    errors += _required(data.valid_until, "valid_until", _("Anna voimassaolon päättymispäivä."))
    errors += _required(data.agreed_actions.strip(), "agreed_actions", _("Kirjaa sovitut toimet."))
    errors += _required(data.applications_required, "applications_required", _("Anna hakuvelvollisuus (0–4)."))
    if data.drawn_up_on and data.drawn_up_on > today:
        errors.append(FieldError("drawn_up_on", ErrorCode.INVALID, _("Laatimispäivä ei voi olla tulevaisuudessa.")))
    if data.drawn_up_on and data.valid_until and data.valid_until < data.drawn_up_on:
        errors.append(FieldError("valid_until", ErrorCode.END_BEFORE_START, _("Voimassaolo päättyy ennen laatimispäivää.")))
    if data.drawn_up_on and data.next_meeting_on and data.next_meeting_on < data.drawn_up_on:
        errors.append(FieldError("next_meeting_on", ErrorCode.INVALID, _("Seuraava tapaaminen ennen laatimispäivää.")))
    rule_set = book.in_force(data.drawn_up_on or today)
    obligation = rule_set.rule("application_obligation")
    period = int(obligation["period_months"])
    low, high = int(obligation["min"]), int(obligation["max"])
    count = data.applications_required
    if data.obligation_basis == STANDARD_OBLIGATION:
        if count is not None and not low <= count <= high:
            errors.append(FieldError("applications_required", ErrorCode.INVALID,
                                     _("Hakuvelvollisuus on %(low)s–%(high)s työmahdollisuutta kuukaudessa; annettu %(count)s.")
                                     % {"low": low, "high": high, "count": count}))
    else:
        reduced = rule_set.reduced_cases().get(data.obligation_basis)
        if reduced is None:
            errors.append(FieldError("obligation_basis", ErrorCode.UNKNOWN,
                                     _("Tuntematon peruste: %(basis)s. Sallitut: %(allowed)s.") % {
                                         "basis": data.obligation_basis,
                                         "allowed": ", ".join([STANDARD_OBLIGATION, *rule_set.reduced_cases()])}))
        else:
            period = reduced.period_months
            if count is not None and not 0 <= count <= reduced.count:
                errors.append(FieldError("applications_required", ErrorCode.INVALID,
                                         _("Perusteella %(basis)s velvollisuus on enintään %(max)s / %(months)s kk; "
                                           "annettu %(count)s.") % {
                                             "basis": text_in(reduced.name).lower(),
                                             "max": reduced.count, "months": reduced.period_months, "count": count}))
    return errors, period


@transaction.atomic
@refreshes_due_items
def plan_save(*, person: Person, data: PlanInput, based_on_version: int | None, actor: Actor = None,
              today: date | None = None, book: ProcessRuleBook | None = None) -> EmploymentPlan:
    """Write the employment plan, or a new version of it.

    ``based_on_version`` is the version the editor loaded (None for a first plan). If someone else saved in
    between, the save is refused naming who and when; the caller keeps the typed text on the form.
    """
    today = today or timezone.localdate()
    errors, period = _plan_errors(data, book or shipped_rule_book(), today)
    lock_person(person)
    current = current_plan(person)
    current_version = current.version if current is not None else None
    if current_version != based_on_version:
        who = (current.recorded_by.get_username() if current is not None and current.recorded_by else "")
        when = date_format(timezone.localtime(current.recorded_at), "SHORT_DATETIME_FORMAT") if current else ""
        raise ValidationFailed.single(
            "version", ErrorCode.CONFLICT,
            _("Suunnitelmaa on muutettu sillä välin (%(who)s %(when)s, versio %(version)s). Tallennuksesi jätettiin "
              "tekemättä, mutta mitään ei hävinnyt: tekstisi on yhä lomakkeella. Tarkista uusi versio ja tallenna "
              "uudelleen.") % {"who": who, "when": when, "version": current_version},
        )
    raise_if(errors)
    assert data.drawn_up_on is not None
    assert data.valid_until is not None
    assert data.applications_required is not None
    now = timezone.now()
    row = EmploymentPlan(person=person, drawn_up_on=data.drawn_up_on, valid_until=data.valid_until,
                         agreed_actions=data.agreed_actions.strip(), applications_required=data.applications_required,
                         reporting_period_months=period, obligation_basis=data.obligation_basis,
                         next_meeting_on=data.next_meeting_on, version=(current_version or 0) + 1,
                         recorded_by=acting_user(actor), recorded_at=now)
    if current is not None:
        current.superseded_at = now
        current.superseded_by_user = acting_user(actor)
        current.correction_reason = f"päivitetty versioksi {row.version}"
        current.save(update_fields=["superseded_at", "superseded_by_user", "correction_reason"])
        row.lineage = current.lineage
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:  # a concurrent writer slipped past the lock (cannot on PostgreSQL)
        raise ValidationFailed.single("version", ErrorCode.CONFLICT, _("Suunnitelma tallennettiin juuri toisaalla.")) from error
    return row


# --- application reports ------------------------------------------------------------------------------


@transaction.atomic
@refreshes_due_items
def application_report_record(*, person: Person, period_start: date | None, applications: int | None,
                               reported_on: date | None = None, actor: Actor = None,
                               today: date | None = None) -> ApplicationReport:
    """Log the applications reported for a period; a second report for the same period corrects the first."""
    today = today or timezone.localdate()
    reported_on = reported_on or today
    errors = _required(period_start, "period_start", _("Anna raportointijakson alkukuukausi."))
    errors += _required(applications, "applications", _("Anna haettujen työmahdollisuuksien määrä."))
    if applications is not None and not 0 <= applications <= MAX_APPLICATIONS_REPORTED:
        errors.append(FieldError("applications", ErrorCode.INVALID, _("Määrä 0–%(max)s.") % {"max": MAX_APPLICATIONS_REPORTED}))
    if period_start is not None and month_start(period_start) > today:
        errors.append(FieldError("period_start", ErrorCode.INVALID, _("Raportointijakso ei voi alkaa tulevaisuudessa.")))
    if reported_on > today:
        errors.append(FieldError("reported_on", ErrorCode.INVALID, _("Ilmoituspäivä ei voi olla tulevaisuudessa.")))
    search = open_job_search(person)
    if search is None:
        errors.append(FieldError("period_start", ErrorCode.INVALID, _("Henkilöllä ei ole avointa työnhakua.")))
    elif period_start is not None and month_start(period_start) < month_start(search.registered_on):
        errors.append(FieldError("period_start", ErrorCode.INVALID,
                                 _("Jakso on ennen työnhaun alkua (%(day)s).") % {"day": f"{search.registered_on:%d.%m.%Y}"}))
    raise_if(errors)
    assert period_start is not None
    assert applications is not None
    lock_person(person)
    start = month_start(period_start)
    now = timezone.now()
    earlier = ApplicationReport.objects.current().filter(person=person, period_start=start).first()
    row = ApplicationReport(person=person, period_start=start, applications=applications, reported_on=reported_on,
                            recorded_by=acting_user(actor), recorded_at=now)
    if earlier is not None:
        earlier.superseded_at = now
        earlier.superseded_by_user = acting_user(actor)
        earlier.correction_reason = "uusi ilmoitus samalle jaksolle"
        earlier.save(update_fields=["superseded_at", "superseded_by_user", "correction_reason"])
        row.lineage = earlier.lineage
    row.save()
    return row


# --- assignments and handover ----------------------------------------------------------------------------


def current_assignment(person: Person) -> CaseAssignment | None:
    return CaseAssignment.objects.filter(person=person, ended_at__isnull=True).select_related("counsellor", "team").first()


def _counsellor_errors(counsellor: Any, team: Team | None) -> list[FieldError]:
    if counsellor is None:
        return []
    profile = StaffProfile.objects.filter(user=counsellor).first()
    if profile is None or profile.role not in policy.roles_with(policy.Capability.HOLD_CASELOAD):
        return [FieldError("counsellor", ErrorCode.INVALID, _("Valittu käyttäjä ei ole työllisyysohjaaja."))]
    if team is not None and profile.team_id is not None and profile.team_id != team.pk:
        return [FieldError("counsellor", ErrorCode.INVALID,
                           _("Ohjaaja kuuluu tiimiin %(own)s, ei tiimiin %(other)s.") % {
                               "own": profile.team, "other": team.name})]
    return []


@transaction.atomic
@refreshes_due_items
def assign(*, person: Person, counsellor: Any, team_id: int | None = None, phase: str | None = None,
           valid_from: date | None = None, actor: Actor = None, reason: str = "",
           transfer: CaseloadTransfer | None = None) -> CaseAssignment:
    """Make ``counsellor`` (and the team) responsible for the client from ``valid_from``; ends the previous.

    When the counsellor belongs to a team, the client joins that team (access follows the team). The
    counsellor must be able to see the client afterwards, or nothing is written.
    """
    lock_person(person)
    previous = current_assignment(person)
    team = Team.objects.filter(pk=team_id).first() if team_id is not None else None
    errors: list[FieldError] = []
    if team_id is not None and team is None:
        errors.append(FieldError("team", ErrorCode.UNKNOWN, _("Tuntematon tiimi: %(team)s.") % {"team": team_id}))
    actor_profile = policy.staff_profile(actor)
    if (team is not None and actor_profile is not None and not policy.sees_everyone(actor)
            and actor_profile.area_id != team.area_id):
        errors.append(FieldError("team", ErrorCode.INVALID, _("Tiimi ei kuulu alueeseesi.")))
    if counsellor is not None and team is None:
        profile = StaffProfile.objects.filter(user=counsellor).select_related("team").first()
        team = profile.team if profile is not None and profile.team is not None else (previous.team if previous else None)
    phase = phase or (previous.phase if previous else Phase.INITIAL_SERVICE)
    if phase not in Phase.values:
        errors.append(FieldError("phase", ErrorCode.INVALID, _("Tuntematon vaihe: %(phase)s.") % {"phase": phase}))
    errors += _counsellor_errors(counsellor, team)
    raise_if(errors)
    now = timezone.now()
    if previous is not None:
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])
    if team is not None and person.team_id != team.pk:
        person.team = team
        person.save(update_fields=["team"])
    if counsellor is not None and not policy.within_area(counsellor, person):
        raise ValidationFailed.single("counsellor", ErrorCode.INVALID,
                                      "Ohjaaja ei näkisi asiakasta: asiakas asuu toisen alueen kunnassa.")
    return CaseAssignment.objects.create(person=person, counsellor=counsellor, team=team, phase=phase,
                                         valid_from=valid_from or timezone.localdate(), started_at=now,
                                         assigned_by=acting_user(actor), reason=reason.strip()[:300],
                                         transfer=transfer)


@transaction.atomic
def handover(*, person: Person, team_id: int | None, counsellor: Any = None, on: date | None = None,
             actor: Actor = None) -> CaseAssignment:
    """Hand a client over from the initial service to personal coaching, to a chosen team."""
    lock_person(person)
    previous = current_assignment(person)
    errors = _required(team_id, "team", _("Valitse omavalmennustiimi, jolle asiakas siirtyy."))
    if previous is not None and previous.phase == Phase.PERSONAL_COACHING:
        errors.append(FieldError("phase", ErrorCode.INVALID, _("Asiakas on jo omavalmennuksessa.")))
    raise_if(errors)
    return assign(person=person, counsellor=counsellor, team_id=team_id, phase=Phase.PERSONAL_COACHING,
                  valid_from=on, actor=actor, reason="siirto omavalmennukseen")


# --- ending the job search -----------------------------------------------------------------------------------


def open_job_search(person: Person) -> JobSearchPeriod | None:
    return JobSearchPeriod.objects.current().filter(person=person, ended_on__isnull=True).first()


# What the person's labour-market status becomes the day after a job search ends with this outcome. A job
# seeker's status (unemployed, laid off, part-time) ends with the job search, so that the statistics stop
# counting them; outcomes without a known next status (moved, other, another service, which its own
# participation records) just end it.
OUTCOME_STATUS: dict[str, tuple[str, str | None]] = {
    JobSearchEndReason.OPEN_MARKET_JOB: ("employed", None),
    JobSearchEndReason.ENTREPRENEURSHIP: ("employed", None),
    JobSearchEndReason.SUBSIDISED_JOB: ("in_service", "wage_subsidy"),
    JobSearchEndReason.STUDIES: ("studying", None),
    JobSearchEndReason.OUTSIDE_LABOUR_FORCE: ("outside", None),
}
JOB_SEEKER_STATUSES = tuple(sorted(status_vocabulary().job_seekers))


def _status_after_job_search(person: Person, ended_on: date, end_reason: str, actor: Actor) -> None:
    current = StatusSpell.objects.current().filter(person=person, start_date__lte=ended_on,
                                         status_id__in=JOB_SEEKER_STATUSES).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=ended_on)).first()
    if current is None:
        return
    timeline_services.status_spell_record(
        person=person, status=current.status_id, start_date=current.start_date, end_date=ended_on, actor=actor,
        corrects=current, reason=f"työnhaku päättyi: {end_reason}")
    if end_reason in OUTCOME_STATUS:
        status, service = OUTCOME_STATUS[end_reason]
        timeline_services.status_spell_record(person=person, status=status, service_type=service,
                                              start_date=ended_on + timedelta(days=1), actor=actor)


@transaction.atomic
@refreshes_due_items
def job_search_close(*, person: Person, ended_on: date | None, end_reason: str, actor: Actor = None,
                     today: date | None = None) -> JobSearchPeriod:
    """End the open job search with its outcome: the job-seeker status ends the same day and the outcome's
    status (``OUTCOME_STATUS``) begins the next; the client's assignment closes."""
    today = today or timezone.localdate()
    lock_person(person)
    period = open_job_search(person)
    errors = _required(ended_on, "ended_on", _("Anna päättymispäivä."))
    errors += _required(end_reason, "end_reason", _("Valitse työnhaun päättymisen syy."))
    if end_reason and end_reason not in JobSearchEndReason.values:
        errors.append(FieldError("end_reason", ErrorCode.INVALID,
                                 _("Tuntematon päättymissyy: %(reason)s.") % {"reason": end_reason}))
    if ended_on is not None and ended_on > today:
        errors.append(FieldError("ended_on", ErrorCode.INVALID, _("Päättymispäivä ei voi olla tulevaisuudessa.")))
    if period is None:
        errors.append(FieldError("ended_on", ErrorCode.INVALID, _("Henkilöllä ei ole avointa työnhakua.")))
    raise_if(errors)
    assert period is not None
    assert ended_on is not None
    ended = timeline_services.job_search_end(period=period, ended_on=ended_on, end_reason=end_reason, actor=actor)
    _status_after_job_search(person, ended_on, end_reason, actor)
    CaseAssignment.objects.filter(person=person, ended_at__isnull=True).update(ended_at=timezone.now())
    return ended


def transfer_preview(*, from_counsellor: Any, to_counsellor: Any, count: int | None, actor: Actor = None) -> list[Person]:
    """Which of one counsellor's clients a caseload transfer of ``count`` would move (the most recently assigned
    first), without moving anyone: what the team lead sees before confirming. Only clients the acting user may write
    for are counted."""
    errors: list[FieldError] = []
    if from_counsellor is None:
        errors.append(FieldError("from_counsellor", ErrorCode.REQUIRED, _("Valitse ohjaaja, jolta asiakkaita siirretään.")))
    if to_counsellor is None:
        errors.append(FieldError("to_counsellor", ErrorCode.REQUIRED, _("Valitse ohjaaja, jolle asiakkaat siirretään.")))
    elif from_counsellor is not None and to_counsellor.pk == from_counsellor.pk:
        errors.append(FieldError("to_counsellor", ErrorCode.INVALID, _("Siirto samalle ohjaajalle.")))
    if count is not None and count < 1:
        errors.append(FieldError("count", ErrorCode.INVALID, _("Siirrettäviä asiakkaita on oltava vähintään yksi.")))
    raise_if(errors)
    writable = policy.persons_visible_to(actor) if actor is not None else Person.objects.all()
    current = CaseAssignment.objects.filter(counsellor=from_counsellor, ended_at__isnull=True,
                                            person__in=writable).order_by("-started_at", "person_id")
    chosen = [row.person for row in current.select_related("person")[: count or None]]
    if not chosen:
        raise ValidationFailed.single("from_counsellor", ErrorCode.INVALID, _("Ohjaajalla ei ole siirrettäviä asiakkaita."))
    return chosen


@transaction.atomic
def reassign_clients(*, from_counsellor: Any, to_counsellor: Any, count: int | None, actor: Actor = None,
                     reason: str = "", previewed: list[Any] | None = None) -> CaseloadTransfer:
    """Move ``count`` of one counsellor's clients to another in one transaction, as one transfer that can be undone
    (:func:`undo_transfer`). With ``previewed`` (the person ids the team lead confirmed), refuse if the clients to
    move are no longer exactly those: someone changed the caseload since the preview."""
    chosen = transfer_preview(from_counsellor=from_counsellor, to_counsellor=to_counsellor, count=count, actor=actor)
    if previewed is not None and {str(p.pk) for p in chosen} != {str(pid) for pid in previewed}:
        raise ValidationFailed.single("count", ErrorCode.CONFLICT, _(
            "Asiakasmäärät muuttuivat esikatselun jälkeen. Katso siirrettävät asiakkaat uudelleen ennen vahvistamista."))
    transfer = CaseloadTransfer.objects.create(from_counsellor=from_counsellor, to_counsellor=to_counsellor,
                                               made_by=acting_user(actor), made_at=timezone.now(),
                                               reason=reason.strip()[:300])
    for person in chosen:
        assign(person=person, counsellor=to_counsellor, actor=actor, reason=reason or "asiakasmäärien tasaus",
               transfer=transfer)
    return transfer


def transfer_persons(transfer: CaseloadTransfer) -> list[Person]:
    """The clients a transfer moved, by name."""
    return list(Person.objects.filter(assignments__transfer=transfer).distinct().order_by("last_name", "first_names"))


@transaction.atomic
def undo_transfer(*, transfer_id: int, actor: Actor = None) -> list[Person]:
    """Move back the clients of a caseload transfer who are still where it put them (a client reassigned since is
    left as they are); the transfer is marked undone. Refused twice, or for a transfer outside the actor's reach."""
    transfer = CaseloadTransfer.objects.select_for_update().filter(pk=transfer_id).first()
    if transfer is None:
        raise ValidationFailed.single("transfer", ErrorCode.UNKNOWN, _("Siirtoa ei löydy."))
    if transfer.undone_at is not None:
        raise ValidationFailed.single("transfer", ErrorCode.INVALID, _("Siirto on jo peruttu."))
    writable = policy.persons_visible_to(actor) if actor is not None else Person.objects.all()
    still = CaseAssignment.objects.filter(transfer=transfer, ended_at__isnull=True, counsellor=transfer.to_counsellor)
    if not policy.sees_everyone(actor) and still.exclude(person__in=writable).exists():
        raise AccessDenied("Siirron asiakkaat eivät kaikki kuulu rajaukseesi.")
    moved = [row.person for row in still.select_related("person")]
    for person in moved:
        assign(person=person, counsellor=transfer.from_counsellor, actor=actor, reason="asiakassiirron peruminen")
    transfer.undone_at = timezone.now()
    transfer.undone_by = acting_user(actor)
    transfer.save(update_fields=["undone_at", "undone_by"])
    return moved
