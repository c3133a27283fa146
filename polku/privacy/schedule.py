"""The retention schedule as data (``data/retention_schedule.json``, or the file the setting
``POLKU_RETENTION_SCHEDULE_FILE`` names): each kind of data, how long it is kept, what then happens to it, and on
what legal basis. The periods are not verified; every kind carries ``verified`` and the pages mark the unverified."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from polku.core.languages import text_in

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "retention_schedule.json"
ACTIONS = frozenset({"erase", "pseudonymise"})
TRIGGERS = frozenset({"relationship_end", "event"})
# The kinds the retention job knows how to apply; a schedule naming another is refused at load.
KNOWN_KINDS = ("case_texts", "identifiers", "facts", "access_log")


class ScheduleError(ValueError):
    pass


def _text(texts: dict[str, str]) -> str:
    return text_in(texts)


@dataclass(frozen=True)
class Kind:
    key: str
    years: int
    trigger: str
    action: str
    verified: bool
    texts: dict[str, dict[str, str]]
    source: str
    source_url: str

    @property
    def label(self) -> str:
        return _text(self.texts["label"])

    @property
    def effect(self) -> str:
        return _text(self.texts["effect"])

    @property
    def legal_basis(self) -> str:
        return _text(self.texts["legal_basis"])

    def cutoff(self, reference_date: date) -> date:
        """Data whose clock (the relationship's end, or the event) is before this day is past the period."""
        return add_years(reference_date, -self.years)

    def is_due(self, clock: date, reference_date: date) -> bool:
        """Kept ``years`` after ``clock``: past the schedule from the day after that anniversary."""
        return clock < self.cutoff(reference_date)


@dataclass(frozen=True)
class Schedule:
    version: str
    verified: bool
    note: dict[str, str]
    relationship_end: dict[str, str]
    kinds: tuple[Kind, ...]
    path: str

    @property
    def note_text(self) -> str:
        return _text(self.note)

    @property
    def relationship_end_text(self) -> str:
        return _text(self.relationship_end)

    def kind(self, key: str) -> Kind | None:
        return next((k for k in self.kinds if k.key == key), None)

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "verified": self.verified, "note": self.note,
                "relationship_end": self.relationship_end,
                "kinds": [{"key": k.key, "years": k.years, "trigger": k.trigger, "action": k.action,
                           "verified": k.verified, **k.texts, "source": k.source, "source_url": k.source_url}
                          for k in self.kinds]}


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def schedule_path() -> Path:
    return Path(getattr(settings, "POLKU_RETENTION_SCHEDULE_FILE", "") or DEFAULT_FILE)


def load_schedule(path: Path | None = None) -> Schedule:
    path = path or schedule_path()
    data = json.loads(path.read_text(encoding="utf-8"))
    kinds = []
    for raw in data["kinds"]:
        if raw["key"] not in KNOWN_KINDS:
            raise ScheduleError(f"{path.name}: tuntematon tietolaji {raw['key']!r}")
        if raw["action"] not in ACTIONS or raw["trigger"] not in TRIGGERS:
            raise ScheduleError(f"{path.name}: {raw['key']}: tuntematon toimenpide tai laskentaperuste")
        if not isinstance(raw["years"], int) or raw["years"] < 0:
            raise ScheduleError(f"{path.name}: {raw['key']}: säilytysaika vuosina, kokonaisluku ≥ 0")
        kinds.append(Kind(key=raw["key"], years=raw["years"], trigger=raw["trigger"], action=raw["action"],
                          verified=bool(raw.get("verified", False)),
                          texts={name: raw[name] for name in ("label", "effect", "legal_basis")},
                          source=raw["source"], source_url=raw.get("source_url", "")))
    return Schedule(version=data["version"], verified=bool(data.get("verified", False)) and all(
        k.verified for k in kinds), note=data["note"], relationship_end=data["relationship_end"],
        kinds=tuple(kinds), path=str(path))
