"""The forecast page: an area's projection with its bands, a scenario's levers, and the backtest that says how far
to trust it. Aggregates only: every staff role of the area may see it (scopes as on the indicator pages).

The fitted model is cached per area and day (reading the history takes seconds); a projection takes well under a
second, so moving a lever redraws on submit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from polku.access import policy
from polku.core.calendar import add_months, last_working_day
from polku.core.errors import ValidationFailed
from polku.core.languages import reader_language
from polku.forecast.area import (
    AreaForecast,
    area_forecast,
    area_key,
    area_preparation,
    backtest_for,
    cached,
    rules_key,
)
from polku.forecast.bands import explanation, shipped_calibration
from polku.forecast.excel import CONTENT_TYPE, filename, forecast_workbook
from polku.forecast.projection import MAX_SHOCK, SERIES, Projection, Scenario, project
from polku.forecast.services import area_refit, latest_fit
from polku.kpi.presenters import scopes_for
from polku.municipal_share.presenters import suppresses_small_cells
from polku.web.charts import Chart
from polku.web.views import after_retry, asks_retry, forbidden, retry_query

FIELD_LABELS = {"first_months_exit_factor": gettext_lazy("Poistuma 3 ensimmäisenä kuukautena (kerroin)"),
                "inflow_factor": gettext_lazy("Uudet työttömät (kerroin)"),
                "service_entry_factor": gettext_lazy("Ohjaukset palveluihin (kerroin)"),
                "shock_size": gettext_lazy("Rakennemuutos: irtisanottavia"), "shock_month": gettext_lazy("kuukautena"),
                "shock_basic_share": gettext_lazy("Irtisanottavien koulutus"),
                "service_type": gettext_lazy("Palvelu"), "service_places": gettext_lazy("Palvelupaikkojen muutos"),
                "horizon": gettext_lazy("Kuukautta")}
SERIES_LABELS = {"unemployed": gettext_lazy("Työttömät"), "long_term": gettext_lazy("Pitkäaikaistyöttömät"),
                 "youth": gettext_lazy("Alle 25-vuotiaat työttömät"), "services": gettext_lazy("Palveluissa"),
                 "activation_rate": gettext_lazy("Aktivointiaste %")}
PAGE_PATHS = 300  # 30 paths beyond each end of the 80 % band; keeps a recompute of an employment area under 300 ms
RULE_COLOURS = ["#0b4f71", "#b3461f"]


def reference_day() -> date:
    """The last calculation day before this month: the forecasts start from it."""
    return last_working_day(add_months(timezone.localdate(), -1))


def baseline_for(area: AreaForecast, to: date, horizon: int) -> Projection:
    """The baseline projection with euros (cached with the area: only the scenario is recomputed on each request)."""
    return cached(f"forecast-baseline:{area_key(area.codes)}:{to.isoformat()}:{horizon}:{rules_key()}",
                  lambda: project(area.model, horizon=horizon, paths=PAGE_PATHS, seed=1, euros=area.euros,
                                  bands=shipped_calibration()))


def forecast_scopes(user: Any) -> list[Any]:
    """Employment areas, or the user's municipalities where they have no whole area. Roles that see aggregates
    only get areas only: a single small municipality's forecast, backtest € and impact figures can rest on a few
    people, which the small-cell rule of the indicator pages would hide."""
    scopes = scopes_for(user)
    areas = [s for s in scopes if s.kind == "area"]
    return areas if areas or suppresses_small_cells(user) else scopes


def _int(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _float(request: HttpRequest, name: str, default: float) -> float:
    try:
        return float(request.GET.get(name, default))
    except ValueError:
        return -1.0  # refused by the scenario's own check, naming the field


def _percent(request: HttpRequest, name: str) -> float | None:
    """A share typed as a percentage (decimal comma or point); empty: None (the area's own mix)."""
    value = request.GET.get(name, "").strip().replace(",", ".")
    if not value:
        return None
    try:
        return float(value) / 100
    except ValueError:
        return -1.0  # refused by the scenario's own check, naming the field


def _signed_int(request: HttpRequest, name: str) -> int:
    """A whole number that may be negative; anything else becomes a value the scenario's check refuses by name."""
    value = request.GET.get(name, "").strip().replace("\u2212", "-")
    if not value:
        return 0
    digits = value[1:] if value.startswith("-") else value
    if digits.isascii() and digits.isdigit() and len(digits) <= 9:
        return int(value)
    return MAX_SHOCK + 1


def _chart(projection: Projection, series: str, label: str) -> Any:
    band = projection.series[series]
    values = [{"month": m.isoformat(), "mean": band.mean[i], "low": band.p10[i], "high": band.p90[i]}
              for i, m in enumerate(projection.months)]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 640, "height": 260,
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
    return Chart(spec, title=_("Ennuste: %(series)s") % {"series": label},
                 description=_("Keskiarvo viivana ja 80 %:n vaihteluväli varjostettuna; luvut taulukossa."),
                 id_prefix="ennuste")


def _euro_chart(projection: Projection, language: str) -> Any:
    assert projection.share is not None
    values = []
    for code, band in projection.euros.items():
        rule = projection.share.rules[code]
        label = rule.name(language) + ("" if rule.verified else f" ({_('vahvistamaton')})")
        values += [{"month": m.isoformat(), "rule": label, "mean": band.mean[i], "low": band.p10[i], "high": band.p90[i]}
                   for i, m in enumerate(projection.months)]
    labels = list(dict.fromkeys(v["rule"] for v in values))
    colour = {"field": "rule", "type": "nominal", "title": None,
              "scale": {"domain": labels, "range": RULE_COLOURS[:len(labels)]}, "legend": {"orient": "bottom",
                                                                                       "labelLimit": 600}}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 640, "height": 260,
        "data": {"values": values},
        "encoding": {"x": {"field": "month", "type": "temporal", "title": None, "axis": {"format": "%-m/%Y"}}},
        "layer": [
            {"mark": {"type": "area", "opacity": 0.2},
             "encoding": {"y": {"field": "low", "type": "quantitative", "title": _("€ kuukaudessa")},
                          "y2": {"field": "high"}, "color": colour}},
            {"mark": {"type": "line", "strokeWidth": 2}, "encoding": {"y": {"field": "mean", "type": "quantitative"},
                                                                       "color": colour}},
        ],
        "config": {"aria": False, "font": "DejaVu Sans, Verdana, sans-serif", "view": {"stroke": None}},
    }
    return Chart(spec, title=_("Ennuste: kunnan rahoitusosuus työttömyysetuuksista"),
                 description=_("Kunnan osuus euroina kuukaudessa kummankin säännön mukaan: keskiarvo viivana "
                                        "ja 80 %:n vaihteluväli varjostettuna; luvut taulukossa."),
                          id_prefix="ennuste-eur")


def _euro_rows(projection: Projection, baseline: Projection) -> list[dict[str, Any]]:
    assert projection.share is not None
    rows = []
    for i, month in enumerate(projection.months):
        rows.append({"month": month, "in_force": projection.share.rule_in_force(month),
                     "rules": [(code, band.mean[i], band.p10[i], band.p90[i], baseline.euros[code].mean[i])
                               for code, band in projection.euros.items()]})
    return rows


def _rules(projection: Projection, baseline: Projection, language: str) -> list[dict[str, Any]]:
    """Each rule set's name, verified flag and first-year totals (scenario, baseline, difference)."""
    assert projection.share is not None
    out = []
    for code, rule in projection.share.rules.items():
        months = min(12, len(projection.months))
        scenario_total, base_total = projection.year_total(code, months), baseline.year_total(code, months)
        out.append({"code": code, "name": rule.name(language), "verified": rule.verified, "months": months,
                    "scenario": scenario_total, "baseline": base_total, "difference": scenario_total - base_total,
                    "percent": 100 * (scenario_total - base_total) / base_total if base_total else None})
    return out


@dataclass(frozen=True)
class Computed:
    """What the page and its Excel export show: the chosen area and series, the scenario's projection beside the
    baseline, the fitted model and its backtest, and the refusals of bad levers (the baseline is shown then)."""

    scope: Any
    series: str
    horizon: int
    scenario: Scenario
    area: AreaForecast
    baseline: Projection
    projection: Projection
    checked: Any
    errors: list[tuple[Any, str]]


def _compute(request: HttpRequest, scope: Any) -> Computed:
    series = request.GET.get("sarja", "unemployed") if request.GET.get("sarja") in SERIES else "unemployed"
    horizon = _int(request, "kk") or 24
    to = reference_day()
    scenario = Scenario(name=request.GET.get("nimi", "") or _("oma skenaario"),
                        first_months_exit_factor=_float(request, "alkuvaihe", 1.0),
                        inflow_factor=_float(request, "virta", 1.0),
                        service_entry_factor=_float(request, "palvelut", 1.0),
                        shock_month=_int(request, "muutos_kk"),
                        shock_size=_int(request, "muutos") or (-1 if request.GET.get("muutos", "0") not in ("", "0") else 0),
                        shock_basic_share=_percent(request, "muutos_perus"),
                        shock_tertiary_share=_percent(request, "muutos_korkea"),
                        service_type=request.GET.get("palvelu", ""), service_places=_signed_int(request, "paikat"))
    area = area_forecast(scope.municipality_codes, to)
    baseline = baseline_for(area, to, min(max(horizon, 1), 36))
    errors: list[tuple[Any, str]] = []
    try:
        projection = project(area.model, horizon=min(max(horizon, 1), 36), paths=PAGE_PATHS, seed=1, scenario=scenario,
                             euros=area.euros, bands=shipped_calibration())
    except ValidationFailed as failure:
        errors = [(FIELD_LABELS.get(e.field, e.field), e.message) for e in failure.errors]
        projection = baseline
    return Computed(scope, series, horizon, scenario, area, baseline, projection,
                    backtest_for(scope.municipality_codes, to), errors)


ForecastView = Callable[[HttpRequest, list[Any], Any], HttpResponse]


def forecast_view(view: ForecastView) -> Callable[[HttpRequest], HttpResponse]:
    """The forecast pages' common start: a logged-in user, their forecast scopes and the one asked for (``alue`` in
    the query, or in the form for a POST), or the first; without any scope the page is forbidden."""
    @login_required
    @wraps(view)
    def with_scope(request: HttpRequest) -> HttpResponse:
        scopes = forecast_scopes(request.user)
        asked = (request.POST if request.method == "POST" else request.GET).get("alue")
        scope = next((s for s in scopes if s.code == asked), scopes[0] if scopes else None)
        if scope is None:
            return forbidden(request, _("Ennusteet näkyvät työllisyysalueen henkilöstölle."))
        return view(request, scopes, scope)
    return with_scope


def may_refit(user: Any) -> bool:
    """Only the roles that may change a forecast refit its model (the policy's ``REFIT_FORECAST``); others read it."""
    return policy.may_refit_forecast(user)


def not_yet_fitted(request: HttpRequest, scopes: list[Any], scope: Any) -> HttpResponse | None:
    """The page to show while the worker fits the area's model (a page never waits for a fit), or None once it is."""
    prepared = area_preparation(scope.municipality_codes, reference_day(), retry=asks_retry(request))
    if asks_retry(request):
        return after_retry(request)
    if prepared.current:
        return None
    return render(request, "forecast/fitting.html", {"scopes": scopes, "scope": scope, "task_id": prepared.task_id,
                                                     "failure": prepared.failure, "retry_query": retry_query(request)})


@forecast_view
@require_GET
def forecast_page(request: HttpRequest, scopes: list[Any], scope: Any) -> HttpResponse:
    if (waiting := not_yet_fitted(request, scopes, scope)) is not None:
        return waiting
    c = _compute(request, scope)
    projection, baseline, series = c.projection, c.baseline, c.series
    language = reader_language()
    rows = [(m, projection.series[series].mean[i], projection.series[series].p10[i], projection.series[series].p90[i],
             baseline.series[series].mean[i]) for i, m in enumerate(projection.months)]
    euro_checks = [{"code": code, "name": c.area.euros.rules[code].name(language),
                    "verified": c.area.euros.rules[code].verified, "check": check,
                    "rows": list(zip(c.checked.months, check.actual, check.model, strict=True))}
                   for code, check in c.checked.euros.items()]
    return render(request, "forecast/forecast.html", {
        "scopes": scopes, "scope": scope, "series": series, "series_labels": SERIES_LABELS, "horizon": c.horizon,
        "scenario": c.scenario, "errors": c.errors, "rows": rows, "model": c.area.model, "backtest": c.checked,
        "chart": _chart(projection, series, str(SERIES_LABELS[series])), "label": SERIES_LABELS[series],
        "euro_chart": _euro_chart(projection, language), "paths": PAGE_PATHS, "euro_rows": _euro_rows(projection, baseline),
        "rules": _rules(projection, baseline, language), "share": c.area.euros, "euro_checks": euro_checks,
        "excel_query": request.GET.urlencode(), "fit": latest_fit(scope.code),
        "band_notes": explanation(projection.bands),
        "may_refit": may_refit(request.user), "service_types": _service_choices(c.area),
    }, status=400 if c.errors else 200)


def _service_choices(area: AreaForecast) -> list[tuple[str, str, int]]:
    """(code, name, participants on the reference day) of the service types in the area's history."""
    from polku.forecast.impact_views import service_names

    names = service_names()
    return [(code, names.get(code, code), sum(kind.participants.values()))
            for code, kind in area.model.service_types.items()]


@forecast_view
@require_GET
def forecast_excel(request: HttpRequest, _scopes: list[Any], scope: Any) -> HttpResponse:
    """The page's scenario and baseline as a workbook; refused levers are refused here too (400, named)."""
    c = _compute(request, scope)
    if c.errors:
        return HttpResponse("\n".join(f"{label}: {message}" for label, message in c.errors), status=400,
                            content_type="text/plain; charset=utf-8")
    content = forecast_workbook(area_name=scope.name, projection=c.projection, baseline=c.baseline,
                                model=c.area.model, checked=c.checked, series_labels=SERIES_LABELS,
                                language=reader_language())
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename(scope.code, c.area.model.fitted_to.isoformat())}"'
    return response


@forecast_view
@require_POST
def forecast_refit(request: HttpRequest, _scopes: list[Any], scope: Any) -> HttpResponse:
    """Refit the chosen area's model from the facts now and record the fit (elected officials only read forecasts)."""
    if not may_refit(request.user):
        return forbidden(request, _("Mallin sovittaminen on työllisyysalueen henkilöstön tehtävä."))
    _forecast, fit = area_refit(area=scope.code, codes=scope.municipality_codes, to=reference_day(), actor=request.user)
    messages.success(request, _("Malli sovitettiin uudelleen: aineisto %(first)s–%(last)s, %(runs)s työttömyysjaksoa.") % {
        "first": date_format(fit.fitted_from), "last": date_format(fit.fitted_to), "runs": fit.runs})
    return redirect(f"{reverse('forecast:forecast')}?alue={scope.code}")
