"""The SQL engines a derived relation runs on in the tests: SQLite (in memory), DuckDB (in memory) and, when the
suite runs on PostgreSQL, PostgreSQL (temporary tables in the test database)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import duckdb
from django.db import connection

from polku.derived.sql import render

Table = tuple[str, dict[str, str], Sequence[tuple[Any, ...]]]  # name, column → SQL type, rows
Runner = Callable[[Sequence[Table], str], list[tuple[Any, ...]]]


def _as_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 and value[4] == "-" else value


def run_sqlite(tables: Sequence[Table], sql: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(":memory:")
    for name, columns, rows in tables:
        db.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        db.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})",
                       [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows])
    return [tuple(_as_date(v) for v in row) for row in db.execute(render(sql, "sqlite")).fetchall()]


def run_duckdb(tables: Sequence[Table], sql: str) -> list[tuple[Any, ...]]:
    db = duckdb.connect()
    for name, columns, rows in tables:
        db.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        if rows:
            db.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})", list(rows))
    return [tuple(row) for row in db.execute(render(sql, "duckdb")).fetchall()]


def run_postgresql(tables: Sequence[Table], sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        for name, columns, rows in tables:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
            cursor.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
            if rows:
                cursor.executemany(f"INSERT INTO {name} VALUES ({', '.join('%s' for _ in columns)})", list(rows))
        cursor.execute(render(sql, "postgresql"))
        return [tuple(row) for row in cursor.fetchall()]


def engines() -> dict[str, Runner]:
    """SQLite and DuckDB always; PostgreSQL when the suite's database is PostgreSQL."""
    found: dict[str, Runner] = {"sqlite": run_sqlite, "duckdb": run_duckdb}
    if connection.vendor == "postgresql":
        found["postgresql"] = run_postgresql
    return found
