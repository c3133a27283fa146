"""Bookkeeping of background jobs beside django-tasks-db's own queue table (``django_tasks_db.DBTaskResult``).

- ``JobLock``: one row per scope that a job holds (``import:area:kuopio``); the unique key is the lock.
- ``JobWorker``: one row per ``polku worker`` process with its heartbeat, to tell a dead worker from a busy one.
- ``JobProgress``: how far a running task has got (rows done of total, phase), read by pages and the CLI.
"""

from __future__ import annotations

from django.db import models


class JobLock(models.Model):
    key = models.CharField(max_length=200, unique=True)
    owner = models.CharField(max_length=100)  # a random token of the holder: only it may release the lock
    host = models.CharField(max_length=100)
    pid = models.IntegerField()
    acquired_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} ({self.host}:{self.pid})"


class JobWorker(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=100)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id


class JobProgress(models.Model):
    task_id = models.CharField(max_length=64, unique=True)  # DBTaskResult.id as text
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True)  # unknown until the job has counted its input
    phase = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.task_id}: {self.done}/{self.total}"
