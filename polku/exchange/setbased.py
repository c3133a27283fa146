"""The set-based path of the import: a benefit-months file loaded, checked, planned and written in SQL (and, through
:mod:`polku.exchange.setbased_facts`, a file of one of the other dated facts the same way).

Benefit months (Kela's monthly payments) are most of a register's rows and the whole of the common monthly delta.
The row path (:mod:`polku.exchange.rows`, :mod:`polku.exchange.importer`) makes a Python record of every row, checks,
hashes, spills, plans and writes it one at a time. Here the file's rows go into a staging table as they are
(PostgreSQL ``COPY``, SQLite ``executemany``), and the rest is a few statements over the whole file:

1. **certain form**: every cell is in the form an export writes (``2024-02``, ``781,41``, codes of the schema, ids of
   plain characters and no identity code among them), checked as SQL conditions on the raw cells — the keys as the
   rows are staged (:func:`polku.exchange.setbased_sql.keys_uncertain`, a pattern per cell, where Python is faster);
2. **plan**: each row's person by its source key (in this import, or imported earlier), its source record, its
   content hash — byte for byte :func:`polku.exchange.rows.digest` of the same values — and so its action (new,
   changed, unchanged), as joins;
3. **certain outcome**: none of the row path's problems can arise (an unknown person, a source key twice, a record
   of another person, a restored or deleted record, a month before birth or not yet paid, more days than weekdays
   alone or with the person's other current rows, a second current row of the same kind), and no record is one of
   Polku's own keys that :func:`polku.exchange.adopt.own_keyed` would adopt (a new ``polku`` key of uuid length);
4. **write**, inside the import's transaction after the row path's partitions (persons first): ``UPDATE`` the
   superseded versions, ``INSERT … SELECT`` the new versions and source records, ``UPDATE … FROM`` the changed ones.

The row path stays the one definition of a row, of a problem and of its message: whenever anything about a file is
not certain (another format, encoding or column mapping, a code list, a cell in another form, any condition of step
3, a full snapshot, an importer limited to an area, more than one file of the entity), the file goes through the row
path as before, and the refusal lists what the row path finds. So the set-based path never reports a problem; it
only takes the files that would have none, and writes what the row path would have written.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from polku.core.bulk import adapter, insert
from polku.core.calendar import max_benefit_days_in_month, month_start
from polku.exchange import setbased_facts
from polku.exchange.models import ImportMode
from polku.exchange.phases import Stopwatch
from polku.exchange.profiles import Profile
from polku.exchange.readers import UnreadableFile, file_format, open_file
from polku.exchange.rows import ColumnMap
from polku.exchange.schema import entities
from polku.exchange.setbased_sql import (
    DAYS,
    FALSE,
    KEYS_UNCERTAIN,
    OWN_KEY,
    PERSONS,
    RESOLVED,
    STAGE,
    STAGED_KEYS,
    NotCertain,
    key_uncertain,
    keys_uncertain,
    resolving,
    source_order,
    with_current,
)
from polku.timeline.models import BenefitMonth

ENTITY = "benefit_months"
LIMITS = "polku_setbased_limits"
PLAN = "polku_setbased_plan"
TABLES = (STAGE, PERSONS, LIMITS, PLAN, DAYS, *map(setbased_facts.plan_table, setbased_facts.ENTITIES))
# The entities whose files the path may take: benefit months here, the other dated facts in setbased_facts.
ENTITIES = (ENTITY, *setbased_facts.ENTITIES)
FIELDS = ("source_system", "source_id", "person_system", "person_id", "personal_id", "month", "benefit_type", "basis",
          "days", "amount", "deleted")
TIMING = bool(os.environ.get("POLKU_SETBASED_TIMING"))  # each statement's seconds to stderr (the benchmark's look)
# Off (POLKU_IMPORT_SET_BASED=0): every file through the row path (the parity tests and the benchmark's "before").
ENABLED = os.environ.get("POLKU_IMPORT_SET_BASED", "1") != "0"


@dataclass
class Taken:
    """A file the set-based path took: its rows, their actions and systems."""

    entity: str
    name: str
    sha256: str
    bytes: int
    rows: int
    counts: dict[str, int]
    systems: set[str]


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass
class SetBased:
    """The set-based path of one import (see the module's docstring); ``stage`` takes a file or leaves it."""

    profile: Profile
    watch: Stopwatch  # the import's: staging is reading, the plan is checking
    taken: list[Taken] = field(default_factory=list)
    persons_loaded: bool = False
    days_loaded: bool = False

    @classmethod
    def for_import(cls, profile: Profile, mode: str, allowed_municipalities: set[str] | None,
                   watch: Stopwatch) -> SetBased | None:
        """None where the import is not of the kind the path is certain of: a full snapshot retracts what it lacks,
        and an importer limited to an area has every person's home checked — both by the row path."""
        if not ENABLED or mode != ImportMode.DELTA or allowed_municipalities is not None:
            return None
        if connection.vendor not in ("sqlite", "postgresql"):
            return None
        return cls(profile, watch)

    # -- SQL of either database ------------------------------------------------------------------------------

    @property
    def pg(self) -> bool:
        return connection.vendor == "postgresql"

    def glob_or_regex(self, column: str, sqlite_globs: list[str], pg_regex: str) -> str:
        """True when ``column`` matches one of the globs (SQLite) or the regular expression (PostgreSQL)."""
        if self.pg:
            return f"{column} ~ '{pg_regex}'"
        return "(" + " OR ".join(f"{column} GLOB '{g}'" for g in sqlite_globs) + ")"

    def _execute(self, sql: str, params: list[Any] | None = None) -> Any:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall() if cursor.description else None
        if TIMING:
            sys.stderr.write(f"{time.perf_counter() - started:8.3f} s  {' '.join(sql.split())[:90]}\n")
        return found

    def analyze(self, table: str) -> None:
        """PostgreSQL's statistics of a table the path made (autovacuum never looks at temporary tables): planned
        without them, a join of two million staged rows was sorted on disk where a hash of the persons would do."""
        if self.pg:
            self._execute(f"ANALYZE {table}")

    def _types(self) -> dict[str, str]:
        return {"uuid": "uuid" if self.pg else "char(32)", "date": "date" if self.pg else "text"}

    def new_uuid(self) -> str:
        """SQL of a new random (version 4) UUID as each database stores it: PostgreSQL's own function; on SQLite 32
        hex digits from its random bytes, with the version and variant digits set."""
        if self.pg:
            return "gen_random_uuid()"
        return ("lower(hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2) || "
                "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))")

    def _register(self) -> None:
        if not self.pg:
            connection.ensure_connection()
            raw = connection.connection
            raw.create_function("polku_md5", 1, _md5, deterministic=True)

    def close(self) -> None:
        """Drop the path's tables. Not in a transaction already marked to roll back (an error on the way out): the
        tables made inside it go with it, the rest with the connection, and the error stays the one raised."""
        if connection.needs_rollback or (connection.in_atomic_block and connection.vendor == "postgresql"
                                         and connection.connection is not None
                                         and connection.connection.info.transaction_status == 3):  # INERROR
            return
        for table in TABLES:
            self._execute(f"DROP TABLE IF EXISTS {table}")

    # -- 1. stage ------------------------------------------------------------------------------------------

    def stage(self, entity: str, path: Path, name: str, sha: str, size: int, *,
              persons: dict[tuple[str, str], list[Any]]) -> Taken | None:
        """Take the file if every row of it is certain (the taken file's counts), else leave it (None) with nothing
        left behind. ``persons``: this import's persons by source key, each ``[person key, row, birth date]``."""
        before = (self.persons_loaded, self.days_loaded)
        try:
            # A savepoint of its own: a staging load stopped half-way (PostgreSQL's COPY) or any table made on the
            # way is undone with it, and a transaction around the import stays usable for the row path.
            with transaction.atomic():
                if entity == ENTITY:
                    taken = self._stage(path, name, sha, size, persons)
                else:
                    taken = self._stage_fact(entity, path, name, sha, size, persons=persons)
        except NotCertain:
            # The tables made inside the savepoint went with it; those of an earlier file stay.
            self.persons_loaded, self.days_loaded = before
            if TIMING:
                sys.stderr.write(f"{entity}: the row path\n")
            return None
        self.taken.append(taken)
        return taken

    def _load_stage(self, entity: str, path: Path, name: str, fields: tuple[str, ...]) -> None:
        """The file's cells of ``fields`` into the staging table, as they are (the checks that follow decide)."""
        if any(t.entity == entity for t in self.taken):  # one file an entity: a key used twice across files is the
            raise NotCertain                            # row path's to name
        mapping = self.profile.mappings.get(entity)
        if mapping is None or mapping.codes:
            raise NotCertain
        try:
            if file_format(name) != "csv" or _holds_nul(path):
                raise NotCertain
            opened = open_file(path, name)
        except UnreadableFile:
            raise NotCertain from None
        schema = entities()[entity]
        columns = ColumnMap(schema, mapping, opened)
        if columns.problems or len(set(opened.header)) != len(opened.header):
            # A header twice: the row reader takes its last cell, and whether it is certain is the row path's call.
            opened.rows.close()  # type: ignore[attr-defined]
            raise NotCertain
        opened.rows.close()  # type: ignore[attr-defined]  # read again below, as plain cells
        self._register()
        self.close_stage()
        self._execute(f"CREATE TEMP TABLE {STAGE} (line integer, {', '.join(f'{f} text' for f in fields)}, "
                      f"{KEYS_UNCERTAIN} integer)")
        started = time.perf_counter()
        insert(connection, STAGE, ["line", *fields, KEYS_UNCERTAIN],
               _csv_cells(path, opened.encoding, opened.header, [columns.columns.get(f) for f in fields], fields))
        if TIMING:
            sys.stderr.write(f"{time.perf_counter() - started:8.3f} s  staging load\n")
        self.analyze(STAGE)

    def _stage_fact(self, entity: str, path: Path, name: str, sha: str, size: int, *,
                    persons: dict[tuple[str, str], list[Any]]) -> Taken:
        described = setbased_facts.spec(entity)
        self._load_stage(entity, path, name, described.fields)
        setbased_facts.load_days(self)
        setbased_facts.check_form(self, described)
        self._load_persons(persons)
        self.watch.lap("read")
        setbased_facts.plan(self, described)
        setbased_facts.check_outcome(self, described)
        taken = self._taken(entity, name, sha, size, setbased_facts.plan_table(entity))
        self.watch.lap("check")
        return taken

    def _taken(self, entity: str, name: str, sha: str, size: int, plan: str) -> Taken:
        counts = dict(self._execute(f"SELECT action, COUNT(*) FROM {plan} GROUP BY action"))
        systems = {s for (s,) in self._execute(f"SELECT DISTINCT system FROM {plan}")}
        return Taken(entity=entity, name=name, sha256=sha, bytes=size, rows=sum(counts.values()),
                     counts={a: int(counts.get(a, 0)) for a in ("new", "changed", "unchanged")}, systems=systems)

    def _stage(self, path: Path, name: str, sha: str, size: int, persons: dict[tuple[str, str], list[Any]]) -> Taken:
        self._load_stage(ENTITY, path, name, FIELDS)
        self._check_form()
        self._load_persons(persons)
        self.watch.lap("read")
        self._plan()
        self._check_outcome()
        taken = self._taken(ENTITY, name, sha, size, PLAN)
        self.watch.lap("check")
        return taken

    def close_stage(self) -> None:
        for table in (STAGE,):
            self._execute(f"DROP TABLE IF EXISTS {table}")

    def _check_form(self) -> None:
        """Every raw cell in the one form the SQL converts exactly as the row reader does (else: the row path)."""
        schema = entities()[ENTITY]
        codes = {f: schema.field(f).enum or () for f in ("benefit_type", "basis")}
        digit = "[0-9]"

        month_form = self.glob_or_regex("month", [f"[12]{digit * 3}-[01]{digit}"], "^[12][0-9]{3}-[01][0-9]$")
        days_form = self.glob_or_regex("days", [digit, f"[1-9]{digit}"], "^([0-9]|[1-9][0-9])$")
        whole = "substr(amount, 1, length(amount) - 3)"
        amount_form = ("amount ~ '^(0|[1-9][0-9]{0,7}),[0-9]{2}$'" if self.pg else
                       f"(amount GLOB '*,{digit}{digit}' AND length(amount) BETWEEN 4 AND 11 "
                       f"AND NOT {whole} GLOB '*[^0-9]*' AND NOT ({whole} GLOB '0?*'))")
        uncertain = " OR ".join([
            "source_id IS NULL", "person_id IS NULL", "month IS NULL", "benefit_type IS NULL", "days IS NULL",
            "amount IS NULL", f"{KEYS_UNCERTAIN} = 1",
            f"NOT {month_form}", "CAST(substr(month, 6, 2) AS integer) NOT BETWEEN 1 AND 12",
            "CAST(substr(month, 1, 4) AS integer) NOT BETWEEN 1900 AND 2100",
            f"benefit_type NOT IN ({', '.join(repr(c) for c in codes['benefit_type'])})",
            f"COALESCE(basis, '') NOT IN ('', {', '.join(repr(c) for c in codes['basis'])})",
            f"NOT {days_form}", "CAST(days AS integer) > 23",
            f"NOT {amount_form}", "(CAST(days AS integer) = 0 AND amount <> '0,00')",
            f"lower(COALESCE(deleted, '')) NOT IN ({', '.join(repr(v) for v in FALSE)})",
        ])
        found = self._execute(f"SELECT 1 FROM {STAGE} WHERE {uncertain} LIMIT 1")
        if found:
            raise NotCertain

    def _load_persons(self, persons: dict[tuple[str, str], list[Any]]) -> None:
        """This import's persons by source key, and the weekdays of every month (once per import)."""
        if self.persons_loaded:
            return
        t = self._types()
        self._execute(f"CREATE TEMP TABLE {PERSONS} (system text, source_id text, person_key {t['uuid']}, "
                      f"birth {t['date']})")
        adapt = adapter(connection.vendor)
        insert(connection, PERSONS, ["system", "source_id", "person_key", "birth"],
               ((system, source_id, adapt(entry[0]), adapt(entry[2])) for (system, source_id), entry in persons.items()
                if entry[0] is not None))
        self._execute(f"CREATE INDEX {PERSONS}_key ON {PERSONS} (source_id, system)")
        self.analyze(PERSONS)
        self._execute(f"CREATE TEMP TABLE {LIMITS} (month {t['date']} PRIMARY KEY, weekdays integer)")
        months = [date(y, m, 1) for y in range(1900, 2101) for m in range(1, 13)]
        insert(connection, LIMITS, ["month", "weekdays"],
               ((m.isoformat(), max_benefit_days_in_month(m)) for m in months))
        self.persons_loaded = True

    def _plan(self) -> None:
        """Each row's person, source record, values, content hash and action (one table)."""
        month = "CAST(s.month || '-01' AS date)" if self.pg else "s.month || '-01'"
        month_text = "s.month || '-01'"
        # rows.digest: json of the content fields, keys sorted, default separators; the values are ASCII codes and
        # digits here (the form check), so no escaping can differ.
        canonical = ("'{\"amount\": \"' || s.amount_c || '\", \"basis\": \"' || s.basis_c || "
                     "'\", \"benefit_type\": \"' || s.benefit_type || '\", \"days\": ' || CAST(s.days_i AS text) || "
                     f"', \"month\": \"' || {month_text} || '\"}}'")
        md5 = "md5" if self.pg else "polku_md5"
        new_lineage = self.new_uuid()
        birth_month = "CAST(date_trunc('month', birth) AS date)" if self.pg else "substr(birth, 1, 7) || '-01'"
        self._execute(f"DROP TABLE IF EXISTS {PLAN}")
        self._execute(f"""
            CREATE TEMP TABLE {PLAN} AS
            SELECT p.*, CASE WHEN p.sr_id IS NULL THEN 'new' WHEN p.sr_hash = p.hash THEN 'unchanged'
                             ELSE 'changed' END AS action,
                   CASE WHEN p.sr_id IS NULL THEN {new_lineage} ELSE p.sr_lineage END AS lineage,
                   CASE WHEN p.birth IS NULL THEN NULL ELSE {birth_month} END AS birth_month
            FROM (
                SELECT {RESOLVED},
                       {month} AS month, s.benefit_type, s.basis_c AS basis, s.days_i AS days,
                       s.amount_c AS amount, {md5}({canonical}) AS hash
                FROM (
                    SELECT line, source_id, person_id, month, benefit_type, amount,
                           COALESCE(NULLIF(source_system, ''), %s) AS system,
                           COALESCE(NULLIF(person_system, ''), NULLIF(source_system, ''), %s) AS person_system,
                           COALESCE(NULLIF(basis, ''), 'unemployment') AS basis_c,
                           CAST(days AS integer) AS days_i, replace(amount, ',', '.') AS amount_c
                    FROM {STAGE}
                ) s
                {resolving(ENTITY)}
            ) p
        """, [self.profile.system, self.profile.system])
        self._execute(f"CREATE INDEX {PLAN}_person ON {PLAN} (person_key, month)")
        self.analyze(PLAN)

    def _check_outcome(self) -> None:
        """None of the row path's problems can arise (else: the row path, which names them)."""
        this_month = month_start(timezone.localdate())
        when = "CAST(%s AS date)" if self.pg else "%s"
        own_key = f"OR {OWN_KEY}" if BenefitMonth.objects.exists() else ""
        single = f"""
            SELECT 1 FROM {PLAN} WHERE person_key IS NULL
                OR (sr_id IS NOT NULL AND (sr_retracted IS NOT NULL OR sr_person <> person_key))
                OR month > {when}
                OR month < birth_month
                {own_key}
                OR days > (SELECT weekdays FROM {LIMITS} l WHERE l.month = {PLAN}.month)
            LIMIT 1"""
        if self._execute(single, [this_month.isoformat()]):
            raise NotCertain
        if self._execute(f"SELECT 1 FROM {PLAN} GROUP BY system, source_id HAVING COUNT(*) > 1 LIMIT 1"):
            raise NotCertain
        # The person's current rows that stay (not superseded by this file) with the incoming ones: one row per kind
        # and month, days within the month's weekdays. Only groups with an incoming row count (as in the row path).
        # Both in one pass: each kind's rows of a month, then the month's kinds.
        kept = ["month", "benefit_type", "basis", "days"]
        combined = with_current(PLAN, BenefitMonth._meta.db_table, kept, kept)
        kinds = (f"SELECT person, month, COUNT(*) AS n, SUM(days) AS days, SUM(incoming) AS incoming "
                 f"FROM ({combined}) c GROUP BY person, month, benefit_type, basis")
        broken = (f"SELECT 1 FROM ({kinds}) k JOIN {LIMITS} l ON l.month = k.month GROUP BY k.person, k.month, "
                  f"l.weekdays HAVING MAX(CASE WHEN k.n > 1 AND k.incoming > 0 THEN 1 ELSE 0 END) = 1 "
                  f"OR (SUM(k.days) > l.weekdays AND SUM(k.incoming) > 0) LIMIT 1")
        if self._execute(broken):
            raise NotCertain

    # -- 4. write ------------------------------------------------------------------------------------------

    def write(self, run: Any, actor: Any) -> int:
        """Write what the taken files' plans say (inside the import's transaction); the rows written."""
        actor_id = actor.pk if actor is not None else None
        label = f"{run.created_at:%d.%m.%Y %H.%M}"
        reason = f"Muuttunut lähteessä (tuonti {label})"[:500]
        for taken in self.taken:
            if taken.entity == ENTITY:
                self._write_benefit_months(run, actor_id, reason, taken.name[:255])
            else:
                setbased_facts.write(self, setbased_facts.spec(taken.entity), file=taken.name[:255], run=run,
                                     actor_id=actor_id, reason=reason)
        return sum(t.counts["new"] + t.counts["changed"] for t in self.taken)

    def _write_benefit_months(self, run: Any, actor_id: int | None, reason: str, file: str) -> None:
        adapt = adapter(connection.vendor)
        now = timezone.now()
        table = BenefitMonth._meta.db_table
        self._execute(f"""
            UPDATE {table} SET superseded_at = %s, superseded_by_user_id = %s, correction_reason = %s
            WHERE superseded_at IS NULL
              AND lineage IN (SELECT sr_lineage FROM {PLAN} WHERE action = 'changed')""",
                      [adapt(now), actor_id, reason])
        amount = "CAST(amount AS numeric(10, 2))" if self.pg else "amount"
        self._execute(f"""
            INSERT INTO {table} (person_id, lineage, recorded_at, recorded_by_id, source, superseded_at,
                                 superseded_by_user_id, correction_reason, month, benefit_type, basis, days, amount)
            SELECT person_key, lineage, %s, %s, 'import', NULL, NULL, '', month, benefit_type, basis, days, {amount}
            FROM {PLAN} WHERE action IN ('new', 'changed') ORDER BY line""",
                      [adapt(now), actor_id])
        self._execute(f"""
            INSERT INTO exchange_sourcerecord (system, entity, source_id, person_id, lineage, fact_id, fact_date,
                                               content_hash, run_id, file, "row", retracted_at)
            SELECT system, '{ENTITY}', source_id, person_key, lineage, NULL, month, hash, %s, %s, line, NULL
            FROM {PLAN} WHERE action = 'new' {source_order(connection.vendor)}""",
                      [adapt(run.pk), file])
        self._execute(f"""
            UPDATE exchange_sourcerecord SET person_id = p.person_key, lineage = p.lineage, fact_id = NULL,
                   fact_date = p.month, content_hash = p.hash, run_id = %s, file = %s, "row" = p.line, retracted_at = NULL
            FROM {PLAN} p WHERE exchange_sourcerecord.id = p.sr_id AND p.action = 'changed'""",
                      [adapt(run.pk), file])


def _holds_nul(path: Path) -> bool:
    """True when the file has a NUL character anywhere (in UTF-8 and Windows-1252 alike a zero byte). Python's CSV
    reader takes it in a cell, SQLite's text functions stop at it and PostgreSQL refuses it: the row path's."""
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 24):
            if b"\0" in chunk:
                return True
    return False


def _csv_cells(path: Path, encoding: str, header: list[str], wanted: list[str | None],
               fields: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    """(row number, *cells of the ``wanted`` headers, whether the keys are uncertain) of a CSV file, numbered and
    skipped as :func:`polku.exchange.readers.open_file` does (the header is row 1, a blank row is skipped, a missing
    cell is None); a row with more cells than headers is not certain. Cells as they are: the form check takes only
    cells without surrounding spaces. ``fields``: the names of ``wanted``, among them the keys that
    :func:`~polku.exchange.setbased_sql.keys_uncertain` judges as each row passes (in Python: a pattern over a few
    short cells costs less here than either database's pattern matching over the staged table)."""
    width = len(header)
    # Each wanted cell by its place in the row; a wanted header the file lacks reads the None put after the last cell.
    positions = [header.index(h) if h is not None else width for h in wanted]
    selected = itemgetter(*positions)
    keys = itemgetter(*(fields.index(name) for name in STAGED_KEYS))
    key = positions[fields.index("source_id")]  # a required column: a row with it is not blank
    assert key != width
    with path.open("r", encoding=encoding, newline="") as stream:
        first = stream.readline()
        delimiter = max((";", "\t", ","), key=first.count) if first.strip() else ";"
        stream.seek(0)
        reader = csv.reader(stream, delimiter=delimiter)
        next(reader)
        line = reader.line_num
        last_person: str | None = ""
        last_system: str | None = ""
        person_uncertain = True
        for read in reader:
            number, line = line + 1, reader.line_num
            cells: list[str | None] = read  # type: ignore[assignment]
            if len(read) != width:
                if len(read) > width and any(c.strip() for c in read[width:]):
                    raise NotCertain
                cells = cells[:width] + [None] * (width - len(cells))
            probe = cells[key]
            if (probe is None or not probe.strip()) and not any(c is not None and c.strip() for c in cells):
                continue
            cells.append(None)
            row = selected(cells)
            source_system, source_id, person_system, person_id, personal_id = keys(row)
            if person_id != last_person or person_system != last_system:  # an export's rows come by person
                last_person, last_system = person_id, person_system
                person_uncertain = key_uncertain(person_system, person_id)
            yield (number, *row, int(keys_uncertain(source_system, source_id, personal_id,
                                                    person_uncertain=person_uncertain)))
