"""Calibrated forecast bands (``polku/forecast/bands.py``, ``calibration.py``): the calibration math by hand on a
small synthetic case, the calibrated band's invariants (hypothesis), the shipped calibration and its wording."""

from __future__ import annotations

import math
from datetime import date

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from polku.forecast import bands
from polku.forecast.bands import BandCalibration, Outcome, SeriesCalibration, coverage, fit_series
from polku.forecast.calibration import GOAL, calibrate_bands, choose, origins
from polku.forecast.history import History

ORIGINS = ("2020-01-31", "2020-05-29", "2020-09-30", "2021-01-29")


def _outcome(origin: str, errors: list[float], *, series: str = "unemployed", sd: float = 0.0) -> Outcome:
    median = [100.0] * len(errors)
    return Outcome(origin=origin, series=series, median=median, sd=[sd] * len(errors), p10=[99.0] * len(errors),
                   p90=[101.0] * len(errors), p025=[98.0] * len(errors), p975=[102.0] * len(errors),
                   actual=[100.0 * math.exp(e) for e in errors])


def test_calibration_by_hand_on_a_small_case() -> None:
    """Four origins, two months ahead, paths without spread; errors ±0.1 one month and ±0.2 two months ahead.

    The origins disagree on the sign (t = 0): no bias. Squared errors 0.01 and 0.04 on level + slope × h: least
    squares would give a negative level, so the level is 0 and the slope Σh·x / Σh² = (4·0.01 + 4·2·0.04) / (4 + 16)
    = 0.018. Standardised errors 0.1 / √0.018 = 0.745 and 0.2 / √0.036 = 1.054; the 80 % quantile of the eight
    (the 7th smallest) is 1.054, the 95 % (the 8th) too."""
    outcomes = [_outcome(origin, [sign * 0.1, sign * 0.2]) for origin, sign in zip(ORIGINS, (1, -1, 1, -1),
                                                                                   strict=True)]
    fitted = fit_series(outcomes, horizons=2)
    assert fitted.bias_t == pytest.approx(0.0, abs=1e-9)
    assert (fitted.bias_intercept, fitted.bias_slope) == (0.0, 0.0)
    assert fitted.extra_level == pytest.approx(0.0)
    assert fitted.extra_variance == pytest.approx(0.018)
    assert fitted.factor_80 == pytest.approx(0.2 / math.sqrt(0.036))
    assert fitted.factor_95 == pytest.approx(0.2 / math.sqrt(0.036))
    assert coverage(outcomes, fitted).coverage_80 >= 0.75  # the two-month errors lie on the band's very edge
    assert coverage(outcomes, None).coverage_80 == pytest.approx(0.0)  # the paths' own band (99–101) held nothing
    low, high = fitted.interval(100.0, 0.0, 2)
    assert (low, high) == pytest.approx((100 * math.exp(-0.2), 100 * math.exp(0.2)))


def test_a_bias_the_origins_agree_on_is_fitted_and_held_beyond_the_calibrated_horizon() -> None:
    errors = ([0.05, 0.10], [0.06, 0.11], [0.04, 0.09], [0.05, 0.10])
    outcomes = [_outcome(origin, e) for origin, e in zip(ORIGINS, errors, strict=True)]
    fitted = fit_series(outcomes, horizons=2)
    assert fitted.bias_t > bands.BIAS_T
    assert fitted.bias_slope == pytest.approx(0.05)
    assert fitted.bias_intercept == pytest.approx(0.0, abs=1e-9)
    assert fitted.bias(2) == pytest.approx(0.10)
    assert fitted.bias(9) == pytest.approx(fitted.bias(2))  # not extrapolated past the calibrated horizon
    assert fit_series(outcomes, horizons=2, bias=False).bias(2) == 0.0
    chosen, held, choice = choose(outcomes, 2)
    assert choice["bias_t"] > bands.BIAS_T
    assert 0 <= held.coverage_80 <= 1
    assert chosen in (fitted, fit_series(outcomes, horizons=2, bias=False))


def test_the_calibration_is_data_with_in_sample_and_held_out_coverage() -> None:
    outcomes = [_outcome(origin, [sign * 0.03 * h for h in range(1, 13)], sd=0.02, series=series)
                for series in ("unemployed", "eur:tmt-2015")
                for origin, sign in zip(ORIGINS, (1, -1, 0.5, -0.5), strict=True)]
    made = calibrate_bands(outcomes, source="synthetic", seed=3, paths=10, made_on=date(2026, 1, 2))
    document = made.as_dict()
    assert document["origins"] == list(ORIGINS)
    assert document["seed"] == 3
    assert document["method"]
    assert set(document["series"]) == {"unemployed", "eur:tmt-2015"}
    for report in document["coverage"].values():
        assert {"before", "in_sample", "held_out", "held_out_without_overlapping", "year_total_held_out",
                "goal_met"} <= set(report)
        assert report["goal_80"] == list(GOAL)
    again = BandCalibration.from_dict(document)
    assert again.as_dict() == document
    assert again.version == made.version


def test_origins_are_spread_over_the_history() -> None:
    history = History(runs=[], services=[], first_day=date(2019, 1, 1), last_day=date(2026, 10, 30))
    found = origins(history, count=8)
    assert len(found) == 8
    assert found[0] >= date(2021, 3, 1)
    assert found[-1] <= date(2025, 10, 31)
    assert found == sorted(found)
    assert len(set(found)) == 8


calibrations = st.builds(
    SeriesCalibration,
    bias_intercept=st.floats(-0.2, 0.2), bias_slope=st.floats(-0.02, 0.02), extra_level=st.floats(0, 0.01),
    extra_variance=st.floats(0, 0.005), factor_80=st.floats(0.1, 3), factor_95=st.floats(0.1, 4),
    horizons=st.integers(1, 36))


@given(calibrations, st.floats(1, 1e7), st.floats(0, 0.5), st.integers(1, 36), st.floats(1, 3))
def test_the_calibrated_band_holds_its_centre_widens_with_the_factor_and_the_horizon(
        calibration: SeriesCalibration, median: float, sd: float, h: int, wider: float) -> None:
    low, high = calibration.interval(median, sd, h)
    centre = median * math.exp(calibration.bias(h))
    assert low <= centre * (1 + 1e-9)
    assert centre <= high * (1 + 1e-9)
    widened = SeriesCalibration(**{**vars(calibration), "factor_80": calibration.factor_80 * wider})
    wide_low, wide_high = widened.interval(median, sd, h)
    assert wide_low <= low * (1 + 1e-9)
    assert high <= wide_high * (1 + 1e-9)
    # Further ahead, with the paths' own spread no smaller, the band is no narrower (on the log scale).
    later_low, later_high = calibration.interval(median, sd, h + 1)
    assert math.log(later_high / later_low) >= math.log(high / low) - 1e-9


def test_the_projection_applies_the_calibration_to_the_unemployed_only() -> None:
    from tests.forecast.test_forecast import _steady_model

    model, _expected = _steady_model()
    raw = bands.SeriesCalibration(factor_80=bands.Z80)
    wide = BandCalibration(version="t1", series={"unemployed": SeriesCalibration(factor_80=3.0, factor_95=4.0,
                                                                                 bias_intercept=0.1)})
    from polku.forecast.projection import project

    plain = project(model, horizon=6, paths=200, seed=2)  # type: ignore[arg-type]
    calibrated = project(model, horizon=6, paths=200, seed=2, bands=wide)  # type: ignore[arg-type]
    assert calibrated.calibrated == ["unemployed"]
    assert calibrated.bands is wide
    assert plain.bands is None
    assert plain.calibrated == []
    for i in range(6):
        assert calibrated.series["unemployed"].mean[i] == pytest.approx(plain.series["unemployed"].mean[i]
                                                                         * math.exp(0.1))
        assert (calibrated.series["unemployed"].p90[i] - calibrated.series["unemployed"].p10[i]
                > plain.series["unemployed"].p90[i] - plain.series["unemployed"].p10[i])
        assert calibrated.series["unemployed"].p025[i] <= calibrated.series["unemployed"].p10[i]
    assert calibrated.series["long_term"] == plain.series["long_term"]  # not calibrated: the paths' own
    assert project(model, horizon=6, expected=True, bands=wide).bands is None  # type: ignore[arg-type]
    assert raw.factor_80 == bands.Z80
    assert calibrated.as_dict()["band_calibration"]["version"] == "t1"


def test_the_shipped_calibration_meets_the_goal_out_of_sample() -> None:
    shipped = bands.shipped_calibration()
    assert shipped is not None
    assert len(shipped.origins) >= 7
    assert {"unemployed", "eur:tmt-2015", "eur:tyottomyysetuudet-2025"} <= set(shipped.series)
    for key, report in shipped.coverage.items():
        assert GOAL[0] <= report["held_out"]["coverage_80"] <= GOAL[1], key
        assert report["goal_met"]


@pytest.mark.parametrize(("language", "words"), [("fi", ("lainmuutoksia", "henkilökuukauden hinnan")),
                                                 ("sv", ("lagändringar", "priset")),
                                                 ("en", ("changes of law", "price"))])
def test_the_band_is_explained_in_each_language(language: str, words: tuple[str, ...]) -> None:
    with translation.override(language):
        text = " ".join(bands.explanation(bands.shipped_calibration()))
        raw = " ".join(bands.explanation(None))
    for word in words:
        assert word in text, (language, word, text)
    assert bands.shipped_calibration().version in text  # type: ignore[union-attr]
    assert raw
    assert raw != text
