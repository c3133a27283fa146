"""Projection: the stock-flow of unemployment by duration class, month by month, with Monte-Carlo paths.

Each month every duration class loses ``Binomial(n, hazard)`` persons; those going to a service join the service
stock, the rest leave; survivors move one class on; new runs arrive as ``Poisson(inflow of the calendar month)``
plus the service leavers who return to unemployment (a service breaks a run, so they start again at class 0).
Every path is one possible future; the bands are percentiles over paths. A scenario changes the parameters, never
the code: ``Scenario`` is data, validated, and shown beside the result.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from polku.core.calendar import add_months
from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.forecast.bands import PERSONS, BandCalibration, SeriesCalibration, euro_key, path_sd
from polku.forecast.cells import cell_pass, fill_places, one_month_on, place_flows, shock_arrivals
from polku.forecast.duration import MAX_CLASS, DurationModel, ServiceTypeModel
from polku.forecast.history import AGE_GROUPS
from polku.forecast.share_euros import ShareEuros

LONG_TERM_CLASS = 12  # counted on 12 calculation days before: at least a year of continuous unemployment
YOUTH_GROUP = "-24"
MAX_HORIZON = 36
MAX_PATHS = 10_000
MAX_SHOCK = 1_000_000
MAX_FACTOR = 5.0
MAX_EXTRA_SERVICE_RATE = 0.5
SERIES = ("unemployed", "long_term", "youth", "services", "activation_rate")


@dataclass(frozen=True)
class Scenario:
    """Levers of a what-if: every factor 1.0 and no shock is the baseline."""

    name: str = "perusura"
    first_months_exit_factor: float = 1.0  # exits in the first 3 months (classes 0–2), e.g. 1.2 = 20 % faster
    inflow_factor: float = 1.0  # new unemployment runs
    service_entry_factor: float = 1.0  # share of exits that go to a service
    extra_service_rate: float = 0.0  # further service starts each month, as a share of the unemployed (activation)
    shock_month: int | None = None  # 1 = the first projected month
    shock_size: int = 0  # persons who become unemployed at once (a plant closure)
    shock_youth_share: float = 0.2
    shock_over_50_share: float = 0.3
    # Education of those laid off: shares with basic education only and with a tertiary degree (the rest upper
    # secondary); None: the mix of the area's recent new unemployed.
    shock_basic_share: float | None = None
    shock_tertiary_share: float | None = None
    service_type: str = ""  # a service type whose places change (catalogue code)
    service_places: int = 0  # places more (or fewer, negative) in it from the first projected month, kept filled

    def errors(self, horizon: int, service_types: dict[str, ServiceTypeModel] | None = None) -> list[FieldError]:
        found = []
        for name in ("first_months_exit_factor", "inflow_factor", "service_entry_factor"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_FACTOR:
                found.append(FieldError(name, ErrorCode.INVALID,
                                        _("Kertoimen on oltava välillä 0–5; annettu %(value)s.") % {"value": value}))
        if not 0 <= self.extra_service_rate <= MAX_EXTRA_SERVICE_RATE:
            found.append(FieldError("extra_service_rate", ErrorCode.INVALID,
                                    _("Lisäaloitusten osuuden on oltava 0–%(max)s.") % {"max": MAX_EXTRA_SERVICE_RATE}))
        if not 0 <= self.shock_size <= MAX_SHOCK:
            found.append(FieldError("shock_size", ErrorCode.INVALID,
                                    _("Irtisanottavia 0–%(max)s.") % {"max": MAX_SHOCK}))
        if self.shock_size > 0 and (self.shock_month is None or not 1 <= self.shock_month <= horizon):
            found.append(FieldError("shock_month", ErrorCode.INVALID,
                                    _("Muutoksen kuukauden on oltava ennustejaksolla 1–%(horizon)s.") % {"horizon": horizon}))
        if not (0 <= self.shock_youth_share <= 1 and 0 <= self.shock_over_50_share <= 1
                and self.shock_youth_share + self.shock_over_50_share <= 1):
            found.append(FieldError("shock_youth_share", ErrorCode.INVALID,
                                    _("Ikäryhmien osuudet ovat välillä 0–1 ja yhteensä enintään 1.")))
        basic, tertiary = self.shock_basic_share or 0.0, self.shock_tertiary_share or 0.0
        if not (0 <= basic <= 1 and 0 <= tertiary <= 1 and basic + tertiary <= 1):
            found.append(FieldError("shock_basic_share", ErrorCode.INVALID,
                                    _("Koulutusosuudet ovat välillä 0–1 ja yhteensä enintään 1.")))
        found += self._place_errors(service_types or {})
        return found

    def _place_errors(self, service_types: dict[str, ServiceTypeModel]) -> list[FieldError]:
        if not self.service_places and not self.service_type:
            return []
        if self.service_type not in service_types:
            return [FieldError("service_type", ErrorCode.INVALID,
                               _("Tuntematon palvelu %(code)s; alueen historiassa on: %(known)s.") % {
                                   "code": self.service_type or "—", "known": ", ".join(service_types) or "—"})]
        now = sum(service_types[self.service_type].participants.values())
        if not -now <= self.service_places <= MAX_SHOCK:
            return [FieldError("service_places", ErrorCode.INVALID,
                               _("Paikkoja voi vähentää enintään nykyisten osallistujien määrän (%(now)s); annettu "
                                 "%(value)s.") % {"now": now, "value": self.service_places})]
        return []


@dataclass(frozen=True)
class Band:
    mean: list[float]
    p10: list[float]
    p90: list[float]
    p025: list[float]
    p975: list[float]


@dataclass(frozen=True)
class Projection:
    months: list[date]  # first days of the projected months
    series: dict[str, Band]
    paths: int
    scenario: Scenario
    seed: int
    euros: dict[str, Band] = field(default_factory=dict)  # municipal share € per month by rule set code
    share: ShareEuros | None = None  # the mapping the euros come from
    bands: BandCalibration | None = None  # the band calibration applied (None: the paths' own bands)
    calibrated: list[str] = field(default_factory=list)  # the series keys it calibrated ("unemployed", "eur:<rule>")

    def year_total(self, rule: str, months: int = 12) -> float:
        """Mean municipal € summed over the first ``months`` projected months under ``rule``."""
        return sum(self.euros[rule].mean[:months])

    def as_dict(self) -> dict[str, Any]:
        out = {"months": [m.isoformat()[:7] for m in self.months], "paths": self.paths, "seed": self.seed,
               "scenario": asdict(self.scenario),
               "series": {name: _rounded(band, 3) for name, band in self.series.items()},
               "band_calibration": None if self.bands is None else {
                   "version": self.bands.version, "series": self.calibrated,
                   "coverage": {k: self.bands.coverage.get(k) for k in self.calibrated}}}
        if self.share is not None:
            out["municipal_eur"] = {
                code: {"rule": code, "name": self.share.rules[code].names["fi"],
                       "verified": self.share.rules[code].verified,
                       "unverified_note": None if self.share.rules[code].verified else "vahvistamaton / unverified",
                       "first_12_months_eur": round(self.year_total(code, 12), 2), **_rounded(band, 2)}
                for code, band in self.euros.items()}
            out["municipal_eur_rule_in_force"] = [self.share.rule_in_force(m) for m in self.months]
            out["municipal_eur_mapping"] = self.share.as_dict()
        return out


def _rounded(band: Band, digits: int) -> dict[str, list[float]]:
    return {k: [round(x, digits) for x in v] for k, v in asdict(band).items()}


def _band(values: np.ndarray, calibration: SeriesCalibration | None = None) -> Band:
    """``values`` is paths × months: the mean and the paths' percentiles, or, with a ``calibration``, the calibrated
    bands around the paths' median and the mean moved by the calibrated bias (``bands.py``)."""
    if calibration is None:
        q = np.percentile(values, [10, 90, 2.5, 97.5], axis=0)
        return Band(mean=values.mean(axis=0).tolist(), p10=q[0].tolist(), p90=q[1].tolist(), p025=q[2].tolist(),
                    p975=q[3].tolist())
    median, sd, mean = np.median(values, axis=0), path_sd(values), values.mean(axis=0)
    out: dict[str, list[float]] = {"mean": [], "p10": [], "p90": [], "p025": [], "p975": []}
    for i in range(values.shape[1]):
        h = i + 1
        low80, high80 = calibration.interval(float(median[i]), float(sd[i]), h, 80)
        low95, high95 = calibration.interval(float(median[i]), float(sd[i]), h, 95)
        out["mean"].append(float(mean[i]) * math.exp(calibration.bias(h)))
        out["p10"].append(low80)
        out["p90"].append(high80)
        out["p025"].append(low95)
        out["p975"].append(high95)
    return Band(**out)


def _refuse_bad_input(scenario: Scenario, horizon: int, paths: int, model: DurationModel) -> None:
    errors = scenario.errors(horizon, model.service_types)
    if not 1 <= horizon <= MAX_HORIZON:
        errors.append(FieldError("horizon", ErrorCode.INVALID,
                                 _("Ennustejakso on 1–%(max)s kuukautta.") % {"max": MAX_HORIZON}))
    if not 1 <= paths <= MAX_PATHS:
        errors.append(FieldError("paths", ErrorCode.INVALID, _("Polkuja 1–%(max)s.") % {"max": MAX_PATHS}))
    if errors:
        raise ValidationFailed(errors)


class _Draws:
    """The Monte-Carlo draws of the stock-flow, or their expectations (``expected``: one deterministic mean path,
    for searching a lever's value quickly and for invariant tests that random draws would blur)."""

    def __init__(self, rng: np.random.Generator, expected: bool) -> None:
        self.rng, self.expected = rng, expected

    def binomial(self, n: np.ndarray, p: Any) -> np.ndarray:
        return n * p if self.expected else self.rng.binomial(n, p)

    def poisson(self, lam: Any, size: int) -> np.ndarray:
        return np.full(size, lam, dtype=float) if self.expected else self.rng.poisson(lam, size)

    def normal(self, sd: float, size: tuple[int, int]) -> np.ndarray:
        return np.zeros(size) if self.expected or not sd else self.rng.normal(0.0, sd, size)

    def level(self, sd: float, size: int) -> np.ndarray:
        return np.ones(size) if self.expected else np.clip(self.rng.normal(1.0, sd, size), 0.5, 1.5)


@dataclass(frozen=True)
class Paths:
    """The Monte-Carlo paths of a projection before they are summarised: paths × months by series and rule set."""

    months: list[date]
    totals: dict[str, np.ndarray]  # the person series, and the activation rate
    money: dict[str, np.ndarray]  # municipal € by rule set code
    paths: int


def project(model: DurationModel, *, horizon: int = 12, paths: int = 1000, seed: int = 1,
            scenario: Scenario | None = None, euros: ShareEuros | None = None, expected: bool = False,
            bands: BandCalibration | None = None) -> Projection:
    """``paths`` futures of ``horizon`` months from the model's reference day; with ``euros``, the municipal share
    of every rule set in it for the same paths (the same people priced under each rule).

    With ``bands`` (``bands.shipped_calibration()``), the bands of the unemployed and of the € of each rule set it
    calibrates are the calibrated ones (centre and mean corrected for the past forecasts' bias, width for their
    errors; ``bands.py``); the other series keep the paths' own spread. ``expected`` is never calibrated.
    """
    scenario = scenario or Scenario()
    drawn = simulate(model, horizon=horizon, paths=paths, seed=seed, scenario=scenario, euros=euros,
                     expected=expected)
    calibration = None if expected else bands

    def summary(key: str, values: np.ndarray) -> Band:
        return _band(values, calibration.get(key) if calibration is not None else None)

    series = {name: summary(name, values) for name, values in drawn.totals.items()}
    used = [key for key in (PERSONS, *(euro_key(code) for code in drawn.money))
            if calibration is not None and calibration.get(key) is not None]
    return Projection(months=drawn.months, series=series, paths=drawn.paths, scenario=scenario, seed=seed,
                      euros={code: summary(euro_key(code), values) for code, values in drawn.money.items()},
                      share=euros, bands=calibration if used else None, calibrated=used)


def simulate(model: DurationModel, *, horizon: int = 12, paths: int = 1000, seed: int = 1,
             scenario: Scenario | None = None, euros: ShareEuros | None = None, expected: bool = False) -> Paths:
    """The Monte-Carlo paths themselves (``project`` summarises them).

    Two passes. The cell pass follows the expected stock of every cell (age group × education × benefit × after a
    service, ``covariates``) by duration class under the scenario, and gives each age group's exit hazard and
    service share by month and class as the mix of its cells then has them: whom the stock holds on the reference
    day, who arrives (a plant closure's education mix), and who is left as the quick leavers go. The Monte-Carlo
    pass draws the people of each age group through those hazards, with a level of exits per path and year drawn
    from the history's year-to-year change and an inflow level per path.
    """
    scenario = scenario or Scenario()
    _refuse_bad_input(scenario, horizon, paths, model)
    paths = 1 if expected else paths
    # The activation lever's extra starts come from their own stream, so that a scenario and the baseline share every
    # other draw: their difference is the lever's effect, not Monte-Carlo noise.
    draw, extra_draw = _Draws(np.random.default_rng(seed), expected), _Draws(np.random.default_rng([seed, 1]), expected)
    start = model.fitted_to.replace(day=1)
    months = [add_months(start, k + 1) for k in range(horizon)]
    totals = {name: np.zeros((paths, horizon)) for name in ("unemployed", "long_term", "youth", "services")}
    rules = euros.rules if euros is not None else {}
    money = {code: np.zeros((paths, horizon)) for code in rules}
    # A person-month's price under each rule: the month's basic daily amount and weekdays, and the price trend.
    prices = {code: [euros.month_factor(m) * rule.drift(euros.months_after(m)) for m in months]
              for code, rule in rules.items()} if euros is not None else {}
    shocks = shock_arrivals(model, scenario)
    places = place_flows(model, scenario, months)
    effective = cell_pass(model, scenario, months, shocks, places)
    # One exit level per path and year: a random walk whose yearly step is the history's (expected: no change).
    level_sd = model.covariates.hazard_level_sd if model.covariates else 0.0
    years = (horizon + 11) // 12
    exit_level = np.exp(np.cumsum(draw.normal(level_sd, (paths, years)), axis=1))
    for group, _low, _high in AGE_GROUPS:
        _run_group(model, group, scenario, months, draw, extra_draw, effective[group], exit_level, shocks[group],
                   places[group], totals, money, prices, rules)
    if not expected:  # the month-to-month variation of a person-month's price seen in the calibration months
        for code, rule in rules.items():
            money[code] *= np.clip(draw.rng.normal(1.0, rule.month_sd, (paths, horizon)), 0.0, None)
    totals["activation_rate"] = 100 * totals["services"] / np.maximum(1, totals["services"] + totals["unemployed"])
    return Paths(months=months, totals=totals, money=money, paths=paths)


def _run_group(model: DurationModel, group: str, scenario: Scenario, months: list[date], draw: _Draws,  # noqa: PLR0917
               extra_draw: _Draws, effective: tuple[np.ndarray, np.ndarray], exit_level: np.ndarray,
               shocks: np.ndarray, places: list[tuple[float, float]], totals: dict[str, np.ndarray],
               money: dict[str, np.ndarray], prices: dict[str, list[float]], rules: dict[str, Any]) -> None:
    """One age group's Monte-Carlo paths, added into ``totals`` and ``money``."""
    g = model.groups[group]
    hazard, to_service = effective
    expected, paths = draw.expected, exit_level.shape[0]
    by_class = {code: np.array(rule.unemployed) for code, rule in rules.items()}
    level = draw.level(g.inflow_level_sd, paths)  # one inflow level per path
    unemployed = np.tile(np.array(model.initial.unemployed[group], dtype=float if expected else np.int64),
                         (paths, 1))
    services = np.full(paths, model.initial.services[group], dtype=float if expected else np.int64)
    for t, month in enumerate(months):
        exits = draw.binomial(unemployed, np.minimum(1.0, hazard[t] * exit_level[:, t // 12, None]))
        into_service = draw.binomial(exits, to_service[t]).sum(axis=1)
        stay = unemployed - exits
        if scenario.extra_service_rate:  # activation: more of the unemployed start a service this month
            extra = extra_draw.binomial(stay, scenario.extra_service_rate)
            stay = stay - extra
            into_service = into_service + extra.sum(axis=1)
        starts, back = places[t]
        stay, placed = fill_places(stay, starts, expected)
        into_service = into_service + placed
        moved = one_month_on(stay)
        leaving = draw.binomial(services, g.service_exit)
        returning = draw.binomial(leaving, g.service_return)
        services = np.maximum(0, services - leaving + into_service + draw.poisson(g.service_entry_other, paths))
        arriving = (draw.poisson(g.inflow[month.month - 1] * scenario.inflow_factor * level, paths) + returning
                    + (back if expected else round(back)))
        if scenario.shock_month == t + 1:
            arriving += shocks.sum() if expected else round(shocks.sum())
        moved[:, 0] = np.maximum(0, arriving)
        unemployed = moved
        totals["unemployed"][:, t] += unemployed.sum(axis=1)
        totals["long_term"][:, t] += unemployed[:, LONG_TERM_CLASS:].sum(axis=1)
        totals["services"][:, t] += services
        if group == YOUTH_GROUP:
            totals["youth"][:, t] += unemployed.sum(axis=1)
        for code, rule in rules.items():
            money[code][:, t] += ((unemployed @ by_class[code] + services * rule.service) * rule.flow_factor
                                  * prices[code][t])


def extra_service_rate_for_activation(model: DurationModel, target: float, *, month: int = 12,
                                      base: Scenario | None = None) -> float | None:
    """The ``extra_service_rate`` at which the mean path's activation rate reaches ``target`` % in ``month``
    (bisection on the deterministic mean path); None if even the largest rate allowed does not reach it.

    This is how an activation-rate target becomes a scenario: each month a further share of the unemployed starts a
    service, on top of the exits the model has fitted (so nobody who would have found work is sent to a service
    instead); they leave and return from services as the history's participants did.
    """
    base = base or Scenario()

    def rate(extra: float) -> float:
        return project(model, horizon=month, scenario=replace(base, extra_service_rate=extra),
                       expected=True).series["activation_rate"].mean[-1]

    low, high = 0.0, MAX_EXTRA_SERVICE_RATE
    if rate(high) < target:
        return None
    if rate(low) >= target:
        return low
    for _step in range(30):
        middle = (low + high) / 2
        low, high = (middle, high) if rate(middle) < target else (low, middle)
    return high


def steady_state(model: DurationModel, group: str, monthly_inflow: float) -> float:
    """The stock a constant inflow settles at under the group's hazards (services returns left out)."""
    hazard = model.groups[group].hazard
    survival, total = 1.0, 0.0
    for d in range(MAX_CLASS):
        total += survival
        survival *= 1 - hazard[d]
    tail = hazard[MAX_CLASS]
    total += survival / tail if tail > 0 else float("inf")
    return monthly_inflow * total
