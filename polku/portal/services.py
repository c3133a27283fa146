"""Writes of the client portal, one transaction each, everything checked first: a refusal names the field and
writes nothing. Who may (the client for themself, staff in their scope) is the caller's, through the policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from polku.casework import services as casework
from polku.casework.models import Meeting
from polku.core.calendar import month_start
from polku.core.errors import ErrorCode, FieldError, ValidationFailed, raise_if
from polku.people.models import Person
from polku.portal.catalogue import consent_catalogue, pick, questionnaire
from polku.portal.models import (
    AgencyReferral,
    Consent,
    Disclosure,
    FeedbackAnswer,
    FeedbackInvitation,
    FeedbackKind,
    FilledBy,
    Message,
    Notification,
    ReportedApplication,
    SelfAssessment,
    SelfAssessmentAnswer,
    SubjectAccessRequest,
)
from polku.provision.models import Referral, ReferralStatus

MAX_TEXT = 200
MAX_MESSAGE = 4000
# What a notification says: that something waits in Polku, nothing more (no name, no content, no subject).
NOTIFICATION_TEXT = "Sinulle on uusi viesti Polun omassa asioinnissa. / Du har ett nytt meddelande. / You have a new message."
NEWS_TEXT = ("Sinulle on uutta tietoa Polun omassa asioinnissa. / Det finns ny information för dig i Polku. / "
             "There is something new for you in Polku.")
SHARE_PLAN = "share_plan"  # the consent that lets the plan (and a joint meeting on it) reach another agency
SHARE_HISTORY = "share_history"  # the consent that lets a referral carry the client's services and meetings


def _text(value: str, field: str, missing: str) -> tuple[str, list[FieldError]]:
    text = " ".join((value or "").split())
    if not text:
        return text, [FieldError(field, ErrorCode.REQUIRED, missing)]
    if len(text) > MAX_TEXT:
        return text, [FieldError(field, ErrorCode.INVALID, _("Enintään %(max)s merkkiä.") % {"max": MAX_TEXT})]
    return text, []


@transaction.atomic
def report_application(*, person: Person, applied_on: date | None, employer: str, job_title: str, actor: Any,
                       today: date | None = None) -> ReportedApplication:
    """The client reports one application; the month's count on case work's application report follows it."""
    today = today or timezone.localdate()
    errors: list[FieldError] = []
    if applied_on is None:
        errors.append(FieldError("applied_on", ErrorCode.REQUIRED, _("Anna hakupäivä.")))
    elif applied_on > today:
        errors.append(FieldError("applied_on", ErrorCode.INVALID,
                                 _("Hakupäivä ei voi olla tulevaisuudessa. Ilmoita hakemus, kun olet lähettänyt sen.")))
    employer_text, problems = _text(employer, "employer", _("Anna työnantaja."))
    errors += problems
    title_text, problems = _text(job_title, "job_title", _("Anna haettu tehtävä."))
    errors += problems
    raise_if(errors)
    assert applied_on is not None
    row = ReportedApplication.objects.create(person=person, applied_on=applied_on, employer=employer_text,
                                             job_title=title_text, reported_at=timezone.now(), reported_by=actor)
    start = month_start(applied_on)
    count = ReportedApplication.objects.filter(person=person, applied_on__year=start.year,
                                               applied_on__month=start.month).count()
    try:
        casework.application_report_record(person=person, period_start=start, applications=count, actor=actor,
                                           today=today)
    except ValidationFailed as failure:  # e.g. before the job search began: the client's field is the date
        raise ValidationFailed([FieldError("applied_on", e.code, e.message) for e in failure.errors]) from None
    return row


@transaction.atomic
def submit_self_assessment(*, person: Person, answers: Mapping[str, Any], work_ability: Any, actor: Any,
                           filled_by: str = FilledBy.CLIENT, now: datetime | None = None) -> SelfAssessment:
    """Record one self-assessment; every question must be answered (each missing one is named)."""
    form = questionnaire()
    errors: list[FieldError] = []
    ability = _int(work_ability)
    if ability is None or not 0 <= ability <= 10:
        errors.append(FieldError("work_ability", ErrorCode.REQUIRED if ability is None else ErrorCode.INVALID,
                                 _("Valitse työkykysi nyt asteikolla 0–10.")))
    values: dict[str, int] = {}
    for item in form.items:
        value = _int(answers.get(item.code))
        if value is None or value not in form.scale:
            errors.append(FieldError(item.code, ErrorCode.REQUIRED,
                                     _("Vastaa kysymykseen: %(question)s") % {"question": pick(item.text)}))
        else:
            values[item.code] = value
    if filled_by not in FilledBy.values:
        errors.append(FieldError("filled_by", ErrorCode.INVALID, _("Tuntematon täyttäjä.")))
    raise_if(errors)
    assert ability is not None
    assessment = SelfAssessment.objects.create(person=person, questionnaire_version=form.version,
                                               answered_at=now or timezone.now(), filled_by=filled_by,
                                               recorded_by=actor, work_ability=ability)
    SelfAssessmentAnswer.objects.bulk_create([SelfAssessmentAnswer(assessment=assessment, item=item.code,
                                                                   domain=item.domain, value=values[item.code])
                                              for item in form.items])
    return assessment


def _int(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


@transaction.atomic
def give_consent(*, person: Person, purpose: str, recipient: str, actor: Any, language: str | None = None,
                 now: datetime | None = None) -> Consent:
    """Record the client's consent to one purpose and one recipient, with the text they agreed to."""
    catalogue = consent_catalogue()
    errors: list[FieldError] = []
    chosen = catalogue.purpose(purpose) if purpose else None
    if chosen is None:
        errors.append(FieldError("purpose", ErrorCode.REQUIRED if not purpose else ErrorCode.UNKNOWN,
                                 _("Valitse, mihin annat suostumuksen.")))
    if not recipient:
        errors.append(FieldError("recipient", ErrorCode.REQUIRED, _("Valitse vastaanottaja, jolle tiedot luovutetaan.")))
    elif chosen is not None and recipient not in chosen.recipients:
        errors.append(FieldError("recipient", ErrorCode.INVALID,
                                 _("Tähän tarkoitukseen voi valita vastaanottajaksi: %(allowed)s.")
                                 % {"allowed": ", ".join(catalogue.recipient_name(r) for r in chosen.recipients)}))
    raise_if(errors)
    assert chosen is not None
    live = Consent.objects.filter(person=person, purpose=purpose, recipient=recipient, withdrawn_at__isnull=True).first()
    if live is not None:
        return live
    return Consent.objects.create(person=person, purpose=purpose, recipient=recipient, categories=list(chosen.categories),
                                  agreed_text=pick(chosen.text, language), text_version=catalogue.version,
                                  given_at=now or timezone.now(), given_by=actor)


@transaction.atomic
def withdraw_consent(*, person: Person, consent_id: int, now: datetime | None = None) -> Consent:
    """Withdraw at once; another person's consent, or one already withdrawn, is not found. Taken in turn with the
    client's joint-meeting bookings (the person's row is locked first by both), so none is booked on it meanwhile."""
    Person.objects.select_for_update().filter(pk=person.pk).first()
    consent = Consent.objects.select_for_update().filter(pk=consent_id, person=person, withdrawn_at__isnull=True).first()
    if consent is None:
        raise ValidationFailed.single("consent", ErrorCode.UNKNOWN, _("Voimassa olevaa suostumusta ei löydy."))
    consent.withdrawn_at = now or timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    if consent.purpose == SHARE_PLAN:
        _leave_joint_meetings(person, consent.recipient, consent.withdrawn_at)
    return consent


def _leave_joint_meetings(person: Person, recipient: str, now: datetime) -> None:
    """Withdrawn at once: an agency no longer sharing the plan is no longer invited to the client's coming joint
    meetings, and a meeting of that agency's own referral is called off (the events keep both)."""
    for referral in AgencyReferral.objects.select_for_update().filter(person=person, meeting_starts_at__gt=now):
        if referral.recipient == recipient:
            referral.add_event("meeting_cancelled", None, now, reason="consent_withdrawn",
                               starts_at=referral.meeting_starts_at.isoformat() if referral.meeting_starts_at else None)
            referral.clear_booking()
        elif recipient in referral.meeting_parties:
            referral.meeting_parties = [p for p in referral.meeting_parties if p != recipient]
            referral.add_event("meeting_party_removed", None, now, party=recipient, reason="consent_withdrawn")
        else:
            continue
        referral.updated_at = now
        referral.save()


def consent_in_force(person: Person, purpose: str, recipient: str) -> Consent | None:
    """The consent that allows disclosing ``purpose``'s data to ``recipient`` now (checked at the moment of use)."""
    return consents_in_force(person, purpose).filter(recipient=recipient).first()


def consents_in_force(person: Person | Any, purpose: str) -> QuerySet[Consent]:
    """The client's consents for ``purpose`` not withdrawn (``person``: the person or their id)."""
    return Consent.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True)


def in_force_among(consents: Iterable[Consent], purpose: str) -> list[Consent]:
    """Of a client's consents read already, in their order, those :func:`consents_in_force` finds: for ``purpose``
    and not withdrawn (a page that lists them all need not ask the database again)."""
    return [consent for consent in consents if consent.purpose == purpose and consent.withdrawn_at is None]


@transaction.atomic
def disclose_plan(*, person: Person, recipient: str, actor: Any, now: datetime | None = None) -> Disclosure:
    """Send the client's plan to another agency (Kela, social services, TYP): only if a consent to share the plan with
    that recipient is in force at this moment, and only the categories it names (the plan, its agreed tasks)."""
    consent = consents_in_force(person, SHARE_PLAN).select_for_update().filter(recipient=recipient).first()
    if consent is None:
        raise ValidationFailed.single("recipient", ErrorCode.FORBIDDEN,
                                      _("Asiakkaalla ei ole voimassa olevaa suostumusta suunnitelman luovuttamiseen "
                                        "tälle vastaanottajalle."))
    plan = casework.current_plan(person)
    if plan is None:
        raise ValidationFailed.single("plan", ErrorCode.REQUIRED, _("Asiakkaalla ei ole suunnitelmaa."))
    content: dict[str, Any] = {}
    if "plan" in consent.categories:
        content["plan"] = {"drawn_up_on": plan.drawn_up_on.isoformat(), "valid_until": plan.valid_until.isoformat(),
                           "applications_required": plan.applications_required}
    if "agreed_tasks" in consent.categories:
        content["agreed_tasks"] = [line.strip() for line in plan.agreed_actions.splitlines() if line.strip()]
    return Disclosure.objects.create(person=person, consent=consent, recipient=recipient,
                                     categories=list(consent.categories), content=content,
                                     disclosed_at=now or timezone.now(), disclosed_by=actor)


@transaction.atomic
def disclose_history(*, person: Person, recipient: str, actor: Any, now: datetime | None = None) -> Disclosure | None:
    """The client's service history for ``recipient`` (the TYP network): only if a consent to share it is in force at
    this moment, and only the categories it names — the services (which, when, how it went) and the meetings held
    (when, what kind, how; never their notes). None without a consent: nothing is disclosed."""
    consent = consents_in_force(person, SHARE_HISTORY).select_for_update().filter(recipient=recipient).first()
    if consent is None:
        return None
    content: dict[str, Any] = {}
    if "services" in consent.categories:
        content["services"] = [
            {"service_type": r.offering.service_type_id, "service": r.offering.name, "referred_on": _iso(r.referred_on),
             "started_on": _iso(r.participation_start), "ended_on": _iso(r.ended_on), "status": r.status}
            for r in Referral.objects.filter(person=person).select_related("offering").order_by("referred_on", "pk")]
    if "meetings" in consent.categories:
        content["meetings"] = [{"held_on": _iso(m.held_on), "kind": m.kind, "channel": m.channel}
                               for m in Meeting.objects.current().filter(person=person).order_by("held_on", "pk")]
    return Disclosure.objects.create(person=person, consent=consent, recipient=recipient,
                                     categories=list(consent.categories), content=content,
                                     disclosed_at=now or timezone.now(), disclosed_by=actor)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


@transaction.atomic
def send_message(*, person: Person, body: str, from_client: bool, author: Any,
                 now: datetime | None = None) -> Message:
    """A message between the client and their counsellor; one to the client leaves a notification without content."""
    text = (body or "").strip()
    if not text:
        raise ValidationFailed.single("body", ErrorCode.REQUIRED, _("Kirjoita viesti."))
    if len(text) > MAX_MESSAGE:
        raise ValidationFailed.single("body", ErrorCode.INVALID, _("Enintään %(max)s merkkiä.") % {"max": MAX_MESSAGE})
    now = now or timezone.now()
    message = Message.objects.create(person=person, from_client=from_client, author=author, body=text, sent_at=now)
    if not from_client:
        Notification.objects.create(person=person, text=NOTIFICATION_TEXT, created_at=now)
    return message


def mark_read(person: Person, *, by_client: bool, now: datetime | None = None) -> int:
    """The messages the reader has now seen (the client reads the counsellor's, and the other way round)."""
    return Message.objects.filter(person=person, from_client=not by_client, read_at__isnull=True).update(
        read_at=now or timezone.now())


@transaction.atomic
def request_subject_access(*, person: Person, now: datetime | None = None) -> SubjectAccessRequest:
    """The client asks for a copy of their data; an open request is not made twice."""
    open_request = SubjectAccessRequest.objects.filter(person=person, handled_at__isnull=True).first()
    return open_request or SubjectAccessRequest.objects.create(person=person, requested_at=now or timezone.now())


FEEDBACK_AFTER_SERVICE_DAYS = 90  # a service that ended longer ago than this is not asked about any more


def half_year(day: date) -> str:
    return f"{day.year}H{1 if day.month <= 6 else 2}"


@transaction.atomic
def ensure_feedback_invitations(person: Person, today: date | None = None) -> int:
    """Ask the client about each service that ended lately and, while they are a job seeker, once every half year
    (Sotkamo's practice). Made when the client opens their portal; each is asked once."""
    today = today or timezone.localdate()
    now = timezone.now()
    made = 0
    ended = (Referral.objects.filter(person=person, status=ReferralStatus.COMPLETED,
                                     ended_on__gte=today - timedelta(days=FEEDBACK_AFTER_SERVICE_DAYS))
             .select_related("offering__service_type"))
    for referral in ended:
        _, created = FeedbackInvitation.objects.get_or_create(
            person=person, kind=FeedbackKind.AFTER_SERVICE, subject=f"referral-{referral.pk}",
            defaults={"service_type": referral.offering.service_type_id, "created_at": now})
        made += created
    if casework.open_job_search(person) is not None:
        _, created = FeedbackInvitation.objects.get_or_create(
            person=person, kind=FeedbackKind.HALF_YEAR, subject=half_year(today), defaults={"created_at": now})
        made += created
    return made


@transaction.atomic
def answer_feedback(*, person: Person, invitation_id: int | None, satisfaction: Any, useful: Any,
                    today: date | None = None) -> FeedbackAnswer:
    """Record an anonymous answer to one invitation: the answer keeps only the service type, team and month; the
    invitation only that it was answered."""
    today = today or timezone.localdate()
    invitation = (FeedbackInvitation.objects.select_for_update()
                  .filter(pk=invitation_id or 0, person=person, answered=False).first())
    errors: list[FieldError] = []
    if invitation is None:
        errors.append(FieldError("invitation", ErrorCode.UNKNOWN, _("Kyselyä ei löydy tai siihen on jo vastattu.")))
    score = _int(satisfaction)
    if score is None or not 1 <= score <= 5:
        errors.append(FieldError("satisfaction", ErrorCode.REQUIRED, _("Valitse tyytyväisyytesi asteikolla 1–5.")))
    if useful not in ("yes", "no"):
        errors.append(FieldError("useful", ErrorCode.REQUIRED, _("Kerro, oliko palvelusta hyötyä.")))
    raise_if(errors)
    assert invitation is not None
    assert score is not None
    invitation.answered = True
    invitation.save(update_fields=["answered"])
    team = person.team
    return FeedbackAnswer.objects.create(kind=invitation.kind, service_type=invitation.service_type,
                                         team=team, area_id=team.area_id if team else None,
                                         month=month_start(today), satisfaction=score, useful=useful == "yes")
