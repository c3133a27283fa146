"""The worker around django-tasks-db's own: identity, heartbeat, and recovery of tasks a dead worker left running.

How the database backend behaves when a worker dies mid-task (django-tasks-db 0.13): a worker claims a task by
setting it RUNNING (with its worker id) in a short transaction, then runs it. Killed at that point, nothing ever
sets the task SUCCESSFUL or FAILED: it stays RUNNING for good, and no worker picks it up again (workers take only
READY tasks). Whatever the task had not committed is rolled back by the database when the connection drops, so a
task that writes in one transaction leaves nothing half-written; one that commits in chunks leaves the chunks it
committed (such tasks must be safe to run again, e.g. by skipping what is already there).

:func:`recover_interrupted` finds RUNNING tasks whose worker is gone and marks them FAILED with the exception class
:class:`WorkerInterrupted`, so pages show them as interrupted and :func:`retry` (or ``polku worker
--retry-interrupted``) can enqueue them again. A worker is gone when, on this host, its process no longer exists,
or, on another host, its heartbeat (``JobWorker``, refreshed every few seconds by ``polku worker``) is older than
``stale_after``. ``polku worker`` runs the recovery when it starts.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from typing import Any

from django.db import OperationalError, connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from polku.core import queues
from polku.jobs.locks import HOST, holder_gone
from polku.jobs.models import JobWorker

logger = logging.getLogger(__name__)

DEFAULT_STALE_AFTER = timedelta(minutes=2)
HEARTBEAT_INTERVAL = 10.0
INTERRUPTED_CLASS_PATH = "polku.jobs.worker.WorkerInterrupted"


class WorkerInterrupted(Exception):  # noqa: N818 - recorded as the failed task's exception class
    """The worker running the task stopped before the task finished."""


def new_worker_id() -> str:
    """``host:pid:random``: tells recovery where the worker ran (at most 64 characters, the queue's limit)."""
    return f"{HOST[:40]}:{os.getpid()}:{get_random_string(12)}"


def _worker_gone(worker_id: str, *, started_at: Any, stale_after: timedelta, now: Any) -> bool:
    beat = JobWorker.objects.filter(worker_id=worker_id).first()
    if beat is not None:
        return holder_gone(host=beat.host, pid=beat.pid, heartbeat_at=beat.heartbeat_at, stale_after=stale_after, now=now)
    host, _, rest = worker_id.partition(":")
    pid_text = rest.partition(":")[0]
    if pid_text.isdigit() and HOST.startswith(host) and host:
        return holder_gone(host=HOST, pid=int(pid_text), heartbeat_at=now, stale_after=stale_after, now=now)
    # A worker we know nothing of (another host without a heartbeat row, or a plain db_worker): judge by age.
    return started_at is None or started_at < now - stale_after


def recover_interrupted(*, backend_name: str = "default", stale_after: timedelta = DEFAULT_STALE_AFTER) -> list[str]:
    """Mark RUNNING tasks of dead workers FAILED (WorkerInterrupted); return their ids."""
    now = timezone.now()
    recovered = []
    for result in DBTaskResult.objects.running().filter(backend_name=backend_name):
        worker_id = result.worker_ids[-1] if result.worker_ids else ""
        if not _worker_gone(worker_id, started_at=result.started_at, stale_after=stale_after, now=now):
            continue
        with transaction.atomic():
            marked = DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
                status="FAILED", finished_at=now, exception_class_path=INTERRUPTED_CLASS_PATH, return_value=None,
                traceback=f"{INTERRUPTED_CLASS_PATH}: worker {worker_id} stopped before the task finished\n")
        if marked:
            recovered.append(str(result.pk))
            logger.warning("task %s (%s) interrupted: worker %s is gone", result.pk, result.task_path, worker_id)
    JobWorker.objects.filter(heartbeat_at__lt=now - max(stale_after, timedelta(days=1))).delete()
    return recovered


def was_interrupted(task_id: str) -> bool:
    return DBTaskResult.objects.filter(pk=task_id, exception_class_path=INTERRUPTED_CLASS_PATH).exists()


def retry(task_id: str) -> str:
    """Enqueue a failed task again with the same arguments; return the new result's id."""
    result = DBTaskResult.objects.get(pk=task_id)
    if result.status != "FAILED":
        raise ValueError(f"task {task_id} is {result.status}, only a failed task is retried")
    new = result.task.enqueue(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
    return str(new.id)


class Heartbeat(threading.Thread):
    """Keeps the worker's ``JobWorker`` row fresh, on a connection of its own."""

    def __init__(self, worker_id: str, interval: float = HEARTBEAT_INTERVAL, *, schedules: bool = True) -> None:
        super().__init__(name="polku-worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.schedules = schedules  # queue what the days bring (polku.jobs.schedule): the general worker's part
        self.stopping = threading.Event()

    def beat(self) -> None:
        now = timezone.now()
        JobWorker.objects.update_or_create(worker_id=self.worker_id, defaults={
            "host": HOST, "pid": os.getpid(), "heartbeat_at": now}, create_defaults={
            "host": HOST, "pid": os.getpid(), "heartbeat_at": now, "started_at": now})

    def run(self) -> None:
        from polku.jobs import schedule

        try:
            while not self.stopping.wait(self.interval):
                try:
                    self.beat()
                except OperationalError:  # SQLite busy while a task writes: next beat
                    logger.debug("worker heartbeat deferred")
                if self.schedules:
                    schedule.tick()  # the new day's due items and refreshed background results
        finally:
            connections.close_all()


def serves_scheduled_work(queue_names: str) -> bool:
    """Does a worker of these queues (``--queue-name``, comma-separated, ``*`` for all) serve the general queue, which
    the schedule fills? The imports' own worker does not tick the schedule: one ticking worker is enough."""
    names = set(queue_names.split(","))  # as django-tasks-db's worker reads them
    return "*" in names or queues.DEFAULT in names


# SQLite has one writer at a time. A request waits 30 seconds for the write lock (settings); a worker waits longer, as
# the one worker did for the job before it when jobs ran one after another: a long import on the imports' worker
# holds the lock for minutes, and a refresh job on the other worker must wait for it, not fail.
WORKER_SQLITE_WAIT_SECONDS = 1800


def wait_for_sqlite_writers() -> None:
    """Give this process's SQLite connections the worker's wait for the write lock (no change on PostgreSQL)."""
    for alias in connections:
        settings_dict = connections.settings[alias]
        if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
            options = settings_dict.setdefault("OPTIONS", {})
            options["timeout"] = max(options.get("timeout", 5), WORKER_SQLITE_WAIT_SECONDS)
            connections[alias].close()  # the next connection is opened with the longer wait


def run_worker(*, queue_names: tuple[str, ...] = ("*",), batch: bool = True, max_tasks: int | None = None,
               backend_name: str = "default", worker_id: str | None = None) -> None:
    """Run django-tasks-db's worker loop in this process (tests, and ``polku worker`` itself): with ``batch``
    until the queue is empty, or for ``max_tasks`` tasks."""
    Worker(queue_names=list(queue_names), interval=0 if batch else 1.0, batch=batch, backend_name=backend_name,
           startup_delay=False, max_tasks=max_tasks, worker_id=worker_id or new_worker_id(),
           excluded_queue_names=[]).run()
