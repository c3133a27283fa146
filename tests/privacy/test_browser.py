"""The data protection officer's pages in a real browser: axe finds nothing serious, the page's own CSP holds (any
violation fails the test), and the subject is found by a posted identity code that never reaches the address bar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from polku.access import policy
from polku.access.models import Role
from polku.access.services import staff_create
from polku.people.artificial import artificial_personal_id
from polku.privacy import retention
from polku.timeline import services as timeline
from tests.browser_support import browser, login_with_form, page, reference_data, serious_violations  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "salasana-123"


def test_privacy_pages_pass_axe(page: Any, live_server: Any) -> None:  # noqa: F811
    base = live_server.url
    dpo = staff_create(username="tietosuoja", password=PASSWORD, role=Role.DPO).user
    code = artificial_personal_id(date(1975, 3, 4), 955)
    person = timeline.person_create(personal_id_code=code, first_names="Selma", last_name="Selaintesti")
    timeline.home_municipality_record(person=person, municipality_code="765", start_date=date(2015, 1, 1))
    period = timeline.job_search_open(person=person, registered_on=date(2015, 2, 2))
    timeline.benefit_month_record(person=person, month=date(2015, 3, 1), benefit_type="labour_market_subsidy",
                                  days=20, amount=Decimal("700.00"))
    timeline.job_search_end(period=period, ended_on=date(2015, 6, 30), end_reason="studies")
    run = retention.execute(retention.new_run(user=dpo, reference_date=date(2026, 12, 1), dry_run=True, channel="web",
                                              actor="tietosuoja"), user=dpo)
    counsellor = staff_create(username="ohjaaja", password=PASSWORD, role=Role.COUNSELLOR, area_code="kainuu",
                              team_name="Sotkamo").user
    policy.grant_break_glass(counsellor, person, "Asiakas asioi pisteessä, oma ohjaaja poissa.")
    login_with_form(page, base, "tietosuoja", PASSWORD)
    failures: dict[str, list[str]] = {}
    page.goto(f"{base}/tietosuoja/")
    failures["index"] = serious_violations(page)
    page.fill("#rekisteroity-hetu", code)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/tietosuoja/rekisteroity/{person.pk}/")
    assert code not in page.url
    assert "Selaintesti" in page.content()
    failures["subject access"] = serious_violations(page)
    for name, url in (("retention", "/tietosuoja/sailytysajat/"), ("run", f"/tietosuoja/sailytysajat/ajot/{run.pk}/"),
                      ("record", "/tietosuoja/seloste/"), ("break-glass", "/tietosuoja/poikkeukselliset-paasyt/")):
        page.goto(f"{base}{url}")
        failures[name] = serious_violations(page)
    assert {name: found for name, found in failures.items() if found} == {}
