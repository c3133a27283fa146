"""``/api/municipal-share`` and ``polku share`` / ``polku share_rules``: figures, rule metadata, 422 errors, Excel."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from polku.access.models import AccessLog, Role, StaffProfile
from polku.municipal_share import selectors, services
from polku.municipal_share.rules import forced_book
from tests.municipal_share.test_pages import DAILY, benefit_person, monthly

pytestmark = pytest.mark.django_db
NEW_RULE = "tyottomyysetuudet-2025"


@pytest.fixture(autouse=True)
def _no_cache_fast_hashing(settings: Any) -> None:
    settings.POLKU_SHARE_CACHE_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def facts(db: Any) -> None:
    benefit_person(municipality="765", months=monthly(date(2019, 1, 1), 36, 20))
    benefit_person(municipality="765", months=monthly(date(2020, 1, 1), 24, 19), birth=date(2000, 1, 1))


def engine_sum(year: int, rule: str | None = None) -> Decimal:
    book = services.current_rule_book()
    if rule:
        book = forced_book(book, rule)
    rows = selectors.share_rows(book, municipality_codes=["765"], first_month=date(year, 1, 1),
                                last_month=date(year, 12, 1))
    return sum((r.municipal_eur for r in rows), Decimal(0))


def api_login(client: Any, make_staff: Callable[..., StaffProfile], role: str = Role.MANAGER,
              area: str | None = "kainuu", team: str | None = None) -> StaffProfile:
    profile = make_staff(role, area=area, team=team)
    client.force_login(profile.user)  # the login form itself, with its lockout, is tested in tests/access
    return profile


# --- API ---------------------------------------------------------------------------------------------


def test_api_share_2021_old_rule(client: Any, make_staff: Callable[..., StaffProfile], facts: None) -> None:
    api_login(client, make_staff)
    response = client.get("/api/municipal-share?municipality=765&year=2021&rule=tmt-2015")
    assert response.status_code == 200
    body = response.json()
    assert Decimal(body["totals"]["municipal_eur"]) == engine_sum(2021) > 0
    assert len(body["months"]) == 12
    assert sum(Decimal(m["municipal_eur"]) for m in body["months"]) == engine_sum(2021)
    assert body["verified"] is True
    assert body["rule_sets"][0]["code"] == "tmt-2015"
    assert body["rule_sets"][0]["source"].startswith("Laki")
    assert body["municipal_eur_per_resident"] is None


def test_api_unverified_rule_is_marked(client: Any, make_staff: Callable[..., StaffProfile], facts: None) -> None:
    api_login(client, make_staff)
    body = client.get(f"/api/municipal-share?municipality=765&year=2021&rule={NEW_RULE}").json()
    assert body["verified"] is False
    assert "UNVERIFIED" in body["note"]
    assert Decimal(body["totals"]["municipal_eur"]) == engine_sum(2021, NEW_RULE)
    assert all(m["verified"] is False for m in body["months"])


@pytest.mark.parametrize(("query", "field"), [
    ("municipality=999&year=2021", "municipality"),
    ("municipality=765&year=2014", "year"),
    ("municipality=765&year=2099", "year"),
    ("municipality=765&year=2021&rule=2030", "rule"),
    ("municipality=765&year=kaksi", "year"),
])
def test_api_bad_input_is_422_naming_the_field(client: Any, make_staff: Callable[..., StaffProfile], query: str,
                                                field: str) -> None:
    api_login(client, make_staff)
    response = client.get(f"/api/municipal-share?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_api_outside_own_area_is_forbidden(client: Any, make_staff: Callable[..., StaffProfile]) -> None:
    api_login(client, make_staff, area="kuopio")
    assert client.get("/api/municipal-share?municipality=765&year=2021").status_code == 403


def test_api_elected_official_gets_suppressed_aggregates_no_persons(
    client: Any, make_staff: Callable[..., StaffProfile], facts: None,
) -> None:
    api_login(client, make_staff, role=Role.ELECTED_OFFICIAL)
    body = client.get("/api/municipal-share?municipality=765&year=2021&rule=2015").json()
    assert body["totals"]["billed_persons"] == "< 5"
    assert client.get("/api/municipal-share/early-warnings?days=30").status_code == 403


def test_api_early_warnings_scoped_and_logged(client: Any, make_staff: Callable[..., StaffProfile]) -> None:
    profile = api_login(client, make_staff, role=Role.COUNSELLOR, team="Sotkamo A")
    mine = benefit_person(municipality="765", months=monthly(date(2025, 1, 1), 5, 20), team_id=profile.team_id,
                          benefit="basic_allowance")
    benefit_person(municipality="765", months=monthly(date(2025, 1, 1), 5, 20), benefit="basic_allowance")
    response = client.get("/api/municipal-share/early-warnings?days=30&date=2025-06-10")
    assert response.status_code == 200
    body = response.json()
    assert [p["person_id"] for p in body["persons"]] == [str(mine.pk)]
    assert body["persons"][0]["reaches_day"] == 101
    assert body["verified"] is False
    assert set(AccessLog.objects.filter(action="api_share_early_warnings").values_list("person_id", flat=True)) == {
        mine.pk}
    assert client.get("/api/municipal-share/early-warnings?days=45").status_code == 422


# --- CLI ---------------------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_cli_share_json_and_excel(facts: None, tmp_path: Path) -> None:
    target = tmp_path / "sotkamo.xlsx"
    body = json.loads(run("share", "--municipality", "765", "--year", "2021", "--rule", "2015", "--json",
                          "--excel", str(target)))
    assert Decimal(body["totals"]["municipal_eur"]) == engine_sum(2021)
    assert body["rule"] == "tmt-2015"
    assert body["verified"] is True
    assert "person_id" not in json.dumps(body)  # aggregate only
    with zipfile.ZipFile(target) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
        assert "Säännöt" in workbook.read("xl/workbook.xml").decode()
    assert float(engine_sum(2021)) in [float(v) for v in re.findall(r"<v>([-0-9.E]+)</v>", sheet)]
    text = run("share", "--municipality", "765", "--year", "2021", "--rule", "2025")
    assert "VAHVISTAMATON" in text
    assert "yhteensä" in text
    assert DAILY > 0


@pytest.mark.parametrize(("args", "field"), [
    (["--municipality", "999", "--year", "2021"], "--municipality"),
    (["--municipality", "765", "--year", "2014"], "--year"),
    (["--municipality", "765", "--year", "2021", "--rule", "2030"], "--rule"),
])
def test_cli_share_refuses_bad_input(db: Any, args: list[str], field: str) -> None:
    with pytest.raises(CommandError, match=field):
        run("share", *args)


def test_cli_share_rules_lists_and_admin_confirms(make_staff: Callable[..., StaffProfile]) -> None:
    listing = run("share_rules")
    assert "tmt-2015" in listing
    assert f"{NEW_RULE}  2025-01-01–  VAHVISTAMATON" in listing
    counsellor = make_staff(Role.COUNSELLOR)
    with pytest.raises(CommandError, match="pääkäyttäjä"):
        run("share_rules", "--confirm", NEW_RULE, "--note", "x", "--user", counsellor.user.get_username())
    admin = make_staff(Role.ADMIN, area=None)
    with pytest.raises(CommandError, match="--note"):
        run("share_rules", "--confirm", NEW_RULE, "--user", admin.user.get_username())
    with pytest.raises(CommandError, match="--confirm"):
        run("share_rules", "--confirm", "nope", "--note", "x", "--user", admin.user.get_username())
    out = run("share_rules", "--confirm", NEW_RULE, "--note", "Laki 555/1998 tarkistettu", "--user",
              admin.user.get_username())
    assert "VAHVISTAMATON" not in out
    assert "Laki 555/1998 tarkistettu" in out
    assert services.current_rule_book().by_code(NEW_RULE).verified
