"""Kela's open statistics as a comparison series: parser (good and messy files), import, page and API."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from polku.access.models import Role
from polku.core.calendar import add_months
from polku.core.errors import ValidationFailed
from polku.municipal_share.kela_statistics import parse_statistics, parse_statistics_month
from polku.municipal_share.models import KelaStatistic, KelaStatisticsImport
from polku.people.models import Person
from polku.timeline import services

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "polku" / "municipal_share" / "data" / "kela_tilasto_esimerkki.csv"
MESSY = Path(__file__).parent / "fixtures" / "kela_tilasto_sotkuinen_cp1252.csv"


@pytest.mark.parametrize(("text", "month"), [
    ("2025M03", date(2025, 3, 1)), ("2025-03", date(2025, 3, 1)), ("3/2025", date(2025, 3, 1)),
    ("maaliskuu 2025", date(2025, 3, 1)), ("2025 December", date(2025, 12, 1)), ("202511", date(2025, 11, 1)),
])
def test_month_variants(text: str, month: date) -> None:
    assert parse_statistics_month(text) == month


def test_the_shipped_example_file_parses_and_says_it_is_example_data() -> None:
    parsed = parse_statistics(EXAMPLE.read_bytes())
    assert parsed.example
    assert parsed.encoding == "utf-8"
    assert len(parsed.rows) == 18  # Kuopio, Siilinjärvi and Sotkamo, January–June 2025
    assert parsed.skipped == 4  # three rows of the day class 101-299 and the whole country
    first = parsed.rows[0]
    assert (first.line, first.region, first.municipality, first.month, first.benefit_type) == (
        4, "297", "297", date(2025, 1, 1), "")
    assert (first.recipients, first.paid_days, first.paid_eur, first.municipal_eur) == (
        2307, 41526, Decimal("1545182.46"), Decimal("330669.05"))


def test_messy_file_names_every_bad_row() -> None:
    with pytest.raises(ValidationFailed) as failure:
        parse_statistics(MESSY.read_bytes())
    assert [(e.field, e.code) for e in failure.value.errors] == [
        ("rivi 5: kunta", "unknown"),
        ("rivi 6: kuukausi", "invalid"),
        ("rivi 7: saajat", "invalid"),
        ("rivi 7: maksetut etuudet €", "invalid"),
        ("rivi 8: kuukausi", "duplicate"),
        ("rivi 9: etuus", "unknown"),
        ("rivi 10: maksetut päivät", "invalid"),
    ]
    messages = {e.field: e.message for e in failure.value.errors}
    assert "rivillä 3" in messages["rivi 8: kuukausi"]
    assert "enintään 2 desimaalia" in messages["rivi 7: maksetut etuudet €"]


def test_messy_file_without_its_bad_rows_is_read_with_its_variants() -> None:
    lines = MESSY.read_bytes().split(b"\r\n")
    parsed = parse_statistics(b"\r\n".join(lines[:4] + lines[10:]))  # title, header, rows 3–4 and 11
    assert parsed.encoding == "cp1252"
    assert not parsed.example
    march, basic, area = parsed.rows
    assert (march.region, march.month, march.benefit_type, march.recipients, march.paid_days, march.paid_eur,
            march.municipal_eur) == ("297", date(2025, 3, 1), "labour_market_subsidy", 1204, 22876,
                                     Decimal("851215.96"), Decimal("170243.19"))
    assert (basic.benefit_type, basic.recipients, basic.paid_days, basic.paid_eur, basic.municipal_eur) == (
        "basic_allowance", None, None, None, Decimal("12000.50"))
    assert (area.region, area.municipality, area.month) == ("area:kuopio", None, date(2025, 4, 1))


def test_import_is_all_or_nothing_and_for_admins_and_data_stewards(tmp_path: Path, make_staff) -> None:
    admin = make_staff(Role.ADMIN, area=None).user.username
    analyst = make_staff(Role.ANALYST, area="kuopio").user.username
    with pytest.raises(CommandError, match="tietopalvelu"):
        call_command("kela_statistics", "import", str(EXAMPLE), "--user", analyst, stdout=io.StringIO())
    with pytest.raises(CommandError) as failure:
        call_command("kela_statistics", "import", str(MESSY), "--user", admin, stdout=io.StringIO())
    assert "rivi 5: kunta: tuntematon kunta" in str(failure.value)
    assert not KelaStatisticsImport.objects.exists()
    assert not KelaStatistic.objects.exists()

    out = io.StringIO()
    call_command("kela_statistics", "import", str(EXAMPLE), "--user", admin, "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["rows"], result["skipped_rows"], result["example"]) == (18, 4, True)
    assert KelaStatistic.objects.count() == 18
    record = KelaStatisticsImport.objects.get()
    assert record.imported_by is not None
    assert (record.file_name, record.imported_by.username) == ("kela_tilasto_esimerkki.csv", admin)
    assert len(record.sha256) == 64
    with pytest.raises(CommandError, match="jo tuotu"):
        call_command("kela_statistics", "import", str(EXAMPLE), "--user", admin, stdout=io.StringIO())

    revised = tmp_path / "korjattu.csv"
    revised.write_text("Aika;Kuntanumero;Etuus;Saajat;Kunnan rahoitusosuus, €\n2025M01;297;Yhteensä;2310;330 700,00\n",
                       encoding="utf-8")
    steward = make_staff(Role.DATA_STEWARD, area="kuopio").user.username
    call_command("kela_statistics", "import", str(revised), "--user", steward, stdout=io.StringIO())
    assert KelaStatistic.objects.count() == 18  # January of Kuopio replaced, not doubled
    january = KelaStatistic.objects.get(region="297", month=date(2025, 1, 1))
    assert (january.municipal_eur, january.recipients, january.source_import.file_name) == (
        Decimal("330700.00"), 2310, "korjattu.csv")


@pytest.fixture
def kuopio_resident(make_person: Callable[..., Person]) -> Person:
    """On subsidy Oct 2024 – Mar 2025, 20 days a month: Polku bills 0 € in Jan and Feb 2025, 74,42 € in March."""
    person = make_person(municipality="297")
    for i in range(6):
        services.benefit_month_record(person=person, month=add_months(date(2024, 10, 1), i),
                                      benefit_type="labour_market_subsidy", days=20, amount=Decimal("744.20"))
    return person


def _import(make_staff: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "kela_2025.csv"
    path.write_text("Aika;Kuntanumero;Etuus;Saajat;Kunnan rahoitusosuus, €\n"
                    "2025-01;297;Yhteensä;1;0,00\n2025-03;297;Yhteensä;1;100,00\n", encoding="utf-8")
    admin = make_staff(Role.ADMIN, area=None).user.username
    call_command("kela_statistics", "import", str(path), "--user", admin, "--source", "Kela, avoin data",
                 stdout=io.StringIO())


def test_share_page_shows_polku_beside_kela(kuopio_resident: Person, make_staff, tmp_path: Path, settings: Any) -> None:
    settings.POLKU_SHARE_CACHE_SECONDS = 0  # computed at each read (the worker's path: tests/municipal_share/test_pages.py)
    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kuopio").user)
    html = client.get("/kuntaosuus/?municipality=297&year=2025").content.decode()
    assert 'id="kela-tilasto"' not in html  # nothing imported: no table
    _import(make_staff, tmp_path)
    response = client.get("/kuntaosuus/?municipality=297&year=2025")
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('id="kela-tilasto"'):]
    table = table[:table.index("</table>")]
    cells = re.findall(r'<tr><th scope="row" class="nowrap">3/2025</th>(.*?)</tr>', table)[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', cells) == ["74,42", "100,00", "-25,58", "1", "1"]
    february = re.findall(r'<tr><th scope="row" class="nowrap">2/2025</th>(.*?)</tr>', table)[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', february) == ["0,00", "—", "—", "0", "—"]
    assert "Lähde: Kela, avoin data (tiedosto kela_2025.csv, tuotu" in html
    assert "Esimerkkiaineisto" not in html


def test_api_comparison(kuopio_resident: Person, make_staff, tmp_path: Path) -> None:
    _import(make_staff, tmp_path)
    client = Client()
    client.force_login(make_staff(Role.ANALYST, area="kuopio").user)
    response = client.get("/api/municipal-share/kela-statistics?municipality=297&year=2025")
    assert response.status_code == 200, response.content
    body = response.json()
    march = body["months"][2]
    assert march == {"month": "2025-03", "polku_municipal_eur": "74.42", "kela_municipal_eur": "100.00",
                     "difference_eur": "-25.58", "polku_persons": 1, "kela_recipients": 1,
                     "source_id": body["sources"][0]["id"]}
    assert body["months"][1]["kela_municipal_eur"] is None
    assert body["sources"][0]["file_name"] == "kela_2025.csv"
    assert client.get("/api/municipal-share/kela-statistics?municipality=765&year=2025").status_code == 403
    assert client.get("/api/municipal-share/kela-statistics?municipality=999&year=2025").status_code == 422
    schema = client.get("/api/openapi.json").json()
    assert "/api/municipal-share/kela-statistics" in schema["paths"]
