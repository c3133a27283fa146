"""The band calibration's rolling-origin backtest: forecasts made from several past months, each from the history as
it stood then (model fitted and € mapping calibrated up to that month only), compared with what happened over the
next 12 months; from their errors ``bands.fit_series`` measures how wide each series' band must be, and this module
stores the result as data (``data/band_calibration.json``).

Honest coverage: the coverage reported "held out" is that of each origin's forecast under a calibration fitted
without it and without the origins whose forecast months overlap its own (``bands.held_out_coverage``); the
in-sample coverage (fitted and tested on the same forecasts) is reported beside it, and the paths' own bands'
coverage as "before".

Made by ``benchmarks/forecast_projection.py --write-calibration`` (the simulated Kuopio area: the calibration that
ships). Another file of the same shape, made with these functions from an area's own history, is used when the
``POLKU_BAND_CALIBRATION_FILE`` setting names it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from polku.core.calendar import add_months
from polku.derived.calendar import calculation_day
from polku.forecast.backtest import truncate, unemployed_stock
from polku.forecast.bands import (
    PERSONS,
    BandCalibration,
    Coverage,
    Outcome,
    SeriesCalibration,
    coverage,
    euro_key,
    fit_series,
    held_out_coverage,
    path_sd,
    total_coverage,
)
from polku.forecast.duration import calculation_days, fit
from polku.forecast.history import History
from polku.forecast.projection import simulate
from polku.forecast.share_euros import CALIBRATION_MONTHS, ShareHistory, calibrate

GOAL = (0.70, 0.90)  # an 80 % band's coverage counts as honest within these
METHOD = ("rolling-origin backtest; log error of the paths' median; bias intercept + slope × months ahead (least "
          "squares); extra variance (level + per month ahead) by moments; factors = 80 % / 95 % quantiles of the standardised "
          "absolute errors; the bias only when |t| over origins >= 2 and correcting it brings the leave-one-origin-out "
          "coverage nearer 80 %; held-out coverage: each origin under a "
          "calibration fitted without it (leave one origin out), and more strictly without the origins whose forecast "
          "months overlap it")
MIN_PAST_MONTHS = 26  # the backtest's minimum history before an origin


def origins(history: History, *, count: int = 10, horizon: int = 12, share: ShareHistory | None = None) -> list[date]:
    """``count`` forecast origins (calculation days) spread evenly from the first month with enough history before
    it (26 months; with ``share``, also the € mapping's 24 calibration months) to the last with ``horizon`` months
    after it."""
    first = add_months(history.first_day.replace(day=1), MIN_PAST_MONTHS)
    if share is not None and share.months:
        first = max(first, add_months(share.months[0], CALIBRATION_MONTHS - 1))
    last = add_months(history.last_day.replace(day=1), -horizon)
    if calculation_day(last) > history.last_day:
        last = add_months(last, -1)
    span = (last.year - first.year) * 12 + last.month - first.month
    if span < 0:
        raise ValueError("the history is too short for a rolling-origin backtest")
    steps = sorted({round(i * span / max(count - 1, 1)) for i in range(count)})
    return [calculation_day(add_months(first, s)) for s in steps]


def _outcome(origin: date, series: str, values: np.ndarray, actual: list[float]) -> Outcome:
    q = np.percentile(values, [10, 90, 2.5, 97.5, 50], axis=0)
    return Outcome(origin=origin.isoformat(), series=series, median=q[4].tolist(), sd=path_sd(values).tolist(),
                   p10=q[0].tolist(), p90=q[1].tolist(), p025=q[2].tolist(), p975=q[3].tolist(), actual=actual)


def rolling_outcomes(history: History, cutoffs: list[date], *, share: ShareHistory | None = None, book: Any = None,
                     horizon: int = 12, paths: int = 500, seed: int = 1) -> list[Outcome]:
    """Each origin's raw forecast (the paths' own spread) of the unemployed and of the € of every rule set against
    what happened."""
    out: list[Outcome] = []
    for cutoff in cutoffs:
        future_days = [d for d in calculation_days(cutoff, history.last_day) if d > cutoff][:horizon]
        if len(future_days) < horizon:
            raise ValueError(f"the history ends before {horizon} months after {cutoff}")
        mapping = calibrate(share, book, last_month=cutoff.replace(day=1)) if share is not None else None
        drawn = simulate(fit(truncate(history, cutoff)), horizon=horizon, paths=paths, seed=seed, euros=mapping)
        out.append(_outcome(cutoff, PERSONS, drawn.totals["unemployed"],
                            [float(a) for a in unemployed_stock(history, future_days)]))
        if share is None or mapping is None:
            continue
        future = [d.replace(day=1) for d in future_days]
        if all(m in share.months for m in future):
            for code, values in drawn.money.items():
                out.append(_outcome(cutoff, euro_key(code), values, [share.total(code, m) for m in future]))
    return out


def _mean_error(outcomes: list[Outcome], horizon: int) -> dict[str, float]:
    """The forecasts' mean relative error (actual ÷ median − 1) 1, 6 and 12 months ahead, before calibration."""
    out = {}
    for h in (1, horizon // 2, horizon):
        errors = [o.actual[h - 1] / o.median[h - 1] - 1 for o in outcomes if o.median[h - 1] > 0]
        out[str(h)] = round(float(np.mean(errors)), 4) if errors else 0.0
    return out


def choose(outcomes: list[Outcome], horizon: int) -> tuple[SeriesCalibration, Coverage, dict[str, Any]]:
    """The series' calibration with or without its bias corrected: with it only when the origins agree on a bias
    (``bands.BIAS_T``) and correcting it brings the held-out coverage of the 80 % band nearer 80 % (a bias that
    moves from one period to the next is better left as width)."""
    plain = fit_series(outcomes, horizons=horizon, bias=False)
    plain_held = held_out_coverage(outcomes, horizons=horizon, bias=False)
    corrected = fit_series(outcomes, horizons=horizon, bias=True)
    choice: dict[str, Any] = {"bias_t": round(corrected.bias_t, 3),
                              "held_out_80_without_correction": round(plain_held.coverage_80, 3)}
    if corrected.bias_intercept == 0 and corrected.bias_slope == 0:
        return plain, plain_held, choice
    corrected_held = held_out_coverage(outcomes, horizons=horizon, bias=True)
    choice["held_out_80_with_correction"] = round(corrected_held.coverage_80, 3)
    if abs(corrected_held.coverage_80 - 0.8) < abs(plain_held.coverage_80 - 0.8):
        return corrected, corrected_held, choice
    return plain, plain_held, choice


def calibrate_bands(outcomes: list[Outcome], *, source: str, seed: int, paths: int, horizon: int = 12,
                    made_on: date | None = None) -> BandCalibration:
    """Fit every series on all the outcomes and report its coverage before, in sample and held out."""
    keys = list(dict.fromkeys(o.series for o in outcomes))
    series, report = {}, {}
    for key in keys:
        own = [o for o in outcomes if o.series == key]
        fitted, held, choice = choose(own, horizon)
        series[key] = fitted
        bias = fitted.bias_slope != 0 or fitted.bias_intercept != 0
        report[key] = {"before": coverage(own, None).as_dict(), "in_sample": coverage(own, fitted).as_dict(),
                       "held_out": held.as_dict(),
                       "held_out_without_overlapping": held_out_coverage(own, horizons=horizon, apart=horizon,
                                                                         bias=bias).as_dict(),
                       "year_total_held_out": total_coverage(own, horizons=horizon, bias=bias).as_dict(),
                       "goal_80": list(GOAL), "goal_met": GOAL[0] <= held.coverage_80 <= GOAL[1],
                       "bias_corrected": fitted.bias_intercept != 0 or fitted.bias_slope != 0,
                       "bias_choice": choice, "mean_error_at_horizon": _mean_error(own, horizon)}
    cutoffs = sorted({o.origin for o in outcomes})
    made = (made_on or date.today()).isoformat()  # noqa: DTZ011 (the calibration's day, no time zone matters)
    fingerprint = hashlib.sha256(json.dumps({k: vars(v) for k, v in series.items()}, sort_keys=True,
                                            default=str).encode()).hexdigest()[:8]
    return BandCalibration(version=f"{made}-{fingerprint}", series=series, made_on=made, source=source,
                           origins=cutoffs, seed=seed, paths=paths, method=METHOD, coverage=report)


def write(calibration: BandCalibration, path: Path) -> None:
    path.write_text(json.dumps(calibration.as_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
