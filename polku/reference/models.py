"""Reference data that facts point to. Loaded from the CSV/JSON files in ``data/`` (see ``loader``)."""

from __future__ import annotations

from datetime import date

from django.db import models

from polku.core.languages import reader_language


class LocalisedName(models.Model):
    """Finnish, Swedish and English names; ``name`` picks the active language (Finnish first)."""

    name_fi = models.CharField(max_length=200)
    name_sv = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        language = reader_language()
        return str(getattr(self, f"name_{language}", "") or self.name_fi)


class Municipality(LocalisedName):
    """A Finnish municipality by its official three-digit code (kuntanumero)."""

    code = models.CharField(max_length=3, primary_key=True)
    region = models.CharField(max_length=100)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "municipalities"

    def __str__(self) -> str:
        return f"{self.code} {self.name_fi}"

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class EmploymentArea(LocalisedName):
    """A configurable group of municipalities (työllisyysalue, or a trial area before 2025)."""

    code = models.SlugField(max_length=50, unique=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.TextField(blank=True)
    municipalities: models.ManyToManyField[Municipality, EmploymentAreaMembership] = models.ManyToManyField(
        Municipality, through="EmploymentAreaMembership",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fi


class EmploymentAreaMembership(models.Model):
    """A municipality belongs to an area for a period (areas are re-drawn by law and agreement)."""

    area = models.ForeignKey(EmploymentArea, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="area_memberships")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "municipality", "valid_from"], name="unique_area_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.area.code}: {self.municipality_id}"


class LabourMarketStatus(LocalisedName):
    """Catalogue of labour-market statuses (työllisyyskoodi) a status spell can carry."""

    code = models.SlugField(max_length=40, primary_key=True)
    counts_as_unemployed = models.BooleanField()
    requires_service_type = models.BooleanField(default=False)
    source = models.TextField()

    class Meta:
        verbose_name_plural = "labour market statuses"

    def __str__(self) -> str:
        return self.code


class ServiceType(LocalisedName):
    """Catalogue of services a person can be in (palvelut), with their statistical treatment."""

    code = models.SlugField(max_length=40, primary_key=True)
    counts_in_activation = models.BooleanField(help_text="Counted in the activation rate's ALP (TEM).")
    employment_promoting = models.BooleanField(
        help_text="State-financed employment-promoting service (TTL 1:5): old-rule TMT days not billed.",
    )
    typical_min_months = models.PositiveSmallIntegerField()
    typical_max_months = models.PositiveSmallIntegerField()
    source = models.TextField()

    def __str__(self) -> str:
        return self.code


class ResidentPopulation(models.Model):
    """Residents of a municipality at the end of a year (an input series, e.g. from Statistics Finland).

    Used for per-resident figures such as the municipal share in euros per resident. Polku ships none:
    the figures are imported with ``polku population import`` together with their source.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    residents = models.PositiveIntegerField()
    source = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "year"], name="one_population_per_year")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year}: {self.residents}"


class LabourForce(models.Model):
    """The labour force (työvoima) of a municipality in a year: an input series from Statistics Finland.

    The denominator of the unemployed share of the labour force (domain-rules §3, S28): TEM uses the
    employment statistics' figure with a lag of about two years, the same figure for every month. Polku
    ships none for real municipalities; it is imported with ``polku labour_force import`` and its source.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    persons = models.PositiveIntegerField()
    source = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "year"], name="one_labour_force_per_year")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year}: {self.persons}"
