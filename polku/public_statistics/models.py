"""Imported official figures, one row per cell of a PxWeb table, and a record of each import."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from polku.public_statistics import tables


class PublicStatisticImport(models.Model):
    """One imported file: who brought which table in, when, and how many cells it held."""

    table = models.CharField(_("taulu"), max_length=20)
    file_name = models.CharField(_("tiedoston nimi"), max_length=255, blank=True)
    source = models.TextField(_("lähde"), blank=True)
    cells = models.PositiveIntegerField(_("soluja"))
    imported_at = models.DateTimeField(_("tuotu"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("tuoja"))

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("tilastotuonti")
        verbose_name_plural = _("tilastotuonnit")

    def __str__(self) -> str:
        return f"{self.table} {self.imported_at:%Y-%m-%d %H:%M} ({self.cells} solua)"


class PublicStatistic(models.Model):
    """One figure of a Statistics Finland table: an area, a month, a ``Tiedot`` variable and a breakdown.

    ``region_code`` keeps PxWeb's code as it was (``KU765``, ``SSS``, ``MK18``); ``municipality`` is set for
    ``KU`` codes of municipalities Polku knows, so figures join to Polku's own by municipality. ``value`` is
    NULL where the table has no figure (missing or confidential), with the table's ``status`` symbol beside it.
    A re-import replaces the cells with the same key.
    """

    table = models.CharField(_("taulu"), max_length=20)
    region_code = models.CharField(_("aluekoodi"), max_length=tables.CATEGORY_CODE_LENGTH)
    municipality = models.ForeignKey("reference.Municipality", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("kunta"))
    month = models.DateField(_("kuukausi"), help_text=_("Kuukauden ensimmäinen päivä."))
    variable = models.CharField(_("tieto"), max_length=tables.VARIABLE_LENGTH)
    breakdown = models.CharField(_("erittely"), max_length=tables.BREAKDOWN_LENGTH, blank=True, default="",
                                 help_text=_("Muut ulottuvuudet, esim. Sukupuoli=SSS;Ikäryhmät=SSS."))
    value = models.DecimalField(_("arvo"), max_digits=tables.VALUE_DIGITS, decimal_places=tables.VALUE_DECIMALS,
                                null=True, blank=True)
    status = models.CharField(_("tilamerkki"), max_length=10, blank=True, default="",
                              help_text=_("Tilastokeskuksen merkki puuttuvalle tiedolle, esim. \".\" tai \"..\"."))
    imported_at = models.DateTimeField(_("tuotu"))
    source = models.TextField(_("lähde"), blank=True)
    # False when the file says it is not official statistics (PxWeb's extension.px.official-statistics), as the
    # demo's example files do: pages then label the figures as example data, not published ones.
    official = models.BooleanField(_("virallinen tilasto"), default=True)

    class Meta:
        verbose_name = _("julkinen tilastotieto")
        verbose_name_plural = _("julkiset tilastotiedot")
        constraints = [
            models.UniqueConstraint(fields=["table", "region_code", "month", "variable", "breakdown"],
                                    name="public_statistic_unique_cell"),
        ]
        indexes = [models.Index(fields=["variable", "region_code", "month"], name="public_statistic_series")]

    def __str__(self) -> str:
        return f"{self.table} {self.region_code} {self.month:%Y-%m} {self.variable}: {self.value}"
