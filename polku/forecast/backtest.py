"""Backtest: fit on the history up to month T, forecast the next months, and compare with what happened, against
two naive forecasts (the same month a year earlier; Holt–Winters exponential smoothing from statsmodels).

The error measure is MAPE of the monthly unemployed stock on the calculation days, and of the municipal share € of
each month under each rule set (what the engine bills the area); the Monte-Carlo bands are checked by how often the
actual falls inside them (80 % and 95 % nominal).
"""

from __future__ import annotations

import warnings
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from polku.forecast.bands import BandCalibration
from polku.forecast.duration import calculation_days, fit
from polku.forecast.history import History
from polku.forecast.projection import Band, project
from polku.forecast.share_euros import ShareHistory, calibrate


def truncate(history: History, cutoff: date) -> History:
    """The history as it stood on ``cutoff``: later starts unknown, later ends not yet happened."""
    runs = [run if run.end is not None and run.end <= cutoff else replace(run, end=None, destination=None)
            for run in history.runs if run.start <= cutoff]
    services = [spell if spell.end is not None and spell.end <= cutoff else replace(spell, end=None, returned=False)
                for spell in history.services if spell.start <= cutoff]
    work = {person: [(start, end if end is not None and end <= cutoff else None) for start, end in spells
                     if start <= cutoff] for person, spells in history.work.items()}
    return History(runs=runs, services=services, first_day=history.first_day, last_day=cutoff, work=work)


def unemployed_stock(history: History, days: list[date]) -> list[int]:
    """Persons in an unemployment run on each of ``days``."""
    counts = [0] * len(days)
    for run in history.runs:
        first = bisect_left(days, run.start)
        for k in range(first, len(days)):
            if run.end is not None and days[k] > run.end:
                break
            counts[k] += 1
    return counts


def mape(predicted: list[float], actual: list[float]) -> float | None:
    """Mean absolute percentage error over the months with an actual stock; None when there is none."""
    pairs = [(p, a) for p, a in zip(predicted, actual, strict=True) if a]
    return 100 * sum(abs(p - a) / a for p, a in pairs) / len(pairs) if pairs else None


def exponential_smoothing(series: list[float], horizon: int) -> list[float]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short series
        fitted = ExponentialSmoothing(np.asarray(series, dtype=float), trend=None, seasonal="add",
                                      seasonal_periods=12).fit()
    return [float(x) for x in fitted.forecast(horizon)]


@dataclass(frozen=True)
class Comparison:
    """One series' forecast against what happened: the model's mean and bands, the two naive forecasts, MAPE."""

    actual: list[float]
    model: list[float]
    same_month_last_year: list[float]
    exponential_smoothing: list[float]
    mape: dict[str, float | None]
    coverage_80: float
    coverage_95: float

    @classmethod
    def of(cls, band: Band, actual: list[float], past: list[float]) -> Comparison:
        """``past``: the series up to the cutoff, at least two years (the naive forecasts are made from it)."""
        horizon = len(actual)
        naive = [float(past[len(past) - 12 + (k % 12)]) for k in range(horizon)]
        smoothed = exponential_smoothing(past, horizon)
        inside_80 = sum(1 for a, lo, hi in zip(actual, band.p10, band.p90, strict=True) if lo <= a <= hi)
        inside_95 = sum(1 for a, lo, hi in zip(actual, band.p025, band.p975, strict=True) if lo <= a <= hi)
        return cls(actual=actual, model=band.mean, same_month_last_year=naive, exponential_smoothing=smoothed,
                   mape={"model": mape(band.mean, actual), "same_month_last_year": mape(naive, actual),
                         "exponential_smoothing": mape(smoothed, actual)},
                   coverage_80=inside_80 / horizon, coverage_95=inside_95 / horizon)

    def as_dict(self, digits: int = 1) -> dict[str, Any]:
        return {"actual": [round(x, digits) for x in self.actual],
                "forecast": {"model": [round(x, digits) for x in self.model],
                             "same_month_last_year": [round(x, digits) for x in self.same_month_last_year],
                             "exponential_smoothing": [round(x, digits) for x in self.exponential_smoothing]},
                "mape": {k: None if v is None else round(v, 2) for k, v in self.mape.items()},
                "coverage_80": round(self.coverage_80, 3), "coverage_95": round(self.coverage_95, 3)}


@dataclass(frozen=True)
class Backtest:
    cutoff: date
    months: list[str]
    actual: list[int]  # unemployed on the calculation days after the cutoff
    unemployed: Comparison  # the same, against the model and the naive forecasts
    euros: dict[str, Comparison] = field(default_factory=dict)  # municipal € by rule set code
    share_calibrated_on: tuple[date, date] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"cutoff": self.cutoff.isoformat(), "months": self.months, **self.unemployed.as_dict(1),
               "actual": self.actual}
        if self.euros:
            out["municipal_eur"] = {code: c.as_dict(2) for code, c in self.euros.items()}
            out["municipal_eur_calibrated_on"] = [m.isoformat()[:7] for m in self.share_calibrated_on or ()]
        return out


def backtest(history: History, cutoff: date, *, horizon: int = 12, paths: int = 1000, seed: int = 1,
             share: ShareHistory | None = None, book: Any = None, bands: BandCalibration | None = None) -> Backtest:
    """Fit on the history up to ``cutoff`` (a calculation day), forecast ``horizon`` months, compare.

    With ``share`` (the area's computed municipal share) and its rule ``book``, the euros are backtested too: the
    mapping is calibrated on the share months up to the cutoff only, and the projected euros are compared with what
    the engine bills for the months after it, for every rule set — this is the calibration check. With ``bands``
    the bands checked are the calibrated ones (as the page shows them).
    """
    past_days = calculation_days(history.first_day, cutoff)
    future_days = [d for d in calculation_days(cutoff, history.last_day) if d > cutoff][:horizon]
    if len(future_days) < horizon:
        raise ValueError(f"the history ends before {horizon} months after the cutoff")
    if len(past_days) < 26:
        raise ValueError("the backtest needs at least 26 months before the cutoff")
    mapping = calibrate(share, book, last_month=cutoff.replace(day=1)) if share is not None else None
    projection = project(fit(truncate(history, cutoff)), horizon=horizon, paths=paths, seed=seed, euros=mapping,
                         bands=bands)
    actual = unemployed_stock(history, future_days)
    unemployed = Comparison.of(projection.series["unemployed"], [float(a) for a in actual],
                               [float(p) for p in unemployed_stock(history, past_days)])
    euros: dict[str, Comparison] = {}
    if share is not None and mapping is not None:
        future = [d.replace(day=1) for d in future_days]
        past = [m for m in share.months if m <= cutoff.replace(day=1)]
        if len(past) >= 24 and all(m in share.months for m in future):
            for code in mapping.rules:
                euros[code] = Comparison.of(projection.euros[code], [share.total(code, m) for m in future],
                                            [share.total(code, m) for m in past])
    return Backtest(cutoff=cutoff, months=[d.isoformat()[:7] for d in future_days], actual=actual, unemployed=unemployed,
                    euros=euros, share_calibrated_on=(mapping.first_month, mapping.last_month) if mapping else None)
