"""Pages of knowledge-based management: the programme and one indicator's trend (aggregates only).

Open to every staff role for the scopes of their area; aggregate-only roles (elected officials) get
small cells suppressed. Thin: parse the query, call one presenter, render (or export CSV / Excel).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from polku.core.calendar import add_months
from polku.core.errors import AccessDenied, ValidationFailed
from polku.core.tabular import workbook
from polku.kpi import comparison, indicator_figures, presenters, share_yardstick, yardstick
from polku.kpi.comparison import counterpart_for
from polku.kpi.definitions import UNIT_LABELS, shipped_definitions
from polku.kpi.engine import NOT_IN_FORCE
from polku.kpi.models import Programme
from polku.kpi.programme import text
from polku.kpi.programme_figures import programme_figures
from polku.kpi.state_assessment import state_assessment
from polku.municipal_share.presenters import suppresses_small_cells
from polku.reference.models import Municipality
from polku.web.charts import Chart
from polku.web.sources import reader_source
from polku.web.views import after_retry, asks_retry, forbidden, retry_query


def _status_label(status: str) -> str:
    labels = {"on_track": _("Tavoitteessa"), "at_risk": _("Vaarassa"), "off_track": _("Jäljessä"),
              "no_data": _("Ei tietoa"), "manual": _("Seurataan muualla")}
    return labels[status]


@login_required
@require_GET
def programme_page(request: HttpRequest) -> HttpResponse:
    scopes = presenters.scopes_for(request.user)
    if not scopes:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta tai sen kuntia."))
    allowed = {s.code for s in scopes}
    programmes = [p for p in Programme.objects.all() if p.scope in allowed]
    chosen = next((p for p in programmes if p.code == request.GET.get("programme")), programmes[0] if programmes else None)
    today = timezone.localdate()
    error = ""
    try:
        as_of = presenters.parse_month("as_of", request.GET.get("as_of"))
    except ValidationFailed as failure:
        as_of, error = None, failure.errors[0].message
    year = (as_of or today).year
    suppress = suppresses_small_cells(request.user)
    # The worker computes the figures; the page shows the latest ones and never waits for them.
    figures = programme_figures(chosen, year, as_of=as_of, suppress=suppress,
                                retry=asks_retry(request)) if chosen else None
    if figures and asks_retry(request):
        return after_retry(request)
    rows = figures.rows if figures else []
    years = list(range(int(chosen.document["baseline_year"]), year + 1)) if chosen else []
    goals: list[dict[str, Any]] = []
    for row in rows:
        p = row.progress
        if not goals or goals[-1]["goal"] != p.goal:
            goals.append({"promise": p.promise, "goal": p.goal, "responsible": p.responsible, "rows": []})
        by_year = {v.period: v for v in row.series}
        goals[-1]["rows"].append({"p": p, "status_label": _status_label(p.status),
                                  "series": [by_year.get(str(y)) for y in years]})
    return render(request, "kpi/programme.html", {
        "programmes": [(p, programme_name(p)) for p in programmes], "programme": chosen,
        "programme_name": programme_name(chosen) if chosen else "", "goals": goals, "years": years, "year": year,
        "as_of": as_of, "error": error, "suppress": suppress, "definitions": shipped_definitions().latest(),
        "result": figures.result if figures else None, "retry_query": retry_query(request),
    })


def programme_name(programme: Programme) -> str:
    """The programme's name in the reader's language (its file names it in fi, sv and en)."""
    return text(programme.document.get("name")) or programme.name_fi


def _chart(payload: dict[str, Any], target: list[dict[str, Any]]) -> Any:
    rows = [{"period": v["period"], "value": float(v["value"]),
             "group": v.get("group_label") or v["group"] or payload["scope"]["name"]}
            for v in payload["values"] if v["value"] is not None]
    if not rows:
        return None
    layers: list[dict[str, Any]] = [{
        "mark": {"type": "line", "point": True},
        "encoding": {"x": {"field": "period", "type": "ordinal", "title": None, "axis": {"labelAngle": -45}},
                     "y": {"field": "value", "type": "quantitative",
                           "title": str(UNIT_LABELS.get(payload["indicator"]["unit"], ""))},
                     "color": {"field": "group", "type": "nominal", "title": None}},
        "data": {"values": rows},
    }]
    if target:
        layers.append({"mark": {"type": "rule", "strokeDash": [6, 4], "color": "#b00020"},
                       "encoding": {"y": {"field": "target", "type": "quantitative"}}, "data": {"values": target}})
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 640, "height": 260,
            "layer": layers, "config": {"font": "sans-serif"}}
    title = f"{payload['indicator']['name']}, {payload['scope']['name']}"
    return Chart(spec, title=title, description=_("Luvut ovat taulukossa kaavion vieressä."),
                 id_prefix="mittari")


def _targets(code: str, scope: str) -> list[dict[str, Any]]:
    """Programme targets for this indicator and scope (the dashed line)."""
    out = []
    for programme in Programme.objects.filter(scope=scope):
        for promise in programme.document["promises"]:
            for goal in promise["goals"]:
                for item in goal.get("indicators", []):
                    if item.get("indicator") == code and item.get("target") is not None:
                        out.append({"target": item["target"], "year": programme.document["target_year"],
                                    "programme": programme.name_fi})
    return out


@login_required
@require_GET
def state_assessment_page(request: HttpRequest) -> HttpResponse:
    """The state's assessment indicators of the employment areas beside Polku's nearest figures for the reader's
    area, each with how the two may differ; the source names the indicators only, so all are marked unverified."""
    areas = [s for s in presenters.scopes_for(request.user) if s.kind == "area"]
    if not areas:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta."))
    chosen = next((a for a in areas if a.code == request.GET.get("scope")), areas[0])
    assessment = state_assessment()
    return render(request, "kpi/state_assessment.html", {
        "areas": areas, "chosen": chosen, "source": assessment,
        "rows": presenters.state_assessment_rows(request.user, chosen, timezone.localdate())})


@login_required
@require_GET
def indicator_page(request: HttpRequest, code: str) -> HttpResponse:
    if code not in shipped_definitions().codes:
        raise Http404
    scopes = presenters.scopes_for(request.user)
    if not scopes:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta tai sen kuntia."))
    today = timezone.localdate()
    params = {
        "indicator": code, "scope": request.GET.get("scope") or scopes[0].code,
        "first_month": request.GET.get("first_month") or f"{today.year - 2}-{today.month:02d}",
        "last_month": request.GET.get("last_month") or f"{today:%Y-%m}",
        "dimension": request.GET.get("dimension") or None, "as_of": request.GET.get("as_of") or None,
    }
    error, payload, result = "", None, None
    export = request.GET.get("format")
    if export not in ("csv", "xlsx"):
        export = None
    year = request.GET.get("year", "")
    choices = {**params, "year": int(year) if year.isdigit() else None}
    try:
        if export is None and indicator_figures.in_background():  # the worker computes; the page never waits
            payload, result = presenters.worker_payload(request.user, retry=asks_retry(request), **choices)
            if asks_retry(request):
                return after_retry(request)
        else:  # a download may wait for its figures
            payload = presenters.user_payload(request.user, **choices)
    except ValidationFailed as failure:
        error = " ".join(f"{e.message}" for e in failure.errors)
    except AccessDenied as denied:
        error = str(denied)
    counterpart = counterpart_for(code)
    compared, comparison_error = None, ""
    if payload is not None and counterpart is not None and not payload["by_year"]:
        try:
            compared = presenters.comparison_payload(
                request.user, indicator=code, scope=str(params["scope"]), first_month=params["first_month"],
                last_month=params["last_month"], as_of=params["as_of"], references=request.GET.getlist("reference"),
                own_payload=payload)
        except ValidationFailed as failure:
            comparison_error = " ".join(e.message for e in failure.errors)
    if payload is not None and export is not None:
        return _export(payload, export, compared)
    definition = shipped_definitions().get(code)
    chosen = {m["code"] for m in compared["reference_set"]["municipalities"]} if compared else set()
    return render(request, "kpi/indicator.html", {
        "definition": definition, "info": presenters.definition_payload(definition),
        "dimensions": [(d, presenters.DIMENSION_LABELS.get(d, d)) for d in definition.disaggregations if d != "area"],
        "year_label": presenters.year_label(definition), "payload": payload,
        "table_values": presenters.table_values(payload) if payload else [],
        "error": error, "params": params, "scopes": scopes, "result": result,
        "retry_query": retry_query(request) if result is not None else "",
        "chart": _chart(payload, _targets(code, payload["scope"]["code"])) if payload else None,
        "targets": _targets(code, payload["scope"]["code"]) if payload else [],
        "query": request.GET.urlencode(), "counterpart": counterpart, "comparison": compared,
        "comparison_error": comparison_error, "comparison_chart": _comparison_chart(compared) if compared else None,
        "not_in_force": payload is not None and any(v["note"] == NOT_IN_FORCE for v in payload["values"]),
        "municipality_choices": [(m.code, m.name, m.code in chosen)
                                 for m in Municipality.objects.filter(valid_to__isnull=True).order_by("name_fi")]
        if counterpart else [],
    })


# Dark enough for 3:1 against white (WCAG 1.4.11): the municipality's two lines first, then its references.
COMPARISON_PALETTE = ["#0b4f71", "#b3461f", "#2e7d32", "#6a3d9a", "#8a5a00", "#c2185b", "#455a64", "#00695c",
                      "#1a1a1a", "#5d4037"]


def comparison_series_names(compared: dict[str, Any]) -> list[str]:
    """Legend names of the comparison's lines: the municipality by Polku, by the statistics, then its references."""
    name = compared["municipality"]["name"]
    return [_("%(name)s, Polku") % {"name": name}, _("%(name)s, tilasto") % {"name": name},
            *(_("%(name)s, tilasto") % {"name": m["name"]} for m in compared["reference_set"]["municipalities"])]


def _comparison_chart(compared: dict[str, Any]) -> Any:
    names = comparison_series_names(compared)
    rows = []
    for row in compared["rows"]:
        values = [row["polku"], row["official"], *(r["value"] for r in row["references"])]
        rows += [{"period": row["month"], "value": float(v), "series": n, "kind": "Polku" if i == 0 else _("tilasto")}
                 for i, (n, v) in enumerate(zip(names, values, strict=True)) if v is not None]
    if not compared["has_public_data"] or not rows:
        return None
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 720, "height": 300,
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": None, "axis": {"labelAngle": -45}},
            "y": {"field": "value", "type": "quantitative", "title": None},
            "color": {"field": "series", "type": "nominal", "title": None, "sort": names,
                      "scale": {"domain": names, "range": COMPARISON_PALETTE[:len(names)]},
                      "legend": {"labelFontSize": 12, "labelLimit": 260}},
            "strokeDash": {"field": "kind", "type": "nominal", "title": None,
                           "scale": {"domain": ["Polku", _("tilasto")], "range": [[1, 0], [6, 3]]}},
        },
        "data": {"values": rows}, "config": {"font": "sans-serif"},
    }
    return Chart(spec, title=_("Vertailu julkisiin tilastoihin: %(name)s") % {"name": compared["municipality"]["name"]},
                 description=_("Luvut ovat taulukossa kaavion vieressä."), id_prefix="vertailu")


COLUMNS = ("period", "scope", "group", "group_label", "numerator", "denominator", "value", "suppressed", "verified")


COMPARISON_COLUMNS = ("period", "municipality", "name", "series", "value", "source")


def comparison_rows(compared: dict[str, Any]) -> list[list[str]]:
    """The comparison as long rows: month, municipality, name, series (polku / official / reference), value, source."""
    municipality = compared["municipality"]
    out = []
    source = "; ".join(compared["data_sources"])
    for row in compared["rows"]:
        out.append([row["month"], municipality["code"], municipality["name"], "polku", row["polku"] or "",
                    "Polku"])
        out.append([row["month"], municipality["code"], municipality["name"], "official", row["official"] or "", source])
        out += [[row["month"], m["code"], m["name"], "reference", r["value"] or "", source]
                for m, r in zip(compared["reference_set"]["municipalities"], row["references"], strict=True)]
    return out


def _csv_number(cell: str) -> str:
    """Decimal comma for numbers (Finnish Excel reads the CSV), negatives included; months and codes stay as they are."""
    return cell.replace(".", ",") if DECIMAL.fullmatch(cell) else cell


DECIMAL = re.compile(r"-?\d+\.\d+")


def _export(payload: dict[str, Any], kind: str, compared: dict[str, Any] | None = None) -> HttpResponse:
    name = f"{payload['indicator']['code']}-{payload['scope']['code']}"
    rows = [[v[c] if v[c] is not None else "" for c in COLUMNS] for v in payload["values"]]
    header = [payload["indicator"]["name"], payload["scope"]["name"], reader_source(payload["indicator"]["source"])]
    extra = comparison_rows(compared) if compared and compared["has_public_data"] else []
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(header)
        writer.writerow(COLUMNS)
        writer.writerows([[_csv_number(c) for c in map(str, r)] for r in rows])
        if extra:
            assert compared is not None
            writer.writerow([])
            writer.writerow([_("Vertailu julkisiin tilastoihin"), reader_source(compared["counterpart"]["source"])])
            writer.writerow(COMPARISON_COLUMNS)
            writer.writerows([[_csv_number(c) if i == 4 else c for i, c in enumerate(r)] for r in extra])
        response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    output = io.BytesIO()
    book = workbook(output)
    sheet = book.add_worksheet(payload["indicator"]["code"][:31])
    sheet.write_row(0, 0, header)
    sheet.write_row(2, 0, COLUMNS)
    for i, row in enumerate(rows, start=3):
        for j, cell in enumerate(row):
            if COLUMNS[j] in ("numerator", "denominator", "value") and cell != "":
                sheet.write_number(i, j, float(cell))
            else:
                sheet.write(i, j, cell)
    if extra:
        assert compared is not None
        other = book.add_worksheet(_("vertailu"))
        other.write_row(0, 0, [_("Vertailu julkisiin tilastoihin"), reader_source(compared["counterpart"]["source"])])
        other.write_row(2, 0, COMPARISON_COLUMNS)
        for i, row in enumerate(extra, start=3):
            for j, cell in enumerate(row):
                if j == 4 and cell != "":
                    other.write_number(i, j, float(cell))
                else:
                    other.write(i, j, cell)
    book.close()
    response = HttpResponse(output.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response




def _yardstick_chart(rows: list[yardstick.Standing], title: str) -> Chart | None:
    values = [{"kunta": r.name, "arvo": float(r.rate), "ala": float(r.low), "yla": float(r.high),
               "oma": _("oma kunta") if r.own else _("vertailukunta")}
              for r in rows if r.rate is not None and r.low is not None and r.high is not None]
    if not values:
        return None
    order = [v["kunta"] for v in values]
    y = {"field": "kunta", "type": "nominal", "title": None, "sort": order}
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container",
            "height": {"step": 28}, "data": {"values": values}, "layer": [
                {"mark": {"type": "bar"}, "encoding": {
                    "y": y, "x": {"field": "arvo", "type": "quantitative", "title": "%"},
                    "color": _own_colour()}},
                {"mark": {"type": "rule", "color": "#222"}, "encoding": {
                    "y": y, "x": {"field": "ala", "type": "quantitative"}, "x2": {"field": "yla"}}},
            ]}
    return Chart(spec, title=title, description=_("Vaakapylväät suurimmasta pienimpään, viiva pylvään päällä on "
                                                  "vaihteluväli; luvut ovat taulukossa kaavion alla."),
                 id_prefix="vertailu")


@login_required
@require_GET
def yardstick_page(request: HttpRequest) -> HttpResponse:
    """The municipality ranked among similar municipalities on a published rate, with the band of each, or on the
    municipal share per resident that Kela publishes."""
    from polku.municipal_share.presenters import default_municipality, municipalities_for

    allowed = municipalities_for(request.user)
    if not allowed:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta tai sen kuntia."))
    today = timezone.localdate()
    code = request.GET.get("municipality", "").strip()
    chosen = next((m for m in allowed if m.code == code), None) if code else default_municipality(allowed, today)
    indicator = request.GET.get("indicator") or "unemployed_share_of_labour_force"
    euros = indicator == share_yardstick.CODE
    published_month = yardstick.latest_month()
    month = share_yardstick.latest_month() if euros else published_month
    error = ""
    if chosen is None:
        error = _("Kunta: %(code)s ei ole alueesi kunta.") % {"code": code}
    elif indicator not in yardstick.MEASURES and not euros:
        error = _("Mittari: valitse mittari luettelosta.")
    elif month is None and euros:
        error = _("Kelan julkaisemia kuntaosuuksia ei ole tuotu Polkuun.")
    elif month is None:
        error = _("Tilastokeskuksen julkaistuja lukuja ei ole tuotu Polkuun.")
    references = [c for c in request.GET.getlist("reference") if c.strip()]
    rows: list[Any] = []
    group = None
    if not error and chosen is not None and month is not None:
        try:
            if references:
                group = comparison.reference_set(chosen.code, references)
            elif published_month is not None:
                group = yardstick.suggested_group(chosen.code, published_month)
            else:
                group = comparison.reference_set(chosen.code)
        except ValidationFailed as failure:
            error = " ".join(f"{e.message}" for e in failure.errors)
        else:
            rows = (share_yardstick.standings(chosen.code, list(group.members), month) if euros
                    else yardstick.standings(indicator, chosen.code, list(group.members), month))
    own = _own_beside_published(request.user, indicator, chosen.code, month, rows) \
        if rows and chosen and not euros else None
    definition = shipped_definitions().get(indicator if indicator in yardstick.MEASURES else "activation_rate")
    title = _euro_title() if euros else definition.title
    reasons = {"size": _("Vertailukunnat: ne kunnat, joiden työvoima on kooltaan lähimpänä omaa (saman maakunnan "
                         "kunnat ensin), niistä joille Polussa on julkaistut luvut."),
               "chosen": _("Vertailukunnat: itse valitut.")}
    return render(request, "kpi/yardstick.html", {
        "municipalities": allowed, "chosen": chosen, "indicator": indicator, "month": month, "rows": rows,
        "measures": [*((code, shipped_definitions().get(code).title) for code in yardstick.MEASURES),
                     (share_yardstick.CODE, _euro_title())],
        "definition": definition, "title": title, "euros": euros, "error": error,
        "first_month": add_months(month, -(share_yardstick.MONTHS - 1)) if euros and month else None,
        "reason": (group.reason or reasons.get(group.kind, "")) if group else "",
        "chart": (_euro_chart(rows, title) if euros else _yardstick_chart(rows, title)) if rows else None,
        "labour_force_note": indicator == "unemployed_share_of_labour_force", "own": own,
        "example_figures": euros and bool(rows) and month is not None and share_yardstick.example_figures_in(
            [r.code for r in rows], month),
    }, status=400 if error and chosen is None else 200)


def _own_colour() -> dict[str, Any]:
    """The own municipality in orange, the others in blue, in every language (without a domain the colours follow
    the labels' alphabetical order, which differs between languages)."""
    return {"field": "oma", "type": "nominal", "title": None,
            "scale": {"domain": [_("oma kunta"), _("vertailukunta")], "range": ["#b35900", "#1f5f8b"]}}


def _euro_title() -> str:
    """The € measure's title (translated when the page is drawn)."""
    return _("Kunnan osuus työttömyysetuuksista asukasta kohden, 12 kuukautta")


def _euro_chart(rows: list[share_yardstick.EuroStanding], title: str) -> Chart | None:
    values = [{"kunta": r.name, "arvo": float(r.eur_per_resident),
               "oma": _("oma kunta") if r.own else _("vertailukunta")}
              for r in rows if r.eur_per_resident is not None]
    if not values:
        return None
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container",
            "height": {"step": 28}, "data": {"values": values}, "mark": {"type": "bar"}, "encoding": {
                "y": {"field": "kunta", "type": "nominal", "title": None, "sort": [v["kunta"] for v in values]},
                "x": {"field": "arvo", "type": "quantitative", "title": _("€ / asukas")},
                "color": _own_colour()}}
    return Chart(spec, title=title, description=_("Vaakapylväät suurimmasta pienimpään; luvut ovat taulukossa "
                                                  "kaavion alla."), id_prefix="vertailu")


def _own_beside_published(user: Any, indicator: str, municipality: str, month: Any,
                          rows: list[yardstick.Standing]) -> dict[str, Any] | None:
    """Polku's own figure of the municipality for the published month, beside the published rate and the difference
    in percentage points (None when Polku has no figure for the month, or the user's role hides it as a small one)."""
    published = next((r.rate for r in rows if r.own), None)
    try:
        payload = presenters.user_payload(user, indicator=indicator, scope=municipality,
                                          first_month=f"{month:%Y-%m}", last_month=f"{month:%Y-%m}")
    except (ValidationFailed, AccessDenied):
        return None
    value = next((v["value"] for v in payload["values"] if v["period"] == f"{month:%Y-%m}"), None)
    if value is None:
        return None
    polku = Decimal(str(value))
    return {"polku": polku, "published": published,
            "difference": None if published is None else polku - Decimal(str(published))}
