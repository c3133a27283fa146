"""Progress of a long job: the pure arithmetic (time left, durations in the reader's language) and its record.

A task that takes its context reports through :class:`ProgressReporter`::

    @task(takes_context=True)
    def import_file(context: TaskContext, run_id: int) -> int:
        with ProgressReporter(context.task_result.id, total=rows, phase=_("Tarkistetaan")) as progress:
            for n, chunk in enumerate(chunks, 1):
                with transaction.atomic():
                    ...
                progress.update(n * CHUNK)

Writes are throttled (at most one every ``min_interval`` seconds, plus the first and the last). Outside a transaction
they are plain autocommit UPDATEs. Inside one, other processes could not see them until it commits, so on
PostgreSQL they go through a second connection of their own; on SQLite (one writer at a time) the intermediate
figures are kept and the last is written when the block ends. Committing work in chunks therefore shows progress on
both databases and keeps SQLite's write lock short.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from polku.jobs.models import JobProgress


@dataclass(frozen=True)
class ProgressState:
    """What a watcher needs to know about a job at one moment."""

    done: int
    total: int | None
    phase: str = ""
    finished: bool = False
    status: str = ""
    started_at: datetime | None = None


def eta_seconds(done: int, total: int | None, started_at: datetime, now: datetime) -> float | None:
    """Seconds left at the rate so far; ``None`` while nothing is done or the total is unknown, 0 when all is done."""
    if total is None or total <= 0:
        return None
    if done >= total:
        return 0.0
    elapsed = (now - started_at).total_seconds()
    if done <= 0 or elapsed <= 0:
        return None
    return elapsed / done * (total - done)


def format_duration(seconds: float, language: str | None = None) -> str:
    """A duration as a reader says it: "alle minuutti", "3 minuuttia", "1 tunti 5 minuuttia" (sv, en likewise)."""
    if language is not None:
        with override(language):
            return format_duration(seconds)
    if not math.isfinite(seconds) or seconds < 60:
        return _("alle minuutti")
    minutes = math.ceil(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return ngettext("%(n)s minuutti", "%(n)s minuuttia", minutes) % {"n": formats.number_format(minutes)}
    text = ngettext("%(n)s tunti", "%(n)s tuntia", hours) % {"n": formats.number_format(hours, force_grouping=True)}
    if minutes:
        text += " " + ngettext("%(n)s minuutti", "%(n)s minuuttia", minutes) % {"n": minutes}
    return text


def progress_text(done: int, total: int | None, started_at: datetime | None, now: datetime | None = None) -> str:
    """ "1 200 / 5 000 riviä, arviolta 3 minuuttia jäljellä" in the active language, numbers grouped as it groups them."""
    n = formats.number_format(done, force_grouping=True)
    if total is None and not done:  # a job that counts nothing (or not yet): no "0 rows"
        return _("Työ on jonossa tai käynnissä.")
    if total is None:
        return ngettext("%(done)s rivi", "%(done)s riviä", done) % {"done": n}
    text = ngettext("%(done)s / %(total)s rivi", "%(done)s / %(total)s riviä", total) % {
        "done": n, "total": formats.number_format(total, force_grouping=True)}
    if started_at is not None and done < total:
        left = eta_seconds(done, total, started_at, now or timezone.now())
        if left is not None:
            text += ", " + _("arviolta %(left)s jäljellä") % {"left": format_duration(left)}
    return text


def status_payload(state: ProgressState, *, detail_html: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The JSON a progress include's script polls: done, total, phase, status, finished, text (and detail_html)."""
    payload: dict[str, Any] = {
        "done": state.done, "total": state.total, "phase": state.phase, "status": state.status,
        "finished": state.finished, "text": progress_text(state.done, state.total, state.started_at, now),
    }
    if detail_html is not None:
        payload["detail_html"] = detail_html
    return payload


def progress_state(task_id: str) -> ProgressState:
    """The recorded progress of a task and its queue status (READY, RUNNING, SUCCESSFUL, FAILED)."""
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.filter(pk=task_id).values("status", "started_at").first()
    status = str(result["status"]) if result else ""
    finished = status in {"SUCCESSFUL", "FAILED"}
    row = JobProgress.objects.filter(task_id=str(task_id)).first()
    if row is None:
        return ProgressState(done=0, total=None, finished=finished, status=status,
                             started_at=result["started_at"] if result else None)
    return ProgressState(done=row.done, total=row.total, phase=row.phase, finished=finished, status=status,
                         started_at=row.started_at)


class ProgressReporter:
    """Records a task's progress in ``JobProgress`` (see the module's notes on transactions)."""

    def __init__(self, task_id: str, *, total: int | None = None, phase: str = "", min_interval: float = 0.5) -> None:
        self.task_id = str(task_id)
        self.total = total
        self.phase = phase
        self.done = 0
        self.min_interval = min_interval
        self._last_write = -math.inf
        self._dirty = False
        self._side: BaseDatabaseWrapper | None = None
        self._started_at = timezone.now()
        self._created = False

    def __enter__(self) -> ProgressReporter:
        self._started_at = timezone.now()
        self._write(force=True)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.flush()
        if self._side is not None:
            self._side.close()
            self._side = None

    def update(self, done: int, *, total: int | None = None, phase: str | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if phase is not None and phase != self.phase:
            self.phase = phase
            self._write(force=True)
            return
        self._write()

    def flush(self) -> None:
        self._write(force=True, final=True)

    def _write(self, *, force: bool = False, final: bool = False) -> None:
        self._dirty = True
        if not force and time.monotonic() - self._last_write < self.min_interval:
            return
        now = timezone.now()
        values = {"done": self.done, "total": self.total, "phase": self.phase[:200], "updated_at": now}
        if not connection.in_atomic_block:
            self._orm_write(values)
        elif connection.vendor == "postgresql":
            self._side_write(values)
        elif final:
            self._orm_write(values)  # SQLite in a transaction: visible when it commits
        else:
            return
        self._last_write = time.monotonic()
        self._dirty = False

    def _orm_write(self, values: dict[str, Any]) -> None:
        if self._created:
            JobProgress.objects.filter(task_id=self.task_id).update(**values)
        else:
            JobProgress.objects.update_or_create(task_id=self.task_id, defaults={**values, "started_at": self._started_at})
            self._created = True

    def _side_write(self, values: dict[str, Any]) -> None:
        if self._side is None:
            self._side = connections.create_connection("default")
        table = JobProgress._meta.db_table
        with self._side.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{table}" (task_id, done, total, phase, started_at, updated_at) '  # noqa: S608 - model's own table
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (task_id) DO UPDATE SET done = EXCLUDED.done, "
                "total = EXCLUDED.total, phase = EXCLUDED.phase, updated_at = EXCLUDED.updated_at",
                [self.task_id, values["done"], values["total"], values["phase"], self._started_at, values["updated_at"]],
            )
