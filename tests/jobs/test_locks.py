"""Scope locks across threads (each with its own database connection), released on exceptions, taken over when stale."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from polku.jobs.locks import HOST, ScopeBusy, scope_lock
from polku.jobs.models import JobLock

pytestmark = pytest.mark.django_db(transaction=True)


def test_second_taker_is_refused_while_the_first_holds() -> None:
    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with scope_lock("import:765"):
                held.set()
                release.wait(10)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    with pytest.raises(ScopeBusy, match="import:765") as busy, scope_lock("import:765"):
        pytest.fail("two holders of one scope")
    assert busy.value.scope == "import:765"
    assert "Toinen työ on jo käynnissä kohteelle import:765" in str(busy.value)
    with scope_lock("import:205"):  # another scope is free
        pass
    release.set()
    thread.join(10)
    assert not errors
    with scope_lock("import:765"):  # free again
        assert JobLock.objects.filter(key="import:765").count() == 1
    assert not JobLock.objects.exists()


def test_released_after_an_exception() -> None:
    with pytest.raises(RuntimeError, match="kaatui"), scope_lock("import:area:kuopio"):
        raise RuntimeError("kaatui")
    assert not JobLock.objects.exists()
    with scope_lock("import:area:kuopio"):
        pass


def test_a_lock_of_a_dead_process_on_this_host_is_taken_over() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    now = timezone.now()
    JobLock.objects.create(key="import:765", owner="kuollut", host=HOST, pid=process.pid, acquired_at=now, heartbeat_at=now)
    with scope_lock("import:765"):
        assert JobLock.objects.get(key="import:765").owner != "kuollut"
    assert not JobLock.objects.exists()


def test_another_hosts_lock_is_taken_over_only_after_its_heartbeat_stops() -> None:
    now = timezone.now()
    JobLock.objects.create(key="import:765", owner="toinen", host="toinen-kone", pid=1, acquired_at=now, heartbeat_at=now)
    with pytest.raises(ScopeBusy), scope_lock("import:765", stale_after=timedelta(minutes=5)):
        pass
    JobLock.objects.filter(key="import:765").update(heartbeat_at=now - timedelta(minutes=6))
    with scope_lock("import:765", stale_after=timedelta(minutes=5)):
        pass
    assert not JobLock.objects.exists()


def test_the_heartbeat_keeps_a_held_lock_fresh() -> None:
    with scope_lock("import:765", stale_after=timedelta(seconds=0.4)):
        first = JobLock.objects.get().heartbeat_at
        deadline = timezone.now() + timedelta(seconds=5)
        while JobLock.objects.get().heartbeat_at == first and timezone.now() < deadline:
            threading.Event().wait(0.05)
        assert JobLock.objects.get().heartbeat_at > first


def test_a_task_under_a_held_scope_fails_with_scope_busy() -> None:
    from polku.jobs.worker import run_worker
    from tests.jobs import tasks

    with scope_lock("import:765"):
        result = tasks.locked_write.enqueue("import:765", "ei")
        run_worker()
    result.refresh()
    assert result.status == "FAILED"
    assert result.errors[0].exception_class_path == "polku.jobs.locks.ScopeBusy"
