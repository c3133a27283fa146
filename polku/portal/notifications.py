"""Notifications that something waits in the portal, sent to the addresses the client chose.

A notification says only that there is something new (no name, no content: ``services.NOTIFICATION_TEXT``). The
client gives an e-mail address and a mobile number in the portal and chooses which to use; the worker sends the
outbox once a minute (``portal.tasks.deliver_notifications``), one message per person however many wait, and marks
them handled. Without a chosen address nothing is sent: the message waits in the portal.
"""

from __future__ import annotations

import logging
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
from polku.portal import sms
from polku.portal.models import Notification, NotificationAddress

logger = logging.getLogger(__name__)
SUBJECT = "Polku"
# A mobile number as people write it: +358 40 123 4567, 040-123 4567, 0401234567 (spaces, dashes and dots removed).
# A Finnish number must be a mobile one (04x, 050); a foreign one is taken as given.
FINNISH_MOBILE = re.compile(r"^(4\d|50)\d{5,8}$", re.ASCII)
INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$", re.ASCII)


def normalised_phone(text: str) -> str:
    """The number in international form (+358…); "" when it is not a mobile number."""
    compact = re.sub(r"[\s().-]", "", text or "")
    if compact.startswith("+358"):
        national = compact[4:].removeprefix("0")  # "+358 040…": the trunk 0 dropped
    elif compact.startswith("00358"):
        national = compact[5:].removeprefix("0")
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        return compact if INTERNATIONAL.match(compact) else ""
    return "+358" + national if FINNISH_MOBILE.match(national) else ""


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
    if by_sms and not sms.enabled():
        errors.append(FieldError("by_sms", ErrorCode.INVALID, _("Ilmoituksia ei voi saada tekstiviestinä.")))
    raise_if(errors)
    address, _created = NotificationAddress.objects.update_or_create(
        person=person, defaults={"email": email, "phone": number, "by_email": by_email, "by_sms": by_sms})
    return address


def deliver_pending(now: datetime | None = None) -> int:
    """Send what waits in the outbox: one notification per person to each address they chose. At most once: the
    rows are marked handled (and committed) before anything is sent, so a failing gateway never sends the same notice
    again, and one person's failure does not hold back the others (logged without the address). How many persons
    were notified."""
    now = now or timezone.now()
    waiting: dict[Any, list[int]] = {}
    for pk, person_id in Notification.objects.filter(handled_at__isnull=True).order_by("created_at").values_list(
            "pk", "person_id"):
        waiting.setdefault(person_id, []).append(pk)
    addresses = {a.person_id: a for a in NotificationAddress.objects.filter(person_id__in=list(waiting))}
    notified = 0
    for person_id, pks in waiting.items():
        with transaction.atomic():
            taken = list(Notification.objects.select_for_update().filter(pk__in=pks, handled_at__isnull=True))
            if not taken:
                continue  # another worker took them
            Notification.objects.filter(pk__in=[n.pk for n in taken]).update(handled_at=now)
        sent = _send(addresses.get(person_id), taken[-1].text, person_id)
        if sent:
            Notification.objects.filter(pk__in=[n.pk for n in taken]).update(sent_at=now, channel=",".join(sent))
            notified += 1
    return notified


def _send(address: NotificationAddress | None, text: str, person_id: Any) -> list[str]:
    """The channels the notice went out by; a failing one is logged by the person's id and channel only."""
    sent: list[str] = []
    if address is None:
        return sent
    channels = [("email", address.by_email and address.email, lambda: send_mail(SUBJECT, text, None, [address.email])),
                ("sms", address.by_sms and address.phone and sms.enabled(), lambda: sms.send_sms(address.phone, text))]
    for channel, chosen, send in channels:
        if not chosen:
            continue
        try:
            send()
        except Exception:
            logger.warning("notification to person %s by %s could not be sent", person_id, channel)
        else:
            sent.append(channel)
    return sent
