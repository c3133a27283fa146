"""Where a person lives and which municipalities form an employment area, on a date.

A home spell or an area membership is a closed interval (open end: still in force). The home municipality on a day
places a person's figures (the KPI stock on the calculation day, an event on its day, a benefit month on its last
day); an area's members on a day are the municipalities whose membership covers it (areas are re-drawn by law and
agreement). The SQL form is ``relations.covers``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Dated:
    """A value in force from ``start`` to ``end`` (inclusive; None: open)."""

    start: date
    end: date | None
    value: str

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def value_on(rows: Iterable[Any], day: date, attribute: str = "municipality") -> str | None:
    """The value of the first row covering ``day`` (rows with ``start``, ``end`` and the attribute), or None."""
    for row in rows:
        if row.start <= day and (row.end is None or day <= row.end):
            return str(getattr(row, attribute))
    return None


def members_on(memberships: Iterable[tuple[str, date, date | None]], day: date) -> set[str]:
    """Municipalities of ``(municipality, valid_from, valid_to)`` memberships in force on ``day``."""
    return {m for m, start, end in memberships if start <= day and (end is None or day <= end)}


def area_memberships(area: Any) -> tuple[tuple[str, date, date | None], ...]:
    """An area's memberships over its lifetime, as ``(municipality, valid_from, valid_to)``."""
    from django.db.models import Q

    from polku.reference.models import EmploymentAreaMembership

    rows = EmploymentAreaMembership.objects.filter(area=area).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=area.valid_from))
    return tuple(rows.values_list("municipality_id", "valid_from", "valid_to"))


def area_municipalities_on(area_id: int, day: date) -> Any:
    """A subquery of the codes of an area's municipalities on ``day``."""
    from django.db.models import Q

    from polku.reference.models import EmploymentAreaMembership

    return EmploymentAreaMembership.objects.filter(area_id=area_id, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)).values("municipality_id")
