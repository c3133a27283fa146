"""Relative exit hazards: how education, the benefit paid at a run's start, a service that has just ended and the
period shift the duration model's baseline, destination by destination.

Why this shape. The baseline (``duration.GroupModel``) is each age group's exits by month of unemployment, counted
straight from the history; it is an average over whoever was unemployed in those years. Who is unemployed changes
(a lay-off wave brings people with a vocational degree and earnings-related allowance, who find work sooner), and so
does the labour market (the exits of the latest year are not the average of six). So each destination's hazard is
the baseline times proportional effects: a piecewise-constant competing-risks model, fitted as a Poisson GLM
(statsmodels) on the person-months aggregated by age group, duration class, education, benefit, "began right after a
service" and 12-month period, with the baseline as offset. The projection follows people in these cells, so the
stock's mix on the reference day and the mix of those who arrive carry into the forecast, and exits run at the
latest period's level. How much that level moved from one year to the next sets the width of the bands.

Reference levels (relative hazard 1): upper secondary education, labour-market subsidy, not after a service, the
latest 12 months.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from itertools import pairwise, product
from typing import Any

import numpy as np

from polku.forecast.history import AGE_GROUPS, BENEFITS, DEFAULT_EDUCATION, DESTINATIONS, EDUCATIONS

REFERENCE = {"education": DEFAULT_EDUCATION, "benefit": "labour_market_subsidy"}
MIN_EVENTS = 30  # a destination with fewer exits keeps the baseline (relative hazard 1 everywhere)
MAX_LOG_EFFECT = 3.0  # a level with exposure but no exits would drift to minus infinity: held at e^-3
LEVEL_SD_RANGE = (0.02, 0.30)
PERIOD_MONTHS = 12


@dataclass(frozen=True)
class Cell:
    group: str
    education: str
    benefit: str
    after_service: bool


CELLS: tuple[Cell, ...] = tuple(Cell(g, e, b, a) for (g, _, _), e, b, a in product(
    AGE_GROUPS, EDUCATIONS, BENEFITS, (False, True)))
CELL_INDEX = {cell: i for i, cell in enumerate(CELLS)}
_BY_VALUES = {(c.group, c.education, c.benefit, c.after_service): i for c, i in CELL_INDEX.items()}


def cell_of(group: str, education: str, benefit: str, after_service: bool) -> int:
    """The cell of a run (an unknown education counts as the reference level, an unknown benefit as none)."""
    found = _BY_VALUES.get((group, education, benefit, after_service))
    if found is not None:
        return found
    return CELL_INDEX[Cell(group, education if education in EDUCATIONS else DEFAULT_EDUCATION,
                           benefit if benefit in BENEFITS else "none", after_service)]


@dataclass(frozen=True)
class Effect:
    """One fitted relative hazard with its 95 % interval (exp of the coefficient ± 1.96 standard errors)."""

    destination: str  # one of DESTINATIONS, or "all" for exits of any kind
    term: str  # education, benefit, after_service, period
    level: str
    relative: float
    low: float
    high: float


@dataclass(frozen=True)
class Covariates:
    """The fitted effects and the cells the projection follows."""

    log_relative: dict[str, list[float]]  # destination → per cell (CELLS order): log relative hazard, latest period
    effects: list[Effect]
    initial: list[list[int]]  # per cell: runs by duration class on the reference day
    new_mix: list[float]  # per cell: share of its age group's new runs (recent months)
    return_mix: list[float]  # per cell: share of its age group's runs that began right after a service
    hazard_level_sd: float  # year-to-year change of the exit level (period effects of all exits), log scale
    periods: list[str]  # "YYYY-MM–YYYY-MM" of each period, oldest first
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"hazard_level_sd": round(self.hazard_level_sd, 4), "periods": self.periods, "notes": self.notes,
                "effects": [{"destination": e.destination, "term": e.term, "level": e.level,
                             "relative": round(e.relative, 3), "low": round(e.low, 3), "high": round(e.high, 3)}
                            for e in self.effects]}


def _terms(periods: int) -> list[tuple[str, str]]:
    """The design's columns besides the intercept: every non-reference level."""
    return ([("education", e) for e in EDUCATIONS if e != REFERENCE["education"]]
            + [("benefit", b) for b in BENEFITS if b != REFERENCE["benefit"]]
            + [("after_service", "yes")] + [("period", str(p)) for p in range(1, periods)])


def _row(cell: Cell, period: int, terms: list[tuple[str, str]]) -> list[float]:
    values = {("education", cell.education), ("benefit", cell.benefit), ("period", str(period))}
    if cell.after_service:
        values.add(("after_service", "yes"))
    return [1.0] + [1.0 if term in values else 0.0 for term in terms]


def fit_covariates(rows: dict[tuple[int, int, int], tuple[int, dict[str, int]]],
                   baseline: dict[str, tuple[list[float], list[dict[str, float]]]], *, periods: int,
                   period_labels: list[str], initial: list[list[int]], new_runs: list[int],
                   returns: list[int]) -> Covariates:
    """``rows``: (cell, duration class, period counted back from the latest = 0) → (person-months, exits by
    destination); ``baseline``: age group → (hazard by class, destination shares by class); ``new_runs`` and
    ``returns``: recent runs counted per cell (not after / right after a service)."""
    import statsmodels.api as sm  # type: ignore[import-untyped]

    terms = _terms(periods)
    keys = [k for k, (exposure, _) in rows.items() if exposure > 0]
    rows_of = {(c, p): _row(CELLS[c], p, terms) for c, p in {(c, p) for c, _d, p in keys}}
    design = np.array([rows_of[(c, p)] for c, _d, p in keys]).reshape(len(keys), len(terms) + 1)
    present = design.sum(axis=0) > 0
    present[0] = True
    design = design[:, present]
    used = [t for t, keep in zip(terms, present[1:], strict=True) if keep]
    exposure = np.array([rows[k][0] for k in keys], dtype=float)

    def base(c: int, d: int, destination: str | None) -> float:
        hazard, shares = baseline[CELLS[c].group]
        return hazard[d] * (1.0 if destination is None else shares[d][destination])

    effects: list[Effect] = []
    coefficients: dict[str, dict[tuple[str, str], float]] = {}
    notes: list[str] = []
    level_sd = 0.1
    for destination in (*DESTINATIONS, None):
        events = np.array([(sum(rows[k][1].values()) if destination is None else rows[k][1].get(destination, 0))
                           for k in keys], dtype=float)
        expected = np.array([base(c, d, destination) for c, d, _p in keys]) * exposure
        keep = expected > 0
        name = destination or "all"
        if events[keep].sum() < MIN_EVENTS or keep.sum() <= design.shape[1]:
            coefficients[name] = {}
            notes.append(f"{name}: fewer than {MIN_EVENTS} exits, baseline hazards used without adjustment.")
            continue
        x = design[keep]
        columns = x.sum(axis=0) > 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # perfect separation of a thin level is handled by the clip below
            result = sm.GLM(events[keep], x[:, columns], family=sm.families.Poisson(),
                            offset=np.log(expected[keep])).fit()
        params = np.full(x.shape[1], 0.0)
        errors = np.full(x.shape[1], np.inf)
        params[columns], errors[columns] = result.params, result.bse
        params = np.clip(params, -MAX_LOG_EFFECT, MAX_LOG_EFFECT)
        coefficients[name] = {("intercept", ""): float(params[0])}
        for (term, level), beta, se in zip(used, params[1:], errors[1:], strict=True):
            coefficients[name][(term, level)] = float(beta)
            spread = min(1.96 * se, 2 * MAX_LOG_EFFECT) if math.isfinite(se) else 2 * MAX_LOG_EFFECT
            effects.append(Effect(name, term, level, math.exp(beta), math.exp(beta - spread), math.exp(beta + spread)))
        if destination is None:
            level_sd = _level_sd([0.0] + [coefficients[name].get(("period", str(p)), 0.0) for p in range(1, periods)])
    log_relative = {destination: [_log_relative(coefficients[destination], cell) for cell in CELLS]
                    for destination in DESTINATIONS}
    return Covariates(log_relative=log_relative, effects=effects, initial=initial, new_mix=_mix(new_runs, False),
                      return_mix=_mix(returns, True) if sum(returns) else _mix(new_runs, True),
                      hazard_level_sd=level_sd, periods=list(reversed(period_labels)), notes=notes)


def _log_relative(coefficients: dict[tuple[str, str], float], cell: Cell) -> float:
    """Intercept plus the cell's effects at the latest period (the reference): what the projection runs at."""
    if not coefficients:
        return 0.0
    return (coefficients[("intercept", "")] + coefficients.get(("education", cell.education), 0.0)
            + coefficients.get(("benefit", cell.benefit), 0.0)
            + (coefficients.get(("after_service", "yes"), 0.0) if cell.after_service else 0.0))


def _level_sd(by_period: list[float]) -> float:
    """Root-mean-square change of the exit level between consecutive periods (latest first), clipped: one year's
    step of a random walk, which the projection draws per path and year."""
    changes = [a - b for a, b in pairwise(by_period)]
    if not changes:
        return 0.1
    rms = (sum(c * c for c in changes) / len(changes)) ** 0.5
    return min(LEVEL_SD_RANGE[1], max(LEVEL_SD_RANGE[0], rms))


def _mix(counts: list[int], after_service: bool) -> list[float]:
    """Per cell, its share of its age group's counted runs, put on the cells with the given ``after_service``
    (returners are placed on the "after a service" cells with the education and benefit mix counted)."""
    out = [0.0] * len(CELLS)
    for group, _low, _high in AGE_GROUPS:
        by_kind: dict[tuple[str, str], int] = {}
        for i, cell in enumerate(CELLS):
            if cell.group == group:
                by_kind[(cell.education, cell.benefit)] = by_kind.get((cell.education, cell.benefit), 0) + counts[i]
        total = sum(by_kind.values())
        for (education, benefit), n in by_kind.items():
            share = n / total if total else (1.0 if (education, benefit) == (DEFAULT_EDUCATION, "none") else 0.0)
            out[cell_of(group, education, benefit, after_service)] = share
    return out
