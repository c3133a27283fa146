"""The duration model, the projection and the backtest: hand-stated hazards, the steady state, scenarios that must
move the result the right way, refused scenario input, and the command on a simulated area."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from polku.core.errors import ValidationFailed
from polku.forecast.backtest import backtest, truncate, unemployed_stock
from polku.forecast.duration import MAX_CLASS, InitialState, calculation_days, fit
from polku.forecast.history import AGE_GROUPS, History, Run, ServiceSpell
from polku.forecast.projection import Scenario, project, steady_state

FIRST, LAST = date(2024, 1, 1), date(2025, 3, 31)


def _history(runs: list[Run], services: list[ServiceSpell] | None = None) -> History:
    return History(runs=runs, services=services or [], first_day=FIRST, last_day=LAST)


def test_hazard_and_destination_by_hand() -> None:
    """A hundred runs first counted on 31.1.2024; forty end before the next calculation day (29.2.) in work."""
    runs = [Run(date(2024, 1, 2), date(2024, 2, 10), "25-49", "work") for _ in range(40)]
    runs += [Run(date(2024, 1, 2), None, "25-49", None) for _ in range(60)]
    model = fit(_history(runs))
    group = model.groups["25-49"]
    assert group.exposure[0] == 100
    assert group.hazard[0] == pytest.approx(0.4)
    assert group.destination_share[0]["work"] == 1.0
    assert group.hazard[1] == 0.0  # the sixty stayed
    # On the last calculation day (31.3.2025) the open runs have been counted on 14 calculation days before.
    assert model.initial.unemployed["25-49"][14] == 60
    assert model.fitted_to == date(2025, 3, 31)


def test_a_run_between_two_calculation_days_is_never_in_the_stock() -> None:
    model = fit(_history([Run(date(2024, 2, 5), date(2024, 2, 20), "-24", "study")]))
    assert sum(model.groups["-24"].exposure) == 0


def _steady_model() -> tuple[object, float]:
    """A model whose inflow is the same every month, started from the stock that inflow settles at."""
    runs = [Run(date(2024, 1, 2) + timedelta(days=3 * i), date(2024, 1, 2) + timedelta(days=3 * i + 40 + 7 * (i % 9)),
                "25-49", "work") for i in range(120)]
    model = fit(_history(runs))
    group = replace(model.groups["25-49"], inflow=[50.0] * 12, inflow_level_sd=0.0, service_exit=0.0,
                    service_entry_other=0.0)
    survival, counts = 1.0, []
    for d in range(MAX_CLASS):
        counts.append(round(50 * survival))
        survival *= 1 - group.hazard[d]
    counts.append(round(50 * survival / group.hazard[MAX_CLASS]) if group.hazard[MAX_CLASS] else 0)
    empty = [0] * (MAX_CLASS + 1)
    initial = InitialState(unemployed={g: (counts if g == "25-49" else empty) for g, _, _ in AGE_GROUPS},
                           services={g: 0 for g, _, _ in AGE_GROUPS})
    zero = replace(group, inflow=[0.0] * 12)
    steady = replace(model, groups={g: (group if g == "25-49" else zero) for g, _, _ in AGE_GROUPS}, initial=initial)
    return steady, steady_state(steady, "25-49", 50.0)


def test_projection_without_scenario_keeps_the_steady_state() -> None:
    model, expected = _steady_model()
    band = project(model, horizon=36, paths=400, seed=3).series["unemployed"]  # type: ignore[arg-type]
    assert all(abs(value - expected) / expected < 0.05 for value in band.mean)
    assert all(lo <= mean <= hi for lo, mean, hi in zip(band.p10, band.mean, band.p90, strict=True))


def test_faster_exits_in_the_first_months_lower_the_stock() -> None:
    model, _ = _steady_model()
    base = project(model, horizon=12, paths=300, seed=5)  # type: ignore[arg-type]
    faster = project(model, horizon=12, paths=300, seed=5,  # type: ignore[arg-type]
                     scenario=Scenario(name="nopeampi alku", first_months_exit_factor=1.5))
    assert faster.series["unemployed"].mean[-1] < base.series["unemployed"].mean[-1]
    shock = project(model, horizon=12, paths=300, seed=5,  # type: ignore[arg-type]
                    scenario=Scenario(name="tehdas", shock_month=2, shock_size=200, shock_youth_share=0.0,
                                      shock_over_50_share=0.0))
    assert shock.series["unemployed"].mean[1] - base.series["unemployed"].mean[1] == pytest.approx(200, abs=40)


def test_bad_scenarios_are_refused_naming_the_field() -> None:
    model, _ = _steady_model()
    with pytest.raises(ValidationFailed) as refused:
        project(model, horizon=12, scenario=Scenario(inflow_factor=-1, shock_size=-5))  # type: ignore[arg-type]
    assert {e.field for e in refused.value.errors} == {"inflow_factor", "shock_size"}
    with pytest.raises(ValidationFailed) as refused:
        project(model, horizon=12, scenario=Scenario(shock_size=100, shock_month=13))  # type: ignore[arg-type]
    assert {e.field for e in refused.value.errors} == {"shock_month"}
    with pytest.raises(ValidationFailed) as refused:
        project(model, horizon=48)  # type: ignore[arg-type]
    assert {e.field for e in refused.value.errors} == {"horizon"}


def test_truncate_hides_the_future_and_stock_counts_runs() -> None:
    history = _history([Run(date(2024, 3, 4), date(2024, 9, 1), "-24", "work"), Run(date(2024, 8, 1), None, "-24", None)])
    cut = truncate(history, date(2024, 5, 31))
    assert [(r.end, r.destination) for r in cut.runs] == [(None, None)]
    days = calculation_days(FIRST, LAST)
    stock = dict(zip(days, unemployed_stock(history, days), strict=True))
    assert (stock[date(2024, 3, 28)], stock[date(2024, 8, 30)], stock[date(2024, 9, 30)]) == (1, 2, 1)


@pytest.mark.django_db
def test_command_and_backtest_on_a_simulated_area() -> None:
    from polku.forecast.history import area_history
    from polku.simulator.writers import simulate_into_database

    simulate_into_database("sotkamo-2021", seed=2, persons=600, progress=False)
    out = StringIO()
    call_command("forecast", "project", area="765", to="2026-09-30", months=6, paths=50, json=True, stdout=out)
    result = json.loads(out.getvalue())
    assert len(result["months"]) == 6
    assert result["months"][0] == "2026-10"
    assert set(result["series"]) == {"unemployed", "long_term", "youth", "services", "activation_rate"}
    assert all(lo <= m <= hi for lo, m, hi in zip(result["series"]["unemployed"]["p025"],
                                                  result["series"]["unemployed"]["mean"],
                                                  result["series"]["unemployed"]["p975"], strict=True))
    with pytest.raises(CommandError, match="--shock-month"):
        call_command("forecast", "project", area="765", to="2026-09-30", months=6, paths=10, shock_size=50, shock_month=9)
    with pytest.raises(CommandError, match="--service-type"):
        call_command("forecast", "project", area="765", to="2026-09-30", months=6, paths=10, service_type="snorkelling",
                     service_places=5)
    history = area_history({"765"}, date(2020, 1, 1), date(2026, 9, 30))
    result_bt = backtest(history, date(2025, 9, 30), horizon=12, paths=200)
    days = calculation_days(date(2025, 10, 1), date(2026, 9, 30))
    assert result_bt.actual == unemployed_stock(history, days)
    assert set(result_bt.unemployed.mape) == {"model", "same_month_last_year", "exponential_smoothing"}
    assert 0 <= result_bt.unemployed.coverage_80 <= result_bt.unemployed.coverage_95 <= 1
