"""The duration model: monthly exit hazards from unemployment by duration class, age group and destination,
fitted on an area's own history; with the inflow by calendar month and the service stock's dynamics.

Time runs on the statistics' calculation days (the last working day of each month), so that the model's stock is
the KPI engine's unemployed stock. Duration class ``d`` is the number of calculation days a run has already been
counted on before the current one (0: first counted this month); classes from ``MAX_CLASS`` up share one hazard.
The hazard of class ``d`` is the share of runs counted in class ``d`` that end before the next calculation day,
estimated only on intervals the data covers fully (a run still open at the end is censored, not an exit).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

import numpy as np

from polku.core.calendar import iter_months
from polku.derived.calendar import calculation_day
from polku.forecast.covariates import CELLS, PERIOD_MONTHS, Covariates, cell_of, fit_covariates
from polku.forecast.history import AGE_GROUPS, DESTINATIONS, History

MAX_CLASS = 24
SEASON_YEARS = 2  # inflow by calendar month: the average of the last two years (level and season, no trend)
LEVEL_MONTHS = 12  # the inflow's level: that of the last 12 months
MIN_EXPOSURE = 30  # a duration class with less exposure borrows the previous class's hazard


def calculation_days(first_day: date, last_day: date) -> list[date]:
    return [d for d in (calculation_day(m) for m in iter_months(first_day, last_day)) if first_day <= d <= last_day]


@dataclass(frozen=True)
class GroupModel:
    """One age group's fitted parameters."""

    hazard: list[float]  # by duration class 0..MAX_CLASS
    destination_share: list[dict[str, float]]  # by class: share of exits to each destination
    inflow: list[float]  # new runs counted per month, by calendar month 1..12 (index 0 = January)
    service_exit: float  # share of the service stock leaving before the next calculation day
    service_return: float  # share of those who return to unemployment the next day
    service_entry_other: float  # service entries per month not coming from an unemployment run
    exposure: list[int]
    inflow_level_sd: float = 0.0  # uncertainty of next year's inflow level: year-over-year changes seen in the data


@dataclass(frozen=True)
class ServiceTypeModel:
    """One service type's participants on the reference day and how they leave: what a change in its places moves."""

    participants: dict[str, int]  # by age group, on the reference day
    exit: float  # share leaving before the next calculation day
    returned: float  # share of leavers who become unemployed the next day


@dataclass(frozen=True)
class InitialState:
    unemployed: dict[str, list[int]]  # by group: counts by duration class on the reference day
    services: dict[str, int]


@dataclass(frozen=True)
class DurationModel:
    groups: dict[str, GroupModel]
    fitted_from: date
    fitted_to: date  # the reference (last) calculation day of the data
    runs: int
    initial: InitialState
    notes: list[str] = field(default_factory=list)
    covariates: Covariates | None = None  # None: every run at its age group's baseline (hand-made models)
    service_types: dict[str, ServiceTypeModel] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fitted_from": self.fitted_from.isoformat(), "fitted_to": self.fitted_to.isoformat(), "runs": self.runs,
            "max_class": MAX_CLASS, "notes": self.notes,
            "groups": {name: {"hazard": [round(h, 5) for h in g.hazard], "inflow_by_month": [round(x, 2) for x in g.inflow],
                              "service_exit": round(g.service_exit, 5), "service_return": round(g.service_return, 5),
                              "service_entry_other": round(g.service_entry_other, 2), "exposure": g.exposure}
                       for name, g in self.groups.items()},
            "relative_hazards": self.covariates.as_dict() if self.covariates else None,
        }


def _class(d: int) -> int:
    return min(d, MAX_CLASS)


def fit(history: History) -> DurationModel:
    """Fit every age group's hazards, inflow and service dynamics; the initial state is the last calculation day."""
    calc = calculation_days(history.first_day, history.last_day)
    if len(calc) < 14:
        raise ValueError("the duration model needs at least 14 months of history")
    n = len(calc)
    season_from = max(1, n - 12 * SEASON_YEARS)
    exposure: dict[str, list[int]] = {g: [0] * (MAX_CLASS + 1) for g, _, _ in AGE_GROUPS}
    events: dict[str, list[dict[str, int]]] = {g: [defaultdict(int) for _ in range(MAX_CLASS + 1)] for g, _, _ in AGE_GROUPS}
    inflow: dict[str, list[list[int]]] = {g: [[] for _ in range(12)] for g, _, _ in AGE_GROUPS}
    new_runs: dict[str, dict[int, int]] = {g: defaultdict(int) for g, _, _ in AGE_GROUPS}
    initial: dict[str, list[int]] = {g: [0] * (MAX_CLASS + 1) for g, _, _ in AGE_GROUPS}
    periods = max(1, (n - 1) // PERIOD_MONTHS)  # 12-month periods counted back from the last; the oldest takes the rest
    cell_initial = [[0] * (MAX_CLASS + 1) for _ in CELLS]
    recent_new, recent_returns = [0] * len(CELLS), [0] * len(CELLS)
    counted: list[tuple[int, int, int, int, int]] = []  # (group, cell, first, last at risk, exit destination or -1)
    group_index = {g: i for i, (g, _, _) in enumerate(AGE_GROUPS)}
    for run in history.runs:
        i0 = bisect_left(calc, run.start)
        last = n - 1 if run.end is None else bisect_right(calc, run.end) - 1
        if last < i0:
            continue  # began and ended between two calculation days: never in the stock
        cell = cell_of(run.group, run.education, run.benefit, run.after_service)
        if not run.after_service:  # returns from services come from the service stock's own dynamics
            new_runs[run.group][i0] += 1
        if i0 >= season_from:
            (recent_returns if run.after_service else recent_new)[cell] += 1
        exit_to = DESTINATIONS.index(run.destination or "other") if run.end is not None and last <= n - 2 else -1
        counted.append((group_index[run.group], cell, i0, min(last, n - 2), exit_to))
        if last == n - 1 and (run.end is None or run.end >= calc[-1]):
            initial[run.group][_class(n - 1 - i0)] += 1
            cell_initial[cell][_class(n - 1 - i0)] += 1
    cells = _count_person_months(counted, n, periods, exposure, events)
    for group in exposure:
        for k in range(season_from, n):
            inflow[group][calc[k].month - 1].append(new_runs[group].get(k, 0))
    services = _service_dynamics(history, calc)
    groups = {}
    for group, group_exposure in exposure.items():
        hazard, shares = _hazards(group_exposure, events[group])
        exit_rate, return_rate, _stock, entries_other = services[group]
        groups[group] = GroupModel(hazard=hazard, destination_share=shares,
                                   inflow=_recent_level([sum(v) / len(v) if v else 0.0 for v in inflow[group]],
                                                        new_runs[group], calc),
                                   service_exit=exit_rate, service_return=return_rate, service_entry_other=entries_other,
                                   exposure=group_exposure, inflow_level_sd=_year_over_year_sd(new_runs[group], calc))
    state = InitialState(unemployed=initial, services={g: services[g][2] for g in services})
    covariates = fit_covariates(
        cells, {name: (g.hazard, g.destination_share) for name, g in groups.items()}, periods=periods,
        period_labels=[_period_label(calc, p, periods) for p in range(periods)], initial=cell_initial,
        new_runs=recent_new, returns=recent_returns)
    return DurationModel(groups=groups, fitted_from=calc[0], fitted_to=calc[-1], runs=len(history.runs), initial=state,
                         notes=["Age group is taken at the start of a run; education is the person's, the benefit the "
                                "one paid at the run's start.",
                                "Exits run at the level of the latest 12 months; the bands add the year-to-year change "
                                "of that level seen in the history.",
                                "Inflow has a season (by calendar month) and the level of the last two years, no trend."],
                         covariates=covariates, service_types=_service_types(history, calc))


def _service_types(history: History, calc: list[date]) -> dict[str, ServiceTypeModel]:
    """Per service type: participants on the last calculation day by age group, monthly exit and return shares."""
    n = len(calc)
    found: dict[str, list[Any]] = {}
    for spell in history.services:
        if not spell.service_type:
            continue
        i0 = bisect_left(calc, spell.start)
        last = n - 1 if spell.end is None else bisect_right(calc, spell.end) - 1
        if last < i0:
            continue
        participants, counts = found.setdefault(spell.service_type, [defaultdict(int), [0, 0, 0]])
        if last == n - 1:
            participants[spell.group] += 1
        counts[0] += max(0, min(last, n - 2) - i0 + 1)  # months at risk of leaving
        if spell.end is not None and last <= n - 2:
            counts[1] += 1
            counts[2] += int(spell.returned)
    return {code: ServiceTypeModel(participants={g: participants.get(g, 0) for g, _, _ in AGE_GROUPS},
                                   exit=exits / exposure if exposure else 0.0, returned=back / exits if exits else 0.0)
            for code, (participants, (exposure, exits, back)) in sorted(found.items())}


def _count_person_months(counted: list[tuple[int, int, int, int, int]], n: int, periods: int,
                         exposure: dict[str, list[int]], events: dict[str, list[dict[str, int]]],
                         ) -> dict[tuple[int, int, int], tuple[int, dict[str, int]]]:
    """Person-months at risk and exits, by age group and class (into ``exposure`` and ``events``) and by cell, class
    and period (returned): every run's months from its first calculation day to its last at risk, counted with
    numpy (a national history has tens of millions of them)."""
    if not counted:
        return {}
    group, cell, first, last, exit_to = (np.array(column, dtype=np.int64) for column in zip(*counted, strict=True))
    lengths = np.maximum(0, last - first + 1)
    run = np.repeat(np.arange(len(counted)), lengths)
    k = first[run] + np.arange(len(run)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    d = np.minimum(k - first[run], MAX_CLASS)
    period = np.minimum(periods - 1, (n - 2 - k) // PERIOD_MONTHS)
    classes, kinds = MAX_CLASS + 1, len(DESTINATIONS)
    by_group = np.bincount(group[run] * classes + d, minlength=len(AGE_GROUPS) * classes).reshape(-1, classes)
    key = (cell[run] * classes + d) * periods + period
    by_cell = np.bincount(key, minlength=len(CELLS) * classes * periods)
    leaving = exit_to >= 0
    d_exit = np.minimum(last - first, MAX_CLASS)[leaving]
    group_exits = np.bincount((group[leaving] * classes + d_exit) * kinds + exit_to[leaving],
                              minlength=len(AGE_GROUPS) * classes * kinds).reshape(len(AGE_GROUPS), classes, kinds)
    exit_key = (cell[leaving] * classes + d_exit) * periods + np.minimum(periods - 1,
                                                                         (n - 2 - last[leaving]) // PERIOD_MONTHS)
    cell_exits = np.bincount(exit_key * kinds + exit_to[leaving], minlength=len(by_cell) * kinds).reshape(-1, kinds)
    for g, (name, _, _) in enumerate(AGE_GROUPS):
        exposure[name][:] = by_group[g].tolist()
        for c in range(classes):
            for j, destination in enumerate(DESTINATIONS):
                if group_exits[g, c, j]:
                    events[name][c][destination] += int(group_exits[g, c, j])
    rows: dict[tuple[int, int, int], tuple[int, dict[str, int]]] = {}
    for index in np.flatnonzero(by_cell):
        exits = {destination: int(cell_exits[index, j]) for j, destination in enumerate(DESTINATIONS)
                 if cell_exits[index, j]}
        rows[(int(index // (classes * periods)), int(index // periods % classes), int(index % periods))] = (
            int(by_cell[index]), exits)
    return rows


def _period_label(calc: list[date], period: int, periods: int) -> str:
    """The months whose exits period ``period`` (0 = the latest 12) counts, as "YYYY-MM–YYYY-MM"."""
    last = len(calc) - 1 - PERIOD_MONTHS * period
    first = 1 if period == periods - 1 else last - PERIOD_MONTHS + 1
    return f"{calc[first]:%Y-%m}–{calc[last]:%Y-%m}"


def _hazards(exposure: list[int], events: list[dict[str, int]]) -> tuple[list[float], list[dict[str, float]]]:
    """Exits ÷ exposure per class, and where the exits went; a thin class borrows the previous class's values."""
    hazard: list[float] = []
    shares: list[dict[str, float]] = []
    for d in range(MAX_CLASS + 1):
        total = sum(events[d].values())
        if exposure[d] >= MIN_EXPOSURE or not hazard:
            hazard.append(total / exposure[d] if exposure[d] else 0.0)
            shares.append({k: events[d].get(k, 0) / total for k in DESTINATIONS} if total else
                          {k: (1.0 if k == "other" else 0.0) for k in DESTINATIONS})
        else:
            hazard.append(hazard[-1])
            shares.append(shares[-1])
    return hazard, shares


def _recent_level(season: list[float], new_runs: dict[int, int], calc: list[date]) -> list[float]:
    """The seasonal inflow (by calendar month, the last two years) brought to the level of the last
    ``LEVEL_MONTHS`` months: a lay-off wave or a recovery under way shows there first, and the two-year average
    would lag it by a year."""
    recent = range(max(1, len(calc) - LEVEL_MONTHS), len(calc))
    expected = sum(season[calc[k].month - 1] for k in recent)
    level = sum(new_runs.get(k, 0) for k in recent) / expected if expected else 1.0
    return [x * min(2.0, max(0.5, level)) for x in season]


def _year_over_year_sd(new_runs: dict[int, int], calc: list[date]) -> float:
    """Root-mean-square relative change of the yearly inflow between consecutive whole years, clipped to 2–30 %.

    The projection draws one inflow level per path from this: without it the bands hold only the month-to-month
    chance and are too narrow for a level that moves from year to year (as the backtest showed).
    """
    years: dict[int, int] = defaultdict(int)
    months: dict[int, int] = defaultdict(int)
    for k, day in enumerate(calc[1:], start=1):
        years[day.year] += new_runs.get(k, 0)
        months[day.year] += 1
    whole = sorted(y for y, n in months.items() if n == 12)
    changes = [years[b] / years[a] - 1 for a, b in pairwise(whole) if years[a]]
    if not changes:
        return 0.1
    return min(0.3, max(0.02, (sum(c * c for c in changes) / len(changes)) ** 0.5))


def _service_dynamics(history: History, calc: list[date]) -> dict[str, tuple[float, float, int, float]]:
    """Per group: exit share per month, share returning to unemployment, stock on the last day, other entries/month."""
    n = len(calc)
    stock = {g: [0] * n for g, _, _ in AGE_GROUPS}
    exits = {g: 0 for g, _, _ in AGE_GROUPS}
    exposure = {g: 0 for g, _, _ in AGE_GROUPS}
    returned = {g: 0 for g, _, _ in AGE_GROUPS}
    entries = {g: 0 for g, _, _ in AGE_GROUPS}
    from_runs = {g: 0 for g, _, _ in AGE_GROUPS}
    season_from = max(1, n - 12 * SEASON_YEARS)
    for spell in history.services:
        i0 = bisect_left(calc, spell.start)
        last = n - 1 if spell.end is None else bisect_right(calc, spell.end) - 1
        if last < i0:
            continue
        if i0 >= season_from:
            entries[spell.group] += 1
        for k in range(i0, last + 1):
            stock[spell.group][k] += 1
        for k in range(i0, min(last, n - 2) + 1):
            exposure[spell.group] += 1
            if k == last and spell.end is not None:
                exits[spell.group] += 1
                returned[spell.group] += int(spell.returned)
    for run in history.runs:
        if run.destination == "service" and run.end is not None and bisect_left(calc, run.end) >= season_from:
            from_runs[run.group] += 1
    months = max(1, n - season_from)
    return {g: (exits[g] / exposure[g] if exposure[g] else 0.0, returned[g] / exits[g] if exits[g] else 0.0,
                stock[g][-1], max(0.0, (entries[g] - from_runs[g]) / months)) for g in stock}
