"""Mapping profiles: how an export's files, columns and codes map to the exchange format.

A profile is a small data file (``profiles/*.json``, or any file given by path). For each entity it lists the file
names it is recognised by, for each of our fields the header names it may carry in the export (case-insensitive; our
own field name is always accepted), and code lists from the export's codes to ours. A code a list does not name is an
error naming the code, the column and the row; ``"*"`` in a list maps every other code explicitly, and only where the
profile says so (the state register's many languages become "other"). Unverified profiles say so on every page.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.core.languages import text_in
from polku.exchange.readers import header_key
from polku.exchange.schema import entities

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "polku-exchange-v1"
WILDCARD = "*"


@dataclass(frozen=True)
class EntityMapping:
    entity: str
    files: tuple[str, ...]
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    # A column the entity does not know is an error (a misspelt optional column would otherwise empty its field);
    # an export with many extra columns of its own says ``"ignore_unknown_columns": true``.
    strict_columns: bool = True

    def headers_for(self, field_name: str) -> tuple[str, ...]:
        return (*(header_key(h) for h in self.columns.get(field_name, ())), field_name)

    def matches_file(self, file_name: str) -> bool:
        stem = Path(file_name).stem.lower()
        return any(fnmatch.fnmatch(stem, f"{pattern.lower()}*") for pattern in self.files)


@dataclass(frozen=True)
class Profile:
    name: str
    system: str
    title: dict[str, str]
    note: dict[str, str]
    verified: bool
    mappings: dict[str, EntityMapping]

    def entity_for_file(self, file_name: str) -> str | None:
        found = [m.entity for m in self.mappings.values() if m.matches_file(file_name)]
        return found[0] if len(found) == 1 else None

    def title_in(self, language: str) -> str:
        return text_in(self.title, language)

    def note_in(self, language: str) -> str:
        return text_in(self.note, language)


def _from_json(data: dict[str, Any], origin: str) -> Profile:
    errors: list[FieldError] = []
    known = entities()
    mappings: dict[str, EntityMapping] = {}
    for name, spec in data.get("entities", {}).items():
        if name not in known:
            errors.append(FieldError(f"{origin}: entities.{name}", ErrorCode.UNKNOWN, f"Tuntematon tietolaji: {name}."))
            continue
        fields = set(known[name].field_names)
        for column in [*spec.get("columns", {}), *spec.get("codes", {})]:
            if column not in fields:
                errors.append(FieldError(f"{origin}: entities.{name}.{column}", ErrorCode.UNKNOWN,
                                         f"Tietolajilla {name} ei ole kenttää {column}."))
        mappings[name] = EntityMapping(
            entity=name, files=tuple(spec.get("files", [name])),
            columns={k: tuple(v) for k, v in spec.get("columns", {}).items()},
            codes={k: {str(code): str(ours) for code, ours in v.items()} for k, v in spec.get("codes", {}).items()},
            strict_columns=not spec.get("ignore_unknown_columns", data.get("ignore_unknown_columns", False)),
        )
    for key in ("name", "system", "title"):
        if key not in data:
            errors.append(FieldError(f"{origin}: {key}", ErrorCode.REQUIRED, f"Profiilista puuttuu {key}."))
    if errors:
        raise ValidationFailed(errors)
    return Profile(name=data["name"], system=data["system"], title=data["title"], note=data.get("note", {}),
                   verified=bool(data.get("verified", False)), mappings=mappings)


@cache
def shipped_profiles() -> dict[str, Profile]:
    """The profiles that come with Polku, by name."""
    found = {}
    for path in sorted(PROFILE_DIR.glob("*.json")):
        profile = _from_json(json.loads(path.read_text(encoding="utf-8")), path.name)
        found[profile.name] = profile
    return found


def get_profile(name_or_path: str) -> Profile:
    """A shipped profile by name, or a profile file by path; refused naming the field ``profile``."""
    shipped = shipped_profiles()
    if name_or_path in shipped:
        return shipped[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        try:
            return _from_json(json.loads(path.read_text(encoding="utf-8")), path.name)
        except json.JSONDecodeError as error:
            raise ValidationFailed.single("profile", ErrorCode.INVALID,
                                          f"Profiilitiedosto ei ole JSONia (rivi {error.lineno}).") from None
    raise ValidationFailed.single("profile", ErrorCode.UNKNOWN,
                                  f"Tuntematon profiili {name_or_path}; tunnetut: {', '.join(shipped)}.")
