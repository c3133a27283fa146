"""Published monthly reports: the archive of what the council was given, kept as issued.

A report is one row per scope and month, written once: its figures (JSON) and its documents (a PDF and a workbook in
each language, with their SHA-256) never change after publishing. The model refuses to save or delete a published
row, and the database refuses an UPDATE too (a trigger on SQLite, a rule-raising trigger on PostgreSQL), so not
even a bulk update or a console can rewrite a month the council has read. A correction is next month's report.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportTrigger(models.TextChoices):
    SCHEDULED = "scheduled", _("ajastettu kuukauden tietojen jälkeen")
    ON_DEMAND = "on_demand", _("pyynnöstä")


class ArchivedReportError(Exception):
    """Raised on any attempt to change or remove a published report."""


class MonthlyReport(models.Model):
    scope_code = models.CharField(max_length=40)
    scope_name = models.CharField(max_length=200)
    scope_kind = models.CharField(max_length=20)
    month = models.DateField(help_text="The report's calendar month (its first day).")
    figures = models.JSONField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    trigger = models.CharField(max_length=20, choices=ReportTrigger.choices)
    facts_fingerprint = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope_code", "month"], name="reports_one_per_scope_month")]
        ordering = ["-month", "scope_code"]

    def __str__(self) -> str:
        return f"{self.scope_code} {self.month:%Y-%m}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ArchivedReportError("Julkaistua raporttia ei muuteta.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ArchivedReportError("Julkaistua raporttia ei poisteta.")


class ReportDocument(models.Model):
    """One document of a report: the PDF or the workbook in one language, as published."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel"

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="documents")
    language = models.CharField(max_length=2)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "language", "kind"], name="reports_one_document")]

    def __str__(self) -> str:
        return f"{self.report} {self.language}.{self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ArchivedReportError("Julkaistua raporttia ei muuteta.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ArchivedReportError("Julkaistua raporttia ei poisteta.")


class ReportSubscription(models.Model):
    """A user who is told by e-mail when a report of a scope is published (a link only, no figures)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope_code = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope_code"], name="reports_one_subscription")]

    def __str__(self) -> str:
        return f"{self.user} {self.scope_code}"
