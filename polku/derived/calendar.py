"""Calculation days and weekdays, as the engines need them.

The statistics count stocks on the month's calculation day (laskentapäivä: the last working day of the month, domain-
rules §3, S20); benefits are paid for at most five days a calendar week (the month's weekdays, §2.2, S19). The
Finnish calendar itself (public holidays, working days) is ``polku.core.calendar``; this names what engines derive
from it, so none of them computes a calculation day of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from polku.core.calendar import last_working_day, max_benefit_days_in_month, month_start


def calculation_day(month: date) -> date:
    """The month's calculation day: its last working day."""
    return last_working_day(month_start(month))


def calculation_days(months: Iterable[date]) -> list[tuple[date, date]]:
    """``(month, calculation day)`` for each month."""
    return [(month_start(m), calculation_day(m)) for m in months]


def weekdays(month: date) -> int:
    """Weekdays of the month: the most benefit days any person can be paid for it."""
    return max_benefit_days_in_month(month)


def add_weekdays(start: date, count: int) -> date:
    """The ``count``-th weekday after ``start`` (``start`` itself when ``count`` is 0 or less): the day a pace of
    benefit days per weekday reaches a number of days. In whole weeks and the rest, not a day at a time."""
    if count <= 0:
        return start
    day = start - timedelta(days=max(start.weekday() - 4, 0))  # from a weekend, the weekdays after its Friday
    weeks, rest = divmod(count, 5)
    return day + timedelta(days=7 * weeks + rest + (2 if day.weekday() + rest > 4 else 0))
