"""Current facts: the versions not superseded (or, "as known at" a moment, those current then), as one named
queryset (``FactQuerySet.current`` / ``known_at`` on every fact model) and as one SQL relation (:func:`current_sql`).

The queryset lives on the fact models themselves (``polku.timeline.models.FactQuerySet``), since the timeline's own
services and guards need it below this layer; this module is where engines get both forms.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from polku.derived.sql import timestamp_literal
from polku.timeline.models import FactQuerySet, facts_of


def current(facts: Any, known_at: datetime | None = None) -> Any:
    """The current versions of a fact model or of a queryset of one (as known at ``known_at`` when given)."""
    queryset = facts if isinstance(facts, FactQuerySet) else facts_of(facts)
    return queryset.known_at(known_at)


def current_sql(table: str, columns: str, known_at: datetime | None = None, *, versioned: bool = True,
                where: str | None = None) -> str:
    """``SELECT columns FROM table`` limited to the current versions (written-once SQL, see ``polku.derived.sql``).

    ``versioned`` False: the source holds current versions only (a Parquet snapshot), so only ``known_at``'s
    recording limit applies. ``where``: a further condition on the rows (e.g. a part of the persons)."""
    conditions = [where] if where else []
    if versioned:
        if known_at is None:
            conditions.append("superseded_at IS NULL")
        else:
            k = timestamp_literal(known_at)
            conditions.append(f"recorded_at <= {k} AND (superseded_at IS NULL OR superseded_at > {k})")
    elif known_at is not None:
        conditions.append(f"recorded_at <= {timestamp_literal(known_at)}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {columns} FROM {table}{where}"


def latest_benefit_month(known_at: datetime | None = None) -> date | None:
    """The latest month with paid benefits recorded (by ``known_at``, else now): Kela pays a month after it, so the
    months after it have no data yet (not zero euros). The share page, the monthly report, open data and the
    indicators all stop or mark their months here."""
    from django.db.models import Max

    from polku.timeline.models import BenefitMonth

    value: date | None = BenefitMonth.objects.known_at(known_at).aggregate(m=Max("month"))["m"]
    return value
