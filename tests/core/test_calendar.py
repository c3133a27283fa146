"""Golden and property tests of the calendar rules used for statutory day counting."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from polku.core.calendar import add_months, iter_months, max_benefit_days_in_month, month_end


def test_golden_benefit_day_bounds() -> None:
    # Five per calendar week, paid Monday to Friday: the month's weekdays.
    assert max_benefit_days_in_month(date(2021, 2, 1)) == 20  # Mon 1.2.–Sun 28.2.2021: four whole weeks
    assert max_benefit_days_in_month(date(2024, 2, 1)) == 21  # Thu 1.–Thu 29.2.2024 (leap year)
    assert max_benefit_days_in_month(date(2013, 1, 1)) == 23  # Tue 1.–Thu 31.1.2013
    assert max_benefit_days_in_month(date(2022, 1, 1)) == 21  # starts on a Saturday


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))
def test_bound_respects_weekly_rule(day: date) -> None:
    first = day.replace(day=1)
    last = month_end(first)
    weeks: dict[tuple[int, int], int] = {}
    current = first
    while current <= last:
        key = current.isocalendar()[:2]
        weeks[key] = weeks.get(key, 0) + 1
        current += timedelta(days=1)
    bound = max_benefit_days_in_month(first)
    assert bound <= sum(min(5, n) for n in weeks.values())  # never above the weekly rule
    assert 20 <= bound <= 23


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)), st.integers(-60, 60))
def test_add_months_stays_in_target_month(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


def test_iter_months_inclusive() -> None:
    assert list(iter_months(date(2024, 11, 15), date(2025, 2, 1))) == [
        date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1),
    ]
