"""Scope locks: two jobs on the same scope key (``import:area:kuopio``) never run at once, across processes.

A lock is a ``JobLock`` row with a unique key, inserted in its own short transaction (committed at once, so every
other process sees it) and deleted when the block ends, whether it ended normally or by an exception. A second
taker's INSERT hits the unique key and gets :class:`ScopeBusy` naming the scope and the holder; it never waits.

A holder that died without releasing (a killed worker) leaves its row behind. It is taken over when the holder is
certainly gone: on the same host when its process no longer exists, on another host when its heartbeat (refreshed
by a thread every ``stale_after / 4`` while the block runs) is older than ``stale_after``. The takeover deletes
exactly the row it judged stale (same owner token), so two takers cannot both win.

Taken inside an open transaction (a caller's ``atomic`` block, a test's transaction) the row is written in that
transaction: others see it only once it commits, so exclusion then rests on the transaction itself (SQLite lets one
writer at a time; on PostgreSQL a second INSERT of the same key waits for the first transaction). No heartbeat
thread runs then. Jobs should take the lock outside transactions and open their own inside it.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from polku.jobs.models import JobLock

logger = logging.getLogger(__name__)

DEFAULT_STALE_AFTER = timedelta(minutes=5)
HOST = socket.gethostname()[:100]


class ScopeBusy(Exception):  # noqa: N818 - the name is the interface other apps import
    """Another job holds the scope."""

    def __init__(self, scope: str, *, holder: str = "", since: datetime | None = None) -> None:
        self.scope = scope
        self.holder = holder
        self.since = since
        message = _("Toinen työ on jo käynnissä kohteelle %(scope)s.") % {"scope": scope}
        if since is not None:
            message += " " + _("Aloitettu %(since)s.") % {"since": timezone.localtime(since).strftime("%d.%m.%Y %H:%M")}
        super().__init__(message)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (a zombie counts as gone only once reaped)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def holder_gone(*, host: str, pid: int, heartbeat_at: datetime, stale_after: timedelta, now: datetime) -> bool:
    """Whether the holder of a lock (or a worker) is certainly gone.

    Same host: the process table decides (a long SQLite transaction can delay a heartbeat, never kill the process).
    Another host: only the heartbeat can tell.
    """
    if host == HOST:
        return not pid_alive(pid)
    return heartbeat_at < now - stale_after


def _acquire(key: str, owner: str, stale_after: timedelta) -> None:
    now = timezone.now()
    try:
        with transaction.atomic():
            JobLock.objects.create(key=key, owner=owner, host=HOST, pid=os.getpid(), acquired_at=now, heartbeat_at=now)
        return
    except IntegrityError:
        pass
    holder = JobLock.objects.filter(key=key).first()
    if holder is None:  # released between our INSERT and the look: try once more
        try:
            with transaction.atomic():
                JobLock.objects.create(key=key, owner=owner, host=HOST, pid=os.getpid(), acquired_at=now, heartbeat_at=now)
        except IntegrityError:
            raise ScopeBusy(key) from None
        return
    if not holder_gone(host=holder.host, pid=holder.pid, heartbeat_at=holder.heartbeat_at, stale_after=stale_after, now=now):
        raise ScopeBusy(key, holder=f"{holder.host}:{holder.pid}", since=holder.acquired_at)
    with transaction.atomic():
        taken = JobLock.objects.filter(pk=holder.pk, owner=holder.owner).update(
            owner=owner, host=HOST, pid=os.getpid(), acquired_at=now, heartbeat_at=now)
    if taken != 1:
        raise ScopeBusy(key)
    logger.warning("scope lock %s taken over from %s:%s (holder gone)", key, holder.host, holder.pid)


def _release(key: str, owner: str) -> None:
    with transaction.atomic():
        JobLock.objects.filter(key=key, owner=owner).delete()


class _Heartbeat(threading.Thread):
    def __init__(self, key: str, owner: str, interval: float) -> None:
        super().__init__(name=f"scope-lock-heartbeat:{key}", daemon=True)
        self.key, self.owner, self.interval = key, owner, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.interval):
                try:
                    JobLock.objects.filter(key=self.key, owner=self.owner).update(heartbeat_at=timezone.now())
                except OperationalError:  # SQLite busy while the job writes: try again next beat
                    logger.debug("scope lock heartbeat of %s deferred", self.key)
        finally:
            connections.close_all()


@contextmanager
def scope_lock(key: str, *, stale_after: timedelta = DEFAULT_STALE_AFTER) -> Iterator[None]:
    """Hold the scope ``key`` for the block; raise :class:`ScopeBusy` at once if another job holds it."""
    owner = secrets.token_hex(16)
    in_transaction = connection.in_atomic_block
    _acquire(key, owner, stale_after)
    heartbeat = None
    if not in_transaction:
        heartbeat = _Heartbeat(key, owner, max(stale_after.total_seconds() / 4, 0.05))
        heartbeat.start()
    try:
        yield
    finally:
        if heartbeat is not None:
            heartbeat.stopping.set()
            heartbeat.join(timeout=5)
        if connection.needs_rollback and connection.in_atomic_block:
            # The caller's transaction is being rolled back: the lock row goes with it.
            pass
        else:
            _release(key, owner)
