"""Validation of timeline facts. Each check returns FieldErrors naming the field and the reason."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Model, Q
from django.utils import timezone

from polku.core.calendar import max_benefit_days_in_month, month_start
from polku.core.errors import ErrorCode, FieldError
from polku.timeline.models import facts_of

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
    query = facts_of(model).current().filter(person_id=person_id).filter(
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


FUTURE_LIMIT = timedelta(days=366)  # planned services may be recorded up to a year ahead, no further
MAX_AMOUNT = Decimal("99999999.99")  # the column's 10 digits, 2 decimals


def check_plausible_dates(person: Any, start: date, end: date | None, *, start_field: str = "start_date",
                          end_field: str = "end_date") -> list[FieldError]:
    """Facts cannot begin before the person was born, nor more than a year from today."""
    errors: list[FieldError] = []
    if start < person.birth_date:
        errors.append(FieldError(start_field, ErrorCode.INVALID,
                                 f"Päivä {start.isoformat()} on ennen henkilön syntymää."))
    latest = timezone.localdate() + FUTURE_LIMIT
    for field, day in ((start_field, start), (end_field, end)):
        if day is not None and day > latest and not (field == end_field and day == start):
            errors.append(FieldError(field, ErrorCode.INVALID, f"Päivä {day.isoformat()} on yli vuoden päässä."))
    return errors


def check_benefit_month(person: Any, month: date) -> list[FieldError]:
    """Benefits are paid afterwards, for months the person was alive in."""
    if month > month_start(timezone.localdate()):
        return [FieldError("month", ErrorCode.INVALID, f"Kuukautta {month:%Y-%m} ei ole vielä maksettu.")]
    if month < month_start(person.birth_date):
        return [FieldError("month", ErrorCode.INVALID, f"Kuukausi {month:%Y-%m} on ennen henkilön syntymää.")]
    return []


def check_amount(amount: Decimal, days: int) -> list[FieldError]:
    """Euros: finite, non-negative, whole cents, within the column, and no money without days."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return [FieldError("amount", ErrorCode.INVALID, "Summa ei ole luku.")]
    errors: list[FieldError] = []
    if amount < 0:
        errors.append(FieldError("amount", ErrorCode.INVALID, "Summa ei voi olla negatiivinen."))
    if amount > MAX_AMOUNT:
        errors.append(FieldError("amount", ErrorCode.INVALID, "Summa on liian suuri."))
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        errors.append(FieldError("amount", ErrorCode.INVALID, "Summa annetaan senttien tarkkuudella (enintään 2 desimaalia)."))
    if days == 0 and amount > 0:
        errors.append(FieldError("amount", ErrorCode.INVALID, "Rahaa ei voi maksaa ilman etuuspäiviä."))
    return errors
