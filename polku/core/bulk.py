"""Bulk inserts at the speed of the database: PostgreSQL's ``COPY``, SQLite's ``executemany`` in chunks.

The ORM's ``bulk_create`` builds a model instance and prepares every value through its field for each row, which
costs more than the insert itself when millions of facts are loaded (the simulator, the register import). These
helpers take plain tuples; :func:`adapt` turns Python values into what each backend stores (UUIDs as 32 hex digits
on SQLite, as Django does; aware datetimes in UTC).
"""

from __future__ import annotations

import itertools
import operator
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Model

CHUNK_ROWS = 50_000
BUILD_MEMORY = "512MB"  # PostgreSQL's memory for building one index after a bulk load (the default is 64 MB)
BULK_WORK_MEM = "256MB"  # PostgreSQL's memory for one sort, grouping or hash of a bulk load (the default is 4 MB)


def chunks(items: list[Any], size: int = 2000) -> Iterator[list[Any]]:
    """``items`` in slices of ``size`` (an IN list stays within every database's parameter limit)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _take(rows: Iterator[tuple[Any, ...]], n: int) -> Iterator[tuple[Any, ...]]:
    for _, row in zip(range(n), rows, strict=False):
        yield row


def insert(connection: Any, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (already adapted) into ``table``; table and column names are the caller's constants."""
    rows = iter(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            while chunk := list(_take(rows, CHUNK_ROWS)):
                cursor.executemany(sql, chunk)


def adapter(vendor: str) -> Callable[[Any], Any]:
    """A function turning a Python value into what ``vendor`` stores for it (dates as ISO text, UUIDs, money).

    Dispatches on the exact type (one dictionary look-up per value: millions of values pass through here)."""
    sqlite = vendor != "postgresql"

    def moment(value: datetime) -> str:
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") + ("" if sqlite else "+00:00")

    by_type: dict[type, Callable[[Any], Any]] = {
        uuid.UUID: (lambda value: value.hex) if sqlite else str,
        datetime: moment,
        date: date.isoformat,
        Decimal: str,
    }

    def adapt(value: Any) -> Any:
        convert = by_type.get(type(value))
        return value if convert is None else convert(value)

    return adapt


def insert_dicts(model: type[Model], rows: Iterable[dict[str, Any]], using: str = "default") -> None:
    """Insert rows given as {model field's attname: value} (every row with the same keys) without the ORM's per-row
    cost; ``rows`` may be a generator, consumed as it is written.

    Only the columns whose type the database stores differently from Python (UUIDs, dates, moments, money) pass
    through :func:`adapter`; the rest go as they are."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    rows = itertools.chain([first], iterator)
    connection = connections[using]
    adapt = adapter(connection.vendor)
    names = list(first)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    columns = [fields[name].column for name in names]
    stored_as_is = {"CharField", "TextField", "IntegerField", "BigIntegerField", "PositiveIntegerField",
                    "PositiveSmallIntegerField", "SmallIntegerField", "BooleanField", "BigAutoField", "AutoField"}
    adapted = [i for i, name in enumerate(names) if fields[name].get_internal_type() not in stored_as_is]
    get = operator.itemgetter(*names)

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        found = get(row)
        found = list(found) if len(names) > 1 else [found]
        for i in adapted:
            found[i] = adapt(found[i])
        return tuple(found)

    insert(connection, model._meta.db_table, columns, map(values, rows))


def update_rows(model: type[Model], names: list[str], objects: Iterable[Model], using: str = "default") -> None:
    """``UPDATE … WHERE id = …`` of ``names`` (attnames) for each object, as one ``executemany``: Django's
    ``bulk_update`` builds a CASE expression per field and batch, which costs seconds for a few thousand rows."""
    connection = connections[using]
    adapt = adapter(connection.vendor)
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    assignments = ", ".join(f"{by_attname[name]} = %s" for name in names)
    sql = f"UPDATE {model._meta.db_table} SET {assignments} WHERE {model._meta.pk.column} = %s"  # noqa: S608
    rows = ((*(adapt(getattr(obj, name)) for name in names), adapt(obj.pk)) for obj in objects)
    with connection.cursor() as cursor:
        while chunk := list(_take(rows, CHUNK_ROWS)):
            cursor.executemany(sql, chunk)


@contextmanager
def bulk_session(using: str = "default", cache_mb: int = 256) -> Iterator[None]:
    """A connection set for a bulk load, and reset after it.

    SQLite: a page cache of ``cache_mb`` (the default 2 MB cannot hold the indexes a register import extends, so every
    insert into a large table went back to the disk). PostgreSQL: at least :data:`BULK_WORK_MEM` of ``work_mem`` for
    the load's sorts, groupings and hash joins over millions of staged rows (the default 4 MB sorted them on disk; a
    larger setting of the server's stays), and no just-in-time compilation (it took a third of a second to compile
    each of the load's statements, each run once)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with _postgres_settings(connection, {"work_mem": BULK_WORK_MEM, "jit": "off"}):
            yield
        return
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * int(cache_mb)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def _postgres_settings(connection: Any, wanted: dict[str, str]) -> Iterator[None]:
    """The session's ``wanted`` settings for the block, each set back after it (unless the transaction around it
    failed: its rollback sets them back). A memory setting is only raised, never lowered. Each change is made in a
    savepoint of its own, so that one the server refuses leaves a transaction around it usable."""

    def put(cursor: Any, name: str, value: str) -> None:
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
        except DatabaseError:
            pass

    changed: dict[str, str] = {}
    with connection.cursor() as cursor:
        for name, value in wanted.items():
            cursor.execute("SELECT current_setting(%s)", [name])
            before = cursor.fetchone()[0]
            if name.endswith("_mem"):
                cursor.execute("SELECT pg_size_bytes(%s) >= pg_size_bytes(%s)", [before, value])
                if cursor.fetchone()[0]:
                    continue
            put(cursor, name, value)
            changed[name] = before
    try:
        yield
    finally:
        if connection.connection is not None and connection.connection.info.transaction_status != 3:  # not INERROR
            with connection.cursor() as cursor:
                for name, before in changed.items():
                    put(cursor, name, before)


def refresh_statistics(models: Iterable[type[Model]], using: str = "default") -> None:
    """Bring PostgreSQL's planner statistics up to date after a bulk load (``ANALYZE``; sampled, a few seconds).

    Without it the next import's look-ups by source key and lineage were planned on the statistics of the empty
    tables and took seconds instead of milliseconds, until autovacuum came round. SQLite needs nothing here."""
    analyze_tables([model._meta.db_table for model in models], using=using)


def analyze_tables(tables: Iterable[str], using: str = "default") -> None:
    """``ANALYZE`` the named tables on PostgreSQL (nothing elsewhere): :func:`refresh_statistics` by table name, for
    writers that load tables rather than models (the simulator)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in dict.fromkeys(tables):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


@contextmanager
def indexes_set_aside(models: Iterable[type[Model]], checks: Iterable[tuple[str, str]] = (),
                      using: str = "default") -> Iterator[None]:
    """Load into ``models``' tables without their secondary indexes and constraints, and build them again at the end.

    For a first load into empty tables (the whole register of an area or of the country): keeping a dozen b-tree
    and GiST indexes in step row by row, and PostgreSQL's checks of the foreign keys among the loaded tables fired
    one row at a time at commit, cost four to six times the insert itself; built once over the loaded rows they cost a
    fraction of it (PostgreSQL's manual, "Populating a Database"). Primary keys stay, and so do foreign keys to
    tables outside the load. Every index and constraint is made again from its own
    definition as the database holds it, so nothing here repeats a migration; a unique, exclusion or foreign-key
    constraint that the loaded rows broke fails its build, and the caller's transaction rolls back whole.

    SQLite's triggers over these tables (the overlap guards) are set aside too: they read the indexes. Before
    anything is built again, each of ``checks`` — (SQL that finds a row breaking a rule a trigger keeps, message)
    — must find none, else ``IntegrityError`` with its message: the rule holds over the whole load at once.

    Must run inside the caller's transaction (both databases' schema changes are transactional: an error on the
    way undoes the drops too). On PostgreSQL the dropped indexes lock these tables — and no other — until the
    commit: meant for an installation that has nothing in them yet, not for a monthly delta."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("indexes are set aside only inside the load's transaction")
    tables = list(dict.fromkeys(model._meta.db_table for model in models))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            drop, build = _postgres_secondary(cursor, tables)
            # Checks deferred to the commit by earlier writes of this transaction are made now: PostgreSQL alters no
            # table with such checks pending. Django's constraints are all initially deferred, and are again after.
            drop = ["SET CONSTRAINTS ALL IMMEDIATE", *drop, "SET CONSTRAINTS ALL DEFERRED"]
            # Each index is built by one sort: in memory, not in batches on disk (for this transaction only). The
            # loaded rows' checks of the foreign keys that stayed are made before, for the same reason as above.
            build = ["SET CONSTRAINTS ALL IMMEDIATE", f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'", *build,
                     "SET CONSTRAINTS ALL DEFERRED"]
        elif connection.vendor == "sqlite":
            drop, build = _sqlite_secondary(cursor, tables)
        else:
            drop, build = [], []
        for statement in drop:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for sql, message in checks:
            cursor.execute(sql)
            if cursor.fetchone() is not None:
                raise IntegrityError(message)
        for statement in build:
            cursor.execute(statement)


def _postgres_secondary(cursor: Any, tables: list[str]) -> tuple[list[str], list[str]]:
    """(drop, build) statements of the tables' constraints other than primary keys — foreign keys among the tables,
    unique and exclusion constraints — and of their other indexes. Foreign keys are dropped first and built last."""
    cursor.execute("""
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c
        WHERE c.conrelid = ANY(CAST(%s AS regclass[])) AND c.contype IN ('f', 'u', 'x')
          -- a foreign key to a table outside the load stays: dropping it would lock that table (users, runs,
          -- codes) for every reader until the commit
          AND (c.contype <> 'f' OR c.confrelid = ANY(CAST(%s AS regclass[])))
          AND NOT EXISTS (SELECT 1 FROM pg_constraint r  -- a unique key another table's foreign key refers to stays
                          WHERE c.contype <> 'f' AND r.contype = 'f' AND r.conindid = c.conindid)
        ORDER BY c.contype = 'f' DESC, c.conname""", [tables, tables])
    constraints = cursor.fetchall()
    cursor.execute("""
        SELECT i.indrelid::regclass::text, x.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
        WHERE i.indrelid = ANY(CAST(%s AS regclass[])) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY x.relname""", [tables])
    indexes = cursor.fetchall()
    drop = [f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"' for table, name, _, _ in constraints]
    drop += [f'DROP INDEX "{name}"' for _, name, _ in indexes]
    build = [definition for _, _, definition in indexes]
    build += [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
              for table, name, definition, _ in reversed(constraints)]
    return drop, build


def _sqlite_secondary(cursor: Any, tables: list[str]) -> tuple[list[str], list[str]]:
    """(drop, build) statements of the tables' named indexes and triggers (SQLite keeps a table's own constraints in
    the table); triggers are built after the indexes."""
    marks = ", ".join(["%s"] * len(tables))
    cursor.execute(f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "  # noqa: S608
                   f"AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY type, name", tables)
    found = cursor.fetchall()
    return ([f'DROP {kind.upper()} "{name}"' for kind, name, _ in found],
            [sql for _, _, sql in found])
