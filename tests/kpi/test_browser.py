"""The management pages in a real browser: the programme page and an indicator's trend page pass axe-core with no
serious or critical violations for a team lead and for an elected official (suppressed cells), and the definition
of a number is reached by keyboard."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.cache import cache

from polku.access.models import Role
from polku.core import precomputed
from polku.kpi.programme import programme_import
from polku.kpi.programme_figures import PROGRAMME_YEARS, years_request
from polku.timeline import services
from tests.browser_support import (
    SCREENSHOTS,
    browser,
    charts_drawn,
    login_with_form,
    page,
    reference_data,
    serious_violations,
)
from tests.kpi.test_programme import SOTKAMO

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "salasana-123"  # tests.conftest.make_staff's


def test_programme_and_trend_pages(page: Any, live_server: Any, make_person: Any, make_staff: Any) -> None:
    cache.clear()
    for _ in range(6):
        person = make_person(since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
    programme = programme_import(SOTKAMO.read_bytes())
    # The figures as of January 2022, computed as the worker does once the page has asked for them.
    precomputed.compute_now(PROGRAMME_YEARS, **years_request(programme, 2022, as_of=date(2022, 1, 1), suppress=False))
    lead = make_staff(Role.TEAM_LEAD, area="kainuu-trial")
    official = make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial")
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}

    login_with_form(page, base, lead.user.get_username(), PASSWORD)
    page.goto(f"{base}/mittarit/?as_of=2022-01")
    assert page.locator(".kpi-status").count() > 0  # the goals' table, from the worker's figures
    failures["programme"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "kpi-programme-test.png"), full_page=True)
    page.goto(f"{base}/mittarit/long_term_unemployed/?scope=765&first_month=2021-07&last_month=2021-12")
    assert charts_drawn(page) == 1  # the trend, drawn by the vendored Vega with no CSP refusal
    assert page.locator("#mittari-kuva svg").bounding_box()["width"] > 300
    failures["trend"] = serious_violations(page)
    page.locator("a[href='#maaritelma']").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#maaritelma"
    assert page.locator("section#maaritelma").is_visible()
    definition = page.locator("section#maaritelma").inner_text()
    assert "Laskentapäivänä vähintään 12 kuukautta yhdenjaksoisesti työttömänä" in definition
    assert "kuukausien lukujen keskiarvo" in definition  # the year's figure in words, not an enum name
    assert "count(" not in definition  # no formula
    page.screenshot(path=str(SCREENSHOTS / "kpi-trend-test.png"), full_page=True)

    page.get_by_role("button", name="Kirjaudu ulos").click()
    login_with_form(page, base, official.user.get_username(), PASSWORD)
    page.goto(f"{base}/mittarit/long_term_unemployed/?scope=765&first_month=2021-07&last_month=2021-12")
    failures["trend, elected official"] = serious_violations(page)
    assert {name: found for name, found in failures.items() if found} == {}
    cache.clear()


def test_comparison_and_fill_rate_pages(page: Any, live_server: Any, make_person: Any, make_staff: Any) -> None:
    """The trend page with its comparison to published figures (example files), and the service fill rate of an
    area: no serious or critical axe violations for a team lead and an elected official; the comparison's table
    scrolls by keyboard."""
    from datetime import timedelta
    from pathlib import Path

    from polku.provision import services as provision
    from polku.public_statistics.services import pxweb_import

    cache.clear()
    fixtures = Path(__file__).resolve().parents[2] / "polku" / "public_statistics" / "fixtures"
    for name in ("12r5_kainuu_2021.json", "12u4_kainuu_2021.json"):
        pxweb_import((fixtures / name).read_bytes(), file_name=name)
    for _ in range(6):
        person = make_person(since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
    admin = make_staff(Role.ADMIN, area=None).user
    provider = provision.provider_create(name="Sotkamon kunta", kind="municipal", area_code="kainuu-trial")
    offering = provision.offering_create(provider=provider, service_type="coaching", name="Valmennus", capacity=4,
                                         available_from=date(2021, 1, 1))
    for person in [make_person(since=date(2019, 1, 1)) for _ in range(2)]:
        referral = provision.referral_create(person=person, offering=offering, referred_on=date(2021, 3, 1), actor=admin)
        provision.participation_start(referral=referral, start_date=date(2021, 3, 1),
                                      planned_end=date(2021, 3, 1) + timedelta(days=200), actor=admin)
    lead = make_staff(Role.TEAM_LEAD, area="kainuu-trial")
    official = make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial")
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}
    compare = f"{base}/mittarit/activation_rate/?scope=765&first_month=2021-07&last_month=2021-12"
    fill = f"{base}/mittarit/service_fill_rate/?scope=kainuu-trial&first_month=2021-02&last_month=2021-12"

    login_with_form(page, base, lead.user.get_username(), PASSWORD)
    page.goto(compare)
    page.wait_for_selector("#vertailutaulukko")
    failures["comparison"] = serious_violations(page)
    assert "Esimerkkiaineisto" in page.locator("section#vertailu").inner_text()
    assert charts_drawn(page) == 2  # the trend and the comparison
    assert page.locator("section#vertailu [role=img] svg").count() == 1
    page.locator("section#vertailu .table-scroll").focus()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    page.screenshot(path=str(SCREENSHOTS / "kpi-comparison-test.png"), full_page=True)
    page.goto(fill)
    page.wait_for_selector("#arvot")
    failures["fill rate"] = serious_violations(page)
    assert "50,0" in page.locator("#arvot").inner_text()  # 2 of 4 places from March, in the reader's format
    page.screenshot(path=str(SCREENSHOTS / "kpi-fill-rate-test.png"), full_page=True)

    page.get_by_role("button", name="Kirjaudu ulos").click()
    login_with_form(page, base, official.user.get_username(), PASSWORD)
    page.goto(compare)
    failures["comparison, elected official"] = serious_violations(page)
    assert "Vertailu julkisiin tilastoihin" in page.content()
    page.goto(fill)
    failures["fill rate, elected official"] = serious_violations(page)
    page.goto(f"{base}/mittarit/valtion-arviointi/")  # the state's assessment indicators beside Polku's figures
    assert "Määritelmä vahvistamaton" in page.locator("main").inner_text()
    failures["state assessment, elected official"] = serious_violations(page)
    page.set_viewport_size({"width": 390, "height": 844})
    failures["state assessment, phone"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "kpi-state-assessment-390.png"), full_page=True)
    assert {name: found for name, found in failures.items() if found} == {}
    cache.clear()
