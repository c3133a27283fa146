"""Multi-agency work: referrals to another agency and the joint meetings held with them.

A referral carries only what the client consented to share with that agency: it is made through
``services.disclose_plan`` (the consent checked at that moment), so without a consent in force there is no
referral. Its status is what the agency reports, recorded by the counsellor and shown to the client in the portal.
A joint meeting (HVA: the client, the counsellor and the agency) adds its agreed tasks to the client's plan as a new
version of it, so the plan stays the one place where tasks are agreed. The meeting is booked first, with all parties:
the time, how it is held and where, and the agencies invited besides the referral's own (each only with the client's
consent to share the plan with it, checked at booking); the client sees it in the portal and gets a notification
that carries nothing about it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from polku.casework import booking
from polku.casework import services as casework
from polku.casework.models import AppointmentSlot, MeetingChannel
from polku.core.bounds import TEXT_MAX_LENGTH
from polku.core.errors import ErrorCode, FieldError, ValidationFailed, raise_if
from polku.people.models import Person
from polku.portal import services
from polku.portal.catalogue import consent_catalogue
from polku.portal.models import AgencyReferral, Notification, ReferralStatus

MAX_REASON = 300
MAX_NOTE = 500
MAX_TASKS = 10
MAX_PLACE = 200
MEETING_MINUTES = (15, 240)
BOOKING_HORIZON = timedelta(days=180)
ENDED = (ReferralStatus.COMPLETED, ReferralStatus.DECLINED)


@transaction.atomic
def refer(*, person: Person, recipient: str, reason: str, actor: Any, now: datetime | None = None) -> AgencyReferral:
    """Refer the client to ``recipient`` for ``reason``; the plan goes with it as far as the consent allows, and the
    service history too when the client has consented to share it with that agency."""
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed.single("reason", ErrorCode.REQUIRED, _("Kerro, mitä ohjauksella haetaan."))
    if len(text) > MAX_REASON:
        raise ValidationFailed.single("reason", ErrorCode.INVALID, _("Enintään %(max)s merkkiä.") % {"max": MAX_REASON})
    now = now or timezone.now()
    disclosure = services.disclose_plan(person=person, recipient=recipient, actor=actor, now=now)
    history = services.disclose_history(person=person, recipient=recipient, actor=actor, now=now)
    referral = AgencyReferral(person=person, recipient=recipient, reason=text, disclosure=disclosure,
                              history_disclosure=history, created_by=actor, created_at=now, updated_at=now)
    referral.add_event("status", actor, now, status=ReferralStatus.SENT)
    referral.save()
    return referral


@transaction.atomic
def record_status(*, referral: AgencyReferral, status: str, note: str, actor: Any,
                  now: datetime | None = None) -> AgencyReferral:
    """What the agency reported: received, in progress, completed or declined (with a word why)."""
    locked = AgencyReferral.objects.select_for_update().get(pk=referral.pk)
    errors: list[FieldError] = []
    if status not in ReferralStatus.values or status == ReferralStatus.SENT:  # sent is where a referral begins
        errors.append(FieldError("status", ErrorCode.INVALID, _("Valitse ohjauksen tila.")))
    text = " ".join((note or "").split())
    if len(text) > MAX_NOTE:
        errors.append(FieldError("note", ErrorCode.INVALID, _("Enintään %(max)s merkkiä.") % {"max": MAX_NOTE}))
    if status == ReferralStatus.DECLINED and not text:
        errors.append(FieldError("note", ErrorCode.REQUIRED, _("Kerro, miksi ohjausta ei otettu vastaan.")))
    raise_if(errors)
    now = now or timezone.now()
    locked.status = status
    locked.add_event("status", actor, now, status=status, note=text)
    if status in ENDED and locked.meeting_starts_at is not None and locked.meeting_starts_at > now:
        locked.add_event("meeting_cancelled", actor, now, reason="referral_ended",  # nobody meets on it any more
                         starts_at=locked.meeting_starts_at.isoformat())
        locked.clear_booking()
        _notify(locked, now)
    locked.updated_at = now
    locked.save()
    return locked


@transaction.atomic
def record_joint_meeting(*, referral: AgencyReferral, held_on: date | None, agreed_tasks: str, actor: Any,
                         today: date | None = None, now: datetime | None = None) -> AgencyReferral:
    """A joint meeting with the agency: its agreed tasks are added to the client's plan (a new version of it)."""
    today = today or timezone.localdate()
    locked = AgencyReferral.objects.select_for_update().select_related("person").get(pk=referral.pk)
    tasks = [line.strip() for line in (agreed_tasks or "").splitlines() if line.strip()]
    errors: list[FieldError] = []
    if held_on is None:
        errors.append(FieldError("held_on", ErrorCode.REQUIRED, _("Anna tapaamisen päivä.")))
    elif held_on > today:
        errors.append(FieldError("held_on", ErrorCode.INVALID, _("Kirjaa tapaaminen, kun se on pidetty.")))
    elif held_on < timezone.localtime(locked.created_at).date():
        errors.append(FieldError("held_on", ErrorCode.INVALID, _("Tapaaminen ei voi olla ennen ohjausta.")))
    if locked.status in ENDED:
        errors.append(_ended())
    if not tasks:
        errors.append(FieldError("agreed_tasks", ErrorCode.REQUIRED, _("Kirjaa tapaamisessa sovitut tehtävät.")))
    elif len(tasks) > MAX_TASKS or any(len(t) > MAX_REASON for t in tasks):
        errors.append(FieldError("agreed_tasks", ErrorCode.INVALID,
                                 _("Enintään %(n)s tehtävää, kukin enintään %(max)s merkkiä.")
                                 % {"n": MAX_TASKS, "max": MAX_REASON}))
    plan = casework.current_plan(locked.person)
    if plan is None:
        errors.append(FieldError("plan", ErrorCode.REQUIRED,
                                 _("Asiakkaalla ei ole suunnitelmaa, johon tehtävät lisätään.")))
    elif len(plan.agreed_actions.rstrip()) + sum(len(t) + 1 for t in tasks) > TEXT_MAX_LENGTH:
        errors.append(FieldError("agreed_tasks", ErrorCode.INVALID,
                                 _("Suunnitelman sovitut toimet kasvaisivat liian pitkiksi; tiivistä suunnitelmaa ensin.")))
    raise_if(errors)
    assert plan is not None
    assert held_on is not None
    casework.plan_save(person=locked.person, based_on_version=plan.version, actor=actor, today=today,
                       data=casework.PlanInput(drawn_up_on=plan.drawn_up_on, valid_until=plan.valid_until,
                                               agreed_actions="\n".join([plan.agreed_actions.rstrip(), *tasks]),
                                               applications_required=plan.applications_required,
                                               obligation_basis=plan.obligation_basis,
                                               next_meeting_on=plan.next_meeting_on))
    now = now or timezone.now()
    locked.add_event("joint_meeting", actor, now, held_on=held_on.isoformat(), tasks=tasks)
    if locked.status in (ReferralStatus.SENT, ReferralStatus.RECEIVED):
        locked.status = ReferralStatus.IN_PROGRESS
        locked.add_event("status", actor, now, status=ReferralStatus.IN_PROGRESS)
    if locked.meeting_starts_at is not None and timezone.localtime(locked.meeting_starts_at).date() <= held_on:
        locked.clear_booking()  # the booked meeting was held: the events keep it
    locked.updated_at = now
    locked.save()
    return locked


def _ended() -> FieldError:
    return FieldError("status", ErrorCode.INVALID, _("Ohjaus on jo päättynyt; uusi yhteistyö alkaa uudella ohjauksella."))


def _notify(referral: AgencyReferral, now: datetime) -> None:
    """The client hears that something about their meetings changed (the notice says nothing more)."""
    Notification.objects.create(person_id=referral.person_id, text=services.NEWS_TEXT, created_at=now)


def _overlaps(start: datetime, end: datetime, other_start: datetime, other_minutes: int | None) -> bool:
    return other_start < end and start < other_start + timedelta(minutes=other_minutes or 0)


def _clash(referral: AgencyReferral, start: datetime, end: datetime, actor: Any) -> str | None:
    """What the meeting would collide with: the client's or the counsellor's booked times, or another joint meeting
    of either; None when the time is free for both."""
    slots = AppointmentSlot.objects.filter(starts_at__gte=start - timedelta(minutes=MEETING_MINUTES[1]),
                                           starts_at__lt=end, person__isnull=False)
    if any(_overlaps(start, end, s.starts_at, s.minutes) for s in slots.filter(person_id=referral.person_id)):
        return _("Asiakkaalla on jo varattu tapaaminen tähän aikaan.")
    counsellor = getattr(actor, "pk", None)
    if any(_overlaps(start, end, s.starts_at, s.minutes) for s in slots.filter(counsellor_id=counsellor)):
        return _("Sinulla on jo asiakastapaaminen tähän aikaan.")
    other = _meeting_during(Q(person_id=referral.person_id) | Q(meeting_counsellor_id=counsellor), start, end,
                            besides=referral.pk)
    if other is None:
        return None
    return (_("Asiakkaalla on jo toinen yhteistapaaminen tähän aikaan.") if other.person_id == referral.person_id
            else _("Sinulla on jo toinen yhteistapaaminen tähän aikaan."))


def _meeting_during(whose: Q, start: datetime, end: datetime, besides: int | None = None) -> AgencyReferral | None:
    """A booked joint meeting of ``whose`` overlapping ``start``–``end`` (other than the referral ``besides``)."""
    meetings = AgencyReferral.objects.filter(whose, meeting_starts_at__lt=end,
                                             meeting_starts_at__gte=start - timedelta(minutes=MEETING_MINUTES[1]))
    return next((m for m in meetings.exclude(pk=besides or 0)
                 if m.meeting_starts_at and _overlaps(start, end, m.meeting_starts_at, m.meeting_minutes)), None)


def counsellor_away(slots: list[AppointmentSlot]) -> set[int]:
    """The free times during which their counsellor is in a joint meeting (not offered to clients); one query."""
    if not slots:
        return set()
    meetings = list(AgencyReferral.objects.filter(
        meeting_counsellor_id__in={s.counsellor_id for s in slots},
        meeting_starts_at__gte=min(s.starts_at for s in slots) - timedelta(minutes=MEETING_MINUTES[1]),
        meeting_starts_at__lt=max(s.starts_at + timedelta(minutes=s.minutes) for s in slots),
    ).values_list("meeting_counsellor_id", "meeting_starts_at", "meeting_minutes"))
    return {s.pk for s in slots for counsellor, at, minutes in meetings
            if counsellor == s.counsellor_id and at is not None
            and _overlaps(s.starts_at, s.starts_at + timedelta(minutes=s.minutes), at, minutes)}


@transaction.atomic
def book_free_time(*, person: Person, slot_id: int | None, move_from: int | None,
                   allowed_counsellor_ids: list[Any]) -> AppointmentSlot:
    """The client books (or moves a booking to) a free time in their portal, in turn with joint meetings being
    booked for them (the person's row): refused on top of their own joint meeting, naming its time, or while their
    counsellor is in one. The rest is the booking's own (taken, passed, not yours)."""
    Person.objects.select_for_update().filter(pk=person.pk).first()
    slot = AppointmentSlot.objects.filter(pk=slot_id or 0, counsellor_id__in=allowed_counsellor_ids,
                                          person__isnull=True).first()
    if slot is not None:
        end = slot.starts_at + timedelta(minutes=slot.minutes)
        own = _meeting_during(Q(person=person), slot.starts_at, end)
        if own is not None and own.meeting_starts_at is not None:
            raise ValidationFailed.single("slot", ErrorCode.CONFLICT, _(
                "Sinulla on silloin yhteistapaaminen (%(when)s). Valitse toinen aika.") % {
                "when": formats.date_format(timezone.localtime(own.meeting_starts_at), "SHORT_DATETIME_FORMAT")})
        if counsellor_away([slot]):
            raise ValidationFailed.single("slot", ErrorCode.CONFLICT, _("Aika on jo varattu. Valitse toinen aika."))
    if move_from is not None:
        return booking.move(person=person, from_slot_id=move_from, to_slot_id=slot_id,
                            allowed_counsellor_ids=allowed_counsellor_ids)
    return booking.book(person=person, slot_id=slot_id, allowed_counsellor_ids=allowed_counsellor_ids)


@transaction.atomic
def book_joint_meeting(*, referral: AgencyReferral, starts_at: datetime | None, minutes: int | None, channel: str,
                       place: str, other_parties: list[str], actor: Any, now: datetime | None = None) -> AgencyReferral:
    """Book (or move) the joint meeting of this referral with all parties: the client, the counsellor, the referral's
    agency and any other agency the client has consented to share the plan with. The client is notified."""
    now = now or timezone.now()
    Person.objects.select_for_update().filter(pk=referral.person_id).first()  # one booking of a client's at a time
    locked = AgencyReferral.objects.select_for_update().get(pk=referral.pk)
    where = " ".join((place or "").split())
    errors: list[FieldError] = []
    if locked.status in ENDED:
        errors.append(_ended())
    if starts_at is None:
        errors.append(FieldError("starts_at", ErrorCode.REQUIRED, _("Anna tapaamisen alkamisaika.")))
    elif starts_at <= now:
        errors.append(FieldError("starts_at", ErrorCode.INVALID, _("Tapaamisen aika on jo mennyt.")))
    elif starts_at > now + BOOKING_HORIZON:
        errors.append(FieldError("starts_at", ErrorCode.INVALID, _("Varaa tapaaminen enintään puolen vuoden päähän.")))
    if minutes is None or not MEETING_MINUTES[0] <= minutes <= MEETING_MINUTES[1]:
        errors.append(FieldError("minutes", ErrorCode.INVALID, _("Kesto %(low)s–%(high)s minuuttia.")
                                 % {"low": MEETING_MINUTES[0], "high": MEETING_MINUTES[1]}))
    if channel not in MeetingChannel.values:
        errors.append(FieldError("channel", ErrorCode.REQUIRED if not channel else ErrorCode.INVALID,
                                 _("Valitse asiointitapa.")))
    if not where:
        errors.append(FieldError("place", ErrorCode.REQUIRED, _("Kerro paikka, puhelinnumero tai videolinkki.")))
    elif len(where) > MAX_PLACE:
        errors.append(FieldError("place", ErrorCode.INVALID, _("Enintään %(max)s merkkiä.") % {"max": MAX_PLACE}))
    parties = [locked.recipient, *sorted({p for p in other_parties if p and p != locked.recipient})]
    consented = set(services.consents_in_force(locked.person_id, services.SHARE_PLAN).filter(
        recipient__in=parties).values_list("recipient", flat=True))
    missing = [p for p in parties if p not in consented]  # the referral's own agency too: consent may be withdrawn
    if missing:
        errors.append(FieldError("other_parties", ErrorCode.FORBIDDEN, _(
            "Asiakas ei ole antanut suostumusta tietojensa luovuttamiseen taholle: %(names)s.")
            % {"names": ", ".join(consent_catalogue().recipient_name(p) for p in missing)}))
    if not errors and starts_at is not None and minutes is not None:
        clash = _clash(locked, starts_at, starts_at + timedelta(minutes=minutes), actor)
        if clash:
            errors.append(FieldError("starts_at", ErrorCode.CONFLICT, clash))
    raise_if(errors)
    assert starts_at is not None
    moved = locked.meeting_starts_at is not None
    locked.meeting_starts_at, locked.meeting_minutes, locked.meeting_channel = starts_at, minutes, channel
    locked.meeting_place, locked.meeting_parties, locked.meeting_counsellor = where, parties, actor
    locked.add_event("meeting_moved" if moved else "meeting_booked", actor, now, starts_at=starts_at.isoformat(),
                     parties=parties)
    locked.updated_at = now
    locked.save()
    _notify(locked, now)
    return locked


@transaction.atomic
def cancel_joint_meeting(*, referral: AgencyReferral, actor: Any, now: datetime | None = None) -> AgencyReferral:
    """Call the booked joint meeting off (the agencies are told by the counsellor); the client is notified."""
    now = now or timezone.now()
    locked = AgencyReferral.objects.select_for_update().get(pk=referral.pk)
    if locked.meeting_starts_at is None:
        raise ValidationFailed.single("starts_at", ErrorCode.INVALID, _("Ohjaukselle ei ole varattu yhteistapaamista."))
    locked.add_event("meeting_cancelled", actor, now, starts_at=locked.meeting_starts_at.isoformat())
    locked.clear_booking()
    locked.updated_at = now
    locked.save()
    _notify(locked, now)
    return locked


def coming_joint_meetings(person: Person, now: datetime | None = None) -> list[AgencyReferral]:
    """The client's booked joint meetings still ahead, soonest first."""
    return list(AgencyReferral.objects.filter(person=person, meeting_starts_at__gt=now or timezone.now())
                .order_by("meeting_starts_at"))
