"""The overlap guards survive migrations in both directions.

Three timeline migrations alter the guarded spell tables. SQLite rebuilds an altered table and drops its triggers, so
each of them puts the guards back; reversing one used to drop them instead (and on PostgreSQL, reversing one dropped
the exclusion constraints that an earlier migration had made). Here a scratch database of the suite's own kind is
migrated to the end, then the timeline back to its first guarded state, and the guards are counted at each step.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from polku.timeline.db_guards import GUARDED
from tests.scratch_database import scratch_postgres

GUARDED_STATE = "0003_employment_condition_met"  # 0002 installed the guards; 0004, 0006 and 0007 alter the tables


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'guards.sqlite3'}"
        return
    with scratch_postgres(os.environ["DATABASE_URL"], "guards") as url:  # on the suite's own server
        yield url


def _migrate(url: str, *target: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {"DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "polku.cli", "migrate", "--no-input", "-v0", *target],  # noqa: S603
                            env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr


def _guards(url: str) -> set[str]:
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                   "AND name LIKE '%no_overlap%'")}
    with psycopg.connect(url) as conn:
        return {name for (name,) in conn.execute("SELECT conname FROM pg_constraint WHERE conname LIKE '%no_overlap'")}


def expected(vendor: str) -> set[str]:
    if vendor == "sqlite":
        return {f"{table}_no_overlap_{when}" for table, _start, _end in GUARDED for when in ("insert", "update")}
    return {f"{table}_no_overlap" for table, _start, _end in GUARDED}


@pytest.mark.slow
def test_the_overlap_guards_stay_when_the_timeline_migrations_are_reversed(scratch_url: str) -> None:
    _migrate(scratch_url)
    assert _guards(scratch_url) == expected(connection.vendor)
    _migrate(scratch_url, "timeline", GUARDED_STATE)
    assert _guards(scratch_url) == expected(connection.vendor)
    _migrate(scratch_url)
    assert _guards(scratch_url) == expected(connection.vendor)
