"""The municipal share in euros for the projection: what one person-month in unemployment duration class ``d`` (or in
a service) costs the municipality under each rule set, calibrated on the area's own computed share history.

Why calibrated on the history rather than derived from the rules alone. The share follows a person's benefit-day
counter, not the length of the current unemployment run: the counter keeps the days of earlier runs (it restarts
only when the employment condition is met, and under the 2015 rule only once the allowance has then been used up),
counts only labour-market-subsidy days paid for unemployment under the 2015 rule but all three benefits and service
days under the 2025 rule, and not everyone registered as unemployed draws a benefit, or the same one. A structural
mapping "class d → counter ≈ d × 21.5 days → step" would miss all of that (a person in class 0 may already have
1 000 counted days; ``structural_euros`` gives that naive figure for comparison). The engine knows every person's counter, so the
mapping is the engine's own output averaged over the history's person-months in each class. The rules enter
exactly — steps (300/1 000 days from the next payment period; 101…701 days by the day under the 2025 rule, with its
unverified percentages from the rules data), which benefits and bases count, service days counted and billed only
under the 2025 rule — and the history supplies the population's counters, take-up and benefit mix.

Definitions (``ShareHistory``, ``calibrate``):

* a person-month in class ``d``: the person is in an unemployment run on the month's calculation day, counted on
  ``d`` calculation days before (the duration model's class, ``MAX_CLASS`` = that many or more); in a service: in a
  service spell on that day;
* its euros: what the engine bills to one of the area's municipalities for that person and calendar month, under
  the rule forced to cover every month (as the rule comparison on /kuntaosuus/ does): "the same people priced under
  the old and the new rule";
* the flow factor: everything the engine bills to the area in the calibration months ÷ the euros of the stock's
  person-months. The rest is paid for persons not in the stock on the calculation day (who left or arrived between
  two calculation days, or moved); it is assumed to stay proportional to the stock's euros;
* prices and paid days: euros are brought to the basic daily amount of the last calibration year and to a month of
  average length (``AVERAGE_WEEKDAYS``), and projected with the amount of the projected year
  (``data/basic_daily_amounts.csv``: all three benefits are billed at, or on the basis of, it) and that month's
  weekdays (benefits are paid for five days a week, so a month of 23 weekdays costs 15 % more than one of 20).

Limits, said where the figures are shown: the mix of counters within a class is the history's (a scenario that
changes who is long-term unemployed changes the class counts, not the counters within a class), and the age groups
share one mapping.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from polku.core.calendar import add_months
from polku.core.languages import text_in
from polku.derived.calendar import weekdays
from polku.forecast.duration import MAX_CLASS, MIN_EXPOSURE, calculation_days
from polku.forecast.history import History

SERVICE = -1  # state key of a person-month in a service
FLOW = -2  # state key of euros paid for a person not in the stock on the calculation day
SHARE_HISTORY_MONTHS = 38  # the share is computed for the last 38 months: 24 to calibrate, 12 to backtest, 2 spare
CALIBRATION_MONTHS = 24
AVERAGE_WEEKDAYS = 261 / 12  # weekdays in an average month
MIN_TREND_MONTHS = 12


@dataclass(frozen=True)
class ShareHistory:
    """The engine's municipal euros for the area, summed by rule, month, state on the calculation day and benefit,
    with the stock's person counts by month and state (small: no person-level rows are kept)."""

    months: list[date]  # first days of the months covered
    euros: dict[str, dict[date, dict[int, dict[str, float]]]]  # rule → month → state → benefit type → €
    stock: dict[date, dict[int, int]]  # month → state → persons

    def total(self, rule: str, month: date) -> float:
        """Everything the engine bills to the area for ``month`` under ``rule`` (the actual, for the backtest)."""
        return sum(sum(b.values()) for b in self.euros.get(rule, {}).get(month, {}).values())


def share_history(history: History, rows: Iterable[tuple[str, Any, date, str, float]], first_month: date,
                  last_month: date) -> ShareHistory:
    """Sum ``(rule, person, month, benefit type, municipal €)`` rows (already limited to the area's municipalities)
    by the person's state on the month's calculation day."""
    calc = calculation_days(history.first_day, history.last_day)
    index = {day.replace(day=1): k for k, day in enumerate(calc)}
    months = [m for m in (add_months(first_month, i) for i in range(240)) if m <= last_month]
    state: dict[tuple[Any, date], int] = {}
    stock: dict[date, dict[int, int]] = {m: defaultdict(int) for m in months}
    wanted = {index[m] for m in months if m in index}

    def covered(start: date, end: date | None) -> Iterable[tuple[int, date]]:
        """(calculation days since ``start``, month) of the wanted calculation days from ``start`` to ``end``."""
        first = _first_index(calc, start)
        last = len(calc) - 1 if end is None else _last_index(calc, end)
        return ((k - first, calc[k].replace(day=1)) for k in range(max(first, min(wanted, default=0)), last + 1)
                if k in wanted)

    for run in history.runs:
        for since, month in covered(run.start, run.end):
            d = min(since, MAX_CLASS)
            state[(run.person, month)] = d
            stock[month][d] += 1
    for spell in history.services:
        for _since, month in covered(spell.start, spell.end):
            state[(spell.person, month)] = SERVICE
            stock[month][SERVICE] += 1
    euros: dict[str, dict[date, dict[int, dict[str, float]]]] = defaultdict(
        lambda: {m: defaultdict(lambda: defaultdict(float)) for m in months})
    for rule, person, month, benefit, amount in rows:
        if first_month <= month <= last_month and amount:
            euros[rule][month][state.get((person, month), FLOW)][benefit] += amount
    return ShareHistory(months=months, euros={r: {m: {s: dict(b) for s, b in by.items()} for m, by in v.items()}
                                              for r, v in euros.items()},
                        stock={m: dict(v) for m, v in stock.items()})


def _first_index(calc: list[date], day: date) -> int:
    return bisect_left(calc, day)


def _last_index(calc: list[date], day: date) -> int:
    return bisect_right(calc, day) - 1


@dataclass(frozen=True)
class RuleEuros:
    """One rule set's euros per person-month, at the base year's prices."""

    code: str
    names: dict[str, str]  # fi, sv, en
    verified: bool
    unemployed: list[float]  # by duration class 0..MAX_CLASS
    service: float
    flow_factor: float
    by_benefit: dict[str, list[float]]  # the same by benefit type (they sum to ``unemployed``)
    month_sd: float = 0.0  # relative spread of a month's actual euros around the mapping's trend, calibration months
    drift_level: float = 1.0  # the price of a person-month in the last calibration month, relative to the mapping's
    drift_per_month: float = 0.0  # its trend (log per month), carried into the projection

    def drift(self, months_ahead: int) -> float:
        """The price of a person-month ``months_ahead`` after the last calibration month, relative to the mapping's
        average: benefit-day counters keep growing while people stay unemployed, so the euros of a duration class
        drift as its people pass the steps; the calibration months' trend is carried on."""
        return self.drift_level * math.exp(self.drift_per_month * months_ahead)

    def stock_euros(self, counts: list[float] | list[int], services: float) -> float:
        """Euros of one average month at base-year prices for a stock: persons by duration class and in services."""
        return (sum(n * e for n, e in zip(counts, self.unemployed, strict=True)) + services * self.service) \
            * self.flow_factor

    def name(self, language: str) -> str:
        return text_in(self.names, language[:2])


@dataclass(frozen=True)
class ShareEuros:
    """The calibrated mapping of every rule set, with what it was calibrated on."""

    rules: dict[str, RuleEuros]
    first_month: date
    last_month: date
    exposure: list[int]  # person-months by class in the calibration months
    service_exposure: int
    base_year: int
    basic_daily: dict[int, float]  # € per day by year (rules data)
    in_force: list[tuple[date, date | None, str]]  # (valid from, valid to, rule) as in the rule book

    def price(self, year: int) -> float:
        """The year's basic daily amount relative to the base year's (nearest year if not in the data)."""
        def amount(y: int) -> float:
            return self.basic_daily.get(y) or self.basic_daily[min(self.basic_daily, key=lambda k: abs(k - y))]
        return amount(year) / amount(self.base_year) if self.basic_daily else 1.0

    def month_factor(self, month: date) -> float:
        """A month's euros relative to the mapping's (an average month at base-year prices)."""
        return self.price(month.year) * weekdays(month) / AVERAGE_WEEKDAYS

    def months_after(self, month: date) -> int:
        """Calendar months from the last calibration month to ``month``."""
        return (month.year - self.last_month.year) * 12 + month.month - self.last_month.month

    def rule_in_force(self, month: date) -> str | None:
        return next((code for start, end, code in self.in_force if start <= month and (end is None or month <= end)),
                    None)

    def as_dict(self) -> dict[str, Any]:
        return {"calibrated_on": [self.first_month.isoformat()[:7], self.last_month.isoformat()[:7]],
                "base_year": self.base_year, "person_months": sum(self.exposure),
                "service_person_months": self.service_exposure,
                "rules": {code: {"name": r.names["fi"], "verified": r.verified, "flow_factor": round(r.flow_factor, 4),
                                 "eur_per_person_month_by_class": [round(x, 2) for x in r.unemployed],
                                 "eur_per_service_month": round(r.service, 2), "month_sd": round(r.month_sd, 4),
                                 "drift_level": round(r.drift_level, 4),
                                 "drift_per_month": round(r.drift_per_month, 5)}
                          for code, r in self.rules.items()}}


def calibrate(share: ShareHistory, book: Any, *, last_month: date, months: int = CALIBRATION_MONTHS,
              min_exposure: int = MIN_EXPOSURE) -> ShareEuros:
    """The mapping from the ``months`` months of ``share`` up to ``last_month`` (``book``: the rule book in force,
    for names, verified flags and basic daily amounts)."""
    window = [m for m in share.months if add_months(last_month, -(months - 1)) <= m <= last_month]
    if not window:
        raise ValueError("no municipal-share months to calibrate on")
    basic = {year: float(amount) for year, amount in book.basic_daily.items()}
    base_year = window[-1].year
    partial = ShareEuros(rules={}, first_month=window[0], last_month=window[-1], exposure=[], service_exposure=0,
                         base_year=base_year, basic_daily=basic, in_force=[])
    exposure = [sum(share.stock[m].get(d, 0) for m in window) for d in range(MAX_CLASS + 1)]
    service_exposure = sum(share.stock[m].get(SERVICE, 0) for m in window)
    rules: dict[str, RuleEuros] = {}
    for rule in book.rule_sets:
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0] * (MAX_CLASS + 1))
        service = flow = 0.0
        for month in window:
            deflate = partial.month_factor(month)
            for state, benefits in share.euros.get(rule.code, {}).get(month, {}).items():
                for benefit, amount in benefits.items():
                    if state == SERVICE:
                        service += amount / deflate
                    elif state == FLOW:
                        flow += amount / deflate
                    else:
                        sums[benefit][state] += amount / deflate
        by_benefit = {b: _per_person(v, exposure, min_exposure) for b, v in sorted(sums.items())}
        unemployed = [sum(v[d] for v in by_benefit.values()) for d in range(MAX_CLASS + 1)]
        stock_euros = sum(sum(v) for v in sums.values()) + service
        mapped = RuleEuros(
            code=rule.code, names={"fi": rule.name_fi, "sv": rule.name_sv, "en": rule.name_en}, verified=rule.verified,
            unemployed=unemployed, service=service / service_exposure if service_exposure else 0.0,
            flow_factor=(stock_euros + flow) / stock_euros if stock_euros else 1.0, by_benefit=by_benefit)
        level, slope, spread = _price_trend(share, mapped, window, partial)
        rules[rule.code] = replace(mapped, month_sd=spread, drift_level=level, drift_per_month=slope)
    return ShareEuros(rules=rules, first_month=window[0], last_month=window[-1], exposure=exposure,
                      service_exposure=service_exposure, base_year=base_year, basic_daily=basic,
                      in_force=[(r.valid_from, r.valid_to, r.code) for r in book.rule_sets])


def _price_trend(share: ShareHistory, rule: RuleEuros, window: list[date],
                 prices: ShareEuros) -> tuple[float, float, float]:
    """The calibration months' actual euros against what the mapping gives for each month's stock: a log-linear
    trend (least squares) of their ratio — its level in the last month and its slope per month — and the root-mean-
    square deviation around it, the month-to-month variation of the price of a person-month (benefit mix, adjusted
    days), which the projection's bands add on top of the variation in the number of people. Fewer than
    ``MIN_TREND_MONTHS`` months: no trend."""
    points = []
    for i, month in enumerate(window):
        counts = [share.stock[month].get(d, 0) for d in range(MAX_CLASS + 1)]
        expected = rule.stock_euros(counts, share.stock[month].get(SERVICE, 0)) * prices.month_factor(month)
        actual = share.total(rule.code, month)
        if expected > 0 and actual > 0:
            points.append((i, math.log(actual / expected)))
    if not points:
        return 1.0, 0.0, 0.0
    xs = np.array([x for x, _ in points], dtype=float)
    ys = np.array([y for _, y in points])
    if len(points) < MIN_TREND_MONTHS:
        return 1.0, 0.0, float(np.sqrt(np.mean((np.exp(ys) - 1) ** 2)))
    slope, intercept = np.polyfit(xs, ys, 1)
    residuals = ys - (intercept + slope * xs)
    level = float(intercept + slope * (len(window) - 1))
    return math.exp(level), float(slope), float(np.sqrt(np.mean(np.expm1(residuals) ** 2)))


def _per_person(sums: list[float], exposure: list[int], min_exposure: int) -> list[float]:
    """€ ÷ person-months by class; a class with less than ``min_exposure`` person-months borrows the previous one's
    value (as the hazards do), so a thin tail does not swing the projection."""
    out: list[float] = []
    for d in range(MAX_CLASS + 1):
        if exposure[d] >= min_exposure or not out:
            out.append(sums[d] / exposure[d] if exposure[d] else 0.0)
        else:
            out.append(out[-1])
    return out


def area_share_history(history: History, municipalities: set[str], *,
                       months: int = SHARE_HISTORY_MONTHS) -> tuple[ShareHistory, Any]:
    """The area's share history from the database in use (the DuckDB engine over the persons' facts, each rule set
    forced over every month), and the rule book in force."""
    from polku.municipal_share import selectors
    from polku.municipal_share.rules import forced_book
    from polku.municipal_share.services import current_rule_book
    from polku.municipal_share.sql_engine import duckdb_person_month_shares

    book = current_rule_book()
    last = history.last_day.replace(day=1)
    first = max(add_months(last, -(months - 1)), history.first_day.replace(day=1))
    persons = selectors.persons_billed_to(municipalities, first, last)
    rows = duckdb_person_month_shares(selectors.person_facts(persons),
                                      {r.code: forced_book(book, r.code) for r in book.rule_sets},
                                      through=last, since=first)
    area_rows = ((rule, person, month, benefit, amount) for rule, person, month, municipality, benefit, amount in rows
                 if municipality in municipalities)
    return share_history(history, area_rows, first, last), book


def structural_euros(book: Any, rule: str, *, year: int, days_per_month: int = 21, classes: int = MAX_CLASS + 1,
                     benefit: str = "labour_market_subsidy", basis: str = "unemployment") -> list[float]:
    """The naive structural mapping, for comparison with the calibrated one: a person who starts with no counted
    days and draws ``days_per_month`` days of ``benefit`` at the year's basic daily amount every month; the euros of
    the month in class ``d`` under ``rule`` (forced over every month). Computed by the engine itself, so it applies
    the rules exactly as the share pages do."""
    from decimal import Decimal

    from polku.municipal_share.engine import BenefitFact, PersonFacts, person_share_rows
    from polku.municipal_share.rules import forced_book

    forced = forced_book(book, rule)
    daily = book.basic_daily_amount(year)
    months = [add_months(date(year, 1, 1), d) for d in range(classes)]
    facts = PersonFacts("structural", [BenefitFact(m, benefit, basis, days_per_month, daily * days_per_month)
                                       for m in months])
    by_month: dict[date, Decimal] = defaultdict(Decimal)
    for row in person_share_rows(facts, forced):
        by_month[row.month] += row.municipal_eur
    return [float(by_month[m]) for m in months]
