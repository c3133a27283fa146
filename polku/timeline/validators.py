"""Validation of timeline facts. Each check returns FieldErrors naming the field and the reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Model, Q

from polku.core.calendar import max_benefit_days_in_month
from polku.core.errors import ErrorCode, FieldError

OPEN_END = date.max


def check_order(start: date, end: date | None, *, start_field: str, end_field: str) -> list[FieldError]:
    if end is not None and end < start:
        return [FieldError(end_field, ErrorCode.END_BEFORE_START,
                           f"Päättymispäivä {end.isoformat()} on ennen alkamispäivää {start.isoformat()}.")]
    return []


def overlapping(
    model: type[Model],
    *,
    person_id: Any,
    start: date,
    end: date | None,
    start_field: str = "start_date",
    end_field: str = "end_date",
    exclude_lineage: Any = None,
) -> Model | None:
    """The first current row of ``model`` for the person whose interval meets ``[start, end]``."""
    query = model._default_manager.filter(person_id=person_id, superseded_at__isnull=True).filter(
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": start}),
    )
    if end is not None:
        query = query.filter(**{f"{start_field}__lte": end})
    if exclude_lineage is not None:
        query = query.exclude(lineage=exclude_lineage)
    return query.order_by(start_field).first()


def overlap_error(field: str, other: Model, *, start_field: str = "start_date",
                  end_field: str = "end_date") -> FieldError:
    other_start: date = getattr(other, start_field)
    other_end: date | None = getattr(other, end_field)
    until = other_end.isoformat() if other_end else "…"
    return FieldError(field, ErrorCode.OVERLAP,
                      f"Jakso menee päällekkäin olemassa olevan jakson {other_start.isoformat()}–{until} kanssa.")


def check_benefit_days(month: date, days: int, other_days: int, *, field: str = "days") -> list[FieldError]:
    """At most five benefit days per calendar week, summed over all benefit rows of the month."""
    limit = max_benefit_days_in_month(month)
    if days < 0:
        return [FieldError(field, ErrorCode.INVALID, "Päivien määrä ei voi olla negatiivinen.")]
    if days + other_days > limit:
        return [FieldError(
            field, ErrorCode.TOO_MANY_DAYS,
            f"Kuukaudelle {month:%Y-%m} voi maksaa enintään {limit} etuuspäivää (5 päivää viikossa); "
            f"ilmoitettu {days}" + (f", ja muita rivejä on jo {other_days} päivää." if other_days else "."),
        )]
    return []
