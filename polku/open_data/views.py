"""The public open-data page (no login): headline charts, each with its figures as a table beside it, the tables
on offer with their downloads, and how to query them with the tools used for Statistics Finland's tables; and the
status page of the tables' build (``/avoin-data/tila/``, its progress as JSON for the bar).

Every figure comes from the same suppressed cube as the API, the newest complete build the worker stored
(``polku.open_data.publish``), so the page can never show what an API answer hides, and never computes a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from polku.core.languages import reader_language
from polku.jobs.progress import eta_seconds, format_duration
from polku.open_data import publish, pxweb
from polku.open_data.cube import CONFIDENTIAL, NOT_AVAILABLE, Cube
from polku.open_data.tables import BY_ID, BY_SLUG, TABLES
from polku.web.charts import VEGA_LITE_SCHEMA, Chart

HEADLINE_MONTHS = 24
# (table slug, indicator): the page's charts, one line per employment area.
HEADLINES = (("tyonhakijat", "unemployed_jobseekers"), ("tyonhakijat", "activation_rate"),
             ("kuntaosuus", "municipal_share_all_benefits"))


@dataclass(frozen=True)
class Headline:
    id: str
    title: str
    unit: str
    areas: list[str]
    rows: list[tuple[str, list[tuple[str, bool]]]]  # month as the reader writes it; per area the figure and whether
    # it is withheld (the page says so in words beside the symbol)
    chart: Any


def _shown(value: Decimal | None, status: str | None, decimals: int) -> str:
    if value is None:
        return status or NOT_AVAILABLE
    return number_format(value, decimals, force_grouping=True)


def _headline(cube: Cube, indicator_code: str, n: int) -> Headline | None:
    lang = reader_language()
    indicator = next(i for i in cube.indicators if i.code == indicator_code)
    areas = [r for r in cube.regions if r.kind == "area"]
    months = list(cube.months[-HEADLINE_MONTHS:])
    areas = [a for a in areas if any(cube.statuses.get((a.code, m, indicator_code)) != NOT_AVAILABLE
                                     for m in months)]
    if not areas or not months:
        return None
    rows = [(date_format(m, "YEAR_MONTH_FORMAT"),
             [(_shown(cube.values.get((a.code, m, indicator_code)), cube.statuses.get((a.code, m, indicator_code)),
                      indicator.decimals), cube.statuses.get((a.code, m, indicator_code)) == CONFIDENTIAL)
              for a in areas]) for m in months]
    title = pxweb.text(indicator.labels, lang)
    unit = pxweb.text(pxweb.UNIT_TEXTS[indicator.unit], lang)
    points = [{"month": f"{m.month}/{m.year}", "order": i, "value": float(v), "area": pxweb.text(a.labels, lang)}
              for i, m in enumerate(months) for a in areas
              if (v := cube.values.get((a.code, m, indicator_code))) is not None]
    return Headline(f"kuvio-{n}", title, unit, [pxweb.text(a.labels, lang) for a in areas], rows,
                    _chart(points, title, unit, f"kuvio-{n}") if points else None)


def _chart(points: list[dict[str, Any]], title: str, unit: str, id_prefix: str) -> Any:
    """A line per area over the months (the page's only chart code; the figures are in the table beside it)."""
    spec = {
        "$schema": VEGA_LITE_SCHEMA, "width": 560, "height": 240,
        "data": {"values": points}, "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "sort": {"field": "order"}, "title": None,
                  "axis": {"labelAngle": -45}},
            "y": {"field": "value", "type": "quantitative", "title": unit},
            "color": {"field": "area", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
        },
        "config": {"font": "sans-serif"},
    }
    return Chart(spec, title=title, description=_("Luvut ovat taulukossa kaavion vieressä."), id_prefix=id_prefix)


def _when(moment: Any) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _progress(status: publish.Status) -> dict[str, Any]:
    """The build's progress as the progress bar polls it: done, total, phase, status, finished, text."""
    pending, row = status.pending, status.progress
    if pending is None:
        return {"done": 0, "total": None, "phase": "", "status": "SUCCESSFUL" if status.failed is None else "FAILED",
                "finished": True, "text": _("Taulukot on rakennettu.") if status.failed is None
                else _("Rakentaminen epäonnistui.")}
    done, total = (row.done, row.total) if row is not None else (0, None)
    table = BY_ID.get(row.phase) if row is not None else None
    phase = _("Lasketaan: %(table)s") % {"table": pxweb.text(table.title, reader_language())} if table is not None else ""
    if pending.state == "queued" or total is None:
        text = _("Rakentaminen odottaa vuoroaan taustatöiden jonossa.")
    else:
        text = _("%(done)s / %(total)s vaihetta valmiina") % {"done": done, "total": total}
        left = eta_seconds(done, total, row.started_at, timezone.now()) if row is not None else None
        if left:
            text += ", " + _("arviolta %(left)s jäljellä") % {"left": format_duration(left)}
    return {"done": done, "total": total, "phase": phase, "status": "RUNNING" if pending.state == "running"
            else "READY", "finished": False, "text": text}


def _build_context(status: publish.Status) -> dict[str, Any]:
    return {"updated": _when(status.served.finished_at) if status.served is not None else None,
            "updating": status.pending is not None, "progress": _progress(status),
            "failed_at": _when(status.failed.finished_at) if status.failed is not None and status.failed.finished_at
            else None}


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The page from the newest complete build; before the first one, what is being built and how far it is."""
    status = publish.status()
    lang = reader_language()
    base = request.build_absolute_uri("/api/v1/")
    context: dict[str, Any] = {"ready": status.served is not None, **_build_context(status),
                               "api_base": f"{base}{lang}/Polku/", "confidential": CONFIDENTIAL,
                               "not_available": NOT_AVAILABLE, "example_table": TABLES[0].id}
    if status.served is None:
        if status.pending is None:
            publish.ensure_queued()
            status = publish.status()
            context.update(_build_context(status))
        response = render(request, "open_data/index.html", context)
        add_never_cache_headers(response)
        return response
    cubes = {slug: publish.stored_cube(status.served, BY_SLUG[slug]) for slug in {s for s, _ in HEADLINES}}
    headlines = [h for n, (slug, code) in enumerate(HEADLINES, 1) if (h := _headline(cubes[slug], code, n))]
    tables = [{"id": t.id, "title": pxweb.text(t.title, lang), "description": pxweb.text(t.description, lang),
               "csv": f"{t.slug}.csv", "json": f"{t.slug}.json", "api": f"{base}{lang}/Polku/{t.id}"}
              for t in TABLES]
    months = next(iter(cubes.values())).months
    return render(request, "open_data/index.html", {
        **context, "headlines": headlines, "tables": tables, "threshold": next(iter(cubes.values())).threshold,
        "first_month": date_format(months[0], "YEAR_MONTH_FORMAT") if months else None,
        "last_month": date_format(months[-1], "YEAR_MONTH_FORMAT") if months else None,
    })


@require_GET
def build_status(request: HttpRequest) -> HttpResponse:
    """``/avoin-data/tila/``: when the served tables were updated, and the update being built with its progress."""
    response = render(request, "open_data/status.html", _build_context(publish.status()))
    add_never_cache_headers(response)
    return response


@require_GET
def build_progress(request: HttpRequest) -> JsonResponse:
    """The JSON the progress bar polls (counts and the table being computed; no personal data)."""
    response = JsonResponse(_progress(publish.status()))
    add_never_cache_headers(response)
    return response


@require_GET
def download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A whole table as CSV or JSON-stat 2.0 in the reader's language (Excel's web query can read the CSV)."""
    table = BY_SLUG.get(slug)
    if table is None:
        raise Http404
    response = publish.respond(request, table, reader_language(), fmt)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))  # the language comes from either
    return response
