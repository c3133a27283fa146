"""Fact tables of a job seeker's timeline.

Facts are append-and-correct: a row is never edited in place. A correction writes a new
version with the same ``lineage`` and marks the old one superseded (with who, when and why);
a retraction supersedes without a successor. "Current" facts are those not superseded, and
"what did we know on D" is answerable from ``recorded_at``/``superseded_at``.

Spells are closed intervals ``[start_date, end_date]``; ``end_date`` NULL means open-ended.
Non-overlap of a person's current spells is enforced twice: by the services (for a clear
error naming the field) and by the database itself (SQLite triggers, a PostgreSQL exclusion
constraint; see migration ``0002_overlap_guards``), so bulk loads cannot break it either.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FactSource(models.TextChoices):
    MANUAL = "manual", _("käsin")
    API = "api", _("rajapinta")
    IMPORT = "import", _("tuonti")
    SIMULATOR = "simulator", _("simulaattori")
    KELA = "kela", _("Kelan laskutus")


class FactQuerySet(models.QuerySet):
    """The named sets of fact versions: the current ones, and those current at a moment ("what did we know then").

    Every read of facts goes through these (``Model.objects.current()``); ``polku.derived.facts`` gives the same
    relation as SQL."""

    def current(self) -> FactQuerySet:
        return self.filter(superseded_at__isnull=True)

    def known_at(self, moment: datetime | None) -> FactQuerySet:
        """Current facts (``moment`` None), or the versions that were current at ``moment``."""
        if moment is None:
            return self.current()
        return self.filter(recorded_at__lte=moment).filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=moment))


def facts_of(model: type[models.Model]) -> FactQuerySet:
    """All versions of a fact model, as the queryset that names its current ones."""
    return cast(FactQuerySet, model._default_manager.all())


class FactVersion(models.Model):
    """Version bookkeeping shared by every fact table.

    Who recorded or superseded a version is not indexed: facts are written by the million (a register import) and
    every index costs each insert, while the only query by user is the rare removal of a staff account. For the same
    reason the database does not check each version's user against the users table: that check of every row written
    cost a sixth of a register's first load on PostgreSQL (a look-up of the users table per row). The application keeps
    the reference: Polku never removes a user account (staff and clients are deactivated), and a removal through the
    ORM (Django's admin) empties it on every committed version (``SET_NULL``). Only versions an import was writing at
    that very moment would keep the removed account's id, which is never given to another account.
    """

    lineage = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    # Set explicitly by the services so that a correction and the version it supersedes share one instant.
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    source = models.CharField(max_length=20, choices=FactSource.choices, default=FactSource.MANUAL)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    correction_reason = models.CharField(max_length=500, blank=True)

    objects = FactQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class Spell(FactVersion):
    """A closed date interval of a person's timeline."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, db_index=False)  # indexed with a date
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class HomeMunicipalitySpell(Spell):
    """Municipality of residence (kotikunta) over time, as in the population register."""

    municipality = models.ForeignKey("reference.Municipality", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["person", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="home_municipality_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.start_date}–{self.end_date or ''}"


class StatusSpell(Spell):
    """Labour-market status over time (unemployed, laid off, in a service of type X, employed …)."""

    status = models.ForeignKey("reference.LabourMarketStatus", on_delete=models.PROTECT, related_name="+")
    service_type = models.ForeignKey(
        "reference.ServiceType", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["person", "start_date"]), models.Index(fields=["status", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="status_spell_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status_id}/{self.service_type_id or '-'} {self.start_date}–{self.end_date or ''}"


class JobSearchEndReason(models.TextChoices):
    """Why a job search ended (the outcome that KPIs on ended job searches count)."""

    OPEN_MARKET_JOB = "open_market_job", _("avoimille työmarkkinoille")
    SUBSIDISED_JOB = "subsidised_job", _("tuettuun työhön")
    ENTREPRENEURSHIP = "entrepreneurship", _("yrittäjäksi")
    STUDIES = "studies", _("opiskelemaan")
    OTHER_SERVICE = "other_service", _("muuhun palveluun")
    MOVED = "moved", _("muutti pois alueelta")
    OUTSIDE_LABOUR_FORCE = "outside_labour_force", _("työvoiman ulkopuolelle")
    OTHER = "other", _("muu syy")


class JobSearchPeriod(FactVersion):
    """A registration as a job seeker (työnhaku): registered → ended with a reason."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, db_index=False)  # indexed with a date
    registered_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, choices=JobSearchEndReason.choices, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "registered_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("registered_on")),
                name="job_search_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="") | Q(ended_on__isnull=False) & ~Q(end_reason=""),
                name="job_search_end_reason_with_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registered_on}–{self.ended_on or ''} {self.end_reason}"


class BenefitType(models.TextChoices):
    """The three unemployment benefits (domain-rules §2.1)."""

    LABOUR_MARKET_SUBSIDY = "labour_market_subsidy", _("työmarkkinatuki")
    BASIC_ALLOWANCE = "basic_allowance", _("peruspäiväraha")
    EARNINGS_RELATED_ALLOWANCE = "earnings_related_allowance", _("ansiopäiväraha")


class BenefitBasis(models.TextChoices):
    """On what basis the days were paid: the old municipal-share rule counts only unemployment days."""

    UNEMPLOYMENT = "unemployment", _("työttömyyden perusteella")
    SERVICE = "service", _("palvelun ajalta")


class BenefitMonth(FactVersion):
    """Paid benefit days and euros of one benefit type, for one person and calendar month."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, db_index=False)  # indexed with a date
    month = models.DateField(help_text="First day of the calendar month the days were paid for.")
    benefit_type = models.CharField(max_length=30, choices=BenefitType.choices)
    basis = models.CharField(max_length=20, choices=BenefitBasis.choices, default=BenefitBasis.UNEMPLOYMENT)
    days = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2, help_text="Euros paid for these days.")

    class Meta:
        indexes = [models.Index(fields=["person", "month"]), models.Index(fields=["month", "benefit_type"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "month", "benefit_type", "basis"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_benefit_row_per_kind",
            ),
            models.CheckConstraint(condition=Q(days__lte=23), name="benefit_days_at_most_23"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="benefit_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.benefit_type}/{self.basis}: {self.days} d"


class EmploymentConditionMet(FactVersion):
    """The person met the employment condition (työssäoloehto, TOE) on a date.

    It resets the day counters of the municipal share (domain-rules §1 and §2.1); recorded from the
    unemployment fund's or Kela's decision.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, db_index=False)  # indexed with a date
    met_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["person", "met_on"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "met_on"], condition=Q(superseded_at__isnull=True),
                                    name="one_current_employment_condition_per_day"),
        ]

    def __str__(self) -> str:
        return f"TOE {self.met_on}"
