"""Database-level guards: a person's current spells never overlap.

The services check first (to name the field in the error); these guards make the invariant hold for
every writer, including bulk loads and concurrent transactions. PostgreSQL gets exclusion
constraints over date ranges; SQLite gets triggers that abort the statement.

SQLite drops a table's triggers whenever a migration rebuilds the table (most ``AlterField``s do), in
either direction, so every such migration installs the guards again after its rebuild, both ways (see
``0007_recorder_checked_by_application``: SQLite only, as PostgreSQL's exclusion constraints are not touched by
a rebuild); ``install`` is idempotent, and ``tests/timeline/test_services.py`` fails if a guard is missing.
"""

from __future__ import annotations

from typing import Any

# (table, start column, end column)
GUARDED = [
    ("timeline_statusspell", "start_date", "end_date"),
    ("timeline_homemunicipalityspell", "start_date", "end_date"),
    ("timeline_jobsearchperiod", "registered_on", "ended_on"),
]


def _sqlite_sql(table: str, start: str, end: str) -> list[str]:
    overlap = (
        f"SELECT RAISE(ABORT, '{table}: overlapping current spells') WHERE EXISTS ("
        f"SELECT 1 FROM {table} s WHERE s.person_id = NEW.person_id AND s.superseded_at IS NULL "
        f"AND s.{start} <= COALESCE(NEW.{end}, '9999-12-31') AND NEW.{start} <= COALESCE(s.{end}, '9999-12-31')"
    )
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_overlap_insert",
        f"DROP TRIGGER IF EXISTS {table}_no_overlap_update",
        f"CREATE TRIGGER {table}_no_overlap_insert BEFORE INSERT ON {table} "
        f"WHEN NEW.superseded_at IS NULL BEGIN {overlap}); END;",
        f"CREATE TRIGGER {table}_no_overlap_update BEFORE UPDATE ON {table} "
        f"WHEN NEW.superseded_at IS NULL BEGIN {overlap} AND s.id <> NEW.id); END;",
    ]


def _postgres_sql(table: str, start: str, end: str) -> list[str]:
    return [
        f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_no_overlap",
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_no_overlap EXCLUDE USING gist "
        f"(person_id WITH =, daterange({start}, {end}, '[]') WITH &&) WHERE (superseded_at IS NULL)",
    ]


def install(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise NotImplementedError(f"No overlap guard for database vendor {vendor}")
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table, start, end in GUARDED:
        for sql in _postgres_sql(table, start, end) if vendor == "postgresql" else _sqlite_sql(table, start, end):
            schema_editor.execute(sql)


def reinstall_after_sqlite_rebuild(apps: Any, schema_editor: Any) -> None:
    """For a migration that alters a guarded table, in whichever direction it runs: SQLite rebuilds an altered table
    and drops its triggers, so they are put back. On PostgreSQL the exclusion constraints are not touched by such a
    change, and rebuilding them would lock the spell tables."""
    if schema_editor.connection.vendor == "sqlite":
        install(apps, schema_editor)


def uninstall(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table, _start, _end in GUARDED:
        if vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_no_overlap")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_overlap_insert")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_overlap_update")


def first_overlap(relation: str, person: str, start: str, end: str) -> str:
    """SQL giving a row when two spells of one person in ``relation`` (a table or a parenthesised query with an
    alias) overlap, for both databases. Sorted by start, a spell overlaps an earlier one exactly when it starts on or
    before the latest end so far (ties in any order: two spells starting on one day overlap either way)."""
    open_end = "'9999-12-31'"  # a date on PostgreSQL, ISO text as SQLite stores dates
    return (f"SELECT 1 FROM (SELECT {start} AS starts, MAX(COALESCE({end}, {open_end})) OVER ("
            f"PARTITION BY {person} ORDER BY {start} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach "
            f"FROM {relation}) spells WHERE starts <= reach LIMIT 1")


def overlap_checks() -> list[tuple[str, str]]:
    """(SQL finding a person's overlapping current spells, message) per guarded table, for both databases: what the
    guards keep row by row, checked over a whole table at once where a bulk load sets the triggers aside
    (:func:`polku.core.bulk.indexes_set_aside`)."""
    return [(first_overlap(f"(SELECT * FROM {table} WHERE superseded_at IS NULL) t", "person_id", start, end),
             f"{table}: overlapping current spells") for table, start, end in GUARDED]
