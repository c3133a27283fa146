"""Worked examples of both rule sets at their boundaries (domain-rules §1–§2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from polku.core.calendar import add_months
from polku.municipal_share.engine import BenefitFact, HomeFact, PersonFacts, counters_after, person_share_rows
from polku.municipal_share.rules import shipped_rule_book

BOOK = shipped_rule_book()
TMT = "labour_market_subsidy"
DAILY = Decimal("33.66")


def tmt_months(first: date, days: list[int], basis: str = "unemployment", daily: Decimal = DAILY) -> list[BenefitFact]:
    return [BenefitFact(add_months(first, i), TMT, basis, d, daily * d) for i, d in enumerate(days) if d]


def facts(benefits: list[BenefitFact], homes: list[HomeFact] | None = None, toe: list[date] | None = None) -> PersonFacts:
    return PersonFacts("p", benefits, homes or [HomeFact(date(2000, 1, 1), None, "765")], toe or [])


def test_old_rule_payment_period_in_which_day_300_falls_is_state_paid() -> None:
    # 14 months of 20 days = 280, then 25... keep it exact: 280 days, then a month of 20 reaching exactly 300.
    rows = person_share_rows(facts(tmt_months(date(2020, 1, 1), [20] * 15 + [20, 20])), BOOK)
    by_month = {r.month: r for r in rows}
    assert by_month[date(2021, 3, 1)].counter_after == 300  # the 15th month reaches day 300 …
    assert by_month[date(2021, 3, 1)].municipal_eur == 0  # … and is still the state's
    april = by_month[date(2021, 4, 1)]
    assert april.municipal_eur == (DAILY * 20 * Decimal("0.5")).quantize(Decimal("0.01"))
    assert april.state_eur + april.municipal_eur == april.paid_eur
    assert april.step == 1


def test_old_rule_month_straddling_300_is_state_paid_whole() -> None:
    rows = person_share_rows(facts(tmt_months(date(2019, 1, 1), [20] * 14 + [21, 21])), BOOK)
    straddle = rows[14]  # counter 280 -> 301
    assert (straddle.counter_before, straddle.counter_after) == (280, 301)
    assert straddle.municipal_eur == 0
    assert rows[15].municipal_eur == (DAILY * 21 / 2).quantize(Decimal("0.01"))


def test_old_rule_seventy_percent_after_1000() -> None:
    rows = person_share_rows(facts(tmt_months(date(2015, 1, 1), [20] * 50 + [20, 20])), BOOK)
    assert rows[49].counter_after == 1000
    assert rows[49].municipal_eur == (DAILY * 20 / 2).quantize(Decimal("0.01"))  # the period reaching 1 000: 50 %
    assert rows[50].municipal_eur == (DAILY * 20 * Decimal("0.7")).quantize(Decimal("0.01"))


def test_old_rule_service_days_interrupt_counting_and_are_state_paid() -> None:
    benefits = tmt_months(date(2022, 1, 1), [20] * 16)  # 320 unemployment days by April 2023
    benefits += tmt_months(date(2023, 5, 1), [21, 22], basis="service")  # a work trial
    rows = person_share_rows(facts(benefits), BOOK)
    service = [r for r in rows if r.basis == "service"]
    assert all(r.counted_days == 0 and r.municipal_eur == 0 for r in service)
    assert service[-1].counter_after == 320


def test_new_rule_service_days_count_and_are_billed_from_day_101() -> None:
    benefits = tmt_months(date(2025, 1, 1), [20, 20, 20, 20], daily=Decimal("37.21"))
    benefits += tmt_months(date(2025, 5, 1), [21, 22], basis="service", daily=Decimal("37.21"))
    rows = person_share_rows(facts(benefits), BOOK)
    assert [r.rule_set for r in rows] == ["tyottomyysetuudet-2025"] * 6
    assert rows[3].counter_after == 80
    may = rows[4]  # days 81..101: only day 101 is billed at 10 %
    assert (may.counter_before, may.counter_after) == (80, 101)
    assert may.municipal_eur == (Decimal("37.21") * Decimal("0.10")).quantize(Decimal("0.01"))
    june = rows[5]  # days 102..123, all at 10 %
    assert june.municipal_eur == (Decimal("37.21") * 22 * Decimal("0.10")).quantize(Decimal("0.01"))


def test_new_rule_earnings_related_billed_on_basic_part() -> None:
    month = date(2025, 9, 1)
    history = [BenefitFact(add_months(date(2025, 1, 1), i), "earnings_related_allowance", "unemployment", 20,
                           Decimal("1500.00")) for i in range(9)]
    rows = person_share_rows(facts(history), BOOK)
    september = next(r for r in rows if r.month == month)  # days 161..180 at 10 %
    assert september.billable_eur == Decimal("37.21") * 20
    assert september.municipal_eur == (Decimal("37.21") * 20 * Decimal("0.10")).quantize(Decimal("0.01"))
    assert september.state_eur == Decimal("1500.00") - september.municipal_eur


def test_new_rule_step_straddle_within_month() -> None:
    # 690 days before, then 20 days: days 691..700 at 45 %, 701..710 at 50 %.
    prior = [BenefitFact(add_months(date(2022, 1, 1), i), "basic_allowance", "unemployment", 23, Decimal("37.21") * 23)
             for i in range(30)]  # 690 days by mid-2024
    month = BenefitFact(date(2025, 3, 1), "basic_allowance", "unemployment", 20, Decimal("37.21") * 20)
    row = person_share_rows(facts([*prior, month]), BOOK)[-1]
    assert row.counter_before == 690
    expected = Decimal("37.21") * (10 * Decimal("0.45") + 10 * Decimal("0.50"))
    assert row.municipal_eur == expected.quantize(Decimal("0.01"))
    assert row.step == 6


def test_toe_resets_new_counter() -> None:
    benefits = tmt_months(date(2025, 1, 1), [20] * 6, daily=Decimal("37.21"))
    benefits += tmt_months(date(2025, 9, 1), [20, 20], daily=Decimal("37.21"))
    rows = person_share_rows(facts(benefits, toe=[date(2025, 8, 15)]), BOOK)
    assert rows[5].counter_after == 120
    assert rows[6].counter_before == 0
    assert rows[6].municipal_eur == 0


def test_old_rule_reset_needs_allowance_after_toe() -> None:
    benefits = tmt_months(date(2019, 1, 1), [20] * 20)  # 400 days by August 2020
    allowance = [BenefitFact(date(2021, 6, 1), "earnings_related_allowance", "unemployment", 20, Decimal("1400"))]
    later = tmt_months(date(2021, 9, 1), [20, 20])
    without_allowance = person_share_rows(facts(benefits + later, toe=[date(2021, 5, 1)]), BOOK)
    assert without_allowance[-1].counter_after == 440  # TOE alone does not reset the old counter
    with_allowance = person_share_rows(facts(benefits + allowance + later, toe=[date(2021, 5, 1)]), BOOK)
    assert [r.counter_after for r in with_allowance if r.benefit_type == TMT][-2:] == [20, 40]


def test_move_between_municipalities_bills_month_end_home() -> None:
    homes = [HomeFact(date(2000, 1, 1), date(2024, 3, 14), "765"), HomeFact(date(2024, 3, 15), None, "205")]
    rows = person_share_rows(facts(tmt_months(date(2023, 1, 1), [21] * 16), homes=homes), BOOK)
    assert {r.month: r.municipality for r in rows}[date(2024, 2, 1)] == "765"
    assert {r.month: r.municipality for r in rows}[date(2024, 3, 1)] == "205"


def test_transition_2024_2025_rule_by_period_paid_for() -> None:
    benefits = tmt_months(date(2024, 1, 1), [20] * 24, daily=Decimal("37.21"))
    rows = person_share_rows(facts(benefits), BOOK)
    assert {r.rule_set for r in rows if r.month.year == 2024} == {"tmt-2015"}
    assert {r.rule_set for r in rows if r.month.year == 2025} == {"tyottomyysetuudet-2025"}
    counters = counters_after(facts(benefits), BOOK)
    assert counters == {"tmt-2015": 480, "tyottomyysetuudet-2025": 480}
    # The new counter includes 2024's days (§9.2, unverified): January 2025 runs days 241–260, the 20 % step.
    assert rows[12].counter_before == 240
    assert rows[12].municipal_eur == (Decimal("37.21") * 20 * Decimal("0.20")).quantize(Decimal("0.01"))


def test_early_warning_old_rule() -> None:
    from polku.municipal_share.early_warning import next_step

    # 260 days by the end of 2021 at 60 days per 66 weekdays: day 300 after 44 weekdays (early March 2022),
    # so 50 % from the next payment period, April.
    benefits = tmt_months(date(2020, 12, 1), [20] * 13)
    warning = next_step(facts(benefits), BOOK, reference_date=date(2022, 1, 10))
    assert warning is not None
    assert warning.counter == 260
    assert warning.reaches_on == date(2022, 3, 3)
    assert warning.reaches_day == 300
    assert warning.share_after == Decimal("0.50")
    assert warning.share_from == date(2022, 4, 1)
    assert warning.monthly_municipal_eur_after > 0


def test_early_warning_none_when_not_receiving() -> None:
    from polku.municipal_share.early_warning import next_step

    benefits = tmt_months(date(2020, 1, 1), [20] * 6)
    assert next_step(facts(benefits), BOOK, reference_date=date(2022, 1, 10)) is None


def test_days_paid_before_2025_count_unless_the_rule_file_says_otherwise(tmp_path, settings) -> None:
    """§9.2 is unconfirmed, so the transition is data: by default the 2025 counter carries the days paid before
    2025; a rule file with ``counts_days_from`` starts it from zero on 1.1.2025 (same on the SQL engine)."""
    import json

    from polku.municipal_share.rules import DATA_DIR
    from polku.municipal_share.sql_engine import duckdb_share_rows

    person = facts(tmt_months(date(2024, 1, 1), [20] * 12 + [20] * 3))  # 240 days in 2024, then 20 a month
    carried = [r for r in person_share_rows(person, BOOK) if r.rule_set == "tyottomyysetuudet-2025"]
    assert [r.counter_before for r in carried] == [240, 260, 280]
    assert carried[0].step == 2  # 241st–260th day: the 20 % step from day 201
    entries = json.loads((DATA_DIR / "rule_sets.json").read_text(encoding="utf-8"))
    entries[1]["counts_days_from"] = "2025-01-01"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    settings.POLKU_SHARE_RULES_FILE = str(path)
    fresh_book = shipped_rule_book()
    assert fresh_book.by_code("tyottomyysetuudet-2025").counts_days_from == date(2025, 1, 1)
    fresh = [r for r in person_share_rows(person, fresh_book) if r.rule_set == "tyottomyysetuudet-2025"]
    assert [(r.counter_before, r.counter_after) for r in fresh] == [(0, 20), (20, 40), (40, 60)]
    assert all(r.municipal_eur == 0 for r in fresh)  # nobody is billed before day 101
    assert sum(r.municipal_eur for r in carried) > 0
    by_sql = [r for r in duckdb_share_rows([person], fresh_book) if r.rule_set == "tyottomyysetuudet-2025"]
    assert [(r.counter_before, r.counter_after, r.municipal_eur) for r in by_sql] == \
        [(r.counter_before, r.counter_after, r.municipal_eur) for r in fresh]


def test_rule_file_with_a_misspelt_key_or_bad_date_is_refused_naming_it(tmp_path, settings) -> None:
    """A key silently ignored would select another reading of the law, so the rule file is checked on load."""
    import json

    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from polku.municipal_share.rules import DATA_DIR

    entries = json.loads((DATA_DIR / "rule_sets.json").read_text(encoding="utf-8"))
    misspelt = [dict(entries[0]), {**entries[1], "count_days_from": "2025-01-01"}]
    path = tmp_path / "misspelt.json"
    path.write_text(json.dumps(misspelt), encoding="utf-8")
    settings.POLKU_SHARE_RULES_FILE = str(path)
    with pytest.raises(ImproperlyConfigured, match=r"\[1\] tyottomyysetuudet-2025: unknown key\(s\) count_days_from"):
        shipped_rule_book()
    bad_date = [dict(entries[0]), {**entries[1], "counts_days_from": "1.1.2025"}]
    path = tmp_path / "bad-date.json"
    path.write_text(json.dumps(bad_date), encoding="utf-8")
    settings.POLKU_SHARE_RULES_FILE = str(path)
    with pytest.raises(ImproperlyConfigured, match=r"tyottomyysetuudet-2025\.counts_days_from: not a date"):
        shipped_rule_book()
