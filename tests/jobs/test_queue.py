"""Tasks really go through the queue: enqueue → django-tasks-db's worker loop (in process, batch mode) → result."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from polku.jobs.locks import HOST
from polku.jobs.models import JobProgress, JobWorker
from polku.jobs.progress import ProgressReporter, progress_state
from polku.jobs.worker import INTERRUPTED_CLASS_PATH, recover_interrupted, retry, run_worker, was_interrupted
from tests.jobs import tasks

pytestmark = pytest.mark.django_db(transaction=True)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_enqueue_runs_on_the_worker_and_returns() -> None:
    result = tasks.write_group.enqueue("kirjoitettu")
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"
    assert not Group.objects.filter(name="kirjoitettu").exists()  # nothing ran at enqueue
    run_worker()
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == Group.objects.get(name="kirjoitettu").pk


def test_a_failing_task_is_recorded_failed() -> None:
    result = tasks.fail.enqueue("rikki")
    run_worker()
    result.refresh()
    assert result.status == "FAILED"
    assert result.errors[0].exception_class_path == "builtins.ValueError"
    assert "rikki" in result.errors[0].traceback


def test_progress_is_reported_and_read_back() -> None:
    result = tasks.count_rows.enqueue(10, 3)
    assert progress_state(result.id).status == "READY"
    run_worker()
    state = progress_state(result.id)
    assert state.finished
    assert state.status == "SUCCESSFUL"
    assert (state.done, state.total, state.phase) == (10, 10, "Tallennetaan")
    assert Group.objects.filter(name__startswith="rivi-").count() == 4


def test_progress_inside_a_transaction_is_seen_by_others_on_postgresql() -> None:
    seen: list[Any] = []

    def look() -> None:
        try:
            seen.append(JobProgress.objects.filter(task_id="t-1").values_list("done", flat=True).first())
        finally:
            connections.close_all()

    with transaction.atomic(), ProgressReporter("t-1", total=100, min_interval=0) as progress:
        progress.update(40)
        thread = threading.Thread(target=look)
        thread.start()
        thread.join()
    if connection.vendor == "postgresql":
        assert seen == [40]  # written through a connection of its own
    else:
        assert seen == [None]  # SQLite: one writer, the figures appear when the transaction commits
    assert JobProgress.objects.get(task_id="t-1").done == 40


def test_tasks_of_a_dead_worker_are_marked_interrupted_and_can_be_retried() -> None:
    dead = tasks.write_group.enqueue("kesken")
    alive = tasks.write_group.enqueue("toisella")
    DBTaskResult.objects.filter(pk=dead.id).update(status="RUNNING", worker_ids=[f"{HOST}:{dead_pid()}:abc"])
    DBTaskResult.objects.filter(pk=alive.id).update(status="RUNNING", worker_ids=["w-elossa"])
    JobWorker.objects.create(worker_id="w-elossa", host=HOST, pid=os.getpid(),
                             started_at=timezone.now(), heartbeat_at=timezone.now())
    assert recover_interrupted() == [str(dead.id)]
    dead.refresh()
    assert dead.status == "FAILED"
    assert dead.errors[0].exception_class_path == INTERRUPTED_CLASS_PATH
    assert was_interrupted(dead.id)
    assert DBTaskResult.objects.get(pk=alive.id).status == "RUNNING"  # its worker lives
    again = retry(dead.id)
    run_worker()
    assert DBTaskResult.objects.get(pk=again).status == "SUCCESSFUL"
    assert Group.objects.filter(name="kesken").exists()
    with pytest.raises(ValueError, match="only a failed task"):
        retry(again)


def test_status_json_needs_a_login_and_reports(client: Any, make_staff: Any) -> None:
    result = tasks.count_rows.enqueue(4, 2)
    url = f"/tyot/{result.id}/tila/"
    assert client.get(url).status_code == 302
    staff = make_staff()
    client.force_login(staff.user)
    body = client.get(url).json()
    assert body["status"] == "READY"
    assert body["finished"] is False
    run_worker()
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="fi").json()
    assert body["finished"] is True
    assert body["done"] == body["total"] == 4
    assert body["text"] == "4 / 4 riviä"
    assert client.get("/tyot/00000000-0000-0000-0000-000000000000/tila/").status_code == 404


def test_the_script_is_served_as_a_static_file(client: Any) -> None:
    response = client.get("/static/jobs/progress.js")
    assert response.status_code == 200
    assert b"data-status-url" in b"".join(response.streaming_content)


def test_only_a_worker_of_the_general_queue_ticks_the_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    """The imports' own worker leaves the scheduled work (a new day's due items, refreshed results) to the other."""
    from polku.jobs import schedule
    from polku.jobs.worker import Heartbeat, serves_scheduled_work

    assert serves_scheduled_work("*")
    assert serves_scheduled_work("default")
    assert serves_scheduled_work("imports,default")
    assert not serves_scheduled_work("imports")
    ticks: list[str] = []
    for name, schedules in (("general", True), ("imports", False)):
        monkeypatch.setattr(schedule, "tick", lambda name=name: ticks.append(name))
        heartbeat = Heartbeat(f"test:{os.getpid()}:{name}", interval=0.01, schedules=schedules)
        heartbeat.start()
        deadline = timezone.now().timestamp() + 5
        while name == "general" and not ticks and timezone.now().timestamp() < deadline:
            threading.Event().wait(0.01)
        threading.Event().wait(0.1)
        heartbeat.stopping.set()
        heartbeat.join(timeout=5)
    assert set(ticks) == {"general"}


def test_a_worker_waits_longer_for_sqlites_write_lock_than_a_page() -> None:
    from polku.jobs.worker import WORKER_SQLITE_WAIT_SECONDS, wait_for_sqlite_writers

    options = connections.settings["default"].setdefault("OPTIONS", {})
    before = dict(options)
    try:
        wait_for_sqlite_writers()
        if connection.vendor == "sqlite":
            assert options["timeout"] == WORKER_SQLITE_WAIT_SECONDS
            with connection.cursor() as cursor:  # the reopened connection carries it
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone()[0] == WORKER_SQLITE_WAIT_SECONDS * 1000
        else:
            assert options == before
    finally:
        options.clear()
        options.update(before)
        connection.close()
