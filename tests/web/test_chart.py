"""The timeline chart's window follows the labour-market history, not a childhood home municipality."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from polku.person_pages.charts import timeline_spec
from polku.person_pages.presenters import timeline_page
from polku.timeline import selectors, services

pytestmark = pytest.mark.django_db


def _inline_rows(node: object) -> Iterator[dict]:
    """Every inline data row anywhere in a Vega-Lite spec (altair may hoist data to any level)."""
    if isinstance(node, dict):
        if isinstance(node.get("values"), list):
            yield from (v for v in node["values"] if isinstance(v, dict))
        for value in node.values():
            yield from _inline_rows(value)
    elif isinstance(node, list):
        for item in node:
            yield from _inline_rows(item)


def _domain(spec: dict) -> list[str]:
    gantt = spec["vconcat"][0]["layer"][0]
    return gantt["encoding"]["x"]["scale"]["domain"]


def test_window_starts_at_first_labour_market_fact(make_person) -> None:
    person = make_person(municipality="297", since=date(1995, 6, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2022, 3, 7))
    page = timeline_page(selectors.person_timeline(person), today=date(2024, 1, 1))
    spec = timeline_spec(page)
    assert _domain(spec)[0] == "2022-03-07"
    rows = list(_inline_rows(spec))
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
    rows = list(_inline_rows(timeline_spec(timeline_page(selectors.person_timeline(person), today=date(2024, 1, 1)))))
    labels = [row["label"] for row in rows if row.get("track") == "Työnhaku"]
    assert labels == ["avoimille työmarkkinoille", ""]
