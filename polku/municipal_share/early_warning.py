"""Early warning: when will a client's day counter reach the next step, if nothing changes?

"If nothing changes" means the person keeps receiving benefit at their recent pace: counted days per
weekday over the last three months with benefit rows (full-time benefit is five days a week). The
warning says the day the counter reaches the step, the day the municipality starts paying more (the
same day under a day-boundary rule; the next payment period's first day under the 2015 rule), and
the euros a month the municipality would pay after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from polku.core.calendar import add_months, month_end, month_start
from polku.derived.calendar import add_weekdays, weekdays
from polku.municipal_share.engine import PersonFacts, counters_after, person_share_rows
from polku.municipal_share.rules import RuleBook

WEEKDAYS_PER_MONTH = Decimal("21.75")  # 261 weekdays a year / 12
RECENT_MONTHS = 3


@dataclass(frozen=True)
class StepWarning:
    person_id: Any
    rule_set: str
    verified: bool
    counter: int
    reaches_day: int  # the counter value that triggers the step
    reaches_on: date
    share_from: date
    share_after: Decimal
    monthly_municipal_eur_after: Decimal

    def within(self, reference_date: date, days: int) -> bool:
        return self.share_from <= reference_date + timedelta(days=days)


def next_step(facts: PersonFacts, book: RuleBook, *, reference_date: date) -> StepWarning | None:
    """The next step the person's counter will reach under the rule in force, or None if not receiving."""
    rule = book.for_month(month_start(reference_date))
    if rule is None:
        return None
    last_full = add_months(month_start(reference_date), -1)
    recent_months = [add_months(last_full, -i) for i in range(RECENT_MONTHS)]
    recent = [f for f in facts.benefits if f.month in recent_months]
    if not any(f.month == last_full and rule.counts(f.benefit_type, f.basis, f.month) and f.days for f in recent):
        return None  # not receiving a counted benefit last month: no pace to project
    counted = sum(f.days for f in recent if rule.counts(f.benefit_type, f.basis, f.month))
    capacity = sum(weekdays(m) for m in recent_months)
    pace = Decimal(counted) / Decimal(capacity)  # counted days per weekday
    counter = counters_after(facts, book, through=last_full)[rule.code]
    upcoming = [s for s in rule.steps if s.from_day > counter + (1 if rule.step_boundary == "payment_period" else 0)]
    if not upcoming or pace <= 0:
        return None
    step = upcoming[0]
    # Under the 2015 rule the step bites in the period after the one in which day (from_day - 1) is reached.
    trigger = step.from_day - 1 if rule.step_boundary == "payment_period" else step.from_day
    needed = trigger - counter
    # Projected from the end of the last full month, the latest the facts cover.
    reaches_on = add_weekdays(month_end(last_full), int((Decimal(needed) / pace).to_integral_value(rounding=ROUND_CEILING)))
    share_from = add_months(month_start(reaches_on), 1) if rule.step_boundary == "payment_period" else reaches_on
    rows = [r for r in person_share_rows(facts, book, through=last_full) if r.month in recent_months and r.paid_days]
    billable = sum((r.billable_eur for r in rows), Decimal(0))
    billable_days = sum(r.paid_days for r in rows if r.billable_eur)
    per_day = billable / billable_days if billable_days else Decimal(0)
    monthly = (step.share * per_day * pace * WEEKDAYS_PER_MONTH).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return StepWarning(
        person_id=facts.person_id, rule_set=rule.code, verified=rule.verified, counter=counter,
        reaches_day=trigger, reaches_on=reaches_on, share_from=share_from, share_after=step.share,
        monthly_municipal_eur_after=monthly,
    )
