"""Bookkeeping of data exchange: import and export runs, the problems an import found, and where every fact came from.

A ``SourceRecord`` ties one record of a source system (system + that system's own id) to the fact it became in Polku
(its ``lineage``) together with a hash of the record's content. Re-importing the same record is then a look-up and a
hash comparison (unchanged → nothing written); a changed record supersedes the fact's current version; a record absent
from a full snapshot is retracted. The record also names the run, file and row it last came from: the provenance the
client's timeline shows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RunKind(models.TextChoices):
    IMPORT = "import", _("tuonti")
    EXPORT = "export", _("vienti")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("jonossa")
    RUNNING = "running", _("käynnissä")
    DONE = "done", _("valmis")
    REFUSED = "refused", pgettext_lazy("tuonti", "hylätty")
    FAILED = "failed", _("keskeytyi virheeseen")
    INTERRUPTED = "interrupted", _("keskeytyi")


class ImportMode(models.TextChoices):
    FULL = "full", _("kokonaisaineisto")
    DELTA = "delta", _("muutokset")


class ExchangeRun(models.Model):
    """One import (or export): who, when, which files (name, hash, size), the scope, the counts and the outcome.

    While a queued run works, its progress is the task's (``polku.jobs``); the row holds the outcome.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=RunKind.choices, default=RunKind.IMPORT)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    dry_run = models.BooleanField(default=False)
    mode = models.CharField(max_length=10, choices=ImportMode.choices, default=ImportMode.DELTA)
    profile = models.CharField(max_length=500, help_text="A shipped profile's name or a profile file's path.")
    scope_code = models.CharField(max_length=40, blank=True, help_text="Area or municipality code; empty = all.")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    files = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    phase_seconds = models.JSONField(
        default=dict, blank=True,
        help_text="Where an import's time went: seconds reading, checking, writing, finishing (indexes, commit) and "
                  "refreshing what pages read after it.")
    problem_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    channel = models.CharField(max_length=10, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="The queue's task that carries the run out.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["scope_code", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.profile} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ImportProblem(models.Model):
    """One refused value of an import: file, row, column and reason. Never the value itself when it is an identity code."""

    run = models.ForeignKey(ExchangeRun, on_delete=models.CASCADE, related_name="problems")
    file = models.CharField(max_length=255)
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.file}:{self.row} {self.column}: {self.message}"


class SourceRecord(models.Model):
    """A source system's record and the Polku fact (``lineage``) or person it became."""

    system = models.CharField(max_length=40)
    entity = models.CharField(max_length=40)
    source_id = models.CharField(max_length=120)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    lineage = models.UUIDField(null=True, blank=True)
    fact_id = models.BigIntegerField(null=True, blank=True, help_text="Row id of a fact without versions (assignments).")
    fact_date = models.DateField(null=True, blank=True)
    content_hash = models.CharField(max_length=32)
    # The run is kept by the application (SET_NULL when a run is removed), not checked by the database row by row: a
    # register's first load writes millions of source records, all of one run (see FactVersion.recorded_by).
    run = models.ForeignKey(ExchangeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            db_constraint=False)
    file = models.CharField(max_length=255, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "entity", "source_id"], name="one_source_record")]
        indexes = [models.Index(fields=["lineage"]),
                   models.Index(fields=["system", "entity", "fact_date"])]

    def __str__(self) -> str:
        return f"{self.system}/{self.entity}/{self.source_id}"
