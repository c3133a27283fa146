"""Relative exit hazards and the levers that rest on them: effects recovered by hand, the survival curve, the
education mix of a plant closure, service places kept filled, refused levers; and on a whole simulated area, the
backtest bands holding the actuals at roughly their nominal rate while the model beats both naive forecasts."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from polku.core.errors import ValidationFailed
from polku.forecast.backtest import backtest
from polku.forecast.cells import survival
from polku.forecast.duration import fit
from polku.forecast.history import History, Run, ServiceSpell, main_benefits
from polku.forecast.projection import Scenario, project

FIRST, LAST = date(2022, 1, 1), date(2024, 12, 31)


def _runs() -> list[Run]:
    """Every month of 2022–2023, 40 new runs of 25–49-year-olds: 20 with upper secondary education, of whom 8 find
    work before the next calculation day (40 %), and 20 with basic education, of whom 4 do (20 %); the rest stay.
    The hazard to work of basic education is half the reference's, in every period."""
    runs = []
    for month in range(24):
        start = date(2022 + month // 12, month % 12 + 1, 3)
        for i in range(20):
            for education, leavers in (("upper_secondary", 8), ("basic", 4)):
                quick = i < leavers
                runs.append(Run(start, start + timedelta(days=35) if quick else None, "25-49", "work" if quick else None,
                                person=f"{education}-{month}-{i}", education=education,
                                benefit="labour_market_subsidy"))
    return runs


def _history(runs: list[Run], services: list[ServiceSpell] | None = None) -> History:
    return History(runs=runs, services=services or [], first_day=FIRST, last_day=LAST)


def test_education_effect_recovered_by_hand() -> None:
    model = fit(_history(_runs()))
    assert model.covariates is not None
    work = {(e.term, e.level): e for e in model.covariates.effects if e.destination == "work"}
    basic = work[("education", "basic")]
    assert basic.relative == pytest.approx(0.5, rel=0.02)
    assert basic.low < 0.5 < basic.high
    # The survival curve of a run: 60 % left after the first month for upper secondary, 80 % for basic.
    upper = survival(model, "25-49", "upper_secondary")
    assert upper[0] == 1.0
    assert upper[1] == pytest.approx(0.6, abs=0.01)
    assert survival(model, "25-49", "basic")[1] == pytest.approx(0.8, abs=0.01)


def test_a_closure_of_basic_educated_workers_leaves_more_unemployed() -> None:
    """The same 300 laid off in month 2: with basic education only, fewer find work than with a degree."""
    model = fit(_history(_runs()))
    common = Scenario(shock_month=2, shock_size=300, shock_youth_share=0.0, shock_over_50_share=0.0)
    basic = project(model, horizon=8, expected=True, scenario=replace(common, shock_basic_share=1.0))
    upper = project(model, horizon=8, expected=True, scenario=replace(common, shock_basic_share=0.0))
    base = project(model, horizon=8, expected=True)
    assert basic.series["unemployed"].mean[1] == pytest.approx(upper.series["unemployed"].mean[1])
    assert basic.series["unemployed"].mean[-1] > upper.series["unemployed"].mean[-1] > base.series["unemployed"].mean[-1]
    with pytest.raises(ValidationFailed) as refused:
        project(model, horizon=8, scenario=replace(common, shock_basic_share=0.7, shock_tertiary_share=0.6))
    assert {e.field for e in refused.value.errors} == {"shock_basic_share"}


def _with_services() -> History:
    """Coaching: 30 spells running on the last day, 60 earlier ones that each lasted about two months; half of those
    came back to unemployment."""
    services = [ServiceSpell(date(2024, 10, 1), None, "25-49", False, person=f"c{i}", service_type="coaching")
                for i in range(30)]
    services += [ServiceSpell(date(2023, 1, 5) + timedelta(days=7 * i), date(2023, 3, 10) + timedelta(days=7 * i),
                              "25-49", i % 2 == 0, person=f"e{i}", service_type="coaching") for i in range(60)]
    return _history(_runs(), services)


def test_more_places_in_a_service_type_are_kept_filled_from_the_unemployed() -> None:
    model = fit(_with_services())
    assert sum(model.service_types["coaching"].participants.values()) == 30
    base = project(model, horizon=12, expected=True)
    more = project(model, horizon=12, expected=True, scenario=Scenario(service_type="coaching", service_places=50))
    assert more.series["services"].mean[0] - base.series["services"].mean[0] == pytest.approx(50, abs=1)
    assert base.series["unemployed"].mean[0] - more.series["unemployed"].mean[0] == pytest.approx(50, abs=1)
    # Kept filled: a year on, the places are still taken and the unemployed still fewer.
    assert more.series["services"].mean[-1] - base.series["services"].mean[-1] == pytest.approx(50, abs=1)
    assert more.series["unemployed"].mean[-1] < base.series["unemployed"].mean[-1]
    fewer = project(model, horizon=12, expected=True, scenario=Scenario(service_type="coaching", service_places=-20))
    assert fewer.series["unemployed"].mean[0] > base.series["unemployed"].mean[0]


def test_bad_place_levers_are_refused_naming_the_field() -> None:
    model = fit(_with_services())
    with pytest.raises(ValidationFailed) as refused:
        project(model, horizon=6, scenario=Scenario(service_type="snorkelling", service_places=10))
    assert [e.field for e in refused.value.errors] == ["service_type"]
    assert "snorkelling" in refused.value.errors[0].message
    with pytest.raises(ValidationFailed) as refused:
        project(model, horizon=6, scenario=Scenario(service_type="coaching", service_places=-31))
    assert [e.field for e in refused.value.errors] == ["service_places"]


def test_main_benefit_of_a_month_is_the_one_with_most_days() -> None:
    rows = [("A", date(2024, 1, 1), "basic_allowance", 5), ("A", date(2024, 1, 1), "labour_market_subsidy", 12),
            ("A", date(2024, 2, 1), "earnings_related_allowance", 21), ("B", date(2024, 1, 1), "basic_allowance", 0)]
    assert main_benefits(rows) == {"A": {date(2024, 1, 1): "labour_market_subsidy",
                                         date(2024, 2, 1): "earnings_related_allowance"}}


@pytest.fixture(scope="module")
def sotkamo(tmp_path_factory: pytest.TempPathFactory) -> History:
    """The whole simulated Sotkamo (3 400 persons, seed 1), read from its Parquet snapshot."""
    from polku.forecast.history import parquet_history
    from polku.simulator.writers import simulate_to_parquet

    directory = Path(tmp_path_factory.mktemp("sotkamo")) / "parquet"
    simulate_to_parquet("sotkamo-2021", directory, seed=1, progress=False)
    return parquet_history(directory, date(2019, 1, 1), date(2026, 10, 30))


def test_bands_hold_the_actuals_at_their_nominal_rate_and_the_model_beats_the_naive_forecasts(
        sotkamo: History) -> None:
    """Sixteen 12-month backtests, one every three months from 1/2022 to 10/2025: the share of actual months inside
    the 80 % and 95 % bands near their nominal rates, and the model's mean MAPE below both naive baselines'."""
    from polku.core.calendar import add_months, last_working_day

    checks, cut = [], date(2022, 1, 1)
    while cut <= date(2025, 10, 1):
        checks.append(backtest(sotkamo, last_working_day(cut), horizon=12, paths=300).unemployed)
        cut = add_months(cut, 3)
    assert len(checks) == 16
    coverage_80 = sum(c.coverage_80 for c in checks) / len(checks)
    coverage_95 = sum(c.coverage_95 for c in checks) / len(checks)
    assert 0.65 <= coverage_80 <= 0.95
    assert 0.85 <= coverage_95 <= 1.0
    assert coverage_80 < coverage_95 or coverage_95 == 1.0
    mean = {k: sum(c.mape[k] or math.nan for c in checks) / len(checks) for k in checks[0].mape}
    assert mean["model"] < mean["same_month_last_year"]
    assert mean["model"] < mean["exponential_smoothing"]
