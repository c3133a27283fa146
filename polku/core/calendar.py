"""Calendar arithmetic for statutory day counting (dates, never datetimes)."""

from __future__ import annotations

import calendar
import functools
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


@functools.cache
def max_benefit_days_in_month(month: date) -> int:
    """Upper bound of paid benefit days in a calendar month: its weekdays (Mon–Fri).

    Benefits are paid for at most five days per calendar week [S19], and the paid days are
    the weekdays, so a month can hold at most its number of weekdays (20–23). Counting a
    straddling week as ``min(5, its days in the month)`` instead would allow up to 25 days in
    a month of 23 weekdays, which no payment can produce.
    """
    first = month_start(month)
    last = month_end(month)
    return sum(1 for offset in range((last - first).days + 1) if (first + timedelta(days=offset)).weekday() < 5)


@functools.cache
def finnish_holidays(year: int) -> frozenset[date]:
    """Public holidays of Finland in a year (the ``holidays`` package, which follows the Act on holidays)."""
    import holidays

    return frozenset(holidays.country_holidays("FI", years=year))


def last_working_day(month: date) -> date:
    """The month's last working day (not a weekend, not a Finnish public holiday).

    TEM counts job-seeker stocks on this day, the *laskentapäivä* (domain-rules §3, S20): a December's
    stock is counted on 31.12. only when it is a weekday; New Year's Eve is not a public holiday, but
    Christmas and Boxing Day are, and a month may end on a weekend.
    """
    closed = finnish_holidays(month.year)
    day = month_end(month)
    while day.weekday() >= 5 or day in closed:
        day -= timedelta(days=1)
    return day


def is_working_day(day: date) -> bool:
    """Not a Saturday or Sunday and not a Finnish public holiday.

    The ``holidays`` package lists Christmas Eve and Midsummer Eve for Finland; they are not public
    holidays by the Act but the Act on the calculation of statutory time limits (150/1930, §5) moves a
    deadline falling on them to the next working day, so treating them as non-working is the right reading
    for statutory deadlines.
    """
    return day.weekday() < 5 and day not in finnish_holidays(day.year)


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, otherwise the first working day after it (150/1930 §5)."""
    current = day
    while not is_working_day(current):
        current += timedelta(days=1)
    return current
