"""Backup and restore of the whole database in one portable file (``polku backup``, ``polku restore``).

Pure Python, so a hosting provider without ``pg_dump`` can run it, and the same file moves between SQLite and
PostgreSQL. The file is gzip-compressed JSON lines:

1. a header: format and version, when, from which database vendor, and the applied migrations;
2. per table (every concrete model, the many-to-many tables included): a line naming the model and its columns,
   then one JSON array per row in primary-key order;
3. a trailer with the row count of every table (a truncated file has none and is refused).

Values are written in the form the field's ``to_python`` reads back (ISO dates and times in UTC, decimals and UUIDs
as text, durations as Django's duration strings, bytes in base64); JSON columns are kept as JSON.

The backup reads every table in one transaction: a snapshot (PostgreSQL ``REPEATABLE READ``; a SQLite read
transaction, which in WAL mode does not block writers), so it can run beside the server and the worker.
The restore loads every table in one transaction (on both databases Django's foreign keys are checked at commit, so
the order of the tables does not matter) and resets the sequences. It refuses a database that holds data other than
what the migrations seed unless told to replace it.
"""

from __future__ import annotations

import base64
import gzip
import json
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from django.apps import apps
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.duration import duration_string

FORMAT = "polku-backup"
VERSION = 1
READ_CHUNK = 2000
WRITE_BATCH = 500

# Tables the migrations fill (reference data, content types, permissions): a freshly migrated database has rows in
# them and still counts as empty for a restore.
SEEDED_BY_MIGRATIONS = frozenset({
    "contenttypes.contenttype", "auth.permission",
    "reference.municipality", "reference.employmentarea", "reference.employmentareamembership",
    "reference.labourmarketstatus", "reference.servicetype",
})


class BackupError(Exception):
    """A backup file that cannot be restored here, or a database a restore refuses (the message says why)."""


@dataclass
class RestoreReport:
    tables: dict[str, int] = field(default_factory=dict)
    schema_prepared: bool = False  # the database was brought to the backup's migrations first
    migrated_forward: bool = False  # and migrated to this release's after loading

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def backed_up_models() -> list[type[models.Model]]:
    """Every table Polku's models own, the auto-created many-to-many tables included, in a stable order."""
    found = [m for m in apps.get_models(include_auto_created=True)
             if m._meta.managed and not m._meta.proxy and not m._meta.swapped]
    return sorted(found, key=lambda m: m._meta.label_lower)


def columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return list(model._meta.local_concrete_fields)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_string(value)
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _line(obj: Any) -> bytes:
    # Sorted keys: JSON columns read back from PostgreSQL (jsonb orders keys its own way) and from SQLite give the
    # same bytes, so backups of the same data compare equal across databases.
    return (json.dumps(obj, default=_encode, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode()


@contextmanager
def _snapshot(using: str) -> Iterator[None]:
    """One consistent read of every table without blocking writers."""
    connection = connections[using]
    if connection.in_atomic_block:  # already in a transaction (tests): read in it
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # SQLite: Django would open an IMMEDIATE (writing) transaction; a deferred one is a read snapshot in WAL mode.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            cursor.execute("COMMIT")


def write_backup(out: IO[bytes], *, using: str = "default") -> dict[str, int]:
    """Write every table to ``out`` (a binary stream, gzip-compressed here); return the rows per table."""
    connection = connections[using]
    counts: dict[str, int] = {}
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6) as gz, _snapshot(using):
        applied = sorted(MigrationRecorder(connection).applied_migrations())
        gz.write(_line({"format": FORMAT, "version": VERSION, "created": timezone.now(),
                        "vendor": connection.vendor, "migrations": applied}))
        for model in backed_up_models():
            fields = columns(model)
            attnames = [f.attname for f in fields]
            gz.write(_line({"model": model._meta.label_lower, "columns": attnames}))
            n = 0
            rows = model._base_manager.using(using).order_by("pk").values_list(*attnames)
            for row in rows.iterator(chunk_size=READ_CHUNK):
                gz.write(_line(list(row)))
                n += 1
            counts[model._meta.label_lower] = n
        gz.write(_line({"end": True, "tables": counts}))
    return counts


def backup_to_file(path: Path, *, using: str = "default") -> dict[str, int]:
    """Write the backup to ``path`` (created readable by its owner only), via a temporary file renamed at the end."""
    partial = path.with_name(path.name + ".partial")
    partial.touch(mode=0o600, exist_ok=False)
    try:
        with partial.open("wb") as out:
            counts = write_backup(out, using=using)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return counts


def read_header(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rb") as gz:
        return _header(gz.readline())


def _header(line: bytes) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("tiedosto ei ole Polun varmuuskopio")
    if header.get("version") != VERSION:
        raise BackupError(f"varmuuskopion versio {header.get('version')} ei ole tuettu (tuettu: {VERSION})")
    return header


def nonempty_tables(using: str = "default") -> list[str]:
    """Tables holding data besides what the migrations seed (a restore refuses these unless told to replace)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    return [m._meta.label_lower for m in backed_up_models()
            if m._meta.label_lower not in SEEDED_BY_MIGRATIONS and m._meta.db_table in existing
            and m._base_manager.using(using).exists()]


def _migration_targets(backup: set[tuple[str, str]], executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    """Per app, the latest migration the backup had applied (None: the app's tables did not exist yet)."""
    graph = executor.loader.graph
    targets: list[tuple[str, str | None]] = []
    for app in sorted({app for app, _ in graph.nodes}):
        mine = [node for node in backup if node[0] == app]
        leaves = [node for node in mine
                  if not any(child in backup and child[0] == app for child in graph.node_map[node].children)]
        targets.append(max(leaves) if leaves else (app, None))
    return targets


def restore_from_file(path: Path, *, replace: bool = False, using: str = "default") -> RestoreReport:
    """Load the backup at ``path`` into the database ``using``.

    The schema is brought to the backup's migrations first (a backup of an older Polku is loaded into its own
    schema, then migrated forward); a backup from a newer Polku is refused. All rows are replaced in one
    transaction; a failure leaves the database as it was (except for that schema step)."""
    connection = connections[using]
    header = read_header(path)
    backup_migrations = {tuple(m) for m in header["migrations"]}
    executor = MigrationExecutor(connection)
    unknown = backup_migrations - set(executor.loader.graph.nodes)
    if unknown:
        names = ", ".join(f"{a}.{n}" for a, n in sorted(unknown)[:5])
        raise BackupError(f"varmuuskopio on tehty uudemmalla Polun versiolla (tuntemattomat migraatiot: {names})")
    if not replace and (busy := nonempty_tables(using)):
        raise BackupError("tietokannassa on jo tietoja (" + ", ".join(busy[:5]) + (", …" if len(busy) > 5 else "")
                          + "): palautus korvaisi ne; anna --replace, jos niin on tarkoitus")
    report = RestoreReport()
    code_latest = set(executor.loader.graph.nodes)
    applied = set(MigrationRecorder(connection).applied_migrations())
    if applied != backup_migrations:
        report.schema_prepared = True
        executor.migrate(_migration_targets(backup_migrations, executor))
    with transaction.atomic(using=using):
        report.tables = _load(path, using)
    if backup_migrations != code_latest:
        from django.core.management import call_command

        report.migrated_forward = True
        call_command("migrate", database=using, interactive=False, verbosity=0)
    return report


def empty_tables(using: str = "default") -> None:
    """Delete every row of every backed-up table (in the caller's transaction)."""
    connection = connections[using]
    tables = [m._meta.db_table for m in backed_up_models()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # TRUNCATE refuses tables with foreign-key checks still pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=False):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _table_fields(item: dict[str, Any], by_label: dict[str, type[models.Model]]) -> list[models.Field[Any, Any]]:
    label = item["model"]
    if label not in by_label:
        raise BackupError(f"taulu {label} puuttuu tästä Polun versiosta")
    by_name = {f.attname: f for f in columns(by_label[label])}
    if set(item["columns"]) != set(by_name) or len(item["columns"]) != len(by_name):
        raise BackupError(f"taulun {label} sarakkeet eivät vastaa tätä versiota")
    return [by_name[c] for c in item["columns"]]


def _insert(model: type[models.Model], fields: list[models.Field[Any, Any]], batch: list[Any], using: str) -> None:
    """Insert rows as they are (``raw``: no ``auto_now`` or other field pre-save rewrites a stored value)."""
    query = InsertQuery(model)
    query.insert_values(fields, batch, raw=True)
    query.get_compiler(using=using).execute_sql(returning_fields=None)


def _load(path: Path, using: str) -> dict[str, int]:
    connection = connections[using]
    by_label = {m._meta.label_lower: m for m in backed_up_models()}
    empty_tables(using)
    counts: dict[str, int] = {}
    trailer: dict[str, int] | None = None
    model: type[models.Model] | None = None
    fields: list[models.Field[Any, Any]] = []
    batch: list[Any] = []
    with gzip.open(path, "rb") as gz:
        _header(gz.readline())
        for raw in gz:
            item = json.loads(raw)
            if isinstance(item, list):
                if model is None:
                    raise BackupError("rivi ennen taulun nimeä: tiedosto on vioittunut")
                batch.append(types.SimpleNamespace(**{
                    f.attname: None if v is None else f.to_python(v) for f, v in zip(fields, item, strict=True)}))
                counts[model._meta.label_lower] += 1
                if len(batch) >= WRITE_BATCH:
                    _insert(model, fields, batch, using)
                    batch.clear()
                continue
            if batch and model is not None:
                _insert(model, fields, batch, using)
                batch.clear()
            if item.get("end"):
                trailer = item["tables"]
                break
            fields = _table_fields(item, by_label)
            model = by_label[item["model"]]
            counts[item["model"]] = 0
    if trailer is None:
        raise BackupError("varmuuskopio on katkennut (loppumerkintä puuttuu): mitään ei palautettu")
    if trailer != counts:
        raise BackupError("varmuuskopion rivimäärät eivät täsmää: mitään ei palautettu")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(by_label.values())):
            cursor.execute(sql)
    return counts
