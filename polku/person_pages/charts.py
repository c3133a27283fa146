"""The person timeline chart: a Vega-Lite spec that the browser draws (``polku.web.charts``).

The page carries the spec with its rows inline; the picture has a title and a short description, and the
same rows are printed as data tables beside it for screen-reader and keyboard users.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from polku.core.languages import text_in
from polku.person_pages.presenters import TimelinePage
from polku.web.charts import VEGA_LITE_SCHEMA, Chart

WIDTH = 760
# Dark enough for 3:1 against the white background (WCAG 1.4.11), distinguishable in greyscale order.
STATUS_PALETTE = ["#0b6e99", "#b3461f", "#2e7d32", "#6a3d9a", "#8a5a00", "#c2185b", "#455a64", "#00695c"]
BENEFIT_PALETTE = ["#0b4f71", "#b3461f", "#2e7d32"]
HOME_COLOUR = "#4d5b66"
JOB_SEARCH_COLOUR = "#1d5c87"
TEXT_COLOUR = "#1a1a1a"
EVENT_SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]


def event_kinds() -> list[str]:
    """The event kinds of the timeline, in the order their shapes are assigned."""
    return [_("Tapaaminen"), _("Suunnitelma"), _("Ohjaus palveluun"), _("Päätös")]
LABEL_CHAR_PX = 7.2  # average width of a 12 px DejaVu Sans character, for fitting labels into bars
AXIS_DATE_FORMAT = {"fi": "%-m/%Y", "sv": "%Y-%m", "en": "%b %Y"}


def _month_after(month: date) -> str:
    return (date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)).isoformat()


def timeline_spec(page: TimelinePage) -> dict[str, Any]:
    """The Vega-Lite spec: a Gantt of spells on three tracks over a bar chart of monthly benefit days."""
    today = page.today
    track_status, track_job, track_home = _("Työmarkkina-asema"), _("Työnhaku"), _("Kotikunta")
    track_events = _("Kirjaukset")
    tracks = [track_events, track_status, track_job, track_home] if page.events else [track_status, track_job, track_home]
    ongoing = _("jatkuu")
    first = page.first_day or today

    def shown_from(start: date) -> str:
        # Spells that began before the window (e.g. a home municipality since childhood) start at its edge,
        # so their label stays readable.
        return max(start, first).isoformat()

    def end_of(end: date | None) -> date:
        return (end or today) + timedelta(days=1)  # spells are closed intervals: a bar reaches the end of its last day

    spell_ends = [r.end for r in page.statuses] + [r.end for r in page.job_searches]
    ends = [end_of(end) for end in spell_ends + [r.end for r in page.home_municipalities]]
    ends += [date.fromisoformat(_month_after(b.month)) for b in page.benefits]
    ends += [e.day + timedelta(days=1) for e in page.events]
    last = max([today + timedelta(days=1), *ends])

    def fitted(label: str, start: date, end: date | None) -> str:
        # A label wider than its bar would spill over the next one: shorten it, or leave it to the table.
        pixels = (end_of(end) - max(start, first)).days / max((last - first).days, 1) * WIDTH
        room = int((pixels - 10) / LABEL_CHAR_PX)
        return label if len(label) <= room else (label[: room - 1] + "…" if room >= 4 else "")

    spells: list[dict[str, Any]] = []
    spells += [{"track": track_status, "start": shown_from(r.start), "end": end_of(r.end).isoformat(),
                "label": r.label, "kind": "status"} for r in page.statuses]
    spells += [{"track": track_job, "start": shown_from(r.start), "end": end_of(r.end).isoformat(),
                "label": fitted(r.end_reason or ongoing, r.start, r.end), "kind": "other"} for r in page.job_searches]
    spells += [{"track": track_home, "start": shown_from(r.start), "end": end_of(r.end).isoformat(),
                "label": fitted(r.label, r.start, r.end), "kind": "other"} for r in page.home_municipalities]
    benefits: list[dict[str, Any]] = [{"start": b.month.isoformat(), "end": _month_after(b.month), "days": b.days,
                 "type": b.benefit_type} for b in page.benefits]

    if (last - first).days > 3 * 365:
        # Over a long history month ticks crowd the axis; whole years read better.
        axis_format, interval = "%Y", "year"
    elif (last - first).days > 75:
        axis_format, interval = text_in(AXIS_DATE_FORMAT), "month"
    else:
        # A few weeks: days (a month format would repeat the same month on every tick).
        axis_format, interval = "%-d.%-m.", "week"
    x_axis = {"format": axis_format, "tickCount": {"interval": interval, "step": 1}, "title": None, "labelOverlap": True}
    x_scale = {"type": "utc", "domain": [first.isoformat(), last.isoformat()]}
    status_labels = list(dict.fromkeys(r.label for r in page.statuses))

    def x(field: str) -> dict[str, Any]:
        return {"field": field, "type": "temporal", "scale": x_scale, "axis": x_axis}

    track_y = {"field": "track", "type": "nominal", "sort": tracks, "title": None}
    spell_encoding = {"x": x("start"), "x2": {"field": "end"},
                      "y": {**track_y, "axis": {"labelFontWeight": "bold", "labelLimit": 180}}}

    def spell_layer(kind: str, mark: dict[str, Any], **encoding: Any) -> dict[str, Any]:
        return {"transform": [{"filter": f"(datum.kind === {json.dumps(kind)})"}], "mark": mark,
                "encoding": {**spell_encoding, **encoding}}

    layers: list[dict[str, Any]] = [
        spell_layer("status", {"type": "bar", "height": 26, "clip": True}, color={
            "field": "label", "type": "nominal", "title": track_status,
            "scale": {"domain": status_labels, "range": STATUS_PALETTE[: max(1, len(status_labels))]},
            "legend": {"orient": "bottom", "columns": 2, "labelLimit": 320}}),
        spell_layer("other", {"type": "bar", "height": 26, "clip": True}, color={
            "condition": {"test": f"(datum.track === {json.dumps(track_home)})", "value": HOME_COLOUR},
            "value": JOB_SEARCH_COLOUR}),
        spell_layer("other", {"type": "text", "align": "left", "baseline": "middle", "dx": 5, "color": "white",
                              "fontSize": 12, "limit": 200, "clip": True},
                    text={"field": "label", "type": "nominal"}),
    ]
    if page.events:
        # Every kind keeps its shape from page to page: the scale lists all kinds in a fixed order.
        kinds = list(dict.fromkeys([*event_kinds(), *(e.kind for e in page.events)]))
        events = [{"track": track_events, "day": e.day.isoformat(), "kind": e.kind} for e in page.events]
        layers.append({"data": {"values": events}, "mark": {"type": "point", "size": 90, "filled": True, "opacity": 1},
                       "encoding": {"x": x("day"), "y": track_y, "color": {"value": TEXT_COLOUR}, "shape": {
                           "field": "kind", "type": "nominal", "title": track_events,
                           "scale": {"domain": kinds, "range": EVENT_SHAPES[: len(kinds)]},
                           "legend": {"orient": "bottom", "labelLimit": 320}}}})
    # The spells are the Gantt's data, shared by its layers; the events layer brings its own.
    parts: list[dict[str, Any]] = [{"data": {"values": spells}, "layer": layers, "width": WIDTH,
                                    "height": 160 if page.events else 120}]
    if benefits:
        benefit_types: list[str] = list(dict.fromkeys(b["type"] for b in benefits))
        parts.append({
            "data": {"values": benefits}, "mark": {"type": "bar", "clip": True}, "width": WIDTH, "height": 110,
            "encoding": {
                "x": x("start"), "x2": {"field": "end"},
                "y": {"field": "days", "type": "quantitative", "aggregate": "sum", "title": _("Etuuspäiviä kuukaudessa"),
                      "axis": {"tickMinStep": 1}},
                "color": {"field": "type", "type": "nominal", "title": _("Etuus"),
                          "scale": {"domain": benefit_types, "range": BENEFIT_PALETTE[: len(benefit_types)]},
                          "legend": {"orient": "bottom", "labelLimit": 320}},
            },
        })
    text = {"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "labelFontSize": 12, "titleFontSize": 12}
    return {
        "$schema": VEGA_LITE_SCHEMA, "vconcat": parts, "spacing": 24, "resolve": {"scale": {"color": "independent"}},
        "config": {
            "font": "DejaVu Sans, Verdana, sans-serif",
            "aria": False,  # the chart container is one labelled image; marks need no roles of their own
            "axis": text, "legend": text, "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
        },
    }


def timeline_chart(page: TimelinePage, *, title: str, description: str, id_prefix: str = "aikajana") -> Chart:
    """The person timeline for the browser to draw (building the spec takes well under a millisecond)."""
    return Chart(timeline_spec(page), title=title, description=description, id_prefix=id_prefix)
