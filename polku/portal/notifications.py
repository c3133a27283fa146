"""Notifications that something waits in the portal, sent to the addresses the client chose.

A notification says only that there is something new (no name, no content: ``services.NOTIFICATION_TEXT``). The
client gives an e-mail address and a mobile number in the portal and chooses which to use; the worker sends the
outbox once a minute (``portal.tasks.deliver_notifications``), one message per person however many wait, and marks
them handled. Without a chosen address nothing is sent: the message waits in the portal.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from polku.core.errors import ErrorCode, FieldError, raise_if
from polku.people.models import Person
from polku.portal.models import Notification, NotificationAddress
from polku.portal.sms import send_sms

SUBJECT = "Polku"
# A mobile number as people write it: +358 40 123 4567, 040-123 4567, 0401234567 (spaces, dashes and dots removed).
PHONE = re.compile(r"^(\+[1-9]\d{7,14}|0\d{6,11})$")


def normalised_phone(text: str) -> str:
    """The number in international form (+358…); "" when it is not a phone number."""
    compact = re.sub(r"[\s().-]", "", text or "")
    if not PHONE.match(compact):
        return ""
    return "+358" + compact[1:] if compact.startswith("0") else compact


@transaction.atomic
def set_address(*, person: Person, email: str, phone: str, by_email: bool, by_sms: bool) -> NotificationAddress:
    """The client's own choice of where to be notified; a channel chosen needs its address, each checked."""
    email, phone = (email or "").strip(), (phone or "").strip()
    errors: list[FieldError] = []
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(FieldError("email", ErrorCode.INVALID, _("Tarkista sähköpostiosoite.")))
    elif by_email:
        errors.append(FieldError("email", ErrorCode.REQUIRED, _("Anna sähköpostiosoite, jos haluat ilmoitukset sinne.")))
    number = normalised_phone(phone)
    if phone and not number:
        errors.append(FieldError("phone", ErrorCode.INVALID,
                                 _("Anna matkapuhelinnumero muodossa 040 123 4567 tai +358 40 123 4567.")))
    elif by_sms and not phone:
        errors.append(FieldError("phone", ErrorCode.REQUIRED,
                                 _("Anna matkapuhelinnumero, jos haluat ilmoitukset tekstiviestinä.")))
    raise_if(errors)
    address, _created = NotificationAddress.objects.update_or_create(
        person=person, defaults={"email": email, "phone": number, "by_email": by_email, "by_sms": by_sms})
    return address


def deliver_pending(now: datetime | None = None) -> int:
    """Send what waits in the outbox: one notification per person to each address they chose; every waiting row
    marked handled (sent, or with nowhere to send). How many persons were notified."""
    now = now or timezone.now()
    waiting: dict[Any, list[Notification]] = {}
    for notification in Notification.objects.filter(handled_at__isnull=True).order_by("created_at"):
        waiting.setdefault(notification.person_id, []).append(notification)
    addresses = {a.person_id: a for a in NotificationAddress.objects.filter(person_id__in=list(waiting))}
    notified = 0
    for person_id, rows in waiting.items():
        with transaction.atomic():
            pending = list(Notification.objects.select_for_update().filter(pk__in=[r.pk for r in rows],
                                                                           handled_at__isnull=True))
            if not pending:
                continue  # another worker sent them
            address = addresses.get(person_id)
            channels = []
            if address is not None and address.by_email and address.email:
                send_mail(SUBJECT, pending[-1].text, None, [address.email])
                channels.append("email")
            if address is not None and address.by_sms and address.phone:
                send_sms(address.phone, pending[-1].text)
                channels.append("sms")
            Notification.objects.filter(pk__in=[r.pk for r in pending]).update(
                handled_at=now, sent_at=now if channels else None, channel=",".join(channels))
            notified += bool(channels)
    return notified
