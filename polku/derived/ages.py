"""Age and the named age-group schemes (``reference/data/age_groups.json``).

Age is whole years on a day: a person has turned ``n`` on ``day`` when born on or before the same date ``n`` years
earlier (:func:`born_by`; 29 February falls back to the 28th). Every engine groups ages through one of the named
schemes, in Python (:meth:`AgeScheme.group_of`) or in SQL (:meth:`AgeScheme.case_sql`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache

from polku.reference.loader import DATA_DIR

AGE_GROUPS_FILE = DATA_DIR / "age_groups.json"

EMPLOYMENT_STATISTICS = "employment_statistics"
DURATION_MODEL = "duration_model"
MUNICIPAL_SHARE = "municipal_share"


def years_before(day: date, years: int) -> date:
    """The same date ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def born_by(day: date, age: int) -> date:
    """The latest birth date of a person who has turned ``age`` on ``day``."""
    return years_before(day, age)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class AgeScheme:
    name: str
    groups: tuple[tuple[str, int], ...]  # (label, first age), ascending from 0
    source: str
    verified: bool

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.groups)

    @property
    def bands(self) -> tuple[tuple[str, int, int], ...]:
        """(label, first age, first age of the next group); the last group's bound is 200."""
        return tuple((label, low, self.groups[i + 1][1] if i + 1 < len(self.groups) else 200)
                     for i, (label, low) in enumerate(self.groups))

    @property
    def bounds(self) -> tuple[int, ...]:
        """The ages at which a new group begins (above 0)."""
        return tuple(low for _, low in self.groups[1:])

    def group_of(self, birth: date, day: date) -> str:
        age = age_on(birth, day)
        return next(label for label, low, high in self.bands if low <= age < high)

    def case_sql(self, birth: str, threshold: str) -> str:
        """SQL of the group of ``birth``: ``threshold`` formats with ``{age}`` into the column or literal holding
        :func:`born_by` (the day, age) for each bound, e.g. ``c.y{age}``."""
        cases = " ".join(f"WHEN {birth} > {threshold.format(age=high)} THEN '{label}'"
                         for label, _low, high in self.bands[:-1])
        return f"CASE {cases} ELSE '{self.groups[-1][0]}' END"


@cache
def age_schemes() -> dict[str, AgeScheme]:
    raw = json.loads(AGE_GROUPS_FILE.read_text(encoding="utf-8"))["schemes"]
    return {name: AgeScheme(name, tuple((str(label), int(low)) for label, low in entry["groups"]), entry["source"],
                            bool(entry.get("verified", True)))
            for name, entry in raw.items()}


def age_scheme(name: str) -> AgeScheme:
    return age_schemes()[name]
