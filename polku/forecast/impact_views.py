"""The impact page (/ennusteet/vaikutukset/) and the assumptions page (/ennusteet/oletukset/).

Aggregates only, for every staff role of the area (as the forecast page). The impact page takes its parameters as
query values, so a planner can try a tax rate, a wage or a service's cost and see the result at once; refused values
answer 400 with the field named. Every figure links to the assumptions page, which lists every parameter with its
value, unit, source and whether it is verified, and the € mapping behind the benefit-share savings.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from polku.core.errors import ValidationFailed
from polku.core.languages import reader_language
from polku.forecast.area import area_forecast, area_impact
from polku.forecast.impact import (
    ALL,
    ClaimTest,
    Impact,
    Parameters,
    activation_claim,
    for_aggregate_roles,
    rule_in_force,
    shipped_parameters,
)
from polku.forecast.model_presenter import (
    SURVIVAL_MONTHS,
    destination_headers,
    effect_rows,
    survival_chart,
    survival_curves,
    survival_rows,
)
from polku.forecast.share_euros import structural_euros
from polku.forecast.views import forecast_view, not_yet_fitted, reference_day
from polku.municipal_share.presenters import SMALL_CELL, suppresses_small_cells
from polku.reference.models import ServiceType
from polku.web.charts import Chart

IMPACT_FIELDS = {"tax_rate": ("vero", gettext_lazy("Kunnallisveroprosentti")),
                 "monthly_wage": ("palkka", gettext_lazy("Työllistyneen kuukausipalkka €")),
                 "taxable_share": ("verotettava", gettext_lazy("Verotettava osuus palkasta")),
                 "social_assistance_saving": ("toimeentulotuki", gettext_lazy("Toimeentulotukisäästö € / työkuukausi")),
                 "follow_up": ("seuranta", gettext_lazy("Seuranta-aika kuukausina")),
                 "service_type": ("palvelu", gettext_lazy("Palvelu")),
                 "target": ("tavoite", gettext_lazy("Aktivointiasteen tavoite %")),
                 "month": ("kk", gettext_lazy("Kuukausi"))}


def service_names() -> dict[str, str]:
    language = reader_language()
    return {t.code: getattr(t, f"name_{language}", t.name_fi) for t in ServiceType.objects.all()}


def _number(request: HttpRequest, name: str) -> float | None:
    value = request.GET.get(name, "").strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return float("nan")  # refused by the parameter check, naming the field
    return number if math.isfinite(number) else float("nan")


def _label(field: str) -> str:
    if field.startswith("cost_"):
        return _("Palvelun kustannus € / osallistujakuukausi")
    return str(IMPACT_FIELDS.get(field, (field, field))[1])


def _ratio_chart(impact: Impact, names: dict[str, str]) -> Any:
    rows: list[dict[str, Any]] = [{"service": names.get(s.service_type, s.service_type), "ratio": s.figures.ratio or 0.0,
             "low": s.ratio_interval.low or 0.0, "high": s.ratio_interval.high or 0.0}
            for s in impact.services if s.figures.ratio is not None]
    rows.sort(key=lambda r: -r["ratio"])
    order = [r["service"] for r in rows]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 520, "height": {"step": 24},
        "data": {"values": rows},
        "encoding": {"y": {"field": "service", "type": "nominal", "title": None, "sort": order}},
        "layer": [
            {"mark": {"type": "bar", "color": "#0b6e99"},
             "encoding": {"x": {"field": "ratio", "type": "quantitative", "title": _("Hyöty/kustannus-suhde")}}},
            {"mark": {"type": "rule", "color": "#1a1a1a"},
             "encoding": {"x": {"field": "low", "type": "quantitative"}, "x2": {"field": "high"}}},
            {"mark": {"type": "rule", "color": "#b3461f", "strokeDash": [4, 3]},
             "encoding": {"x": {"datum": 1, "type": "quantitative"}, "y": None}},
        ],
        "config": {"aria": False, "font": "DejaVu Sans, Verdana, sans-serif", "view": {"stroke": None}},
    }
    return Chart(spec, title=_("Hyöty/kustannus-suhde palveluittain"),
                 description=_("Palkki on arvio, musta viiva sen 95 %:n väli, katkoviiva suhde 1 "
                                        "(hyöty yhtä suuri kuin kustannus); luvut taulukossa."), id_prefix="vaikutus")


@forecast_view
@require_GET
def impact_page(request: HttpRequest, scopes: list[Any], scope: Any) -> HttpResponse:
    if (waiting := not_yet_fitted(request, scopes, scope)) is not None:
        return waiting
    to = reference_day()
    area = area_forecast(scope.municipality_codes, to)
    names = service_names()
    only = request.GET.get("palvelu", ALL) or ALL
    follow = _number(request, "seuranta")
    overrides: dict[str, Any] = {name: _number(request, key) for name, (key, _label_) in IMPACT_FIELDS.items()
                                 if name not in {"service_type", "target", "month", "follow_up"}}
    if follow is not None:  # a whole number of months, or a value the check refuses naming the field
        overrides["follow_up"] = int(follow) if math.isfinite(follow) and follow.is_integer() else -1
    defaults = Parameters.for_area(scope.municipality_codes)
    errors: list[tuple[str, str]] = []
    rule = rule_in_force(area.euros, to)
    impact: Impact | None = None
    claim: ClaimTest | None = None
    try:
        parameters = defaults.with_overrides(overrides, service_type=only, service_cost=_number(request, "kustannus"))
        impact = area_impact(area, to, parameters, only=only)
        if suppresses_small_cells(request.user):
            impact = for_aggregate_roles(impact, SMALL_CELL)
    except ValidationFailed as failure:
        errors += [(_label(e.field), e.message) for e in failure.errors]
        parameters = defaults
    target, month = _number(request, "tavoite"), _number(request, "kk")
    try:
        claim = activation_claim(area.model, area.euros, target=target,
                                 month=12 if month is None else int(month) if math.isfinite(month) else -1, paths=500)
    except ValidationFailed as failure:
        errors += [(_label(e.field), e.message) for e in failure.errors]
    language = reader_language()
    claim_rows = []
    if claim is not None:
        for code, (base, scenario) in claim.rule_totals.items():
            change, percent = claim.change(code)
            rule_euros = area.euros.rules[code]
            claim_rows.append({"name": rule_euros.name(language), "verified": rule_euros.verified, "baseline": base,
                               "scenario": scenario, "change": change, "percent": percent})
    return render(request, "forecast/impact.html", {
        "scopes": scopes, "scope": scope, "names": names, "only": only, "parameters": parameters,
        "defaults": defaults, "impact": impact, "errors": errors, "claim": claim, "claim_rows": claim_rows,
        "rule": area.euros.rules[rule], "rule_name": area.euros.rules[rule].name(language),
        "chart": _ratio_chart(impact, names) if impact is not None and impact.services else None,
        "extra_percent": 100 * (claim.extra_service_rate or 0.0) if claim else None,
        "cost_value": request.GET.get("kustannus", ""), "target_value": request.GET.get("tavoite", ""),
        "claims": shipped_parameters()["claims"],
        "service_rows": [(names.get(s.service_type, s.service_type), s) for s in impact.services] if impact else [],
    }, status=400 if errors else 200)


@forecast_view
@require_GET
def assumptions_page(request: HttpRequest, scopes: list[Any], scope: Any) -> HttpResponse:
    if (waiting := not_yet_fitted(request, scopes, scope)) is not None:
        return waiting
    to = reference_day()
    area = area_forecast(scope.municipality_codes, to)
    data = shipped_parameters()
    names = service_names()
    defaults = Parameters.for_area(scope.municipality_codes)
    tax = data["municipal_tax_rate"]
    rows = [
        {"name": _("Kunnallisveroprosentti"), "value": defaults.tax_rate, "unit": "%", "verified": tax["verified"],
         "source": tax["source"]},
        *({"name": label, "value": data[key]["value"], "unit": data[key]["unit"], "verified": data[key]["verified"],
           "source": data[key]["source"]}
          for key, label in (("monthly_wage", _("Työllistyneen kuukausipalkka")),
                             ("taxable_share", _("Verotettava osuus palkasta")),
                             ("social_assistance_saving", _("Toimeentulotukisäästö työkuukautta kohden")))),
        *({"name": _("Kustannus: %(service)s") % {"service": names.get(code, code)}, "value": entry["value"],
           "unit": data["service_cost"]["unit"], "verified": entry["verified"], "source": entry["source"]}
          for code, entry in data["service_cost"]["by_service_type"].items()),
        {"name": _("Palkkatyönä laskettavat palvelut"),
         "value": ", ".join(names.get(c, c) for c in data["paid_work_services"]["value"]), "unit": "",
         "verified": data["paid_work_services"]["verified"], "source": data["paid_work_services"]["source"]},
    ]
    language = reader_language()
    curves = survival_curves(area.model)
    mapping = [{"code": code, "name": r.name(language), "verified": r.verified, "flow": r.flow_factor,
                "service": r.service, "month_sd": r.month_sd, "drift_level": r.drift_level,
                "drift_percent_year": 100 * (math.exp(12 * r.drift_per_month) - 1),
                "classes": list(zip(range(len(r.unemployed)), r.unemployed,
                                    structural_euros(area.book, code, year=area.euros.base_year), strict=True))}
               for code, r in area.euros.rules.items()]
    return render(request, "forecast/assumptions.html", {
        "scopes": scopes, "scope": scope, "rows": rows, "mapping": mapping, "share": area.euros, "model": area.model,
        "exposure": area.euros.exposure, "claims": data["claims"], "version": data["version"],
        "survival_chart": survival_chart(curves), "survival_rows": survival_rows(curves),
        "survival_months": SURVIVAL_MONTHS, "effects": effect_rows(area.model), "destinations": destination_headers(),
        "covariates": area.model.covariates,
    })
