"""The projection's cell pass: the expected stock of every covariate cell (age group × education × benefit × after a
service) by duration class, month by month under a scenario, turned into each age group's exit hazard and service
share by month and class.

Why a separate, deterministic pass. The mix of a duration class changes as the projection runs: those who find work
quickly leave first, so the long-term classes fill with the cells whose hazards are low; a plant closure brings a
cohort with its own education mix. Following ~100 cells by Monte Carlo would cost the planner its 300 ms per
recompute; their expected counts are cheap, and the mix they give is what the Monte-Carlo pass of the age groups
needs (the chance variation of the mix within a class is small beside that of the counts).

A model without covariates (hand-made in tests) has one neutral cell per age group: the pass then returns the age
group's own hazards with the scenario's levers applied.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from polku.forecast.covariates import CELL_INDEX, CELLS, Cell
from polku.forecast.duration import MAX_CLASS, DurationModel
from polku.forecast.history import AGE_GROUPS, DESTINATIONS, EDUCATIONS

if TYPE_CHECKING:
    from polku.forecast.projection import Scenario

TERTIARY = ("tertiary_lower", "tertiary_higher")
PLANT_BENEFITS = ("earnings_related_allowance", "basic_allowance")  # laid-off workers have a work history


def one_month_on(stay: np.ndarray) -> np.ndarray:
    """Those who stayed unemployed, one duration class on (the last class keeps its own); class 0 is left empty for
    the month's arrivals. Rows are paths or cells, columns duration classes."""
    moved = np.zeros_like(stay)
    moved[:, 1:] = stay[:, :-1]
    moved[:, MAX_CLASS] += stay[:, MAX_CLASS]
    return moved


def fill_places(stay: np.ndarray, starts: float, expected: bool) -> tuple[np.ndarray, Any]:
    """Move ``starts`` persons (negative: put back) between the unemployed of each row and the places of a
    service-type lever, spread over the row's duration classes as its unemployed are; returns the unemployed left and
    the persons placed per row."""
    if not starts:
        return stay, 0
    share = stay / np.maximum(1, stay.sum(axis=1, keepdims=True))
    if expected:
        moved = np.minimum(stay, starts * share) if starts > 0 else starts * share
    else:
        moved = np.rint(starts * share).astype(stay.dtype)
        moved = np.minimum(stay, moved) if starts > 0 else moved
    return stay - moved, moved.sum(axis=1)


def _cells(model: DurationModel, group: str) -> list[int]:
    return [i for i, cell in enumerate(CELLS) if cell.group == group] if model.covariates else [0]


def _hazards(model: DurationModel, group: str, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Per cell of ``group`` and duration class: the monthly exit hazard and the share of exits going to a service,
    with the scenario's exit and service levers applied."""
    g = model.groups[group]
    cells = _cells(model, group)
    by_destination = np.zeros((len(DESTINATIONS), len(cells), MAX_CLASS + 1))
    for k, destination in enumerate(DESTINATIONS):
        base = np.array([g.hazard[d] * g.destination_share[d][destination] for d in range(MAX_CLASS + 1)])
        relative = (np.exp(np.array([model.covariates.log_relative[destination][c] for c in cells]))
                    if model.covariates else np.ones(1))
        by_destination[k] = relative[:, None] * base[None, :]
    total = by_destination.sum(axis=0)
    service = np.divide(by_destination[DESTINATIONS.index("service")], total, out=np.zeros_like(total),
                        where=total > 0)
    total = np.minimum(1.0, total)
    total[:, :3] = np.minimum(1.0, total[:, :3] * scenario.first_months_exit_factor)
    return total, np.minimum(1.0, service * scenario.service_entry_factor)


def _mix(model: DurationModel, group: str, returners: bool) -> np.ndarray:
    """How the age group's arrivals spread over its cells: new runs as in the recent history, returners from a service
    on the "after a service" cells."""
    if not model.covariates:
        return np.ones(1)
    source = model.covariates.return_mix if returners else model.covariates.new_mix
    mix = np.array([source[c] for c in _cells(model, group)])
    return mix / mix.sum() if mix.sum() else np.full(len(mix), 1 / len(mix))


def shock_arrivals(model: DurationModel, scenario: Scenario) -> dict[str, np.ndarray]:
    """Per age group, the persons a plant closure brings into each cell (in its month): the scenario's age shares and
    education mix (or the recent new unemployed's), with earnings-related or basic allowance in the proportion the
    recent new unemployed with a work history had."""
    ages = {"-24": scenario.shock_youth_share, "50-": scenario.shock_over_50_share,
            "25-49": 1 - scenario.shock_youth_share - scenario.shock_over_50_share}
    out: dict[str, np.ndarray] = {}
    for group, _low, _high in AGE_GROUPS:
        size = scenario.shock_size * ages[group]
        if not model.covariates:
            out[group] = np.full(1, size)
            continue
        cells = _cells(model, group)
        recent = np.array([model.covariates.new_mix[c] for c in cells])
        education = {e: sum(w for c, w in zip(cells, recent, strict=True) if CELLS[c].education == e)
                     for e in EDUCATIONS}
        if scenario.shock_basic_share is not None or scenario.shock_tertiary_share is not None:
            basic, tertiary = scenario.shock_basic_share or 0.0, scenario.shock_tertiary_share or 0.0
            seen = sum(education[e] for e in TERTIARY)
            education = {"basic": basic, "upper_secondary": 1 - basic - tertiary,
                         **{e: tertiary * (education[e] / seen if seen else 0.5) for e in TERTIARY}}
        total = sum(education.values()) or 1.0
        benefit = {b: sum(w for c, w in zip(cells, recent, strict=True) if CELLS[c].benefit == b)
                   for b in PLANT_BENEFITS}
        benefit_total = sum(benefit.values())
        shares = [0.0 if CELLS[c].after_service or CELLS[c].benefit not in PLANT_BENEFITS else
                  education[CELLS[c].education] / total
                  * (benefit[CELLS[c].benefit] / benefit_total if benefit_total
                     else float(CELLS[c].benefit == PLANT_BENEFITS[0])) for c in cells]
        out[group] = size * np.array(shares)
    return out


def place_flows(model: DurationModel, scenario: Scenario, months: list[date]) -> dict[str, list[tuple[float, float]]]:
    """Per age group and month: (persons starting in the lever's places, persons returning from them to
    unemployment). The places are kept filled: each month the leavers are replaced from the unemployed, and those of
    the leavers who return to unemployment arrive as the service type's participants did in the history. Fewer places
    (a negative change) runs the same flows the other way. The age mix is the type's participants', or the stock's."""
    flows: dict[str, list[tuple[float, float]]] = {g: [(0.0, 0.0)] * len(months) for g, _, _ in AGE_GROUPS}
    if not scenario.service_places:
        return flows
    kind = model.service_types[scenario.service_type]
    weights = kind.participants if sum(kind.participants.values()) else {
        g: sum(model.initial.unemployed[g]) for g, _, _ in AGE_GROUPS}
    total = sum(weights.values()) or 1
    for group, _low, _high in AGE_GROUPS:
        target = scenario.service_places * weights[group] / total
        extra, out = 0.0, []
        for _month in months:
            leaving = extra * kind.exit
            out.append((target - (extra - leaving), leaving * kind.returned))
            extra = target
        flows[group] = out
    return flows


def cell_pass(model: DurationModel, scenario: Scenario, months: list[date], shocks: dict[str, np.ndarray],
              places: dict[str, list[tuple[float, float]]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per age group: (exit hazard, service share of the exits), each months × duration classes, from the expected
    stock of its cells."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for group, _low, _high in AGE_GROUPS:
        g = model.groups[group]
        hazard, service = _hazards(model, group, scenario)
        new_mix, return_mix = _mix(model, group, False), _mix(model, group, True)
        stock = (np.array([model.covariates.initial[c] for c in _cells(model, group)], dtype=float)
                 if model.covariates else np.array([model.initial.unemployed[group]], dtype=float))
        in_services = float(model.initial.services[group])
        # Where a class is empty, its hazard is that of the arrivals' mix (it fills with them first).
        fallback_h = new_mix @ hazard
        fallback_s = np.divide(new_mix @ (hazard * service), fallback_h, out=np.zeros_like(fallback_h),
                               where=fallback_h > 0)
        effective_h = np.zeros((len(months), MAX_CLASS + 1))
        effective_s = np.zeros((len(months), MAX_CLASS + 1))
        for t, month in enumerate(months):
            persons = stock.sum(axis=0)
            exits = stock * hazard
            leaving_class = exits.sum(axis=0)
            effective_h[t] = np.divide(leaving_class, persons, out=fallback_h.copy(), where=persons > 0)
            effective_s[t] = np.divide((exits * service).sum(axis=0), leaving_class, out=fallback_s.copy(),
                                       where=leaving_class > 0)
            into_service = (exits * service).sum()
            stay = (stock - exits) * (1 - scenario.extra_service_rate)
            into_service += (stock - exits).sum() * scenario.extra_service_rate
            starts, back = places[group][t]
            flat, placed = fill_places(stay.reshape(1, -1), starts, expected=True)  # over all cells and classes
            stay = flat.reshape(stay.shape)
            into_service += float(np.sum(placed))
            shifted = one_month_on(stay)
            leaving = in_services * g.service_exit
            in_services = max(0.0, in_services - leaving + into_service + g.service_entry_other)
            arrivals = (g.inflow[month.month - 1] * scenario.inflow_factor * new_mix
                        + max(0.0, leaving * g.service_return + back) * return_mix)
            if scenario.shock_month == t + 1:
                arrivals = arrivals + shocks[group]
            shifted[:, 0] = arrivals
            stock = shifted
        out[group] = (effective_h, effective_s)
    return out


def survival(model: DurationModel, group: str, education: str | None = None) -> list[float]:
    """Share still unemployed after each month of a run (1.0 at its start, then months 1…``MAX_CLASS``): the age
    group at the mix of its recent new runs, or (``education``) a run of that education on labour-market subsidy, not
    after a service — the fitted hazards as a curve to look at."""
    from polku.forecast.projection import Scenario

    hazard, _service = _hazards(model, group, Scenario())
    if education is not None and model.covariates:
        wanted = CELL_INDEX[Cell(group, education, "labour_market_subsidy", False)]
        row = hazard[_cells(model, group).index(wanted)]
    else:
        row = _mix(model, group, False) @ hazard
    curve, left = [1.0], 1.0
    for d in range(MAX_CLASS):
        left *= 1 - row[d]
        curve.append(left)
    return curve
