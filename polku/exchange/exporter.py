"""Export: Polku's current facts of a scope as files of the exchange format, so data can move between installations.

A record imported earlier keeps its source key (system and id) on the way out, so exporting and importing it back
changes nothing; a fact recorded in Polku itself gets the key ``polku`` + its lineage (a person: its id). Rows are
streamed from the database in chunks and written as they come: CSV (semicolons, decimal comma, ISO dates, UTF-8),
JSON Lines or Parquet. Persons pseudonymised by the retention schedule are left out with their facts: they have no
identity code to hand on, and what is kept of them is kept only for this installation's statistics.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from polku.exchange.adopt import OWN_SYSTEM, ROW_TABLES
from polku.exchange.facts import FACT_TABLES, living_in
from polku.exchange.models import SourceRecord
from polku.exchange.schema import Entity, entities
from polku.people import personal_id
from polku.people.models import Person
from polku.timeline.models import facts_of

CHUNK = 5000
EXTENSIONS = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet"}


@dataclass
class ExportedFile:
    entity: str
    path: Path
    rows: int


def scoped_persons(municipalities: set[str] | None) -> QuerySet[Person]:
    """Persons who live in ``municipalities`` today (the access policy's placement); everyone for None."""
    if municipalities is None:
        return Person.objects.all()
    return Person.objects.filter(pk__in=living_in(municipalities).values("person_id"))


class Keys:
    """Source keys: the imported record's own, else Polku's."""

    def __init__(self) -> None:
        self.person_keys: dict[Any, tuple[str, str]] = {}

    @staticmethod
    def of_facts(entity: str, ids: list[Any], *, by: str = "lineage") -> dict[Any, tuple[str, str]]:
        found: dict[Any, tuple[str, str]] = {}
        for start in range(0, len(ids), CHUNK):
            rows = SourceRecord.objects.filter(entity=entity, retracted_at__isnull=True,
                                               **{f"{by}__in": ids[start:start + CHUNK]})
            for key, system, source_id in rows.values_list(by, "system", "source_id"):
                found[key] = (system, source_id)
        return found


def _cell(value: Any, kind: str) -> Any:
    """A value as the format writes it: CSV with a decimal comma and true/false, JSON with decimals as text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",") if kind == "csv" else f"{value:.2f}"
    if kind == "csv" and isinstance(value, bool):
        return "true" if value else "false"
    return "" if kind == "csv" and value is None else value


class Writer:
    """One file of one entity in one format; rows are written as they come."""

    def __init__(self, path: Path, entity: Entity, kind: str) -> None:
        self.path, self.entity, self.kind, self.rows = path, entity, kind, 0
        self.columns = [f.name for f in entity.fields if f.name != "deleted"
                        and not (entity.has_person and f.name == "personal_id")]
        self.buffer: list[dict[str, Any]] = []
        if kind == "csv":
            self.stream = path.open("w", encoding="utf-8", newline="")
            self.csv = csv.writer(self.stream, delimiter=";")
            self.csv.writerow(self.columns)
        elif kind == "jsonl":
            self.stream = path.open("w", encoding="utf-8")
        else:
            import pyarrow.parquet as pq

            self.parquet = pq.ParquetWriter(path, self._arrow_schema())

    def _arrow_schema(self) -> Any:
        import pyarrow as pa

        types = {"string": pa.string(), "integer": pa.int64(), "number": pa.decimal128(12, 2), "boolean": pa.bool_(),
                 "date": pa.date32(), "yearmonth": pa.string()}
        return pa.schema([(name, types[self.entity.field(name).type]) for name in self.columns])

    def write(self, row: dict[str, Any]) -> None:
        self.rows += 1
        if self.kind == "csv":
            self.csv.writerow([_cell(row.get(c), "csv") for c in self.columns])
        elif self.kind == "jsonl":
            self.stream.write(json.dumps({c: _cell(row.get(c), "jsonl") for c in self.columns}, ensure_ascii=False) + "\n")
        else:
            self.buffer.append(row)
            if len(self.buffer) >= CHUNK:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.buffer:
            columns = {c: [r.get(c) for r in self.buffer] for c in self.columns}
            self.parquet.write_table(pa.Table.from_pydict(columns, schema=self._arrow_schema()))
            self.buffer = []

    def close(self) -> None:
        if self.kind == "parquet":
            self._flush()
            self.parquet.close()
        else:
            self.stream.close()


def export_files(out_dir: Path, *, municipalities: set[str] | None, kind: str = "csv",
                 wanted: set[str] | None = None) -> list[ExportedFile]:
    """Write every entity (or those ``wanted``) of the persons in scope into ``out_dir``; returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    persons = scoped_persons(municipalities)
    person_keys: dict[Any, dict[str, str]] = {}  # person → the columns that name them in other files
    written: list[ExportedFile] = []
    order = entities()
    # Persons first: every other file refers to their keys.
    writer = Writer(out_dir / f"persons{EXTENSIONS[kind]}", order["persons"], kind)
    for chunk in _person_chunks(persons):
        keys = Keys.of_facts("persons", [p.pk for p in chunk], by="person_id")
        for person in chunk:
            code = personal_id.decrypt(person.personal_id_encrypted)
            if personal_id.is_pseudonym(code):
                # Pseudonymised by the retention schedule: their facts count in this installation's statistics, but
                # they have no identity code to hand on, and another system must not receive them as a person.
                continue
            system, source_id = keys.get(person.pk, (OWN_SYSTEM, str(person.pk)))
            person_keys[person.pk] = {"person_system": system, "person_id": source_id}
            if wanted is None or "persons" in wanted:
                writer.write({"source_system": system, "source_id": source_id,
                              "personal_id": code,
                              "first_names": person.first_names, "last_name": person.last_name,
                              "birth_date": person.birth_date, "language": person.language, "education": person.education,
                              "immigrant_background": person.immigrant_background,
                              "team": person.team.name if person.team_id and person.team else ""})
    writer.close()
    written.append(ExportedFile("persons", writer.path, writer.rows))
    ids = list(person_keys)
    for name, table in FACT_TABLES.items():
        if wanted is not None and name not in wanted:
            continue
        writer = Writer(out_dir / f"{name}{EXTENSIONS[kind]}", order[name], kind)
        for start in range(0, len(ids), CHUNK):
            rows = list(facts_of(table.model).current().filter(person_id__in=ids[start:start + CHUNK])
                        .order_by("person_id", "pk").values("person_id", "lineage", *table.model_fields))
            keys = Keys.of_facts(name, [r["lineage"] for r in rows])
            for row in rows:
                system, source_id = keys.get(row["lineage"], (OWN_SYSTEM, str(row["lineage"])))
                values = table.record_values(row)
                if name == "benefit_months":
                    values["month"] = f"{values['month']:%Y-%m}"
                writer.write({"source_system": system, "source_id": source_id, **person_keys[row["person_id"]],
                              **values})
        writer.close()
        written.append(ExportedFile(name, writer.path, writer.rows))
    for name in ROW_TABLES:
        if wanted is None or name in wanted:
            written.append(_export_rows(out_dir, order[name], kind, person_keys, ids))
    return written


def _person_chunks(persons: QuerySet[Person]) -> Iterator[list[Person]]:
    chunk: list[Person] = []
    for person in persons.select_related("team").order_by("pk").iterator(chunk_size=CHUNK):
        chunk.append(person)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _export_rows(out_dir: Path, entity: Entity, kind: str, person_keys: dict[Any, dict[str, str]],
                 ids: list[Any]) -> ExportedFile:
    """An entity without versions (responsible counsellors, decisions): every row of the persons in scope."""
    table = ROW_TABLES[entity.name]
    writer = Writer(out_dir / f"{entity.name}{EXTENSIONS[kind]}", entity, kind)
    for start in range(0, len(ids), CHUNK):
        rows = list(table.model._default_manager.filter(person_id__in=ids[start:start + CHUNK])
                    .order_by("person_id", "pk").values(*table.fields))
        keys = Keys.of_facts(entity.name, [r["pk"] for r in rows], by="fact_id")
        for row in rows:
            system, source_id = keys.get(row["pk"], (OWN_SYSTEM, table.own_key(row["pk"])))
            writer.write({"source_system": system, "source_id": source_id, **person_keys[row["person_id"]],
                          **table.values(row)})
    writer.close()
    return ExportedFile(entity.name, writer.path, writer.rows)
