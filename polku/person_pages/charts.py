"""The person timeline chart: an altair (Vega-Lite) spec that the browser draws (``polku.web.charts``).

The page carries the spec with its rows inline; the picture has a title and a short description, and the
same rows are printed as data tables beside it for screen-reader and keyboard users.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from datetime import date, timedelta
from typing import Any

import altair as alt
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from polku.person_pages.presenters import TimelinePage
from polku.web.charts import Chart

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
        x_axis = alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}, title=None, labelOverlap=True)
    elif (last - first).days > 75:
        axis_format = AXIS_DATE_FORMAT.get((get_language() or "fi")[:2], AXIS_DATE_FORMAT["fi"])
        x_axis = alt.Axis(format=axis_format, tickCount={"interval": "month", "step": 1}, title=None, labelOverlap=True)
    else:
        # A few weeks: days (a month format would repeat the same month on every tick).
        x_axis = alt.Axis(format="%-d.%-m.", tickCount={"interval": "week", "step": 1}, title=None, labelOverlap=True)
    x_scale = alt.Scale(type="utc", domain=[first.isoformat(), last.isoformat()])
    status_labels = list(dict.fromkeys(r.label for r in page.statuses))

    base = alt.Chart(alt.Data(values=spells)).encode(
        x=alt.X("start:T", scale=x_scale, axis=x_axis),
        x2="end:T",
        y=alt.Y("track:N", sort=tracks, title=None,
                axis=alt.Axis(labelFontWeight="bold", labelLimit=180)),
    )
    status_bars = base.transform_filter(alt.datum.kind == "status").mark_bar(height=26, clip=True).encode(
        color=alt.Color("label:N", title=track_status,
                        scale=alt.Scale(domain=status_labels, range=STATUS_PALETTE[: max(1, len(status_labels))]),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=320)),
    )
    other_bars = base.transform_filter(alt.datum.kind == "other").mark_bar(height=26, clip=True).encode(
        color=alt.condition(alt.datum.track == track_home, alt.value(HOME_COLOUR), alt.value(JOB_SEARCH_COLOUR)),
    )
    other_text = base.transform_filter(alt.datum.kind == "other").mark_text(
        align="left", baseline="middle", dx=5, color="white", fontSize=12, limit=200, clip=True,
    ).encode(text="label:N")
    layers: list[Any] = [status_bars, other_bars, other_text]
    if page.events:
        # Every kind keeps its shape from page to page: the scale lists all kinds in a fixed order.
        kinds = list(dict.fromkeys([*event_kinds(), *(e.kind for e in page.events)]))
        events = [{"track": track_events, "day": e.day.isoformat(), "kind": e.kind} for e in page.events]
        layers.append(alt.Chart(alt.Data(values=events)).mark_point(size=90, filled=True, opacity=1).encode(
            x=alt.X("day:T", scale=x_scale, axis=x_axis),
            y=alt.Y("track:N", sort=tracks, title=None),
            shape=alt.Shape("kind:N", title=track_events, scale=alt.Scale(domain=kinds, range=EVENT_SHAPES[: len(kinds)]),
                            legend=alt.Legend(orient="bottom", labelLimit=320)),
            color=alt.value(TEXT_COLOUR),
        ))
    gantt = alt.layer(*layers).properties(width=WIDTH, height=160 if page.events else 120)

    parts: list[Any] = [gantt]
    if benefits:
        benefit_types: list[str] = list(dict.fromkeys(b["type"] for b in benefits))
        parts.append(
            alt.Chart(alt.Data(values=benefits)).mark_bar(clip=True).encode(
                x=alt.X("start:T", scale=x_scale, axis=x_axis),
                x2="end:T",
                y=alt.Y("sum(days):Q", title=_("Etuuspäiviä kuukaudessa"), axis=alt.Axis(tickMinStep=1)),
                color=alt.Color("type:N", title=_("Etuus"),
                                scale=alt.Scale(domain=benefit_types, range=BENEFIT_PALETTE[: len(benefit_types)]),
                                legend=alt.Legend(orient="bottom", labelLimit=320)),
            ).properties(width=WIDTH, height=110),
        )
    chart = alt.vconcat(*parts, spacing=24).resolve_scale(color="independent").configure(
        font="DejaVu Sans, Verdana, sans-serif",
        aria=False,  # the chart container is one labelled image; marks need no roles of their own
        axis={"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "labelFontSize": 12, "titleFontSize": 12},
        legend={"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "labelFontSize": 12, "titleFontSize": 12},
        view={"stroke": None},
    )
    # Validation against the Vega-Lite schema costs ~50 ms a page; the spec's shape is fixed by this function
    # and the chart tests validate it (tests/web/test_chart.py).
    return dict(chart.to_dict(validate=False))


SPEC_CACHE_SIZE = 512  # a few kB each
_TIMELINE_SPECS: OrderedDict[str, dict[str, Any]] = OrderedDict()
_TIMELINE_LOCK = threading.Lock()  # server threads share the cache


def timeline_chart(page: TimelinePage, *, title: str, description: str, id_prefix: str = "aikajana") -> Chart:
    """The person timeline for the browser to draw.

    Building the altair chart costs ~80 ms; the spec depends only on the page's rows and the language, so it is
    kept for the last ``SPEC_CACHE_SIZE`` timelines shown by this process (a record opened again by its
    counsellor, a colleague or after a save reuses it).
    """
    key = json.dumps([get_language(), dataclasses.asdict(page)], default=str)
    with _TIMELINE_LOCK:
        spec = _TIMELINE_SPECS.pop(key, None)
    spec = spec or timeline_spec(page)
    with _TIMELINE_LOCK:
        _TIMELINE_SPECS[key] = spec
        while len(_TIMELINE_SPECS) > SPEC_CACHE_SIZE:
            _TIMELINE_SPECS.popitem(last=False)
    return Chart(spec, title=title, description=description, id_prefix=id_prefix)
