"""Trivial demo tasks the jobs tests enqueue: they go through the real queue and a real worker."""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction
from django_tasks import TaskContext, task

from polku.jobs.locks import scope_lock
from polku.jobs.progress import ProgressReporter


@task()
def write_group(name: str) -> int:
    """Writes one row and returns its id."""
    return Group.objects.create(name=name).pk


@task()
def fail(message: str) -> None:
    raise ValueError(message)


@task(takes_context=True)
def count_rows(context: TaskContext, total: int, chunk: int) -> int:
    """Reports progress chunk by chunk, each chunk committed on its own."""
    with ProgressReporter(context.task_result.id, total=total, phase="Luetaan", min_interval=0) as progress:
        for done in range(chunk, total + chunk, chunk):
            with transaction.atomic():
                Group.objects.create(name=f"rivi-{done}")
            progress.update(min(done, total), phase="Tallennetaan" if done > total // 2 else None)
    return total


@task()
def slow_write(name: str, hold_file: str) -> int:
    """Writes a row in one transaction and holds it open while ``hold_file`` exists (at most a minute)."""
    with transaction.atomic():
        group = Group.objects.create(name=name)
        deadline = time.monotonic() + 60
        while Path(hold_file).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return group.pk


@task()
def locked_write(scope: str, name: str) -> int:
    with scope_lock(scope):
        return Group.objects.create(name=name).pk
