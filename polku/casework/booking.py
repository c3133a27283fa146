"""Booking: counsellors publish free times, clients book, move and cancel them (in their portal).

A slot is taken by one conditional update (``person IS NULL`` → the client), so two clients racing for the same
time cannot both get it: the second is told the time was taken. Moving is cancelling and booking in one
transaction: if the new time is taken, the old booking stays. Each function raises ``ValidationFailed`` naming the
field; access (whose booking this is) is the caller's, through the policy.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from polku.casework.models import AppointmentSlot, MeetingChannel
from polku.core.errors import ErrorCode, FieldError, ValidationFailed, raise_if
from polku.people.models import Person

# How far ahead a client may book (how late they may still cancel: ``cancel_notice``).
BOOKING_HORIZON = timedelta(days=60)
MIN_MINUTES, MAX_MINUTES = 15, 180


@transaction.atomic
def publish_slot(*, counsellor: Any, starts_at: datetime | None, minutes: int | None, channel: str,
                 now: datetime | None = None) -> AppointmentSlot:
    """A counsellor offers a free time; refused in the past, twice at the same time, or with an unknown channel."""
    now = now or timezone.now()
    errors: list[FieldError] = []
    if starts_at is None:
        errors.append(FieldError("starts_at", ErrorCode.REQUIRED, _("Anna tapaamisen alkamisaika.")))
    elif starts_at <= now:
        errors.append(FieldError("starts_at", ErrorCode.INVALID, _("Vapaa aika ei voi olla menneisyydessä.")))
    elif AppointmentSlot.objects.filter(counsellor=counsellor, starts_at=starts_at).exists():
        errors.append(FieldError("starts_at", ErrorCode.DUPLICATE, _("Sinulla on jo aika tähän kellonaikaan.")))
    if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors.append(FieldError("minutes", ErrorCode.INVALID, _("Kesto %(low)s–%(high)s minuuttia.")
                                 % {"low": MIN_MINUTES, "high": MAX_MINUTES}))
    if channel not in MeetingChannel.values:
        errors.append(FieldError("channel", ErrorCode.REQUIRED if not channel else ErrorCode.INVALID,
                                 _("Valitse asiointitapa.")))
    raise_if(errors)
    assert starts_at is not None
    assert minutes is not None
    return AppointmentSlot.objects.create(counsellor=counsellor, starts_at=starts_at, minutes=minutes, channel=channel)


def free_slots_for(person: Person, counsellor_ids: list[Any], now: datetime | None = None) -> QuerySet[AppointmentSlot]:
    """The free times a client may book: their own counsellor's (or their team's), from now to the horizon."""
    now = now or timezone.now()
    return (AppointmentSlot.objects.filter(counsellor_id__in=counsellor_ids, person__isnull=True,
                                           starts_at__gt=now, starts_at__lte=now + BOOKING_HORIZON)
            .select_related("counsellor"))


def bookings_of(person: Person, now: datetime | None = None) -> QuerySet[AppointmentSlot]:
    """The client's coming booked meetings."""
    now = now or timezone.now()
    return AppointmentSlot.objects.filter(person=person, starts_at__gt=now).select_related("counsellor")


def booked_for_counsellor(counsellor: Any, day: date) -> QuerySet[AppointmentSlot]:
    """The counsellor's booked meetings from ``day`` on (the worklist shows them)."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return (AppointmentSlot.objects.filter(counsellor=counsellor, person__isnull=False, starts_at__gte=start)
            .select_related("person"))


def meeting_due_by(person: Person, today: date | None = None) -> date | None:
    """The day by which the rule set in force wants the client's next meeting (the initial interview, or the next
    job-search conversation), from the same due engine as the worklist; None when nothing is due."""
    from polku.casework.due import DueKind, due_items
    from polku.casework.rules import shipped_rule_book
    from polku.casework.selectors import client_case

    today = today or timezone.localdate()
    case = client_case(person, today)
    if case is None:
        return None
    due = [item.due_on for item in due_items(case, shipped_rule_book(), today)
           if item.kind in (DueKind.INITIAL_INTERVIEW, DueKind.CONVERSATION)]
    return min(due) if due else None


def _taken() -> ValidationFailed:
    return ValidationFailed.single("slot", ErrorCode.CONFLICT,
                                   _("Aika ehdittiin juuri varata toiselle. Valitse toinen aika."))


@transaction.atomic
def book(*, person: Person, slot_id: int | None, allowed_counsellor_ids: list[Any],
         now: datetime | None = None) -> AppointmentSlot:
    """Book a free time for ``person``: refused naming the field when none is chosen, it is not theirs to book,
    has passed, or is taken."""
    now = now or timezone.now()
    if slot_id is None:
        raise ValidationFailed.single("slot", ErrorCode.REQUIRED, _("Valitse aika."))
    slot = AppointmentSlot.objects.filter(pk=slot_id, counsellor_id__in=allowed_counsellor_ids).first()
    if slot is None:
        raise ValidationFailed.single("slot", ErrorCode.UNKNOWN, _("Valittua aikaa ei ole tarjolla sinulle."))
    if slot.starts_at <= now:
        raise ValidationFailed.single("slot", ErrorCode.INVALID, _("Valittu aika on jo mennyt."))
    if slot.starts_at > now + BOOKING_HORIZON:  # the same window the list of free times offers
        raise ValidationFailed.single("slot", ErrorCode.UNKNOWN, _("Valittua aikaa ei ole tarjolla sinulle."))
    if slot.person_id == person.pk:
        return slot
    taken = AppointmentSlot.objects.filter(pk=slot.pk, person__isnull=True).update(person=person, booked_at=now)
    if taken != 1:
        raise _taken()
    slot.refresh_from_db()
    return slot


def cancel_notice() -> timedelta:
    """How long before the time a booking can still be cancelled or moved online (the area's practice, a setting)."""
    return timedelta(hours=settings.POLKU_PORTAL_CANCEL_NOTICE_HOURS)


def may_still_cancel(slot: AppointmentSlot, now: datetime | None = None) -> bool:
    return bool(slot.starts_at - (now or timezone.now()) >= cancel_notice())


@transaction.atomic
def cancel(*, person: Person, slot_id: int, now: datetime | None = None) -> AppointmentSlot:
    """Cancel the client's own booking (another's, or a past one, is refused as not found; one too close to its time
    is refused as too late, telling the client to call)."""
    now = now or timezone.now()
    slot = AppointmentSlot.objects.select_for_update().filter(pk=slot_id, person=person, starts_at__gt=now).first()
    if slot is None:
        raise ValidationFailed.single("slot", ErrorCode.UNKNOWN, _("Varausta ei löydy."))
    if not may_still_cancel(slot, now):
        raise ValidationFailed.single("slot", ErrorCode.INVALID, _(
            "Aikaa ei voi enää perua tai siirtää verkossa, kun tapaamiseen on alle %(hours)s tuntia. Soita tai "
            "lähetä viesti ohjaajallesi.") % {"hours": settings.POLKU_PORTAL_CANCEL_NOTICE_HOURS})
    slot.person = None
    slot.booked_at = None
    slot.save(update_fields=["person", "booked_at"])
    return slot


@transaction.atomic
def move(*, person: Person, from_slot_id: int, to_slot_id: int | None, allowed_counsellor_ids: list[Any],
         now: datetime | None = None) -> AppointmentSlot:
    """Move a booking to another free time, all or nothing: a taken new time leaves the old booking as it was."""
    cancel(person=person, slot_id=from_slot_id, now=now)
    return book(person=person, slot_id=to_slot_id, allowed_counsellor_ids=allowed_counsellor_ids, now=now)
