"""The public open-data page in a real browser, without signing in: axe-core finds no serious or critical violation
in Finnish, Swedish or English, the charts are pictures with names, each has its table, and the downloads work."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.cache import cache

from polku.open_data import builds
from polku.timeline import services
from tests.browser_support import SCREENSHOTS, browser, charts_drawn, page, reference_data, serious_violations

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_data_page(page: Any, live_server: Any, make_person: Any) -> None:
    cache.clear()
    for municipality, n in (("765", 7), ("205", 2)):
        for _ in range(n):
            person = make_person(municipality=municipality, since=date(2019, 1, 1))
            services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
    builds.build_now()  # as the worker does
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}

    page.goto(f"{base}/avoin-data/")
    assert page.locator("h1").inner_text().startswith("Avoin data")
    assert charts_drawn(page) >= 1  # drawn in the browser, no CSP refusal
    assert page.locator("section table.data-table").count() == page.locator("section h2").count() - 2
    failures["fi"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "open-data-test.png"), full_page=True)
    page.locator(".kpi-table").first.focus()
    page.keyboard.press("ArrowRight")  # the table's region scrolls by keyboard
    for width in (390, 320):  # on a phone the wide tables scroll inside their regions, not the page
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(f"() => document.documentElement.scrollWidth <= {width}"), width
    page.set_viewport_size({"width": 1280, "height": 900})

    for language, heading in (("sv", "Öppna data"), ("en", "Open data")):
        page.locator(f".language-switch button[value={language}]").click()
        page.wait_for_selector(f"html[lang={language}]")
        assert page.locator("h1").inner_text().startswith(heading)
        failures[language] = serious_violations(page)

    response = page.request.get(f"{base}/avoin-data/tyonhakijat.csv")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert {name: found for name, found in failures.items() if found} == {}
    cache.clear()
