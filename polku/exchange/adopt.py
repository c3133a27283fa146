"""Polku's own keys: what an export writes for facts recorded in Polku itself, and how an import finds them again.

A fact that came from a source system keeps that system's key on the way out. One recorded in Polku has none, so
the export names it ``polku`` + its lineage (a person: its id; an assignment or a decision, which have no versions:
``assignment-<id>`` / ``decision-<id>``). Importing such a file back into the installation it came from must change
nothing: a record with no source record of its own but a key of this form *is* the fact it names, so the import
compares its content with the fact's current version instead of creating a second copy.

The row ↔ record correspondences of the entities without versions live here too, shared with the export.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Model
from django.utils import timezone

from polku.casework.models import CaseAssignment
from polku.core.bulk import chunks
from polku.exchange.facts import FACT_TABLES
from polku.exchange.models import SourceRecord
from polku.exchange.rows import Record, digest
from polku.exchange.schema import entities
from polku.people.models import Person
from polku.provision.models import Decision
from polku.timeline.models import facts_of

OWN_SYSTEM = "polku"
ASSIGNMENT_FIELDS = ("pk", "person_id", "valid_from", "counsellor__username", "team__name", "phase", "ended_at")
DECISION_FIELDS = ("pk", "person_id", "kind", "decided_on", "start_date", "months", "monthly_amount", "percent",
                   "employer__business_id", "employer__name", "employer__kind", "municipality_id")
PERSON_FIELDS = ("pk", "first_names", "last_name", "birth_date", "language", "education", "immigrant_background",
                 "team__name", "personal_id_hash")


def assignment_values(row: dict[str, Any]) -> dict[str, Any]:
    return {"valid_from": row["valid_from"], "counsellor": row["counsellor__username"] or "",
            "team": row["team__name"] or "", "phase": row["phase"],
            "ended_on": timezone.localtime(row["ended_at"]).date() if row["ended_at"] else None}


def decision_values(row: dict[str, Any]) -> dict[str, Any]:
    return {"kind": row["kind"], "decided_on": row["decided_on"], "start_date": row["start_date"],
            "months": row["months"], "monthly_amount": row["monthly_amount"], "percent": row["percent"],
            "employer_business_id": row["employer__business_id"] or "", "employer_name": row["employer__name"] or "",
            "employer_kind": row["employer__kind"] or "", "municipality": row["municipality_id"] or ""}


def person_values(row: dict[str, Any]) -> dict[str, Any]:
    return {"first_names": row["first_names"], "last_name": row["last_name"], "birth_date": row["birth_date"],
            "language": row["language"], "education": row["education"],
            "immigrant_background": row["immigrant_background"], "team": row["team__name"] or "",
            "personal_id_hash": row["personal_id_hash"]}


@dataclass(frozen=True)
class RowTable:
    """An entity stored as plain rows (no versions): its model, the key prefix of Polku's own ids, and its values."""

    model: type[Model]
    key_prefix: str
    fields: tuple[str, ...]
    values: Callable[[dict[str, Any]], dict[str, Any]]

    def own_key(self, pk: int) -> str:
        return f"{self.key_prefix}{pk}"

    def highest_id(self) -> int:
        return int(self.model._default_manager.aggregate(top=Max("pk"))["top"] or 0)


ROW_TABLES = {
    "assignments": RowTable(CaseAssignment, "assignment-", ASSIGNMENT_FIELDS, assignment_values),
    "decisions": RowTable(Decision, "decision-", DECISION_FIELDS, decision_values),
}


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _row_id(text: str, prefix: str) -> int | None:
    number = text.removeprefix(prefix)
    return int(number) if text.startswith(prefix) and number.isdigit() else None


def holds_rows(entity: str) -> bool:
    """Whether the table that Polku's own keys of ``entity`` name has any rows: if not, no such key can name one."""
    if entity in FACT_TABLES:
        return FACT_TABLES[entity].model._default_manager.exists()
    if entity == "persons":
        return Person.objects.exists()
    return ROW_TABLES[entity].model._default_manager.exists()


def own_keyed(entity: str, records: list[Record], rows_before: dict[str, int] | None = None,
              ) -> dict[tuple[str, str], SourceRecord]:
    """For records keyed ``polku`` + an id of this installation: an unsaved source record describing the fact now.

    ``rows_before``: per row table, the highest row id when the import began. Only rows that existed then are what a
    key of this installation can name: an import in partitions has by now written rows of its own, whose new ids may
    equal the numbers in another installation's keys."""
    if not records:
        return {}
    schema = entities()[entity]
    found: dict[tuple[str, str], SourceRecord] = {}

    def adopt(record: Record, person_id: Any, values: dict[str, Any], *, lineage: Any = None,
              fact_id: int | None = None) -> None:
        found[record.key] = SourceRecord(system=OWN_SYSTEM, entity=entity, source_id=record.source_id,
                                         person_id=person_id, lineage=lineage, fact_id=fact_id,
                                         content_hash=digest(schema, values))

    if entity in FACT_TABLES:
        table = FACT_TABLES[entity]
        by_lineage = {key: r for r in records if (key := _uuid(r.source_id)) is not None}
        for chunk in chunks(list(by_lineage)):
            for row in facts_of(table.model).current().filter(lineage__in=chunk).values(
                    "person_id", "lineage", *table.model_fields):
                adopt(by_lineage[row["lineage"]], row["person_id"], table.record_values(row), lineage=row["lineage"])
    elif entity == "persons":
        by_pk = {key: r for r in records if (key := _uuid(r.source_id)) is not None}
        for chunk in chunks(list(by_pk)):
            for row in Person.objects.filter(pk__in=chunk).values(*PERSON_FIELDS):
                adopt(by_pk[row["pk"]], row["pk"], person_values(row))
    else:
        plain = ROW_TABLES[entity]
        by_id = {number: r for r in records if (number := _row_id(r.source_id, plain.key_prefix)) is not None}
        limit = (rows_before or {}).get(entity)
        for chunk in chunks(list(by_id)):
            query = plain.model._default_manager.filter(pk__in=chunk)
            if limit is not None:
                query = query.filter(pk__lte=limit)
            for row in query.values(*plain.fields):
                adopt(by_id[row["pk"]], row["person_id"], plain.values(row), fact_id=row["pk"])
    return found
