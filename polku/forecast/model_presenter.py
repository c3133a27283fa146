"""The fitted duration model as the assumptions page shows it: survival curves (chart and table) and the relative exit
hazards with their intervals, in the user's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from polku.forecast.cells import survival
from polku.forecast.duration import MAX_CLASS, DurationModel
from polku.forecast.history import AGE_GROUPS, DESTINATIONS, EDUCATIONS
from polku.people.models import Education
from polku.timeline.models import BenefitType
from polku.web.charts import Chart

DESTINATION_LABELS = {"work": gettext_lazy("työhön"), "service": gettext_lazy("palveluun"),
                      "study": gettext_lazy("opiskelemaan"), "outside": gettext_lazy("työvoiman ulkopuolelle"),
                      "other": gettext_lazy("muu tai tuntematon"), "all": gettext_lazy("kaikki poistumat")}
AGE_LABELS = {"-24": gettext_lazy("alle 25 v."), "25-49": gettext_lazy("25–49 v."), "50-": gettext_lazy("50 v. täyttäneet")}
SURVIVAL_MONTHS = (1, 3, 6, 12, 24)


def survival_curves(model: DurationModel) -> list[tuple[str, list[float]]]:
    """Each age group at its recent mix, then each education level among 25–49-year-olds on labour-market subsidy."""
    curves = [(str(AGE_LABELS[g]), survival(model, g)) for g, _, _ in AGE_GROUPS]
    if model.covariates:
        curves += [(_("25–49 v., %(education)s") % {"education": Education(e).label}, survival(model, "25-49", e))
                   for e in EDUCATIONS]
    return curves


def survival_chart(curves: list[tuple[str, list[float]]]) -> Any:
    values = [{"month": d, "curve": label, "share": 100 * share}
              for label, curve in curves for d, share in enumerate(curve)]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 560, "height": 260,
        "data": {"values": values},
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {
            "x": {"field": "month", "type": "quantitative", "title": _("Työttömyyden kesto, kk"),
                  "scale": {"domain": [0, MAX_CLASS]}},
            "y": {"field": "share", "type": "quantitative", "title": _("Yhä työttömänä, %"),
                  "scale": {"domain": [0, 100]}},
            "color": {"field": "curve", "type": "nominal", "title": None,
                      "legend": {"orient": "bottom", "columns": 2, "labelLimit": 400}},
            "strokeDash": {"field": "curve", "type": "nominal", "legend": None},
        },
        "config": {"aria": False, "font": "DejaVu Sans, Verdana, sans-serif", "view": {"stroke": None}},
    }
    return Chart(spec, title=_("Elinaikakäyrät: osuus yhä työttömänä työttömyyden keston mukaan"),
                 description=_("Yksi viiva ikäryhmää tai koulutustasoa kohden; luvut taulukossa."),
                 id_prefix="elinaika")


def survival_rows(curves: list[tuple[str, list[float]]]) -> list[tuple[str, list[float]]]:
    """The table beside the chart: % still unemployed after 1, 3, 6, 12 and 24 months."""
    return [(label, [100 * curve[m] for m in SURVIVAL_MONTHS]) for label, curve in curves]


def _level_label(term: str, level: str, periods: list[str]) -> str:
    if term == "education":
        return _("Koulutus: %(level)s") % {"level": Education(level).label}
    if term == "benefit":
        name = _("ei etuutta") if level == "none" else BenefitType(level).label
        return _("Etuus jakson alussa: %(benefit)s") % {"benefit": name}
    if term == "after_service":
        return _("Jakso alkoi heti palvelun päätyttyä")
    index = len(periods) - 1 - int(level)  # periods are listed oldest first; level counts back from the latest
    return _("Ajanjakso %(months)s") % {"months": periods[index] if 0 <= index < len(periods) else level}


def effect_rows(model: DurationModel) -> list[dict[str, Any]]:
    """One row per term level: the relative hazard and 95 % interval of each destination (None: not adjusted)."""
    if not model.covariates:
        return []
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for effect in model.covariates.effects:
        row = found.setdefault((effect.term, effect.level), {
            "label": _level_label(effect.term, effect.level, model.covariates.periods), "by": {}})
        row["by"][effect.destination] = effect
    order = ("education", "benefit", "after_service", "period")
    return [{"label": row["label"], "cells": [row["by"].get(d) for d in (*DESTINATIONS, "all")]}
            for (term, _level), row in sorted(found.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1]))]


def destination_headers() -> list[str]:
    return [str(DESTINATION_LABELS[d]) for d in (*DESTINATIONS, "all")]
