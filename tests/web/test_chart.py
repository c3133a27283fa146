"""The timeline chart's window follows the labour-market history, not a childhood home municipality; the spec
the browser draws is valid Vega-Lite; a chart on a page is a labelled container and an escaped data block."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from django.utils.safestring import SafeString

from polku.person_pages.charts import timeline_spec
from polku.person_pages.presenters import BenefitRow, EventRow, timeline_page
from polku.timeline import selectors, services
from polku.web.charts import Chart
from tests.chart_support import assert_valid_vega_lite, chart_labels, chart_specs, inline_rows

pytestmark = pytest.mark.django_db


def _domain(spec: dict) -> list[str]:
    gantt = spec["vconcat"][0]["layer"][0]
    return gantt["encoding"]["x"]["scale"]["domain"]


def test_window_starts_at_first_labour_market_fact(make_person) -> None:
    person = make_person(municipality="297", since=date(1995, 6, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2022, 3, 7))
    page = timeline_page(selectors.person_timeline(person), today=date(2024, 1, 1))
    spec = timeline_spec(page)
    assert _domain(spec)[0] == "2022-03-07"
    rows = list(inline_rows(spec))
    home = next(row for row in rows if row.get("label") == "Kuopio")
    assert home["start"] == "2022-03-07"  # clamped to the window, so its label is drawn


def test_window_falls_back_to_home_municipality(make_person) -> None:
    person = make_person(municipality="297", since=date(2020, 2, 1))
    page = timeline_page(selectors.person_timeline(person), today=date(2024, 1, 1))
    assert _domain(timeline_spec(page))[0] == "2020-02-01"


def test_labels_that_do_not_fit_their_bar_are_shortened_or_dropped(make_person) -> None:
    person = make_person(municipality="297", since=date(2015, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2015, 1, 5))
    long_search = services.job_search_open(person=person, registered_on=date(2015, 1, 5))
    services.job_search_end(period=long_search, ended_on=date(2022, 12, 31), end_reason="open_market_job")
    short_search = services.job_search_open(person=person, registered_on=date(2023, 2, 1))
    services.job_search_end(period=short_search, ended_on=date(2023, 2, 10), end_reason="open_market_job")
    rows = list(inline_rows(timeline_spec(timeline_page(selectors.person_timeline(person), today=date(2024, 1, 1)))))
    labels = [row["label"] for row in rows if row.get("track") == "Työnhaku"]
    assert labels == ["avoimille työmarkkinoille", ""]


def test_spec_with_events_and_benefits_is_valid_vega_lite(make_person) -> None:
    person = make_person(municipality="297", since=date(2015, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2023, 1, 2))
    page = timeline_page(selectors.person_timeline(person), today=date(2024, 1, 1))
    page = dataclasses.replace(page, events=[EventRow(date(2023, 3, 1), "Tapaaminen", "alkuhaastattelu")],
                               benefits=[BenefitRow(date(2023, 2, 1), "työmarkkinatuki", "työttömyyden perusteella", 20,
                                                    Decimal("744.20"))])
    spec = timeline_spec(page)
    assert_valid_vega_lite(spec)
    assert {"track": "Kirjaukset", "day": "2023-03-01", "kind": "Tapaaminen"} in list(inline_rows(spec))


def test_chart_renders_a_labelled_container_and_an_escaped_data_block() -> None:
    hostile = "</script><script>alert(1)</script>"
    chart = Chart({"mark": "bar", "data": {"values": [{"label": hostile, "value": 1}]}},
                  title=f"Otsikko {hostile}", description="Kuvaus & lisää", id_prefix="koe")
    html = str(chart)
    assert isinstance(html, SafeString)  # {{ chart }} in a template writes it unescaped
    assert chart_labels(html) == {"koe": "Otsikko &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"}
    assert '<p id="koe-desc" hidden>Kuvaus &amp; lisää</p>' in html
    assert html.count("<script") == 1  # only the data block: the label inside it is escaped by json_script
    assert '<script id="koe-spec" type="application/json">' in html
    assert chart_specs(html) == {"koe": chart.spec}
