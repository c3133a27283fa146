"""The set-based path for the timeline's other dated facts: homes, job searches, status spells, employment conditions,
meetings and application reports.

The same four steps as benefit months (:mod:`polku.exchange.setbased`, whose docstring gives the reasoning): a file
of one of these entities is staged as it is, its cells are checked to be in the one form an export writes, each row
is planned by joins, and only when none of the row path's problems can arise is the file taken; otherwise it goes
through the row path, which names the problems. What is checked here, each as the row path checks it
(:mod:`polku.exchange.rows`, :class:`polku.exchange.importer.Importer`):

- **form**: dates ISO ``yyyy-mm-dd`` and real days from 1900 up to a year ahead, codes of the schema's lists, a
  municipality as three digits, counts as plain digits within the schema's range, no deletion;
- **the row**: an end not before the start, a job search ended with a reason (and only then), a service only on a
  spell in a service, no date before the person's birth, a municipality valid over the whole home spell;
- **the person's facts**: the file's current rows with the person's other current ones (those the file does not
  replace) — spells that never overlap, one employment condition a day, one application report a period.

Plans keep a version number of their own and stay on the row path; so do homes where the import has decisions,
whose paying municipality the row path fills in from the homes of the same import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from polku.core.bulk import adapter, insert
from polku.exchange.facts import FACT_TABLES, NON_OVERLAPPING, UNIQUE_PER_PERSON
from polku.exchange.schema import Entity, Field, entities
from polku.exchange.setbased_sql import (
    DAYS,
    FALSE,
    KEYS_UNCERTAIN,
    OWN_KEY,
    RESOLVED,
    STAGE,
    NotCertain,
    resolving,
    source_order,
    with_current,
)
from polku.timeline.db_guards import first_overlap
from polku.timeline.validators import FUTURE_LIMIT

if TYPE_CHECKING:
    from polku.exchange.setbased import SetBased

ENTITIES = ("homes", "job_searches", "status_spells", "employment_conditions", "meetings", "application_reports")


def plan_table(entity: str) -> str:
    return f"polku_setbased_plan_{entity}"


@dataclass(frozen=True)
class Spec:
    """How one entity's staged text columns are checked and turned into values."""

    entity: Entity

    @property
    def fields(self) -> tuple[str, ...]:
        """The staged columns: the keys, the person reference, the content and the deletion flag."""
        return tuple(f.name for f in self.entity.fields)

    @property
    def content(self) -> tuple[Field, ...]:
        return tuple(self.entity.field(name) for name in self.entity.content_fields)

    @property
    def table(self) -> Any:
        return FACT_TABLES[self.entity.name]


def spec(entity: str) -> Spec:
    return Spec(entities()[entity])


# -- 1. form -------------------------------------------------------------------------------------------------

def load_days(sb: SetBased) -> None:
    """Every real day from 1900 up to the latest a fact may have (a year ahead), as ISO text: a date cell is certain
    when it is one of them (once per import)."""
    if sb.days_loaded:
        return
    latest = timezone.localdate() + FUTURE_LIMIT
    first = date(1900, 1, 1)
    sb._execute(f"CREATE TEMP TABLE {DAYS} (day text PRIMARY KEY)")
    insert(connection, DAYS, ["day"],
           (((first + timedelta(days=n)).isoformat(),) for n in range((latest - first).days + 1)))
    sb.days_loaded = True


def check_form(sb: SetBased, s: Spec) -> None:
    """Every raw cell in the one form the SQL converts exactly as the row reader does (else: the row path)."""
    uncertain = ["source_id IS NULL", "person_id IS NULL", f"{KEYS_UNCERTAIN} = 1",
                 f"lower(COALESCE(deleted, '')) NOT IN ({', '.join(repr(v) for v in FALSE)})"]
    for f in s.content:
        column = f.name
        if f.type == "date":
            present = f"{column} NOT IN (SELECT day FROM {DAYS})"
            uncertain.append(present if f.required else f"(COALESCE({column}, '') <> '' AND {present})")
            if f.required:
                uncertain.append(f"{column} IS NULL")
        elif f.type == "integer":
            digits = sb.glob_or_regex(column, ["[0-9]", "[1-9][0-9]"], "^([0-9]|[1-9][0-9])$")
            low, high = int(f.minimum or 0), int(f.maximum if f.maximum is not None else 99)
            if low < 0 or high > 99:
                raise NotCertain  # the form above takes two digits at most
            ranged = f"(NOT {digits} OR CAST({column} AS integer) NOT BETWEEN {low} AND {high})"
            uncertain.append(f"({column} IS NULL OR {ranged})" if f.required
                             else f"(COALESCE({column}, '') <> '' AND {ranged})")
        elif f.type == "string" and f.enum is not None:
            codes = ", ".join(repr(c) for c in f.enum)
            uncertain.append(f"{column} IS NULL OR {column} NOT IN ({codes})" if f.required
                             else f"COALESCE({column}, '') NOT IN ('', {codes})")
        elif f.type == "string" and f.name == "municipality":
            three = sb.glob_or_regex(column, ["[0-9][0-9][0-9]"], "^[0-9]{3}$")
            uncertain.append(f"({column} IS NULL OR NOT {three})")
        else:
            raise NotCertain  # a field of a kind this path does not convert
    found = sb._execute(f"SELECT 1 FROM {STAGE} WHERE {' OR '.join(f'({c})' for c in uncertain)} LIMIT 1")
    if found:
        raise NotCertain


# -- 2. plan -------------------------------------------------------------------------------------------------

def _value(sb: SetBased, f: Field) -> str:
    """A staged text cell as the value the row reader makes of it (an empty date or count is None, a text '')."""
    column = f"s.{f.name}"
    if f.type == "date":
        return f"CAST(NULLIF({column}, '') AS date)" if sb.pg else f"NULLIF({column}, '')"
    if f.type == "integer":
        return f"CAST(NULLIF({column}, '') AS integer)"
    return f"COALESCE({column}, '')"


def _canonical(f: Field) -> str:
    """The field's part of :func:`polku.exchange.rows.digest`'s JSON (the form check leaves ASCII codes, ISO days
    and digits, which JSON writes as they are)."""
    column = f"s.{f.name}"
    if f.type == "date":
        return f"CASE WHEN COALESCE({column}, '') = '' THEN 'null' ELSE '\"' || {column} || '\"' END"
    if f.type == "integer":
        return f"CASE WHEN COALESCE({column}, '') = '' THEN 'null' ELSE {column} END"
    return f"'\"' || COALESCE({column}, '') || '\"'"


def plan(sb: SetBased, s: Spec) -> None:
    """Each row's person, source record, values, content hash and action (one table per entity)."""
    name = s.entity.name
    ordered = sorted(s.content, key=lambda f: f.name)
    parts = []
    for i, f in enumerate(ordered):
        parts.append(f"'{'{' if i == 0 else ', '}\"{f.name}\": '")
        parts.append(_canonical(f))
    canonical = " || ".join([*parts, "'}'"])
    values = ", ".join(f"{_value(sb, f)} AS {f.name}" for f in s.content)
    md5 = "md5" if sb.pg else "polku_md5"
    new_lineage = sb.new_uuid()
    table = plan_table(name)
    sb._execute(f"DROP TABLE IF EXISTS {table}")
    sb._execute(f"""
        CREATE TEMP TABLE {table} AS
        SELECT p.*, CASE WHEN p.sr_id IS NULL THEN 'new' WHEN p.sr_hash = p.hash THEN 'unchanged'
                         ELSE 'changed' END AS action,
               CASE WHEN p.sr_id IS NULL THEN {new_lineage} ELSE p.sr_lineage END AS lineage
        FROM (
            SELECT {RESOLVED}, {values}, {md5}({canonical}) AS hash
            FROM (
                SELECT {', '.join(f'{column} AS {column}' for column in s.fields if column != 'person_system')},
                       line, COALESCE(NULLIF(source_system, ''), %s) AS system,
                       COALESCE(NULLIF(person_system, ''), NULLIF(source_system, ''), %s) AS person_system
                FROM {STAGE}
            ) s
            {resolving(name)}
        ) p
    """, [sb.profile.system, sb.profile.system])
    sb._execute(f"CREATE INDEX {table}_person ON {table} (person_key)")
    sb.analyze(table)


# -- 3. outcome ----------------------------------------------------------------------------------------------

def check_outcome(sb: SetBased, s: Spec) -> None:
    """None of the row path's problems can arise (else: the row path, which names them)."""
    name = s.entity.name
    table = plan_table(name)
    model_table = s.table.model._meta.db_table
    dates = [f.name for f in s.content if f.type == "date"]
    conditions = ["person_key IS NULL",
                  "(sr_id IS NOT NULL AND (sr_retracted IS NOT NULL OR sr_person <> person_key))",
                  *(f"{d} < birth" for d in dates)]
    if s.table.model._default_manager.exists():
        conditions.append(OWN_KEY)
    if s.entity.spell is not None:
        start, end = s.entity.spell
        conditions.append(f"({end} IS NOT NULL AND {end} < {start})")
    if name == "job_searches":
        conditions.append("((ended_on IS NULL) <> (end_reason = ''))")
    elif name == "status_spells":
        conditions.append("((status = 'in_service') <> (service_type <> ''))")
    elif name == "homes":
        conditions.append("""NOT EXISTS (SELECT 1 FROM reference_municipality m WHERE m.code = municipality
                             AND m.valid_from <= start_date
                             AND (m.valid_to IS NULL OR (end_date IS NOT NULL AND end_date <= m.valid_to)))""")
    if sb._execute(f"SELECT 1 FROM {table} WHERE {' OR '.join(conditions)} LIMIT 1"):
        raise NotCertain
    if sb._execute(f"SELECT 1 FROM {table} GROUP BY system, source_id HAVING COUNT(*) > 1 LIMIT 1"):
        raise NotCertain
    fields = dict(s.table.fields)

    def combined(columns: list[str]) -> str:
        return with_current(table, model_table, columns, [fields[c] for c in columns])

    if name in NON_OVERLAPPING:
        start, end = NON_OVERLAPPING[name]
        if sb._execute(first_overlap(f"({combined([start, end])}) c", "person", start, end)):
            raise NotCertain
    unique = UNIQUE_PER_PERSON.get(name)
    if unique:
        columns = list(unique)
        twice = (f"SELECT 1 FROM ({combined(columns)}) c GROUP BY person, {', '.join(columns)} "
                 f"HAVING COUNT(*) > 1 AND SUM(incoming) > 0 LIMIT 1")
        if sb._execute(twice):
            raise NotCertain


# -- 4. write ------------------------------------------------------------------------------------------------

def write(sb: SetBased, s: Spec, *, file: str, run: Any, actor_id: int | None, reason: str) -> None:
    """Write what the entity's plan says (inside the import's transaction), as the row path writes it."""
    name = s.entity.name
    table = plan_table(name)
    model = s.table.model
    model_table = model._meta.db_table
    adapt = adapter(connection.vendor)
    now = timezone.now()
    sb._execute(f"""
        UPDATE {model_table} SET superseded_at = %s, superseded_by_user_id = %s, correction_reason = %s
        WHERE superseded_at IS NULL AND lineage IN (SELECT sr_lineage FROM {table} WHERE action = 'changed')""",
                [adapt(now), actor_id, reason])
    defaults = dict(s.table.defaults)
    columns, selected = [], []
    for theirs, ours in s.table.fields:
        column = model._meta.get_field(ours.removesuffix("_id")).column
        value = f"NULLIF({theirs}, '')" if ours.endswith("_id") else theirs
        if ours in defaults:
            value = f"COALESCE(NULLIF({theirs}, ''), '{defaults[ours]}')"
        columns.append(column)
        selected.append(value)
    if name == "meetings":
        columns.append("notes")
        selected.append("''")
    sb._execute(f"""
        INSERT INTO {model_table} (person_id, lineage, recorded_at, recorded_by_id, source, superseded_at,
                                   superseded_by_user_id, correction_reason, {', '.join(columns)})
        SELECT person_key, lineage, %s, %s, 'import', NULL, NULL, '', {', '.join(selected)}
        FROM {table} WHERE action IN ('new', 'changed') ORDER BY line""", [adapt(now), actor_id])
    fact_date = s.entity.date_field or "NULL"
    sb._execute(f"""
        INSERT INTO exchange_sourcerecord (system, entity, source_id, person_id, lineage, fact_id, fact_date,
                                           content_hash, run_id, file, "row", retracted_at)
        SELECT system, '{name}', source_id, person_key, lineage, NULL, {fact_date}, hash, %s, %s, line, NULL
        FROM {table} WHERE action = 'new' {source_order(connection.vendor)}""", [adapt(run.pk), file])
    sb._execute(f"""
        UPDATE exchange_sourcerecord SET person_id = p.person_key, lineage = p.lineage, fact_id = NULL,
               fact_date = {'p.' + s.entity.date_field if s.entity.date_field else 'NULL'}, content_hash = p.hash,
               run_id = %s, file = %s, "row" = p.line, retracted_at = NULL
        FROM {table} p WHERE exchange_sourcerecord.id = p.sr_id AND p.action = 'changed'""", [adapt(run.pk), file])

