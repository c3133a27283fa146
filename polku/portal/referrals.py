"""Multi-agency work: referrals to another agency and the joint meetings held with them.

A referral carries only what the client consented to share with that agency: it is made through
``services.disclose_plan`` (the consent checked at that moment), so without a consent in force there is no
referral. Its status is what the agency reports, recorded by the counsellor and shown to the client in the portal.
A joint meeting (HVA: the client, the counsellor and the agency) adds its agreed tasks to the client's plan as a new
version of it, so the plan stays the one place where tasks are agreed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from polku.casework import services as casework
from polku.core.bounds import TEXT_MAX_LENGTH
from polku.core.errors import ErrorCode, FieldError, ValidationFailed, raise_if
from polku.people.models import Person
from polku.portal import services
from polku.portal.models import AgencyReferral, ReferralStatus

MAX_REASON = 300
MAX_NOTE = 500
MAX_TASKS = 10


def _event(kind: str, actor: Any, now: datetime, **details: Any) -> dict[str, Any]:
    return {"kind": kind, "at": now.isoformat(), "by": getattr(actor, "pk", None), **details}


@transaction.atomic
def refer(*, person: Person, recipient: str, reason: str, actor: Any, now: datetime | None = None) -> AgencyReferral:
    """Refer the client to ``recipient`` for ``reason``; the plan goes with it as far as the consent allows."""
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed.single("reason", ErrorCode.REQUIRED, _("Kerro, mitä ohjauksella haetaan."))
    if len(text) > MAX_REASON:
        raise ValidationFailed.single("reason", ErrorCode.INVALID, _("Enintään %(max)s merkkiä.") % {"max": MAX_REASON})
    now = now or timezone.now()
    disclosure = services.disclose_plan(person=person, recipient=recipient, actor=actor, now=now)
    return AgencyReferral.objects.create(person=person, recipient=recipient, reason=text, disclosure=disclosure,
                                         events=[_event("status", actor, now, status=ReferralStatus.SENT)],
                                         created_by=actor, created_at=now, updated_at=now)


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
    locked.events = [*locked.events, _event("status", actor, now, status=status, note=text)]
    locked.updated_at = now
    locked.save(update_fields=["status", "events", "updated_at"])
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
    if locked.status in (ReferralStatus.COMPLETED, ReferralStatus.DECLINED):
        errors.append(FieldError("status", ErrorCode.INVALID,
                                 _("Ohjaus on jo päättynyt; uusi yhteistyö alkaa uudella ohjauksella.")))
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
    locked.events = [*locked.events, _event("joint_meeting", actor, now, held_on=held_on.isoformat(), tasks=tasks)]
    if locked.status in (ReferralStatus.SENT, ReferralStatus.RECEIVED):
        locked.status = ReferralStatus.IN_PROGRESS
        locked.events.append(_event("status", actor, now, status=ReferralStatus.IN_PROGRESS))
    locked.updated_at = now
    locked.save(update_fields=["status", "events", "updated_at"])
    return locked
