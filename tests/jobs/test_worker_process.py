"""`polku worker` as a real process against a file SQLite database: runs what is enqueued, stops cleanly, and after
being killed mid-task leaves nothing half-written and its task marked interrupted for a retry."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLKU = Path(sys.executable).with_name("polku")
TABLE = "django_tasks_database_dbtaskresult"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("worker") / "template.sqlite3"
    subprocess.run([POLKU, "migrate", "--no-input", "-v0"], env=_env(path), check=True, timeout=300)  # noqa: S603
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def database(migrated: Path, tmp_path: Path) -> Path:
    path = tmp_path / "polku.sqlite3"
    shutil.copy(migrated, path)
    return path


def _env(path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATABASE_URL=f"sqlite:///{path}", PYTHONPATH=str(ROOT), POLKU_LOG_LEVEL="WARNING")
    return env


def _enqueue(path: Path, call: str) -> str:
    # Plain Python with the settings, not `polku shell` (a maintenance console that needs an administrator).
    code = ("import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'polku.settings'); django.setup(); "
            f"from tests.jobs import tasks; print(tasks.{call}.id)")
    out = subprocess.run([sys.executable, "-c", code], env=_env(path), check=True, capture_output=True,  # noqa: S603
                         text=True, timeout=120)
    return out.stdout.strip().splitlines()[-1]


def _row(path: Path, task_id: str) -> tuple[Any, ...]:
    with sqlite3.connect(path, timeout=30) as db:
        row = db.execute(f"SELECT status, exception_class_path, return_value FROM {TABLE} WHERE id = ?",
                         [task_id.replace("-", "")]).fetchone()
    assert row is not None
    return tuple(row)


def _wait_for(path: Path, task_id: str, statuses: set[str], timeout: float = 60) -> tuple[Any, ...]:
    deadline = time.monotonic() + timeout
    while True:
        row = _row(path, task_id)
        if row[0] in statuses or time.monotonic() > deadline:
            return row
        time.sleep(0.1)


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path, timeout=30) as db:
        return int(db.execute(sql).fetchone()[0])


@pytest.fixture
def worker(database: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([POLKU, "worker", "--no-startup-delay", "--interval", "0.1"], env=_env(database),  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(10)


def test_worker_process_runs_an_enqueued_task_and_stops_cleanly(database: Path, worker: subprocess.Popen[str]) -> None:
    task_id = _enqueue(database, 'write_group.enqueue("prosessista")')
    status, _, value = _wait_for(database, task_id, {"SUCCESSFUL", "FAILED"})
    assert status == "SUCCESSFUL"
    assert _count(database, "SELECT id FROM auth_group WHERE name = 'prosessista'") == int(value)
    assert _count(database, "SELECT count(*) FROM jobs_jobworker") == 1  # its heartbeat row
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(20) == 0
    assert _count(database, "SELECT count(*) FROM jobs_jobworker") == 0


def test_a_killed_worker_leaves_nothing_half_written_and_the_next_recovers(
        database: Path, worker: subprocess.Popen[str], tmp_path: Path) -> None:
    hold = tmp_path / "hold"
    hold.touch()
    task_id = _enqueue(database, f'slow_write.enqueue("puolikas", {str(hold)!r})')
    assert _wait_for(database, task_id, {"RUNNING", "SUCCESSFUL", "FAILED"})[0] == "RUNNING"
    time.sleep(0.5)  # the task is inside its transaction, holding the row it wrote
    worker.kill()
    worker.wait(10)
    hold.unlink()
    assert _row(database, task_id)[0] == "RUNNING"  # nobody else will ever finish it
    assert _count(database, "SELECT count(*) FROM auth_group WHERE name = 'puolikas'") == 0  # rolled back

    out = subprocess.run([POLKU, "worker", "--batch", "--no-startup-delay", "--retry-interrupted"],  # noqa: S603
                         env=_env(database), capture_output=True, text=True, timeout=120, check=True).stdout
    assert f"interrupted: {task_id}" in out
    status, exception_class, _ = _row(database, task_id)
    assert (status, exception_class) == ("FAILED", "polku.jobs.worker.WorkerInterrupted")
    retried = out.split("enqueued again as ")[1].split()[0]
    assert _row(database, retried)[0] == "SUCCESSFUL"
    assert _count(database, "SELECT count(*) FROM auth_group WHERE name = 'puolikas'") == 1  # written once, whole
