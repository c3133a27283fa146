"""Case-work facts: meetings, employment plans, application reports, and who is responsible for a client.

Meetings, plans and reports are timeline facts (append-and-correct, ``FactVersion``): an update writes a
new version and supersedes the old one, so "what did the plan say on D" stays answerable. The client's
counsellor, team and phase (initial service → personal coaching) are kept as an assignment history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from polku.timeline.models import FactVersion


class MeetingKind(models.TextChoices):
    INITIAL_INTERVIEW = "initial_interview", _("alkuhaastattelu")
    JOB_SEARCH_CONVERSATION = "job_search_conversation", _("työnhakukeskustelu")
    SUPPLEMENTARY_CONVERSATION = "supplementary_conversation", _("täydentävä työnhakukeskustelu")
    OTHER = "other", _("muu tapaaminen")


class MeetingChannel(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("kasvokkain")
    VIDEO = "video", _("video")
    PHONE = "phone", _("puhelin")


class Meeting(FactVersion):
    """A held meeting with a job seeker. Notes are client data: read only through the access rules."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="meetings",
                               db_index=False)  # led by the person: see Meta.indexes
    held_on = models.DateField()
    kind = models.CharField(max_length=40, choices=MeetingKind.choices)
    channel = models.CharField(max_length=20, choices=MeetingChannel.choices)
    notes = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "held_on"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_on}"


class EmploymentPlan(FactVersion):
    """The employment plan (työllistymissuunnitelma). One current version per person; updates supersede.

    ``version`` is what an editor loaded; a save based on an older version is refused (two counsellors
    editing at once: the second is told, and their text is kept on the form).
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="employment_plans")
    drawn_up_on = models.DateField()
    valid_until = models.DateField()
    agreed_actions = models.TextField()
    applications_required = models.PositiveSmallIntegerField()
    reporting_period_months = models.PositiveSmallIntegerField(default=1)
    obligation_basis = models.CharField(max_length=40, default="standard")
    next_meeting_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["person", "drawn_up_on"])]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(superseded_at__isnull=True),
                                    name="one_current_employment_plan"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("drawn_up_on")), name="plan_valid_after_drawn_up"),
            models.CheckConstraint(condition=Q(applications_required__lte=4), name="plan_applications_at_most_4"),
        ]

    def __str__(self) -> str:
        return f"plan v{self.version} {self.drawn_up_on}–{self.valid_until}"


class ApplicationReport(FactVersion):
    """Applications the job seeker reported for one reporting period (usually a calendar month)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="application_reports",
                               db_index=False)  # led by the person: see Meta.indexes
    period_start = models.DateField(help_text="First day of the reporting period.")
    applications = models.PositiveSmallIntegerField()
    reported_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["person", "period_start"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "period_start"], condition=Q(superseded_at__isnull=True),
                                    name="one_current_application_report_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m}: {self.applications}"


class Phase(models.TextChoices):
    INITIAL_SERVICE = "initial_service", _("alkuvaiheen palvelu")
    PERSONAL_COACHING = "personal_coaching", _("omavalmennus")


class CaseloadTransfer(models.Model):
    """A team lead's move of several clients from one counsellor to another in one go (caseload balancing): the
    assignments it made point here, so the move can be shown and undone as one."""

    from_counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    made_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    def __str__(self) -> str:
        return f"{self.from_counsellor_id} → {self.to_counsellor_id} {self.made_at:%Y-%m-%d %H:%M}"


class CaseAssignment(models.Model):
    """Who is responsible for a client from ``valid_from``: counsellor, team and phase.

    The current row has ``ended_at`` NULL (one per person, enforced by the database). A reassignment or a
    phase handover ends it and starts a new one; the history stays.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="assignments")
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="client_assignments")
    team = models.ForeignKey("access.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    phase = models.CharField(max_length=30, choices=Phase.choices, default=Phase.INITIAL_SERVICE)
    valid_from = models.DateField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    transfer = models.ForeignKey(CaseloadTransfer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assignments", help_text="The caseload transfer that made it, if any.")

    class Meta:
        indexes = [models.Index(fields=["counsellor", "ended_at"]), models.Index(fields=["team", "ended_at"])]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(ended_at__isnull=True), name="one_current_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.counsellor_id} ({self.phase})"


class ClientDue(models.Model):
    """Materialised due items, one row per client with an open job search on ``computed_for`` (see ``due_table``).

    The worklists read this instead of running the due-item engine on every client of a scope on every load: the
    engine (``due.due_items``) fills it, the services that write a client's facts refresh the client's rows in the
    same transaction, an import refreshes its persons, and a daily job rebuilds it for the new day. Counsellor, team
    and phase are copied from the current assignment so that a worklist filters and sorts with one join.
    """

    person = models.OneToOneField("people.Person", primary_key=True, on_delete=models.CASCADE, related_name="+")
    computed_for = models.DateField()
    computed_at = models.DateTimeField()
    registered_on = models.DateField()
    phase = models.CharField(max_length=30, choices=Phase.choices, default=Phase.INITIAL_SERVICE)
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)  # led by the counsellor: see Meta.indexes
    team = models.ForeignKey("access.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             db_index=False)
    # Where the client lives on ``computed_for`` (the timeline's ``homes_on``): an area's worklist filters by this
    # column instead of asking the home spells for every client (``policy.rows_in_reach``). "" when unknown.
    home_municipality = models.CharField(max_length=3, blank=True, default="")
    next_kind = models.CharField(max_length=40, blank=True)  # the next statutory step ("" when nothing is due)
    next_due_on = models.DateField(null=True, blank=True)
    overdue = models.BooleanField(default=False)  # some item's due day is before ``computed_for``
    items = models.PositiveSmallIntegerField(default=0)
    # The kinds of the client's items in each state on ``computed_for``, one bit a kind (``due_table.kind_mask``; the
    # engine gives a client at most one item of a kind): a worklist counts its items by kind and state from these
    # client rows, without reading the items of every client in scope.
    # (A default in the database too: a server still running the code before these fields, during an upgrade,
    # writes client rows without them.)
    overdue_kinds = models.PositiveIntegerField(default=0, db_default=0)
    this_week_kinds = models.PositiveIntegerField(default=0, db_default=0)
    upcoming_kinds = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        indexes = [models.Index(fields=["counsellor", "computed_for"]), models.Index(fields=["team", "computed_for"]),
                   models.Index(fields=["computed_for", "next_due_on"]),
                   models.Index(fields=["home_municipality", "computed_for"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.computed_for}: {self.next_kind} {self.next_due_on}"


class DueItemRow(models.Model):
    """One due item of a client on ``computed_for`` (a ``due.DueItem`` as a row); ``position`` keeps the engine's
    order within the client."""

    client = models.ForeignKey(ClientDue, on_delete=models.CASCADE, related_name="item_rows", db_index=False)
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=40)
    due_on = models.DateField()
    rule = models.CharField(max_length=40)
    rule_set = models.CharField(max_length=60)
    verified = models.BooleanField()
    source = models.TextField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["due_on", "kind"]), models.Index(fields=["kind", "due_on"])]
        constraints = [models.UniqueConstraint(fields=["client", "position"], name="one_due_item_per_position")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.kind} {self.due_on}"


class DueTableState(models.Model):
    """The day (and rule book) the whole due-items table was last rebuilt for: the worklists read the table only
    when it is for the day asked; otherwise they compute live and the rebuild is queued."""

    key = models.CharField(max_length=20, primary_key=True, default="due-items")
    computed_for = models.DateField()
    rule_book = models.CharField(max_length=64)
    rebuilt_at = models.DateTimeField()
    clients = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} {self.computed_for}"
class AppointmentSlot(models.Model):
    """A free time a counsellor publishes for clients to book in their portal (face to face, phone or video).

    Booking writes the client into the slot in one conditional update, so two clients can never hold the same time;
    cancelling empties it again. A booked slot is on the counsellor's worklist until it has passed.
    """

    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointment_slots")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=45)
    channel = models.CharField(max_length=20, choices=MeetingChannel.choices)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="appointments")
    booked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["person", "starts_at"]), models.Index(fields=["counsellor", "starts_at"])]
        constraints = [models.UniqueConstraint(fields=["counsellor", "starts_at"], name="one_slot_per_counsellor_time")]

    def __str__(self) -> str:
        return f"slot {self.counsellor_id} {self.starts_at:%Y-%m-%d %H:%M}"
