"""Writes of the forecasts: recording a fit, and refitting an area on demand."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from polku.forecast.area import AreaForecast, area_forecast, forget_area, prepare_area_now
from polku.forecast.duration import DurationModel
from polku.forecast.models import ForecastFit


@transaction.atomic
def fit_record(*, area: str, codes: tuple[str, ...], model: DurationModel, trigger: str, actor: Any = None,
               ) -> ForecastFit:
    """Record which data the area's model was fitted on (the parameters go with it, so the fit can be shown later)."""
    return ForecastFit.objects.create(
        area=area, municipalities=list(codes), fitted_from=model.fitted_from, fitted_to=model.fitted_to,
        runs=model.runs, parameters=model.as_dict(), trigger=trigger,
        fitted_by=actor if getattr(actor, "is_authenticated", False) else None)


def area_refit(*, area: str, codes: tuple[str, ...], to: date, actor: Any) -> tuple[AreaForecast, ForecastFit]:
    """Forget the area's cached history, model and projections, read and fit again from the facts, and record it:
    a planner who knows the facts changed (a correction, a late import) need not wait for the cache to expire."""
    forget_area(codes)
    prepare_area_now(codes, to)  # the pages show the new fit at once (with its backtest and impact profiles)
    forecast = area_forecast(codes, to)
    return forecast, fit_record(area=area, codes=codes, model=forecast.model, trigger=ForecastFit.Trigger.REFIT,
                                actor=actor)


def latest_fit(area: str) -> ForecastFit | None:
    return ForecastFit.objects.filter(area=area).order_by("-fitted_at", "-id").first()
