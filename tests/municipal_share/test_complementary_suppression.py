"""An elected official cannot recover a suppressed count by subtraction (issue 19): with eight billed persons, two
of them under 25, the age table would show "< 5" beside 6 and the total 8; the next smallest age group is hidden
too ("..") in the API, on the page, in the Kela comparison and in the Excel export, while a manager sees every count."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from polku.access.models import Role, StaffProfile
from tests.municipal_share.test_pages import benefit_person, monthly

pytestmark = pytest.mark.django_db
QUERY = "municipality=765&year=2021&rule=2015"


@pytest.fixture(autouse=True)
def _no_cache(settings: Any) -> None:
    settings.POLKU_SHARE_CACHE_SECONDS = 0


@pytest.fixture
def eight_persons(db: Any) -> None:
    for _ in range(6):
        benefit_person(municipality="765", months=monthly(date(2019, 1, 1), 36, 20), birth=date(1980, 1, 1))
    for _ in range(2):
        benefit_person(municipality="765", months=monthly(date(2019, 1, 1), 36, 20), birth=date(2000, 1, 1))


def _login(client: Any, make_staff: Callable[..., StaffProfile], role: str) -> None:
    profile = make_staff(role, area="kainuu")
    client.force_login(profile.user)  # django-axes refuses client.login, which passes no request


def test_api_hides_the_next_smallest_age_group_for_an_official(
    client: Any, make_staff: Callable[..., StaffProfile], eight_persons: None,
) -> None:
    _login(client, make_staff, Role.ELECTED_OFFICIAL)
    body = client.get(f"/api/municipal-share?{QUERY}").json()
    ages = {row["age_group"]: row["billed_persons"] for row in body["by_age_group"]}
    assert body["totals"]["billed_persons"] == 8
    assert ages["alle 25"] == "< 5"
    assert ages["25–54"] == ".."  # 8 − 6 − 0 would give the hidden 2 back
    hidden = [v for v in ages.values() if not isinstance(v, int)]
    assert len(hidden) >= 2


def test_manager_sees_every_count(client: Any, make_staff: Callable[..., StaffProfile], eight_persons: None) -> None:
    _login(client, make_staff, Role.MANAGER)
    body = client.get(f"/api/municipal-share?{QUERY}").json()
    assert {row["age_group"]: row["billed_persons"] for row in body["by_age_group"]} == {
        "alle 25": 2, "25–54": 6, "55+": 0}


def test_page_and_excel_hide_the_same_cells(client: Any, make_staff: Callable[..., StaffProfile],
                                            eight_persons: None) -> None:
    _login(client, make_staff, Role.ELECTED_OFFICIAL)
    page = client.get("/kuntaosuus/?municipality=765&year=2021").content.decode()
    assert "&lt; 5" in page
    assert ">..<" in page
    workbook = client.get("/kuntaosuus/excel/?municipality=765&year=2021")
    assert workbook.status_code == 200
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "&lt; 5" in strings
    assert ">..<" in strings
