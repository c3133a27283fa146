"""What the job seeker does in their own portal: applications they report, self-assessments, consents, messages
with their counsellor, requests for their data, and anonymous feedback.

Every row with a person is that person's data (the subject-access export and the record of processing list them);
feedback answers carry no person, so results stay anonymous.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportedApplication(models.Model):
    """One job application the client reports (the month's count goes to case work's application report)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="reported_applications")
    applied_on = models.DateField(_("hakupäivä"))
    employer = models.CharField(_("työnantaja"), max_length=200)
    job_title = models.CharField(_("tehtävä"), max_length=200)
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-applied_on", "-id"]
        indexes = [models.Index(fields=["person", "applied_on"])]

    def __str__(self) -> str:
        return f"application {self.person_id} {self.applied_on}"


class FilledBy(models.TextChoices):
    CLIENT = "client", _("asiakas itse")
    COUNSELLOR = "counsellor", _("ohjaajan kanssa")


class SelfAssessment(models.Model):
    """One filled self-assessment: work ability now (0–10) and answers on the five domains, against the versioned
    questionnaire (``data/self_assessment.json``) it was answered on."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="self_assessments")
    questionnaire_version = models.CharField(max_length=40)
    answered_at = models.DateTimeField()
    filled_by = models.CharField(max_length=20, choices=FilledBy.choices, default=FilledBy.CLIENT)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    work_ability = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["answered_at", "id"]
        indexes = [models.Index(fields=["person", "answered_at"])]
        constraints = [models.CheckConstraint(condition=Q(work_ability__lte=10), name="work_ability_0_10")]

    def __str__(self) -> str:
        return f"self-assessment {self.person_id} {self.answered_at:%Y-%m-%d}"


class SelfAssessmentAnswer(models.Model):
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField(max_length=40)
    domain = models.CharField(max_length=40)
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="one_answer_per_item"),
                       models.CheckConstraint(condition=Q(value__gte=1, value__lte=5), name="answer_value_1_5")]

    def __str__(self) -> str:
        return f"{self.item}={self.value}"


class Consent(models.Model):
    """A consent the client gave for one purpose and one recipient: what data, the text they agreed to, when; and
    when they withdrew it (effective at once: everything that depends on it checks it at the moment of use)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=60)
    recipient = models.CharField(max_length=60)
    categories = models.JSONField(default=list)
    agreed_text = models.TextField()
    text_version = models.CharField(max_length=40)
    given_at = models.DateTimeField()
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["person", "purpose", "recipient"])]
        constraints = [models.UniqueConstraint(fields=["person", "purpose", "recipient"],
                                               condition=Q(withdrawn_at__isnull=True), name="one_live_consent")]

    def __str__(self) -> str:
        return f"consent {self.person_id} {self.purpose}→{self.recipient}"


class Message(models.Model):
    """A secure message between the client and their counsellor, kept inside Polku."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="portal_messages")
    from_client = models.BooleanField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    sent_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["person", "sent_at"])]

    def __str__(self) -> str:
        return f"message {self.person_id} {self.sent_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An e-mail or text message that only says something is waiting in Polku: the text carries no personal data
    (no name, no content). The worker sends the outbox (``portal.notifications.deliver_pending``) to the addresses
    the client gave; without one, nothing is sent and the message waits in the portal."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="portal_notifications")
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)  # sent, or found with no address to send to
    channel = models.CharField(max_length=20, blank=True)  # "email", "sms", "email,sms"; "" when nothing was sent

    class Meta:
        indexes = [models.Index(fields=["handled_at"])]

    def __str__(self) -> str:
        return f"notification {self.person_id} {self.created_at:%Y-%m-%d}"


class NotificationAddress(models.Model):
    """Where the client wants to hear that something waits in Polku: their own e-mail address and mobile number,
    each used only when they chose it, and only for notifications."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="notification_address")
    email = models.EmailField(_("sähköpostiosoite"), blank=True)
    phone = models.CharField(_("matkapuhelinnumero"), max_length=20, blank=True)
    by_email = models.BooleanField(_("ilmoitus sähköpostiin"), default=False)
    by_sms = models.BooleanField(_("ilmoitus tekstiviestinä"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification address {self.person_id}"


class SubjectAccessRequest(models.Model):
    """The client asked for a copy of their data (art. 15); the data protection officer produces the export."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="subject_access_requests")
    requested_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"subject access request {self.person_id} {self.requested_at:%Y-%m-%d}"


class FeedbackKind(models.TextChoices):
    AFTER_SERVICE = "after_service", _("palvelun jälkeen")
    HALF_YEAR = "half_year", _("puolivuosittain")


class FeedbackAnswer(models.Model):
    """An anonymous answer: no person, only what it is about (the service type or the team) and the month."""

    kind = models.CharField(max_length=20, choices=FeedbackKind.choices)
    service_type = models.CharField(max_length=60, blank=True)
    team = models.ForeignKey("access.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    area = models.ForeignKey("reference.EmploymentArea", null=True, on_delete=models.SET_NULL, related_name="+")
    month = models.DateField()
    satisfaction = models.PositiveSmallIntegerField()
    useful = models.BooleanField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                                              name="feedback_satisfaction_1_5")]

    def __str__(self) -> str:
        return f"feedback {self.kind} {self.month:%Y-%m}"


class FeedbackInvitation(models.Model):
    """That a client was asked for feedback on something, and whether they answered — kept apart from the answer,
    so the answer cannot be traced back to them."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="feedback_invitations")
    kind = models.CharField(max_length=20, choices=FeedbackKind.choices)
    subject = models.CharField(max_length=60)  # the referral's id, or the half-year (2026H2)
    service_type = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField()
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind", "subject"], name="one_invitation_per_subject")]

    def __str__(self) -> str:
        return f"feedback invitation {self.person_id} {self.kind} {self.subject}"


class Disclosure(models.Model):
    """Data disclosed to another agency on the client's consent: which consent allowed it (checked at that moment),
    to whom, which categories, when and by whom. Only the consented categories are carried."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="disclosures")
    consent = models.ForeignKey(Consent, on_delete=models.RESTRICT, related_name="disclosures")
    recipient = models.CharField(max_length=60)
    categories = models.JSONField(default=list)
    content = models.JSONField(default=dict)
    disclosed_at = models.DateTimeField()
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"disclosure {self.person_id} → {self.recipient} {self.disclosed_at:%Y-%m-%d}"


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("lähetetty")
    RECEIVED = "received", _("vastaanotettu")
    IN_PROGRESS = "in_progress", _("työn alla")
    COMPLETED = "completed", _("valmis")
    DECLINED = "declined", _("ei otettu vastaan")


class AgencyReferral(models.Model):
    """A referral to another agency of the multi-agency work (TYP, Kela's rehabilitation, social services): what is
    asked, the data it carried (its ``Disclosure``: only what the client consented to), and a status the counsellor
    records as the agency reports and the client follows in the portal. ``events`` keeps each status, joint meeting
    and note with who and when.

    A joint meeting with all parties is booked on the referral (``meeting_*``): when, how long, how (face to face,
    video, phone), where or how to join, and which agencies take part besides the client and the counsellor. The
    client sees it in the portal; once held, its agreed tasks are recorded and the booking is cleared (the events keep
    it)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="agency_referrals")
    recipient = models.CharField(max_length=60)
    reason = models.CharField(_("mitä ohjauksella haetaan"), max_length=300)
    disclosure = models.ForeignKey(Disclosure, on_delete=models.RESTRICT, related_name="referrals")
    # The client's services and meetings, when a consent to share them with the agency was in force at referral.
    history_disclosure = models.ForeignKey(Disclosure, null=True, blank=True, on_delete=models.RESTRICT,
                                           related_name="history_referrals")
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    events = models.JSONField(default=list)
    meeting_starts_at = models.DateTimeField(null=True, blank=True)
    meeting_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    meeting_channel = models.CharField(max_length=20, blank=True)
    meeting_place = models.CharField(max_length=200, blank=True)
    meeting_parties = models.JSONField(default=list, blank=True)
    # The counsellor who booked it and takes part: their own other meetings clash with it.
    meeting_counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "meeting_starts_at"])]

    def __str__(self) -> str:
        return f"referral {self.person_id} → {self.recipient} {self.created_at:%Y-%m-%d}"

    def add_event(self, kind: str, actor: Any, now: datetime, **details: Any) -> None:
        """Keep what happened with who and when (the caller saves)."""
        self.events = [*self.events, {"kind": kind, "at": now.isoformat(), "by": getattr(actor, "pk", None), **details}]

    def clear_booking(self) -> None:
        """The booked joint meeting is no longer ahead (held, called off); the events keep it."""
        self.meeting_starts_at = self.meeting_minutes = self.meeting_counsellor = None
        self.meeting_channel = self.meeting_place = ""
        self.meeting_parties = []
