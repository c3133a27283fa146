"""Persons in parts: every key belongs to exactly one part, in Python and in SQL, and the parts' sums add up."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import duckdb
import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from polku.derived.parts import add_up, bounds, each_part, in_part_sql
from polku.derived.sql import render


def _part_of(key: uuid.UUID, parts: int) -> int:
    """The part whose bounds hold the key, found from the bounds alone."""
    found = []
    for k in range(parts):
        low, high = bounds((k, parts))
        if (low is None or key >= low) and (high is None or key < high):
            found.append(k)
    assert len(found) == 1, found
    return found[0]


@given(st.integers(0, (1 << 128) - 1), st.integers(1, 64))
def test_every_key_is_in_exactly_one_part(value: int, parts: int) -> None:
    assert _part_of(uuid.UUID(int=value), parts) == value * parts >> 128


def test_parts_meet_and_cover_the_key_space() -> None:
    assert bounds((0, 1)) == (None, None)
    assert bounds((0, 2)) == (None, uuid.UUID("80000000-0000-0000-0000-000000000000"))
    assert bounds((1, 2)) == (uuid.UUID("80000000-0000-0000-0000-000000000000"), None)
    for parts in (3, 7):
        assert all(bounds((k, parts))[1] == bounds((k + 1, parts))[0] for k in range(parts - 1))
    with pytest.raises(ValueError, match="part 2 of 2"):
        bounds((2, 2))
    assert in_part_sql("person_id", None) == in_part_sql("person_id", (0, 1)) == "TRUE"


KEYS = [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1), uuid.UUID("80000000-0000-0000-0000-000000000000"),
        uuid.UUID("7fffffff-ffff-ffff-ffff-ffffffffffff"),
        *(uuid.UUID(int=((n * 0x9E3779B97F4A7C15) << 64 | n) % (1 << 128)) for n in range(200))]


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 9))
def test_duckdb_puts_each_key_in_the_part_python_does(parts: int) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (person_id UUID)")
    con.executemany("INSERT INTO t VALUES (?)", [(str(k),) for k in KEYS])
    for k in range(parts):
        sql = render(f"SELECT person_id FROM t WHERE {in_part_sql('person_id', (k, parts))}", "duckdb")
        got = {row[0] for row in con.execute(sql).fetchall()}
        assert got == {key for key in KEYS if _part_of(key, parts) == k}


@pytest.mark.django_db
def test_postgresql_puts_each_key_in_the_part_python_does() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of make test (parts serve PostgreSQL's national runs)")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE t (person_id uuid)")
        cursor.executemany("INSERT INTO t VALUES (%s)", [(k,) for k in KEYS])
        for parts in (2, 3, 5):
            for k in range(parts):
                cursor.execute(render(f"SELECT person_id FROM t WHERE {in_part_sql('person_id', (k, parts))}",
                                      "postgresql"))
                got = {row[0] for row in cursor.fetchall()}
                assert got == {key for key in KEYS if _part_of(key, parts) == k}


def test_add_up_sums_each_group_exactly() -> None:
    rows = add_up([[("765", 1, Decimal("0.10"), 2), ("091", 1, Decimal("1.00"), None)],
                   [("765", 1, Decimal("0.20"), 3)], [], [("091", 1, None, 4), ("091", 2, Decimal("0.01"), 0)]], 2)
    assert rows == [("765", 1, Decimal("0.30"), 5), ("091", 1, Decimal("1.00"), 4), ("091", 2, Decimal("0.01"), 0)]


def test_each_part_runs_every_part_side_by_side() -> None:
    started = threading.Barrier(3, timeout=10)  # passes only if the three parts run at the same time

    def work(part: tuple[int, int]) -> tuple[int, int]:
        started.wait()
        return part

    assert each_part(3, work) == [(0, 3), (1, 3), (2, 3)]
    assert each_part(1, lambda part: part) == [(0, 1)]
    with pytest.raises(ValueError, match="at least one"):
        each_part(0, lambda part: part)
