"""``add_weekdays`` in whole weeks equals counting the weekdays one day at a time (the early warning's projection)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from polku.derived.calendar import add_weekdays


def _day_by_day(start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=-3, max_value=800))
def test_whole_weeks_equal_day_by_day(start: date, count: int) -> None:
    assert add_weekdays(start, count) == _day_by_day(start, count)


def test_known_days() -> None:
    friday, saturday, sunday = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)
    monday = date(2026, 12, 7)
    assert add_weekdays(friday, 1) == add_weekdays(saturday, 1) == add_weekdays(sunday, 1) == monday
    assert add_weekdays(monday, 5) == date(2026, 12, 14)
    assert add_weekdays(monday, 4) == date(2026, 12, 11)
    assert add_weekdays(sunday, 0) == sunday
