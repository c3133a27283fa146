"""Unemployment benefits: which benefit a person gets, and the daily amounts by year.

The type rule (domain-rules §2.1, simplified): earnings-related allowance for fund members
with a work history (TOE met), basic allowance for non-members with a work history, and
labour market subsidy for those without a work history (mostly the young) and for everyone
after the 400-day maximum of the allowances. Meeting the work condition again resets the
day counters. Simplifications, on purpose: a single 400-day maximum (no 300/500-day
variants by age or work history), no waiting days, no means testing, no child supplements.

Daily amounts come from ``data/benefit_rates.csv`` with their source and status; only the
2024 basic amount (37.21 €/day, domain-rules [S7]) is sourced, the rest are approximations
(2000–2014 only for the history before the simulated period, ``history.py``).

The municipal share is not computed here: it is ``polku.municipal_share``'s engine over the facts
the simulator writes, which is also how the profiles are calibrated.
"""

from __future__ import annotations

import csv
from functools import cache

import numpy as np

from polku.simulator import catalogue as c


@cache
def daily_rates() -> dict[int, tuple[float, float]]:
    """Year -> (basic daily amount, mean earnings-related daily amount) in euros."""
    with (c.DATA_DIR / "benefit_rates.csv").open(encoding="utf-8", newline="") as handle:
        return {
            int(row["year"]): (float(row["basic_daily_eur"]), float(row["earnings_related_mean_daily_eur"]))
            for row in csv.DictReader(handle)
        }


def rates_for_year(year: int) -> tuple[float, float]:
    rates = daily_rates()
    return rates[min(max(year, min(rates)), max(rates))]


def benefit_type(work_history: np.ndarray, fund_member: np.ndarray, allowance_days: np.ndarray,
                 max_days: int) -> np.ndarray:
    """Benefit type code per person (catalogue.LMS / BASIC / EARNINGS_RELATED)."""
    allowance = work_history & (allowance_days < max_days)
    return np.where(allowance, np.where(fund_member, c.EARNINGS_RELATED, c.BASIC), c.LMS).astype(np.int8)


def daily_amount_cents(kind: np.ndarray, year: int, earnings_factor: np.ndarray) -> np.ndarray:
    """Daily amount in cents; earnings-related varies by person around the year's mean, never below basic."""
    basic, earnings_mean = rates_for_year(year)
    earnings = np.maximum(earnings_mean * earnings_factor, basic)
    return np.round(np.where(kind == c.EARNINGS_RELATED, earnings, basic) * 100).astype(np.int64)

