"""The open tables as the worker built them: a build per data version, and its stored files.

A request never computes a table: it serves the newest *complete* build (``OpenTableBuild`` in state ``done``) from
its ``OpenTableFile`` rows: per table the suppressed cube (compressed JSON, for arbitrary PxWeb queries) and the
answers to the default questions (the whole table as JSON-stat 2.0, CSV and PX-JSON, and its metadata) in each
language, ready to send as they are.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BuildState(models.TextChoices):
    QUEUED = "queued", _("jonossa")
    RUNNING = "running", _("käynnissä")
    DONE = "done", _("valmis")
    FAILED = "failed", _("epäonnistui")
    SUPERSEDED = "superseded", _("korvattu uudemmalla")  # a newer build was queued before this one started


class OpenTableBuild(models.Model):
    """One build of every open table for one data version (the fingerprint of the facts it was computed from)."""

    data_version = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=20, choices=BuildState.choices, default=BuildState.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)  # the queued job (django-tasks' result id), if any
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)  # the exception's class name only (a message may hold data)

    class Meta:
        indexes = [models.Index(fields=["state", "-id"], name="open_build_state_newest")]  # the newest done build

    def __str__(self) -> str:
        return f"{self.pk} {self.data_version} {self.state}"

    @property
    def progress_key(self) -> str:
        """The key of its ``JobProgress`` row (the jobs' progress record)."""
        return f"open-data-build-{self.pk}"


class OpenTableFile(models.Model):
    """A stored file of a build: ``kind`` "cube" (zlib-compressed JSON, no language) or an answer ("metadata",
    "json-stat2", "csv", "json") in ``lang``, with its content type."""

    build = models.ForeignKey(OpenTableBuild, on_delete=models.CASCADE, related_name="files")
    table_id = models.CharField(max_length=60)
    kind = models.CharField(max_length=20)
    lang = models.CharField(max_length=2, blank=True)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    data_version = models.CharField(max_length=64)
    built_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["build", "table_id", "kind", "lang"],
                                               name="open_table_file_unique")]

    def __str__(self) -> str:
        return f"{self.table_id} {self.kind} {self.lang}"
