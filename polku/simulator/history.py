"""Benefit history before the first simulated day, written as facts like everything else.

The municipal-share engine sees only facts, so what the dynamics know about a person's past must
be in the tables too. Two parts, both vectorised over the batch:

* the **current spell** of the stock: persons registered before the first simulated day are in
  their entry state from ``entry_day``; the months up to the start are paid like any simulated
  month (``Engine._paid``), by ``current_spell_months``;
* **earlier spells**: a registrant aged 25+ without a work history brings subsidy days from an
  earlier unemployment (``Population.earlier_subsidy_days``). ``earlier_spells`` writes them as one
  unemployment spell of labour market subsidy months (basis unemployment, at most the month's
  weekdays), ending one to 24 months before the first simulated day (or before the stock
  person's current spell, if that is earlier), followed by a spell outside the labour force up
  to the person's entry. The job-search period of the earlier spell follows from the status
  spells (end reason "outside the labour force"). Spells never start before ``EARLIEST`` nor
  before the person turns 17; days that do not fit are dropped.

No employment condition is met in this past: the earlier spells belong to persons without a work
history, so the counters of both rule sets run on from them into the simulated years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polku.simulator import benefits
from polku.simulator import catalogue as c
from polku.simulator.population import DAY, Population

EARLIEST = np.datetime64("2000-01", "M")  # no history before this month (daily rates start in 2000)
MAX_GAP_MONTHS = 24
AGE_FROM_YEARS = 17


@dataclass
class EarlierSpells:
    """Status events and labour market subsidy months of earlier spells (person = index in the batch)."""

    status_person: np.ndarray
    status_day: np.ndarray
    status_state: np.ndarray
    benefit_person: np.ndarray
    benefit_month: np.ndarray  # datetime64[D], first day of month
    benefit_days: np.ndarray  # int16
    benefit_cents: np.ndarray  # int64
    first_day: np.ndarray  # datetime64[D] per person of the batch: first day of its earlier spell, NaT if none


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row ``i`` repeated ``counts[i]`` times: (row index, position 0..counts[i]-1 within the row)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.arange(len(owner)) - offsets


def group_cumsum(owner: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum of ``values`` within runs of equal, consecutive ``owner``."""
    total = np.cumsum(values)
    first = np.r_[True, owner[1:] != owner[:-1]]
    base = np.where(first, total - values, 0)
    return total - np.maximum.accumulate(base)


def _weekdays(month: np.ndarray) -> np.ndarray:
    return np.busday_count(month.astype("datetime64[D]"), (month + 1).astype("datetime64[D]"))


def lms_cents(days: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Labour market subsidy in cents for ``days`` paid in ``month`` (basic amount of that year)."""
    years = month.astype("datetime64[Y]").astype(int) + 1970
    rate = np.zeros(len(days), dtype=np.int64)
    for year in np.unique(years):
        rate[years == year] = round(benefits.rates_for_year(int(year))[0] * 100)
    return days.astype(np.int64) * rate


def earlier_spells(pop: Population, start: np.datetime64, rng: np.random.Generator) -> EarlierSpells:
    n = len(pop)
    wanted = pop.earlier_subsidy_days.astype(np.int64)
    who = np.nonzero((wanted > 0) & pop.takes_benefit)[0]
    anchor = np.minimum(pop.entry_day[who], start)  # the spell ends before this day
    gap = rng.integers(1, MAX_GAP_MONTHS + 1, size=n)[who]  # drawn for all, so that ``who`` shifts no other draw
    end_month = (anchor - DAY).astype("datetime64[M]") - gap
    adult = (pop.birth_date[who] + int(AGE_FROM_YEARS * 365.25) * DAY).astype("datetime64[M]") + 1
    floor = np.maximum(adult, EARLIEST)

    # Months backwards from the last one until the wanted days are paid (or the floor is reached).
    owner, back = expand(wanted[who] // 20 + 1)
    month = end_month[owner] - back
    weekdays = _weekdays(month)
    paid_before = group_cumsum(owner, weekdays) - weekdays
    keep = (paid_before < wanted[who][owner]) & (month >= floor[owner])
    owner, month, weekdays, paid_before = owner[keep], month[keep], weekdays[keep], paid_before[keep]
    days = np.minimum(weekdays, wanted[who][owner] - paid_before)

    # The spell: from the first paid weekday of its earliest month to the end of its last month.
    has = np.zeros(len(who), dtype=bool)
    has[owner] = True
    last_row = np.r_[owner[1:] != owner[:-1], True][:len(owner)]  # rows run backwards: a person's last is earliest
    spell_start = np.full(len(who), np.datetime64("NaT", "D"))
    earliest = (month[last_row] + 1).astype("datetime64[D]") - DAY
    spell_start[owner[last_row]] = np.busday_offset(earliest, -(days[last_row] - 1), roll="backward")
    spell_end = (end_month + 1).astype("datetime64[D]") - DAY

    persons = who[has]
    first_day = np.full(n, np.datetime64("NaT", "D"))
    first_day[persons] = spell_start[has]
    status_person = np.concatenate([persons, persons])
    status_day = np.concatenate([spell_start[has], spell_end[has] + DAY])
    status_state = np.concatenate([np.full(len(persons), c.UNEMPLOYED), np.full(len(persons), c.OUTSIDE)])
    benefit_month = month.astype("datetime64[D]")
    return EarlierSpells(
        status_person=status_person.astype(np.int32), status_day=status_day, status_state=status_state.astype(np.int8),
        benefit_person=who[owner].astype(np.int32), benefit_month=benefit_month, benefit_days=days.astype(np.int16),
        benefit_cents=lms_cents(days, month), first_day=first_day,
    )


def current_spell_months(entry_day: np.ndarray, start: np.datetime64) -> tuple[np.ndarray, np.ndarray,
                                                                              np.ndarray, np.ndarray]:
    """Segments of the stock's entry state before ``start``, one per month.

    Returns (row index into ``entry_day``, month start, first day, last day) for every month from
    the month of ``entry_day`` to the month before ``start``; persons entering on or after ``start``
    get none.
    """
    first_month = entry_day.astype("datetime64[M]")
    start_month = start.astype("datetime64[M]")
    counts = np.where(entry_day < start, (start_month - first_month).astype(int), 0)
    owner, offset = expand(counts)
    month = first_month[owner] + offset
    month_first = month.astype("datetime64[D]")
    first = np.maximum(month_first, entry_day[owner])
    last = (month + 1).astype("datetime64[D]") - DAY
    return owner, month_first, first, last
