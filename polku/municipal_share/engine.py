"""The municipal-share engine: a pure function of one person's facts, the rule book and a reference date.

For every month with paid benefit days it finds the rule set in force for that month (the period the
days were paid *for*, so subsidy for 2024 paid in 2025 goes by the 2015 rule), runs that rule set's day
counter over the person's whole history, and splits each billed row into municipal and state euros.

* ``payment_period`` steps (2015 rule): the share of a month follows the counter at the end of the
  previous month — the state pays everything to the end of the payment period in which day 300 falls.
* ``day`` steps (2025 rule): each counted day takes the share of its own ordinal, so a month can straddle
  a step. Within a month, rows are counted in a fixed order (benefit type, then basis).
* Resets: ``employment_condition`` restarts the counter from the first month after a TOE date;
  ``employment_condition_then_allowance`` (2015 rule) restarts it at the first subsidy month after a TOE
  date that was followed by basic or earnings-related allowance (the person exhausted the allowance).
* The paying municipality is the home municipality on the month's last day (Kela pays afterwards for
  the month; the register's home municipality at that moment is what counts).

Everything is ``Decimal``; each row's municipal euros are rounded to cents once, and the state pays the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from polku.core.calendar import month_end
from polku.municipal_share.rules import RuleBook, RuleSet

CENT = Decimal("0.01")
BENEFIT_ORDER = ("labour_market_subsidy", "basic_allowance", "earnings_related_allowance")
BASIS_ORDER = ("unemployment", "service")
ALLOWANCES = frozenset({"basic_allowance", "earnings_related_allowance"})


@dataclass(frozen=True)
class BenefitFact:
    month: date
    benefit_type: str
    basis: str
    days: int
    amount: Decimal


@dataclass(frozen=True)
class HomeFact:
    start: date
    end: date | None
    municipality: str


@dataclass(frozen=True)
class PersonFacts:
    """What the engine reads of one person; built from the database or from Parquet alike."""

    person_id: Any
    benefits: Sequence[BenefitFact]
    homes: Sequence[HomeFact] = ()
    employment_conditions: Sequence[date] = ()  # dates on which the employment condition (TOE) was met


@dataclass(frozen=True)
class ShareRow:
    """One benefit row of one month under the rule set in force for that month."""

    person_id: Any
    month: date
    benefit_type: str
    basis: str
    rule_set: str
    municipality: str | None
    paid_days: int
    counted_days: int
    counter_before: int
    counter_after: int
    paid_eur: Decimal
    billable_eur: Decimal
    municipal_eur: Decimal
    state_eur: Decimal
    step: int

    @property
    def share(self) -> Decimal:
        return self.municipal_eur / self.billable_eur if self.billable_eur else Decimal(0)


def _order(fact: BenefitFact) -> tuple[date, int, int]:
    return (fact.month, BENEFIT_ORDER.index(fact.benefit_type), BASIS_ORDER.index(fact.basis))


def _reset_months(rule: RuleSet, facts: PersonFacts, ordered: Sequence[BenefitFact]) -> set[date]:
    """Months from which the rule's counter starts again at zero."""
    resets: set[date] = set()
    for met_on in facts.employment_conditions:
        later = [f for f in ordered if f.month > met_on and f.days > 0]
        if rule.reset == "employment_condition":
            if later:
                resets.add(later[0].month)
        elif rule.reset == "employment_condition_then_allowance":
            saw_allowance = False
            for fact in later:
                if fact.benefit_type in ALLOWANCES:
                    saw_allowance = True
                elif fact.benefit_type in rule.benefit_types and saw_allowance:
                    resets.add(fact.month)
                    break
    return resets


def municipality_on(homes: Iterable[HomeFact], day: date) -> str | None:
    for home in homes:
        if home.start <= day and (home.end is None or day <= home.end):
            return home.municipality
    return None


def _billable_per_day(rule: RuleSet, fact: BenefitFact, book: RuleBook) -> Decimal:
    if fact.benefit_type in rule.basic_part_only:
        return book.basic_daily_amount(fact.month.year)
    return fact.amount / fact.days if fact.days else Decimal(0)


def _municipal_amount(rule: RuleSet, *, counter_before_row: int, month_counter_before: int, counted: int,
                      billed_days: int, per_day: Decimal) -> Decimal:
    if billed_days == 0:
        return Decimal(0)
    if rule.step_boundary == "payment_period":
        # The whole period takes the share of its first counted day: the period in which day 300 is reached
        # is still the state's; the next one is the municipality's.
        return rule.share_for_day(month_counter_before + 1) * per_day * billed_days
    # Day boundary: counted days take their own ordinal's share; billed-but-uncounted days (none in the
    # shipped rules) take the share of the counter they stand at.
    total = sum((rule.share_for_day(counter_before_row + i) for i in range(1, counted + 1)), Decimal(0))
    total += rule.share_for_day(counter_before_row + counted) * (billed_days - counted)
    return total * per_day


@dataclass(frozen=True)
class _Step:
    """One benefit row as seen by one rule set's counter."""

    fact: BenefitFact
    rule: RuleSet
    counter_before: int  # before this row
    month_counter_before: int  # at the start of the row's month (after any reset)
    counted: int


def _walk(facts: PersonFacts, book: RuleBook, through: date | None) -> tuple[list[_Step], dict[str, int]]:
    """Run every rule set's counter over the person's history; returns the steps and the final counters."""
    ordered = sorted((f for f in facts.benefits if through is None or f.month <= through), key=_order)
    counters: dict[str, int] = {rule.code: 0 for rule in book.rule_sets}
    month_start: dict[tuple[str, date], int] = {}
    resets = {rule.code: _reset_months(rule, facts, ordered) for rule in book.rule_sets}
    steps: list[_Step] = []
    for fact in ordered:
        for rule in book.rule_sets:
            key = (rule.code, fact.month)
            if key not in month_start:
                if fact.month in resets[rule.code]:
                    counters[rule.code] = 0
                month_start[key] = counters[rule.code]
            counted = fact.days if rule.counts(fact.benefit_type, fact.basis) else 0
            steps.append(_Step(fact, rule, counters[rule.code], month_start[key], counted))
            counters[rule.code] += counted
    return steps, counters


def counters_after(facts: PersonFacts, book: RuleBook, *, through: date | None = None) -> dict[str, int]:
    """Each rule set's day counter after the last month up to ``through``."""
    return _walk(facts, book, through)[1]


def person_share_rows(facts: PersonFacts, book: RuleBook, *, through: date | None = None) -> list[ShareRow]:
    """Every benefit row of the person up to ``through`` (a month start, inclusive), split into shares."""
    rows: list[ShareRow] = []
    for step in _walk(facts, book, through)[0]:
        rule, fact = step.rule, step.fact
        in_force = book.for_month(fact.month)
        if in_force is None or in_force.code != rule.code:
            continue
        billed = fact.days if rule.bills(fact.benefit_type, fact.basis) else 0
        per_day = _billable_per_day(rule, fact, book)
        municipal = _municipal_amount(rule, counter_before_row=step.counter_before,
                                      month_counter_before=step.month_counter_before, counted=step.counted,
                                      billed_days=billed, per_day=per_day)
        municipal = min(municipal.quantize(CENT, rounding=ROUND_HALF_UP), fact.amount)
        after = step.counter_before + step.counted
        rows.append(ShareRow(
            person_id=facts.person_id, month=fact.month, benefit_type=fact.benefit_type, basis=fact.basis,
            rule_set=rule.code, municipality=municipality_on(facts.homes, month_end(fact.month)),
            paid_days=fact.days, counted_days=step.counted, counter_before=step.counter_before, counter_after=after,
            paid_eur=fact.amount, billable_eur=(per_day * billed).quantize(CENT, rounding=ROUND_HALF_UP),
            municipal_eur=municipal, state_eur=fact.amount - municipal,
            step=rule.step_index(step.month_counter_before + 1 if rule.step_boundary == "payment_period" else after),
        ))
    return rows
