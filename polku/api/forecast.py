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
from polku.forecast.bands import shipped_calibration
from polku.forecast.projection import Scenario, project
from polku.forecast.views import forecast_scopes, reference_day
from polku.municipal_share.presenters import SMALL_CELL, suppresses_small_cells

router = Router(tags=["forecasts"])


def _scope(request: HttpRequest, area: str) -> Any:
    scopes = forecast_scopes(request.user)
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
               shock_month: int | None = None, shock_size: int = 0, shock_basic_share: float | None = None,
               shock_tertiary_share: float | None = None, service_type: str = "",
               service_places: int = 0) -> dict[str, Any]:
    """Mean and 80 %/95 % bands of unemployed, long-term, youth, in services and activation rate, by month; and the
    municipal share € per month under each rule set (``municipal_eur``: the same paths priced under the 2015 and the
    2025 rule, the latter flagged unverified until confirmed) with the calibrated mapping behind it.

    A plant closure (``shock_size`` in ``shock_month``) may give the education of those laid off
    (``shock_basic_share``, ``shock_tertiary_share``, 0–1); ``service_places`` more (negative: fewer) places in
    ``service_type`` are kept filled from the unemployed. Refusals (422) name the field."""
    scope = _scope(request, area)
    forecast = area_forecast(scope.municipality_codes, reference_day())
    model = forecast.model
    scenario = Scenario(name="api", first_months_exit_factor=first_months_exit_factor, inflow_factor=inflow_factor,
                        service_entry_factor=service_entry_factor, shock_month=shock_month, shock_size=shock_size,
                        shock_basic_share=shock_basic_share, shock_tertiary_share=shock_tertiary_share,
                        service_type=service_type, service_places=service_places)
    result = project(model, horizon=months, paths=paths, seed=seed, scenario=scenario, euros=forecast.euros,
                     bands=shipped_calibration())
    return {"area": scope.code, "fitted_from": model.fitted_from, "fitted_to": model.fitted_to, "runs": model.runs,
            **result.as_dict()}


@router.get("/backtest")
def backtest_result(request: HttpRequest, area: str) -> dict[str, Any]:
    """The model fitted a year back and its 12-month forecast against what happened, with the naive baselines: the
    unemployed, and (``municipal_eur``) the municipal share € of each rule set — the € mapping's calibration check."""
    scope = _scope(request, area)
    return {"area": scope.code, **backtest_for(scope.municipality_codes, reference_day()).as_dict()}


@router.get("/impact")
def impact(request: HttpRequest, area: str, service_type: str = "all", tax_rate: float | None = None,  # noqa: PLR0917
           monthly_wage: float | None = None, taxable_share: float | None = None,
           social_assistance_saving: float | None = None, service_cost: float | None = None,
           follow_up: int | None = None, target: float | None = None, month: int = 12) -> dict[str, Any]:
    """Economic impact per service type and overall for the municipality (tax, benefit-share and social-assistance
    savings minus cost, per participant, with 95 % bootstrap intervals), and Heinola's activation claim as a scenario.
    ``service_cost`` overrides the chosen ``service_type``'s cost per participant-month. Parameters not given come
    from the parameter file (mostly unverified placeholders: see ``parameters`` in the answer and /ennusteet/oletukset/).
    Refused values answer 422 naming the field."""
    from polku.forecast.area import area_profiles
    from polku.forecast.impact import (
        FOLLOW_UP,
        Parameters,
        activation_claim,
        estimate,
        for_aggregate_roles,
        rule_in_force,
        shipped_parameters,
    )

    scope = _scope(request, area)
    to = reference_day()
    forecast = area_forecast(scope.municipality_codes, to)
    overrides: dict[str, Any] = {"tax_rate": tax_rate, "monthly_wage": monthly_wage, "taxable_share": taxable_share,
                                 "social_assistance_saving": social_assistance_saving, "follow_up": follow_up}
    parameters = Parameters.for_area(scope.municipality_codes).with_overrides(
        overrides, service_type=service_type, service_cost=service_cost)
    result = estimate(area_profiles(forecast, to, FOLLOW_UP), forecast.euros, rule_in_force(forecast.euros, to),
                      parameters, only=service_type)
    if suppresses_small_cells(request.user):
        result = for_aggregate_roles(result, SMALL_CELL)
    claim = activation_claim(forecast.model, forecast.euros, target=target, month=month, paths=500)
    data = shipped_parameters()
    return {"area": scope.code, **result.as_dict(), "heinola_claim": {**claim.as_dict(),
                                                                        "source": data["claims"]["heinola"]["source"]},
            "twice_invested_claim": data["claims"]["twice_invested"]["source"],
            "parameter_sources": {k: {"verified": v.get("verified"), "source": v.get("source")}
                                  for k, v in data.items() if isinstance(v, dict) and "source" in v}}
