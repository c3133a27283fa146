"""Sums of engine rows by any combination of dimensions (month, municipality, rule set, benefit …)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from polku.core.calendar import month_end
from polku.derived.ages import MUNICIPAL_SHARE, age_scheme
from polku.municipal_share.engine import ShareRow

AGES = age_scheme(MUNICIPAL_SHARE)  # the age dimension of the share tables, on the last day of the month
AGE_GROUPS = AGES.labels


@dataclass
class ShareTotal:
    persons: set[Any] = field(default_factory=set)
    paid_days: int = 0
    counted_days: int = 0
    paid_eur: Decimal = Decimal(0)
    municipal_eur: Decimal = Decimal(0)
    state_eur: Decimal = Decimal(0)

    def add(self, row: ShareRow) -> None:
        if row.municipal_eur:
            self.persons.add(row.person_id)
        self.paid_days += row.paid_days
        self.counted_days += row.counted_days
        self.paid_eur += row.paid_eur
        self.municipal_eur += row.municipal_eur
        self.state_eur += row.state_eur

    @property
    def billed_persons(self) -> int:
        """Persons with a municipal share above zero (the names on Kela's list)."""
        return len(self.persons)


DIMENSIONS: dict[str, Callable[[ShareRow], Any]] = {
    "month": lambda r: r.month,
    "year": lambda r: r.month.year,
    "municipality": lambda r: r.municipality,
    "rule_set": lambda r: r.rule_set,
    "benefit_type": lambda r: r.benefit_type,
    "basis": lambda r: r.basis,
    "step": lambda r: r.step,
}


def totals(rows: Iterable[ShareRow], by: Sequence[str],
           extra: dict[str, Callable[[ShareRow], Any]] | None = None) -> dict[tuple[Any, ...], ShareTotal]:
    """Totals keyed by the values of ``by`` (names in ``DIMENSIONS`` or in ``extra``, e.g. age group)."""
    keys = {**DIMENSIONS, **(extra or {})}
    out: dict[tuple[Any, ...], ShareTotal] = defaultdict(ShareTotal)
    for row in rows:
        out[tuple(keys[name](row) for name in by)].add(row)
    return dict(sorted(out.items(), key=lambda item: tuple(str(k) for k in item[0])))


def age_group_of(birth: date | None, month: date) -> str:
    return "?" if birth is None else AGES.group_of(birth, month_end(month))
