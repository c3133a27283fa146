"""The forecast page: an area's projection with its bands, a scenario's levers, and the backtest that says how far
to trust it. Aggregates only: every staff role of the area may see it (scopes as on the indicator pages).

The fitted model is cached per area and day (reading the history takes seconds); a projection takes well under a
second, so moving a lever redraws on submit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from polku.core.calendar import add_months, last_working_day
from polku.core.errors import ValidationFailed
from polku.forecast.backtest import Backtest, backtest
from polku.forecast.duration import DurationModel, fit
from polku.forecast.history import History, area_history
from polku.forecast.projection import SERIES, Projection, Scenario, project
from polku.kpi.presenters import scopes_for
from polku.web.charts import accessible_svg
from polku.web.views import forbidden

HISTORY_YEARS = 6
FIELD_LABELS = {"first_months_exit_factor": gettext_lazy("Poistuma 3 ensimmäisenä kuukautena (kerroin)"),
                "inflow_factor": gettext_lazy("Uudet työttömät (kerroin)"),
                "service_entry_factor": gettext_lazy("Ohjaukset palveluihin (kerroin)"),
                "shock_size": gettext_lazy("Rakennemuutos: irtisanottavia"), "shock_month": gettext_lazy("kuukautena"),
                "horizon": gettext_lazy("Kuukautta")}
CACHE_SECONDS = 3600
SERIES_LABELS = {"unemployed": gettext_lazy("Työttömät"), "long_term": gettext_lazy("Pitkäaikaistyöttömät"),
                 "youth": gettext_lazy("Alle 25-vuotiaat työttömät"), "services": gettext_lazy("Palveluissa"),
                 "activation_rate": gettext_lazy("Aktivointiaste %")}


def model_for(codes: tuple[str, ...], to: date) -> DurationModel:
    """The area's fitted model (cached for an hour per area and day)."""
    return _history_and_model(codes, to)[1]


def backtest_for(codes: tuple[str, ...], to: date) -> Backtest:
    """The area's 12-month backtest a year back from ``to`` (cached like the model)."""
    key = f"forecast-backtest:{','.join(codes)}:{to.isoformat()}"
    checked = cache.get(key)
    if checked is None:
        checked = backtest(_history_and_model(codes, to)[0], last_working_day(add_months(to.replace(day=1), -12)),
                           horizon=12, paths=500)
        cache.set(key, checked, CACHE_SECONDS)
    return checked


def _history_and_model(codes: tuple[str, ...], to: date) -> tuple[History, DurationModel]:
    key = f"forecast:{','.join(codes)}:{to.isoformat()}"
    found = cache.get(key)
    if found is None:
        history = area_history(set(codes), date(to.year - HISTORY_YEARS, 1, 1), to)
        found = (history, fit(history))
        cache.set(key, found, CACHE_SECONDS)
    return found


def _int(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _float(request: HttpRequest, name: str, default: float) -> float:
    try:
        return float(request.GET.get(name, default))
    except ValueError:
        return -1.0  # refused by the scenario's own check, naming the field


def _chart(projection: Projection, series: str, label: str) -> Any:
    band = projection.series[series]
    values = [{"month": m.isoformat(), "mean": band.mean[i], "low": band.p10[i], "high": band.p90[i]}
              for i, m in enumerate(projection.months)]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 640, "height": 260,
        "data": {"values": values},
        "encoding": {"x": {"field": "month", "type": "temporal", "title": None, "axis": {"format": "%-m/%Y"}}},
        "layer": [
            {"mark": {"type": "area", "opacity": 0.25, "color": "#0b6e99"},
             "encoding": {"y": {"field": "low", "type": "quantitative", "title": label}, "y2": {"field": "high"}}},
            {"mark": {"type": "line", "color": "#0b4f71", "strokeWidth": 2},
             "encoding": {"y": {"field": "mean", "type": "quantitative"}}},
        ],
        "config": {"aria": False, "font": "DejaVu Sans, Verdana, sans-serif", "view": {"stroke": None}},
    }
    return accessible_svg(spec, title=_("Ennuste: %(series)s") % {"series": label},
                          description=_("Keskiarvo viivana ja 80 %:n vaihteluväli varjostettuna; luvut taulukossa."),
                          id_prefix="ennuste")


@login_required
@require_GET
def forecast_page(request: HttpRequest) -> HttpResponse:
    scopes = [s for s in scopes_for(request.user) if s.kind == "area"] or scopes_for(request.user)
    if not scopes:
        return forbidden(request, _("Ennusteet näkyvät työllisyysalueen henkilöstölle."))
    scope = next((s for s in scopes if s.code == request.GET.get("alue")), scopes[0])
    series = request.GET.get("sarja", "unemployed") if request.GET.get("sarja") in SERIES else "unemployed"
    horizon = _int(request, "kk") or 24
    to = last_working_day(add_months(timezone.localdate(), -1))
    scenario = Scenario(name=request.GET.get("nimi", "") or _("oma skenaario"),
                        first_months_exit_factor=_float(request, "alkuvaihe", 1.0),
                        inflow_factor=_float(request, "virta", 1.0),
                        service_entry_factor=_float(request, "palvelut", 1.0),
                        shock_month=_int(request, "muutos_kk"),
                        shock_size=_int(request, "muutos") or (-1 if request.GET.get("muutos", "0") not in ("", "0") else 0))
    model = model_for(scope.municipality_codes, to)
    baseline = project(model, horizon=min(max(horizon, 1), 36), paths=1000, seed=1)
    errors: list[Any] = []
    try:
        projection = project(model, horizon=min(max(horizon, 1), 36), paths=1000, seed=1, scenario=scenario)
    except ValidationFailed as failure:
        errors = [(FIELD_LABELS.get(e.field, e.field), e.message) for e in failure.errors]
        projection = baseline
    checked = backtest_for(scope.municipality_codes, to)
    rows = [(m, projection.series[series].mean[i], projection.series[series].p10[i], projection.series[series].p90[i],
             baseline.series[series].mean[i]) for i, m in enumerate(projection.months)]
    return render(request, "forecast/forecast.html", {
        "scopes": scopes, "scope": scope, "series": series, "series_labels": SERIES_LABELS, "horizon": horizon,
        "scenario": scenario, "errors": errors, "rows": rows, "model": model, "backtest": checked,
        "chart": _chart(projection, series, str(SERIES_LABELS[series])), "label": SERIES_LABELS[series],
    }, status=400 if errors else 200)
