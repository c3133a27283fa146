"""Calendar arithmetic for statutory day counting (dates, never datetimes)."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

MAX_BENEFIT_DAYS_PER_WEEK = 5  # domain-rules §2.2 [S19]: benefits are paid for five days a week


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """Same day-of-month ``months`` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def iter_months(first: date, last: date) -> Iterator[date]:
    """First days of every month from ``first``'s month to ``last``'s month inclusive."""
    current = month_start(first)
    while current <= last:
        yield current
        current = add_months(current, 1)


def max_benefit_days_in_month(month: date) -> int:
    """Upper bound of paid benefit days in a calendar month.

    The law caps benefit days at five per *calendar week*; a week that straddles the month
    boundary contributes at most ``min(5, its days inside the month)``. This is the exact
    bound the weekly rule implies for a monthly total (21–23 days depending on the month).
    """
    first = month_start(month)
    last = month_end(month)
    total = 0
    day = first
    while day <= last:
        week_end = min(last, day + timedelta(days=6 - day.weekday()))
        total += min(MAX_BENEFIT_DAYS_PER_WEEK, (week_end - day).days + 1)
        day = week_end + timedelta(days=1)
    return total
