"""The ``polku-exchange`` format, read from its machine-readable schemas (``schema/v1/*.json``).

Each entity is a Frictionless Table Schema with Polku's additions (titles in three languages, an ``example`` per
field, ``sensitive`` on identity codes, the field that dates a record and, for spells, its start and end). The
validator, the generated documentation page and the sample files are all made from these files, so they cannot
drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

FORMAT_NAME = "polku-exchange"
FORMAT_VERSION = 1
SCHEMA_DIR = Path(__file__).resolve().parent / "schema" / f"v{FORMAT_VERSION}"
# Columns every entity but persons shares: the record's key, the person it belongs to, and the delta deletion flag.
KEY_FIELDS = ("source_system", "source_id")
PERSON_REFERENCE = ("person_system", "person_id", "personal_id")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string, integer, number, boolean, date, yearmonth
    title: dict[str, str]
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    sensitive: bool = False
    example: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Field:
        c = data.get("constraints", {})
        return cls(
            name=data["name"], type=data["type"], title=data["title"], required=bool(c.get("required", False)),
            enum=tuple(c["enum"]) if "enum" in c else None, minimum=c.get("minimum"), maximum=c.get("maximum"),
            max_length=c.get("maxLength"), pattern=c.get("pattern"), sensitive=bool(c.get("sensitive", False)),
            example=str(data.get("example", "")),
        )


@dataclass(frozen=True)
class Entity:
    name: str
    order: int
    title: dict[str, str]
    description: dict[str, str]
    fields: tuple[Field, ...]
    date_field: str | None
    spell: tuple[str, str] | None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def has_person(self) -> bool:
        return self.name != "persons"

    @cached_property
    def content_fields(self) -> tuple[str, ...]:
        """The fields whose values make the record's content (what a change is detected on)."""
        skip = {*KEY_FIELDS, *PERSON_REFERENCE, "deleted"} if self.has_person else {*KEY_FIELDS}
        return tuple(f.name for f in self.fields if f.name not in skip)


@cache
def entities() -> dict[str, Entity]:
    """Every entity of the format by name, in load order (persons first)."""
    found = []
    for path in SCHEMA_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        spell = data.get("spell")
        found.append(Entity(
            name=data["name"], order=int(data["order"]), title=data["title"], description=data["description"],
            fields=tuple(Field.from_json(f) for f in data["fields"]), date_field=data.get("date_field"),
            spell=(spell[0], spell[1]) if spell else None,
        ))
    return {e.name: e for e in sorted(found, key=lambda e: e.order)}


def entity(name: str) -> Entity:
    return entities()[name]


def schema_json(name: str) -> dict[str, Any]:
    """The raw Table Schema of an entity (served by the documentation page and the API)."""
    return dict(json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8")))
