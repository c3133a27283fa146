"""Forecasts in the API, mounted at ``/api/forecast``: an area's projection under a scenario, and the backtest.

Aggregates only (no person data): every staff role of the area may ask, for the areas and municipalities its
indicator pages offer. Refused levers answer 422 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.forecast.area import area_forecast, backtest_for
from polku.forecast.projection import Scenario, project
from polku.forecast.views import reference_day
from polku.kpi.presenters import scopes_for

router = Router(tags=["forecasts"])


def _scope(request: HttpRequest, area: str) -> Any:
    scopes = scopes_for(request.user)
    if not scopes:
        raise AccessDenied("Ennusteet näkyvät työllisyysalueen henkilöstölle.")
    found = next((s for s in scopes if s.code == area), None)
    if found is None:
        raise ValidationFailed.single("area", ErrorCode.INVALID,
                                      f"Sallitut alueet ja kunnat: {', '.join(s.code for s in scopes)}.")
    return found


@router.get("/projection")
def projection(request: HttpRequest, area: str, months: int = 12, paths: int = 1000, seed: int = 1,  # noqa: PLR0917
               first_months_exit_factor: float = 1.0, inflow_factor: float = 1.0, service_entry_factor: float = 1.0,
               shock_month: int | None = None, shock_size: int = 0) -> dict[str, Any]:
    """Mean and 80 %/95 % bands of unemployed, long-term, youth, in services and activation rate, by month; and the
    municipal share € per month under each rule set (``municipal_eur``: the same paths priced under the 2015 and the
    2025 rule, the latter flagged unverified until confirmed) with the calibrated mapping behind it."""
    scope = _scope(request, area)
    forecast = area_forecast(scope.municipality_codes, reference_day())
    model = forecast.model
    scenario = Scenario(name="api", first_months_exit_factor=first_months_exit_factor, inflow_factor=inflow_factor,
                        service_entry_factor=service_entry_factor, shock_month=shock_month, shock_size=shock_size)
    result = project(model, horizon=months, paths=paths, seed=seed, scenario=scenario, euros=forecast.euros)
    return {"area": scope.code, "fitted_from": model.fitted_from, "fitted_to": model.fitted_to, "runs": model.runs,
            **result.as_dict()}


@router.get("/backtest")
def backtest_result(request: HttpRequest, area: str) -> dict[str, Any]:
    """The model fitted a year back and its 12-month forecast against what happened, with the naive baselines: the
    unemployed, and (``municipal_eur``) the municipal share € of each rule set — the € mapping's calibration check."""
    scope = _scope(request, area)
    return {"area": scope.code, **backtest_for(scope.municipality_codes, reference_day()).as_dict()}
