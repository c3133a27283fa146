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

Money is exact: a day's price is a fraction of cents, each row's municipal euros are rounded half up to
cents once (integer arithmetic, so every engine agrees to the cent), and the state pays the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
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


def _price(rule: RuleSet, fact: BenefitFact, book: RuleBook) -> tuple[int, int]:
    """The billed price of one day as an exact fraction of cents: (numerator, denominator).

    Paid amount ÷ days, or the year's basic daily amount for benefits billed on their basic part. Keeping
    it a fraction, and dividing once at the very end, makes every engine (Python, DuckDB, PostgreSQL)
    round the same half-cent the same way.
    """
    if fact.benefit_type in rule.basic_part_only:
        return int(book.basic_daily_amount(fact.month.year) * 100), 1
    return int(fact.amount * 100), max(fact.days, 1)


def _share_days(rule: RuleSet, *, counter_before_row: int, month_counter_before: int, counted: int,
                billed_days: int) -> int:
    """Σ share × days, with shares in hundredths (an integer): how many days' worth the municipality pays."""
    if billed_days == 0:
        return 0
    if rule.step_boundary == "payment_period":
        # The whole period takes the share of its first counted day: the period in which day 300 is reached
        # is still the state's; the next one is the municipality's.
        return int(rule.share_for_day(month_counter_before + 1) * 100) * billed_days
    # Day boundary: counted days take their own ordinal's share; billed-but-uncounted days (none in the
    # shipped rules) take the share of the counter they stand at.
    total = sum(int(rule.share_for_day(counter_before_row + i) * 100) for i in range(1, counted + 1))
    return total + int(rule.share_for_day(counter_before_row + counted) * 100) * (billed_days - counted)


def cents_half_up(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` cents, rounded half up, as euros (exact integer arithmetic)."""
    return Decimal((2 * numerator + denominator) // (2 * denominator)) / 100


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
            counted = fact.days if rule.counts(fact.benefit_type, fact.basis, fact.month) else 0
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
        price, per = _price(rule, fact, book)
        share_days = _share_days(rule, counter_before_row=step.counter_before,
                                 month_counter_before=step.month_counter_before, counted=step.counted,
                                 billed_days=billed)
        municipal = min(cents_half_up(share_days * price, 100 * per), fact.amount)
        after = step.counter_before + step.counted
        rows.append(ShareRow(
            person_id=facts.person_id, month=fact.month, benefit_type=fact.benefit_type, basis=fact.basis,
            rule_set=rule.code, municipality=municipality_on(facts.homes, month_end(fact.month)),
            paid_days=fact.days, counted_days=step.counted, counter_before=step.counter_before, counter_after=after,
            paid_eur=fact.amount, billable_eur=cents_half_up(price * billed, per),
            municipal_eur=municipal, state_eur=fact.amount - municipal,
            step=rule.step_index(step.month_counter_before + 1 if rule.step_boundary == "payment_period" else after),
        ))
    return rows
