"""The management pages in a real browser: the programme page and an indicator's trend page pass axe-core with no
serious or critical violations for a team lead and for an elected official (suppressed cells), and the definition
of a number is reached by keyboard."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.cache import cache

from polku.access.models import Role
from polku.kpi.programme import programme_import
from polku.timeline import services
from tests.browser_support import SCREENSHOTS, browser, login_with_form, page, reference_data, serious_violations
from tests.kpi.test_programme import SOTKAMO

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "salasana-123"  # tests.conftest.make_staff's


def test_programme_and_trend_pages(page: Any, live_server: Any, make_person: Any, make_staff: Any) -> None:
    cache.clear()
    for _ in range(6):
        person = make_person(since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
    programme_import(SOTKAMO.read_bytes())
    lead = make_staff(Role.TEAM_LEAD, area="kainuu-trial")
    official = make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial")
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}

    login_with_form(page, base, lead.user.get_username(), PASSWORD)
    page.goto(f"{base}/mittarit/?as_of=2022-01")
    failures["programme"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "kpi-programme-test.png"), full_page=True)
    page.goto(f"{base}/mittarit/long_term_unemployed/?scope=765&first_month=2021-07&last_month=2021-12")
    page.wait_for_selector("svg")
    failures["trend"] = serious_violations(page)
    page.locator("a[href='#maaritelma']").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#maaritelma"
    assert page.locator("section#maaritelma").is_visible()
    assert "Osoittaja" in page.locator("section#maaritelma").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "kpi-trend-test.png"), full_page=True)

    page.get_by_role("button", name="Kirjaudu ulos").click()
    login_with_form(page, base, official.user.get_username(), PASSWORD)
    page.goto(f"{base}/mittarit/long_term_unemployed/?scope=765&first_month=2021-07&last_month=2021-12")
    failures["trend, elected official"] = serious_violations(page)
    assert {name: found for name, found in failures.items() if found} == {}
    cache.clear()
