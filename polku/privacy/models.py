"""The retention job's records: each run with its report, and the persons it pseudonymised.

A report holds counts per kind of data only — never an identity code or a name — and stays as the record of what the
schedule did (the data protection officer reads it on the retention page).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("jonossa")
    RUNNING = "running", _("käynnissä")
    DONE = "done", _("valmis")
    FAILED = "failed", _("epäonnistui, mitään ei muutettu")


class RetentionRun(models.Model):
    """One run of the retention schedule on a reference date (a dry run changes nothing but this record)."""

    reference_date = models.DateField()
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    actor = models.CharField(max_length=150, help_text="Username at the time (and the OS account for a command).")
    channel = models.CharField(max_length=10)
    schedule_version = models.CharField(max_length=40)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    report = models.JSONField(default=dict, blank=True, help_text="Counts per kind of data; no identifiers.")
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"retention {self.reference_date} ({'dry' if self.dry_run else 'run'}) {self.status}"


class Pseudonymisation(models.Model):
    """A person whose direct identifiers (identity code, names) the schedule erased; their facts stay under the
    random id, so statistics over past months keep counting them."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="pseudonymisation")
    run = models.ForeignKey(RetentionRun, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"pseudonymised {self.person_id}"
