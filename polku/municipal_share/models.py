"""Database records of the municipal share: administrator confirmations of rule sets, imported Kela invoices.

The rule sets themselves are versioned data files (``data/rule_sets.json``); what changes at run time
is only whether an administrator has confirmed an unverified rule set against the law.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RuleSetConfirmation(models.Model):
    """An administrator checked the rule set against its source; results stop being marked unverified."""

    rule_set = models.CharField(max_length=60, unique=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(help_text="What was checked, against which source.")

    def __str__(self) -> str:
        return f"{self.rule_set} confirmed {self.confirmed_at:%Y-%m-%d}"


class KelaInvoice(models.Model):
    """One imported Kela invoice list of the municipal share (``invoices.invoice_import``).

    The file itself is not kept, only its lines without identity codes; its SHA-256 refuses importing
    the same file twice. ``rule_set`` is the rule the invoice bills by (by default the one in force in
    the invoice month); lines of other months are checked against their own month's rule.
    """

    municipality = models.ForeignKey("reference.Municipality", on_delete=models.PROTECT, related_name="+")
    invoice_month = models.DateField(help_text="First day of the calendar month the invoice covers.")
    rule_set = models.CharField(max_length=60)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the file as received.")
    encoding = models.CharField(max_length=20, help_text="utf-8, utf-8-sig, utf-16, cp1252 or xlsx.")
    line_count = models.PositiveIntegerField()
    total_paid_days = models.PositiveIntegerField()
    total_paid_eur = models.DecimalField(max_digits=14, decimal_places=2)
    total_municipal_eur = models.DecimalField(max_digits=14, decimal_places=2)
    facts_loaded_at = models.DateTimeField(null=True, blank=True,
                                           help_text="When the lines were last loaded as benefit-day facts.")
    facts_loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")

    class Meta:
        indexes = [models.Index(fields=["municipality", "invoice_month"])]

    def __str__(self) -> str:
        return f"Kela {self.municipality_id} {self.invoice_month:%Y-%m} ({self.line_count} riviä)"


class KelaInvoiceLine(models.Model):
    """One line of an imported invoice. The identity code is kept only as its keyed hash."""

    invoice = models.ForeignKey(KelaInvoice, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(help_text="Line (or Excel row) number in the file; header = 1.")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    personal_id_hash = models.CharField(max_length=64, db_index=True)
    month = models.DateField(help_text="First day of the period month the benefit was paid for.")
    benefit_type = models.CharField(max_length=30)
    paid_days = models.PositiveSmallIntegerField()
    cumulative_days = models.PositiveIntegerField(null=True, blank=True)
    paid_eur = models.DecimalField(max_digits=10, decimal_places=2)
    share_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    municipal_eur = models.DecimalField(max_digits=10, decimal_places=2)
    municipality = models.CharField(max_length=3)
    basis = models.CharField(max_length=20, default="unemployment",
                             help_text="Payment basis: unemployment (default) or service.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_number"], name="kela_invoice_line_number_unique"),
            models.CheckConstraint(condition=models.Q(paid_days__lte=23), name="kela_invoice_line_days_at_most_23"),
            models.CheckConstraint(condition=models.Q(municipal_eur__lte=models.F("paid_eur")),
                                   name="kela_invoice_line_share_not_above_paid"),
        ]

    def __str__(self) -> str:
        return f"rivi {self.line_number}: {self.month:%Y-%m} {self.benefit_type}"


class KelaStatisticsImport(models.Model):
    """One imported file of Kela's open statistics of municipally co-funded unemployment benefits.

    ``example`` is set when the file says it is example data (a title line with "esimerkki"/"example"):
    pages then say the figures are not Kela's.
    """

    file_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the file as received.")
    encoding = models.CharField(max_length=20)
    source = models.CharField(max_length=300, blank=True, help_text="Where the file came from (publisher, dataset).")
    example = models.BooleanField(default=False)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    row_count = models.PositiveIntegerField(help_text="Figures stored (rows of other day classes are not).")
    skipped_rows = models.PositiveIntegerField(default=0, help_text="Rows of a day class or the whole country.")

    def __str__(self) -> str:
        return f"Kelan tilasto {self.file_name} {self.imported_at:%Y-%m-%d}"


class KelaStatistic(models.Model):
    """Kela's published monthly figure for a municipality or employment area, and one benefit or all ('').

    A comparison series for Polku's own computation; a later import of the same region, month and benefit
    replaces the figure (Kela revises recent months).
    """

    source_import = models.ForeignKey(KelaStatisticsImport, on_delete=models.CASCADE, related_name="figures")
    region = models.CharField(max_length=60, help_text="Municipality code (297) or area:<employment area code>.")
    municipality = models.ForeignKey("reference.Municipality", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    month = models.DateField(help_text="First day of the statistics month.")
    benefit_type = models.CharField(max_length=30, blank=True, help_text="Empty: all benefits together.")
    recipients = models.PositiveIntegerField(null=True, blank=True)
    paid_days = models.PositiveIntegerField(null=True, blank=True)
    paid_eur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    municipal_eur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "month", "benefit_type"],
                                               name="one_kela_statistic_per_region_month_benefit")]
        indexes = [models.Index(fields=["municipality", "month"])]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y-%m} {self.benefit_type or 'kaikki'}: {self.municipal_eur}"
