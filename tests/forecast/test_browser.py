"""The forecast page in a real browser: axe-core finds no serious or critical violations, with a scenario applied."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from polku.access.models import Role
from polku.jobs.worker import run_worker
from tests.browser_support import (
    SCREENSHOTS,
    browser,
    charts_drawn,
    login_with_form,
    page,
    reference_data,
    serious_violations,
)

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_forecast_page_accessibility(page: Any, live_server: Any, make_staff: Any) -> None:
    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=400, progress=False)
    manager = make_staff(Role.MANAGER, area="kainuu")
    login_with_form(page, live_server.url, manager.user.get_username(), "salasana-123")
    page.goto(f"{live_server.url}/ennusteet/?kk=12&alkuvaihe=1.2", timeout=120_000)
    page.wait_for_selector("[data-job-progress]")  # the page does not wait for the fit: the worker fits
    assert serious_violations(page) == []
    run_worker()
    page.wait_for_selector("figure.chart", timeout=60_000)  # the progress script reloads the page when done
    assert charts_drawn(page) == 2  # the projection and the municipality's euros, drawn in the browser
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "forecast-test.png"), full_page=True)
    assert serious_violations(page) == []
    cache.clear()


def test_impact_and_assumptions_pages_accessibility(page: Any, live_server: Any, make_staff: Any) -> None:
    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=400, progress=False)
    manager = make_staff(Role.MANAGER, area="kainuu")
    login_with_form(page, live_server.url, manager.user.get_username(), "salasana-123")
    page.goto(f"{live_server.url}/ennusteet/vaikutukset/?alue=765", timeout=120_000)  # queues the fit
    run_worker()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path, name in (("/ennusteet/vaikutukset/?alue=765", "forecast-impact-test.png"),
                       ("/ennusteet/oletukset/?alue=765", "forecast-assumptions-test.png")):
        page.goto(f"{live_server.url}{path}", timeout=120_000)
        page.wait_for_selector("table.data-table")
        assert charts_drawn(page) == 1, path  # the benefit/cost ratios; the survival curves
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        assert serious_violations(page) == [], path
    cache.clear()
