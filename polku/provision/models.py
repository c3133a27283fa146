"""Service provision: what the municipality offers, who is referred and takes part, and its decisions.

- The catalogue: providers (``ServiceProvider``) and their offerings (``ServiceOffering``) with a capacity.
- ``Referral``: a person referred to an offering; it reserves a place while ``referred``, takes one while
  ``started`` and becomes history when ``completed``. Its participation is written to the person's
  timeline as an ``in_service`` status spell (``polku.timeline``), which the KPIs count.
- ``Decision``: wage subsidy (palkkatuki), start-up grant (starttiraha) and the municipal supplement
  (kuntalisä), the last charged to a municipality's yearly ``KuntalisaBudget``.

Rows are written only through ``services`` (validation naming the field, one transaction each).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProviderKind(models.TextChoices):
    MUNICIPAL = "municipal", _("kunta")
    THIRD_SECTOR = "third_sector", _("kolmas sektori")
    PRIVATE = "private", _("yksityinen")


class ServiceProvider(models.Model):
    """Who runs a service: the municipality itself, an association or a company."""

    name = models.CharField(_("nimi"), max_length=200)
    kind = models.CharField(_("tyyppi"), max_length=20, choices=ProviderKind.choices)
    business_id = models.CharField(_("Y-tunnus"), max_length=9, blank=True, help_text=_("Muodossa 1234567-8."))
    area = models.ForeignKey("reference.EmploymentArea", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("työllisyysalue"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("palveluntuottaja")
        verbose_name_plural = _("palveluntuottajat")

    def __str__(self) -> str:
        return self.name


class ServiceOffering(models.Model):
    """A catalogue entry: a service of a type, run by a provider in an area, with a number of places."""

    area = models.ForeignKey("reference.EmploymentArea", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("työllisyysalue"))
    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT, related_name="offerings",
                                 verbose_name=_("palveluntuottaja"))
    service_type = models.ForeignKey("reference.ServiceType", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("palvelu"))
    name = models.CharField(_("nimi"), max_length=200)
    capacity = models.PositiveIntegerField(_("paikkoja"))
    available_from = models.DateField(_("saatavilla alkaen"))
    available_to = models.DateField(_("saatavilla asti"), null=True, blank=True)
    description = models.TextField(_("kuvaus"), blank=True)
    # When the offering was recorded: "as of" an earlier moment it was not yet in the catalogue (KPI fill rate).
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("palvelutarjonta")
        verbose_name_plural = _("palvelutarjonta")
        indexes = [models.Index(fields=["area", "available_from"])]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="offering_capacity_positive"),
            models.CheckConstraint(condition=Q(available_to__isnull=True) | Q(available_to__gte=models.F("available_from")),
                                   name="offering_available_to_after_from"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_available_on(self, day: date) -> bool:
        return self.available_from <= day and (self.available_to is None or day <= self.available_to)

    def capacity_on(self, day: date) -> int:
        """Places on ``day``: ``capacity`` from ``available_from``, then each recorded change from its day on."""
        changes = [c for c in self.capacity_changes.all() if c.valid_from <= day]
        return max(changes, key=lambda c: c.valid_from).capacity if changes else self.capacity


class OfferingCapacity(models.Model):
    """A change of an offering's number of places from a day on (``ServiceOffering.capacity`` holds until the
    first change). Kept as history, not edited in place, so that a past month's fill rate stays what it was;
    ``created_at`` lets "as of" leave out a change recorded later."""

    offering = models.ForeignKey(ServiceOffering, on_delete=models.CASCADE, related_name="capacity_changes",
                                 verbose_name=_("palvelu"))
    valid_from = models.DateField(_("voimassa alkaen"))
    capacity = models.PositiveIntegerField(_("paikkoja"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["offering", "valid_from"]
        verbose_name = _("paikkamäärän muutos")
        verbose_name_plural = _("paikkamäärän muutokset")
        constraints = [
            models.UniqueConstraint(fields=["offering", "valid_from"], name="one_capacity_change_per_day"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="capacity_change_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} {self.valid_from}: {self.capacity}"


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("ohjattu")
    STARTED = "started", _("alkanut")
    DECLINED = "declined", _("hylätty")
    CANCELLED = "cancelled", _("peruttu")
    COMPLETED = "completed", _("päättynyt")


class Referral(models.Model):
    """A person referred to an offering, and (once started) their participation in it.

    ``version`` grows with every change; a change made against an older version is refused
    (optimistic locking: two counsellors cannot overwrite each other unknowingly).
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="referrals")
    offering = models.ForeignKey(ServiceOffering, on_delete=models.PROTECT, related_name="referrals",
                                 verbose_name=_("palvelu"))
    referred_on = models.DateField(_("ohjattu"))
    status = models.CharField(_("tila"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED)
    participation_start = models.DateField(_("osallistuminen alkoi"), null=True, blank=True)
    participation_end = models.DateField(_("suunniteltu päättyminen"), null=True, blank=True)
    ended_on = models.DateField(_("päättyi"), null=True, blank=True)
    # The timeline's in_service spell written for this participation (its lineage survives corrections).
    status_spell_lineage = models.UUIDField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = _("ohjaus")
        verbose_name_plural = _("ohjaukset")
        indexes = [models.Index(fields=["offering", "status"]), models.Index(fields=["person", "referred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(participation_end__isnull=True) | Q(participation_end__gte=models.F("participation_start")),
                name="referral_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("participation_start")),
                name="referral_ended_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["started", "completed"]) | Q(participation_start__isnull=False),
                name="referral_participation_has_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} {self.referred_on} {self.status}"

    def place_interval(self) -> tuple[date, date | None] | None:
        """The days this referral holds a place: reserved from referral on, taken during participation."""
        if self.status == ReferralStatus.REFERRED:
            return self.referred_on, None
        if self.status == ReferralStatus.STARTED and self.participation_start is not None:
            return self.participation_start, self.participation_end
        if self.status == ReferralStatus.COMPLETED and self.participation_start is not None:
            return self.participation_start, self.ended_on or self.participation_end
        return None


class EmployerKind(models.TextChoices):
    COMPANY = "company", _("yritys")
    ASSOCIATION = "association", _("yhdistys")
    FOUNDATION = "foundation", _("säätiö")
    RELIGIOUS_COMMUNITY = "religious_community", _("uskonnollinen yhdyskunta")
    MUNICIPALITY = "municipality", _("kunta tai kuntayhtymä")
    OTHER = "other", _("muu")


class EmployerSize(models.TextChoices):
    """Size classes by personnel (Statistics Finland's enterprise size classes)."""

    MICRO = "micro", _("alle 10 henkilöä")
    SMALL = "small", _("10–49 henkilöä")
    MEDIUM = "medium", _("50–249 henkilöä")
    LARGE = "large", _("vähintään 250 henkilöä")


class Employer(models.Model):
    """An employer: the one register of employers, for subsidy decisions and for employer services (industry by
    TOL 2008, size, the employment area whose employer services keep it, consent to be contacted)."""

    name = models.CharField(_("nimi"), max_length=200)
    business_id = models.CharField(_("Y-tunnus"), max_length=9, unique=True, help_text=_("Muodossa 1234567-8."))
    kind = models.CharField(_("tyyppi"), max_length=30, choices=EmployerKind.choices, default=EmployerKind.COMPANY)
    municipality = models.ForeignKey("reference.Municipality", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("kunta"))
    industry = models.CharField(_("toimiala (TOL 2008)"), max_length=1, blank=True)
    size = models.CharField(_("koko"), max_length=10, choices=EmployerSize.choices, blank=True)
    area = models.ForeignKey("reference.EmploymentArea", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("työllisyysalue"))
    consent_to_contact = models.BooleanField(_("suostumus yhteydenottoihin"), default=False)
    consent_recorded_on = models.DateField(_("suostumus kirjattu"), null=True, blank=True)
    phone = models.CharField(_("puhelin"), max_length=40, blank=True)
    email = models.EmailField(_("sähköposti"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("työnantaja")
        verbose_name_plural = _("työnantajat")

    def __str__(self) -> str:
        return f"{self.name} ({self.business_id})"


class DecisionKind(models.TextChoices):
    WAGE_SUBSIDY = "wage_subsidy", _("palkkatuki")
    START_UP_GRANT = "start_up_grant", _("starttiraha")
    MUNICIPAL_WAGE_SUPPLEMENT = "municipal_wage_supplement", _("kuntalisä")


class Decision(models.Model):
    """A decision granting a person's employment a subsidy: monthly euros for a number of months."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="provision_decisions")
    kind = models.CharField(_("päätöslaji"), max_length=30, choices=DecisionKind.choices)
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions",
                                 verbose_name=_("työnantaja"))
    percent = models.PositiveSmallIntegerField(_("tukiprosentti"), null=True, blank=True)
    monthly_amount = models.DecimalField(_("€/kk"), max_digits=10, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("kuukautta"))
    start_date = models.DateField(_("alkaa"))
    decided_on = models.DateField(_("päätöspäivä"))
    # The municipality whose budget pays (kuntalisä); by default the person's home municipality on decided_on.
    municipality = models.ForeignKey("reference.Municipality", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("maksava kunta"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("päätös")
        verbose_name_plural = _("päätökset")
        indexes = [models.Index(fields=["kind", "municipality", "decided_on"]), models.Index(fields=["person", "decided_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(months__gte=1) & Q(months__lte=36), name="decision_months_1_36"),
            models.CheckConstraint(condition=Q(monthly_amount__gt=0), name="decision_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="wage_subsidy", percent__in=[50, 70, 100]) | ~Q(kind="wage_subsidy") & Q(percent__isnull=True),
                name="decision_percent_wage_subsidy_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.decided_on}"

    @property
    def total(self) -> Decimal:
        return self.monthly_amount * self.months


class KuntalisaBudget(models.Model):
    """A municipality's kuntalisä budget for one year (municipality-specific, not statutory)."""

    municipality = models.ForeignKey("reference.Municipality", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("kunta"))
    year = models.PositiveSmallIntegerField(_("vuosi"))
    amount = models.DecimalField(_("budjetti €"), max_digits=12, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "year"]
        verbose_name = _("kuntalisän budjetti")
        verbose_name_plural = _("kuntalisän budjetit")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="one_kuntalisa_budget_per_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="kuntalisa_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year}: {self.amount} €"
