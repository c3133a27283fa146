"""Calibrated forecast bands: how wide a band must be so that an 80 % band holds the outcome about 80 % of the time.

The Monte-Carlo paths of ``projection.py`` vary only what the model draws: who leaves and who arrives, the level of
exits and inflow, and the month-to-month variation of the price of a person-month. Past forecasts show that this is
not the whole uncertainty (the € bands held the outcome in a third of the months: the trend of the price of a
person-month and of the benefit mix is itself uncertain) and sometimes too much of it (the persons band held it
every month). The calibration (``calibration.py``: forecasts made from several past months and compared with what
happened) measures it, per series, on the log scale:

* ``bias``: the forecasts' mean log error by horizon, ``intercept + slope × h`` (h = months ahead; held at the last
  calibrated horizon beyond it): the centre of the band is the paths' median × ``exp(bias)``, and the mean is moved
  by the same factor;
* ``extra_variance``: the variance per month ahead that the paths lack (the error's variance beyond the paths' own,
  growing linearly with the horizon as a random walk's does);
* ``factor_80``, ``factor_95``: the number of standard deviations, ``sqrt(paths' variance + extra × h)``, that held
  80 % and 95 % of the past errors.

The band of month ``h`` is ``median × exp(bias(h) ± factor × sqrt(s(h)² + extra × h))``, ``s(h)`` the paths' own
standard deviation on the log scale (from their 10th and 90th percentiles). So the band widens with the factor and
with the horizon, and always holds its centre. The calibration is data (``data/band_calibration.json``, or the file
the ``POLKU_BAND_CALIBRATION_FILE`` setting names), with its version, the forecast origins, seed and method, and the
coverage it reached in and out of sample.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

DATA_FILE = Path(__file__).resolve().parent / "data" / "band_calibration.json"
Z80 = 1.2815515655446004  # the standard normal's 90th percentile: an 80 % band is ±Z80 standard deviations
Z95 = 1.959963984540054
PERSONS = "unemployed"  # the persons series calibrated (the other person series keep the paths' own spread)
EURO_PREFIX = "eur:"  # euro series are keyed "eur:<rule set code>"
TINY = 1e-9


def euro_key(rule: str) -> str:
    return f"{EURO_PREFIX}{rule}"


@dataclass(frozen=True)
class SeriesCalibration:
    """One series' band calibration (log scale, horizon ``h`` = 1 for the first projected month)."""

    bias_intercept: float = 0.0
    bias_slope: float = 0.0
    extra_level: float = 0.0  # variance the paths lack from the first month on (the level at the origin)
    extra_variance: float = 0.0  # and per month ahead
    factor_80: float = Z80
    factor_95: float = Z95
    horizons: int = 12  # calibrated on forecasts this many months ahead
    bias_t: float = 0.0  # the mean error's t statistic over the origins (each origin one observation)

    def bias(self, h: int) -> float:
        """The log of the factor that moves the centre and the mean ``h`` months ahead."""
        return self.bias_intercept + self.bias_slope * min(h, self.horizons)

    def spread(self, path_sd: float, h: int) -> float:
        """The standard deviation on the log scale ``h`` months ahead: the paths' own and what they lack."""
        return math.sqrt(max(path_sd, 0.0) ** 2 + max(self.extra_level, 0.0) + max(self.extra_variance, 0.0) * h)

    def interval(self, median: float, path_sd: float, h: int, level: int = 80) -> tuple[float, float]:
        """The calibrated band around a month's median of the paths."""
        factor = self.factor_80 if level == 80 else self.factor_95
        centre = math.log(max(median, TINY)) + self.bias(h)
        half = factor * self.spread(path_sd, h)
        return math.exp(centre - half), math.exp(centre + half)


def path_sd(values: np.ndarray) -> np.ndarray:
    """The paths' standard deviation on the log scale by month (``values``: paths × months), from their 10th and
    90th percentiles (robust to the odd extreme path)."""
    low, high = np.percentile(np.log(np.maximum(values, TINY)), [10, 90], axis=0)
    return np.asarray((high - low) / (2 * Z80))


@dataclass(frozen=True)
class Coverage:
    """How often the outcome fell inside the 80 % and 95 % bands."""

    coverage_80: float
    coverage_95: float
    points: int

    def as_dict(self) -> dict[str, Any]:
        return {"coverage_80": round(self.coverage_80, 3), "coverage_95": round(self.coverage_95, 3),
                "points": self.points}


@dataclass(frozen=True)
class BandCalibration:
    """Every calibrated series with what the calibration was made from and how well its bands held."""

    version: str
    series: dict[str, SeriesCalibration]
    made_on: str = ""  # the day it was computed (ISO)
    source: str = ""  # the data it was computed from, in words
    origins: list[str] = field(default_factory=list)  # the forecast origins (ISO days)
    seed: int = 1
    paths: int = 0
    method: str = ""
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)  # series → before/in-sample/held-out

    def get(self, key: str) -> SeriesCalibration | None:
        return self.series.get(key)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "made_on": self.made_on, "source": self.source, "origins": self.origins,
                "seed": self.seed, "paths": self.paths, "method": self.method,
                "series": {k: {name: round(v, 6) if isinstance(v, float) else v for name, v in asdict(s).items()}
                           for k, s in self.series.items()},
                "coverage": self.coverage}

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> BandCalibration:
        return cls(version=str(document["version"]), made_on=document.get("made_on", ""),
                   source=document.get("source", ""), origins=list(document.get("origins", [])),
                   seed=int(document.get("seed", 1)), paths=int(document.get("paths", 0)),
                   method=document.get("method", ""),
                   series={k: SeriesCalibration(**v) for k, v in document["series"].items()},
                   coverage=document.get("coverage", {}))


def shipped_calibration() -> BandCalibration | None:
    """The calibration shipped with Polku, or the one the ``POLKU_BAND_CALIBRATION_FILE`` setting names; None when
    there is none (the bands are then the paths' own)."""
    from django.conf import settings

    return _load(getattr(settings, "POLKU_BAND_CALIBRATION_FILE", None) or str(DATA_FILE))


@cache
def _load(path: str) -> BandCalibration | None:
    file = Path(path)
    if not file.exists():
        return None
    return BandCalibration.from_dict(json.loads(file.read_text(encoding="utf-8")))


# --- fitting -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One forecast of one series from one origin against what happened, month by month ahead."""

    origin: str
    series: str
    median: list[float]  # the paths' median
    sd: list[float]  # the paths' standard deviation on the log scale
    p10: list[float]  # the paths' own 80 % and 95 % bands (for the coverage before calibration)
    p90: list[float]
    p025: list[float]
    p975: list[float]
    actual: list[float]

    def points(self) -> list[tuple[int, float, float]]:
        """(h, log error of the median, paths' sd) of the months with a positive actual and median."""
        return [(h, math.log(a / m), s) for h, (a, m, s) in enumerate(zip(self.actual, self.median, self.sd,
                                                                            strict=True), start=1)
                if a > 0 and m > 0]


def _quantile(values: list[float], share: float) -> float:
    """The ``share`` quantile such that exactly that share of ``values`` (rounded up) lies at or below it."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[k]


def _extra(excess: np.ndarray, hs: np.ndarray) -> tuple[float, float]:
    """Non-negative least squares of ``excess`` (squared error beyond the paths' variance) on ``level + slope × h``."""
    design = np.column_stack([np.ones_like(hs), hs])
    level, slope = (float(x) for x in np.linalg.lstsq(design, excess, rcond=None)[0])
    if level >= 0 and slope >= 0:
        return level, slope
    candidates = [(max(0.0, float(excess.mean())), 0.0),
                  (0.0, max(0.0, float(np.dot(hs, excess) / np.dot(hs, hs))))]
    return min(candidates, key=lambda c: float(np.sum((excess - c[0] - c[1] * hs) ** 2)))


BIAS_T = 2.0  # a bias is corrected only when the origins agree on it: |mean ÷ standard error| over origins ≥ this


def bias_t(outcomes: list[Outcome]) -> float:
    """The t statistic of the mean log error, each origin's mean error one observation (the months of one origin
    share its errors, so they are not independent of each other)."""
    means = [float(np.mean([e for _h, e, _s in o.points()])) for o in outcomes if o.points()]
    if len(means) < 3:
        return 0.0
    sd = float(np.std(means, ddof=1))
    return float(np.mean(means)) / (sd / math.sqrt(len(means))) if sd > 0 else 0.0


def fit_series(outcomes: list[Outcome], *, horizons: int = 12, bias: bool = True) -> SeriesCalibration:
    """The calibration of one series from past forecasts: the bias line by least squares on the log errors (only
    when the origins agree on a bias, ``BIAS_T``: a bias that changes sign from one period to another is uncertainty,
    not bias), the
    extra variance by moments (the errors' squares around the line beyond the paths' own variance, as a level plus
    a slope per month ahead, non-negative least squares), and the factors as the 80 % and 95 % quantiles of the
    standardised absolute errors."""
    points = [p for o in outcomes for p in o.points()]
    if not points:
        return SeriesCalibration(horizons=horizons)
    hs = np.array([h for h, _e, _s in points], dtype=float)
    errors = np.array([e for _h, e, _s in points])
    sds = np.array([s for _h, _e, s in points])
    intercept = slope = 0.0
    t = bias_t(outcomes)
    if bias and abs(t) >= BIAS_T:
        if len(set(hs.tolist())) > 1:
            slope, intercept = (float(x) for x in np.polyfit(hs, errors, 1))
        else:
            intercept = float(errors.mean())
    centred = errors - (intercept + slope * np.minimum(hs, horizons))
    level, extra = _extra(centred ** 2 - sds ** 2, hs)
    spread = np.sqrt(sds ** 2 + level + extra * hs)
    standardised = [float(abs(c) / s) if s > 0 else (0.0 if c == 0 else math.inf)
                    for c, s in zip(centred, spread, strict=True)]
    return SeriesCalibration(bias_intercept=intercept, bias_slope=slope, extra_level=level, extra_variance=extra,
                             factor_80=_quantile(standardised, 0.80), factor_95=_quantile(standardised, 0.95),
                             horizons=horizons, bias_t=t)


def coverage(outcomes: list[Outcome], calibration: SeriesCalibration | None) -> Coverage:
    """How often the actual fell inside the calibrated bands (``None``: the paths' own bands)."""
    inside_80 = inside_95 = total = 0
    for o in outcomes:
        for i, actual in enumerate(o.actual):
            h = i + 1
            if calibration is None:
                bands = ((o.p10[i], o.p90[i]), (o.p025[i], o.p975[i]))
            else:
                bands = (calibration.interval(o.median[i], o.sd[i], h, 80),
                         calibration.interval(o.median[i], o.sd[i], h, 95))
            total += 1
            inside_80 += bands[0][0] <= actual <= bands[0][1]
            inside_95 += bands[1][0] <= actual <= bands[1][1]
    return Coverage(inside_80 / total if total else 0.0, inside_95 / total if total else 0.0, total)


def held_out_coverage(outcomes: list[Outcome], *, horizons: int = 12, apart: int = 1, bias: bool = True) -> Coverage:
    """Coverage of each origin's forecast under a calibration fitted without it (leave one origin out); with
    ``apart`` = the horizon, also without the origins less than that many months from it (their forecast months
    overlap its own, so their errors are not independent of it: the stricter test)."""
    by_origin: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_origin.setdefault(o.origin, []).append(o)
    inside_80 = inside_95 = total = 0
    for origin, own in by_origin.items():
        others = [o for o in outcomes if _months_between(o.origin, origin) >= apart]
        if not others:
            continue
        fitted = fit_series(others, horizons=horizons, bias=bias)
        found = coverage(own, fitted)
        inside_80 += round(found.coverage_80 * found.points)
        inside_95 += round(found.coverage_95 * found.points)
        total += found.points
    return Coverage(inside_80 / total if total else 0.0, inside_95 / total if total else 0.0, total)


def total_coverage(outcomes: list[Outcome], *, horizons: int = 12, bias: bool = True,
                   held_out: bool = True) -> Coverage:
    """How often each forecast's sum over its months fell inside the sum of its monthly calibrated bands (the band
    the report gives a year's total: the months' errors move together, so their bounds add up), with each origin
    under a calibration fitted without it (``held_out``) or on all of them."""
    inside_80 = inside_95 = 0
    for o in outcomes:
        others = [x for x in outcomes if x.origin != o.origin] if held_out else outcomes
        fitted = fit_series(others, horizons=horizons, bias=bias)
        bands = [[fitted.interval(m, s, h, level) for h, (m, s) in enumerate(zip(o.median, o.sd, strict=True), 1)]
                 for level in (80, 95)]
        actual = sum(o.actual)
        inside_80 += sum(b[0] for b in bands[0]) <= actual <= sum(b[1] for b in bands[0])
        inside_95 += sum(b[0] for b in bands[1]) <= actual <= sum(b[1] for b in bands[1])
    n = len(outcomes)
    return Coverage(inside_80 / n if n else 0.0, inside_95 / n if n else 0.0, n)


def _months_between(a: str, b: str) -> int:
    (ya, ma), (yb, mb) = (int(a[:4]), int(a[5:7])), (int(b[:4]), int(b[5:7]))
    return abs((ya - yb) * 12 + ma - mb)


# --- what the band means, in words (pages, Excel, the monthly report) ---------------------------------------------


def _percent(value: float) -> str:
    from django.utils.formats import number_format

    return f"{number_format(round(100 * value))} %"


def explanation(calibration: BandCalibration | None) -> list[str]:
    """What the 80 % band includes and what it does not, in the active language, for readers (no formulas)."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    if calibration is None:
        return [_("Vaihteluväli on mallin satunnaispolkujen oma vaihtelu: uusien työttömien ja työttömyydestä "
                  "poistuvien määrä ja henkilökuukauden hinta. Sitä ei ole sovitettu aiempien ennusteiden virheisiin."),
                _("Väli ei sisällä lainmuutoksia eikä muita kunnan osuuden sääntöjen muutoksia.")]
    held = {key: c.get("held_out", {}).get("coverage_80") for key, c in calibration.coverage.items()}
    euros = [v for k, v in held.items() if k.startswith(EURO_PREFIX) and v is not None]
    origins = sorted(calibration.origins)
    out = [_("Ennusteen 80 %%:n vaihteluväli sisältää uusien työttömien ja työttömyydestä poistuvien määrän vaihtelun "
             "sekä henkilökuukauden hinnan ja etuuksien jakauman vaihtelun. Sen leveys on sovitettu aiempien "
             "ennusteiden virheisiin: %(count)s ennustetta, tehty %(first)s–%(last)s ja kukin verrattu toteutuneeseen "
             "seuraavien 12 kuukauden ajalta.") % {
        "count": len(origins), "first": _month(origins[0], date_format) if origins else "–",
        "last": _month(origins[-1], date_format) if origins else "–"}]
    if held.get(PERSONS) is not None and euros:
        low, high = min(euros), max(euros)
        out.append(_("Kun kukin näistä ennusteista jätettiin vuorollaan pois välin sovituksesta, toteutunut luku osui "
                     "välille %(persons)s kuukausista työttömien määrässä ja %(euros)s kuukausista kunnan "
                     "osuudessa.") % {"persons": _percent(held[PERSONS]),
                                     "euros": _percent(low) if round(100 * low) == round(100 * high)
                                     else f"{_percent(low)}–{_percent(high)}"})
    out.append(_("Väli ei sisällä lainmuutoksia eikä muita kunnan osuuden sääntöjen muutoksia: ne siirtävät lukuja "
                 "välin ulkopuolelle. Muiden lukujen (pitkäaikaistyöttömät, nuoret, palveluissa, aktivointiaste) väli "
                 "on mallin satunnaispolkujen oma vaihtelu."))
    out.append(_("Vaihteluvälin sovitus: versio %(version)s.") % {"version": calibration.version})
    return out


def _month(iso: str, date_format: Any) -> str:
    from datetime import date

    return str(date_format(date.fromisoformat(iso), "YEAR_MONTH_FORMAT"))
