"""Invariants of the municipal-share engine over random benefit histories."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from polku.core.calendar import add_months, max_benefit_days_in_month
from polku.municipal_share.engine import BenefitFact, HomeFact, PersonFacts, person_share_rows
from polku.municipal_share.rules import shipped_rule_book

BOOK = shipped_rule_book()
BENEFITS = ("labour_market_subsidy", "basic_allowance", "earnings_related_allowance")


@st.composite
def histories(draw: st.DrawFn) -> PersonFacts:
    start = date(draw(st.integers(2015, 2025)), draw(st.integers(1, 12)), 1)
    facts: list[BenefitFact] = []
    for i in range(draw(st.integers(1, 60))):
        month = add_months(start, i)
        if month > date(2026, 12, 1):
            break
        room = max_benefit_days_in_month(month)
        for benefit in draw(st.lists(st.sampled_from(BENEFITS), max_size=2, unique=True)):
            basis = draw(st.sampled_from(("unemployment", "service")))
            if any(f.month == month and f.benefit_type == benefit and f.basis == basis for f in facts):
                continue
            days = draw(st.integers(0, room))
            room -= days
            daily = Decimal(draw(st.integers(3000, 12000))) / 100
            facts.append(BenefitFact(month, benefit, basis, days, daily * days))
    conditions = draw(st.lists(st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 31)), max_size=3))
    return PersonFacts("p", facts, [HomeFact(date(2000, 1, 1), None, "765")], conditions)


@settings(max_examples=300, deadline=None)
@given(histories())
def test_shares_are_bounded_and_add_up(facts: PersonFacts) -> None:
    for row in person_share_rows(facts, BOOK):
        rule = BOOK.by_code(row.rule_set)
        assert row.municipal_eur >= 0
        assert row.state_eur >= 0
        assert row.municipal_eur + row.state_eur == row.paid_eur
        assert row.municipal_eur <= (rule.max_share * row.billable_eur).quantize(Decimal("0.01")) + Decimal("0.01")
        assert row.counter_after - row.counter_before == row.counted_days
        assert 0 <= row.step <= len(rule.steps)


@settings(max_examples=200, deadline=None)
@given(histories())
def test_counters_monotone_between_resets(facts: PersonFacts) -> None:
    rows = person_share_rows(facts, BOOK)
    for code in {r.rule_set for r in rows}:
        own = [r for r in rows if r.rule_set == code]
        for earlier, later in itertools.pairwise(own):
            assert later.counter_before in (earlier.counter_after, 0) or later.month == earlier.month
            if later.month == earlier.month:
                assert later.counter_before == earlier.counter_after


@settings(max_examples=200, deadline=None)
@given(histories())
def test_without_resets_more_days_never_lower_the_share(facts: PersonFacts) -> None:
    """Adding a month of benefit at the start of the history can only raise the later shares."""
    plain = PersonFacts("p", facts.benefits, facts.homes, [])
    first = min((f.month for f in plain.benefits), default=date(2020, 1, 1))
    extra = BenefitFact(add_months(first, -1), "labour_market_subsidy", "unemployment", 20, Decimal("700.00"))
    extended = PersonFacts("p", [extra, *plain.benefits], plain.homes, [])
    before = {(r.month, r.benefit_type, r.basis): r.municipal_eur for r in person_share_rows(plain, BOOK)}
    after = {(r.month, r.benefit_type, r.basis): r.municipal_eur for r in person_share_rows(extended, BOOK)}
    for key, value in before.items():
        assert after[key] >= value
