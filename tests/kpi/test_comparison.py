"""Comparison with reference municipalities: the municipality's own figure beside Statistics Finland's published
ones. Hand values from the committed example files (polku/public_statistics/fixtures, Kainuu 2021: example data,
not official figures), through the selectors, the API, the page and its exports."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped,import-not-found,unused-ignore]
import pytest
from django.test import Client

from polku.access.models import Role, StaffProfile
from polku.core.errors import ValidationFailed
from polku.kpi import comparison
from polku.people.models import Person
from polku.public_statistics.services import pxweb_import
from polku.timeline import services
from tests.chart_support import chart_labels, chart_specs, inline_rows

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "polku" / "public_statistics" / "fixtures"


@pytest.fixture
def imported() -> None:
    for name in ("12r5_kainuu_2021.json", "12u4_kainuu_2021.json"):
        pxweb_import((FIXTURES / name).read_bytes(), file_name=name)


@pytest.fixture
def six_unemployed(make_person: Callable[..., Person]) -> None:
    for _ in range(6):
        person = make_person(since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))


def _client(staff: StaffProfile) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def _built(indicator: str, references: list[str] | None = None) -> comparison.Comparison:
    counterpart = comparison.counterpart_for(indicator)
    assert counterpart is not None
    return comparison.build_comparison(counterpart, "765", date(2021, 11, 1), date(2021, 12, 1),
                                       own={date(2021, 12, 1): Decimal(6)},
                                       references=comparison.reference_set("765", references))


def test_reference_sets() -> None:
    """Sotkamo's configured set (Kuhmo, Suomussalmi, Kajaani); Hyrynsalmi, with none configured, gets the first six
    other Kainuu municipalities by name; a chosen set drops the municipality itself; an unknown code is refused."""
    sotkamo = comparison.reference_set("765")
    assert (sotkamo.members, sotkamo.kind) == (("290", "777", "205"), "configured")
    assert "Kuhmo" in sotkamo.reason
    default = comparison.reference_set("105")
    assert (default.members, default.kind) == (("205", "290", "578", "620", "697", "765"), "default")
    assert comparison.reference_set("765", ["205", "765", "91"]).members == ("205", "091")
    with pytest.raises(ValidationFailed) as refused:
        comparison.reference_set("765", ["205", "999"])
    assert [(e.field, e.message) for e in refused.value.errors] == [("reference", "Tuntematon kuntanumero: 999.")]


def test_unemployed_job_seekers_beside_the_published_figures(imported: None) -> None:
    built = _built("unemployed_jobseekers")
    november, december = built.rows
    assert (december.own, december.official, december.difference) == (Decimal(6), Decimal(314), Decimal(-308))
    assert december.references == (Decimal(381), None, Decimal(1745))  # Kuhmo, Suomussalmi (not in the file), Kajaani
    assert (november.own, november.official, november.difference) == (None, Decimal(304), None)
    assert built.has_public_data
    assert not built.provenance.official  # the example files say official-statistics: false
    assert built.provenance.imported_at is not None
    assert built.provenance.sources[0].startswith("Esimerkkiaineisto: ei virallisia lukuja")


def test_rates_beside_the_published_rates(imported: None) -> None:
    share = _built("unemployed_share_of_labour_force").rows[-1]
    assert (share.official, share.references) == (Decimal("7.4"), (Decimal("11.1"), None, Decimal("10.1")))
    activation = _built("activation_rate", ["105", "290"]).rows[-1]  # AKTASTE as published: Hyrynsalmi, Kuhmo
    assert (activation.official, activation.references) == (Decimal("36.2"), (Decimal("32.4"), Decimal("34.6")))


def test_a_period_without_imported_figures(imported: None) -> None:
    counterpart = comparison.counterpart_for("unemployed_jobseekers")
    assert counterpart is not None
    built = comparison.build_comparison(counterpart, "765", date(2023, 1, 1), date(2023, 2, 1), own={},
                                        references=comparison.reference_set("765"))
    assert not built.has_public_data
    assert [r.official for r in built.rows] == [None, None]
    assert comparison.counterpart_for("long_term_unemployed") is None


def test_api(imported: None, six_unemployed: None, make_staff: Callable[..., StaffProfile]) -> None:
    lead = _client(make_staff(Role.TEAM_LEAD, area="kainuu-trial"))
    url = "/api/kpi/indicators/unemployed_jobseekers/comparison"
    response = lead.get(url, {"municipality": "765", "first_month": "2021-12", "last_month": "2021-12"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rows"] == [{"month": "2021-12", "polku": "6", "official": "314", "difference": "-308", "references": [
        {"code": "290", "value": "381"}, {"code": "777", "value": None}, {"code": "205", "value": "1745"}]}]
    assert (body["official_statistics"], body["has_public_data"], body["reference_set"]["kind"]) == (False, True,
                                                                                                    "configured")
    chosen = lead.get(url, {"municipality": "765", "first_month": "2021-12", "last_month": "2021-12",
                            "reference": ["105"]}).json()
    assert chosen["rows"][0]["references"] == [{"code": "105", "value": "96"}]
    area = lead.get(url, {"municipality": "kainuu-trial", "first_month": "2021-12", "last_month": "2021-12"})
    assert (area.status_code, area.json()["errors"][0]["field"]) == (422, "municipality")
    none = lead.get("/api/kpi/indicators/long_term_unemployed/comparison", {"municipality": "765"})
    assert (none.status_code, none.json()["errors"][0]["field"]) == (422, "code")
    bad = lead.get(url, {"municipality": "765", "reference": ["999"]})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "reference")
    other = _client(make_staff(Role.TEAM_LEAD, area="kuopio"))
    assert other.get(url, {"municipality": "765"}).status_code == 403


def test_elected_official_sees_published_figures_and_own_small_cells_hidden(
        imported: None, make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> None:
    person = make_person(since=date(2019, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2021, 3, 1))
    official = _client(make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial"))
    body = official.get("/api/kpi/indicators/unemployed_jobseekers/comparison",
                        {"municipality": "765", "first_month": "2021-12", "last_month": "2021-12"}).json()
    assert (body["rows"][0]["polku"], body["rows"][0]["official"]) == (None, "314")


def test_page_and_exports(imported: None, six_unemployed: None, make_staff: Callable[..., StaffProfile]) -> None:
    client = _client(make_staff(Role.TEAM_LEAD, area="kainuu-trial"))
    query = {"scope": "765", "first_month": "2021-11", "last_month": "2021-12"}
    html = client.get("/mittarit/unemployed_jobseekers/", query).content.decode()
    assert "Vertailu julkisiin tilastoihin" in html
    assert "Esimerkkiaineisto" in html
    assert 'id="vertailutaulukko"' in html
    assert "<td class=\"num\">314</td><td class=\"num\">-308</td><td class=\"num\">381</td>" in html
    assert chart_labels(html)["vertailu"] == "Vertailu julkisiin tilastoihin: Sotkamo"
    lines = {(r["series"], r["period"]): r["value"] for r in inline_rows(chart_specs(html)["vertailu"])}
    assert lines[("Sotkamo, tilasto", "2021-12")] == 314  # the chart the browser draws has the table's figures
    empty = client.get("/mittarit/unemployed_jobseekers/", {**query, "first_month": "2023-01", "last_month": "2023-02"})
    assert "ei ole tuotu julkisia tilastoja" in empty.content.decode()
    area = client.get("/mittarit/unemployed_jobseekers/", {**query, "scope": "kainuu-trial"}).content.decode()
    assert "valitse vertailuun kunta" in area
    csv_text = client.get("/mittarit/unemployed_jobseekers/", {**query, "format": "csv"}).content.decode("utf-8-sig")
    assert "2021-12;765;Sotkamo;official;314;" in csv_text
    assert "2021-12;290;Kuhmo;reference;381;" in csv_text
    excel = client.get("/mittarit/unemployed_jobseekers/", {**query, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(excel.content))
    assert book.sheetnames[1] == "vertailu"
    sheet = book["vertailu"]
    assert [c.value for c in sheet[3]] == ["period", "municipality", "name", "series", "value", "source"]
    assert [c.value for c in sheet[4]][:5] == ["2021-11", "765", "Sotkamo", "polku", 6]
    assert [c.value for c in sheet[6]][:5] == ["2021-11", "290", "Kuhmo", "reference", 370]


def test_a_configured_reference_set_larger_than_the_chart_is_refused(tmp_path: Path, settings: Any) -> None:
    import json

    from django.core.exceptions import ImproperlyConfigured

    from polku.kpi.comparison import DATA_FILE, MAX_REFERENCES, comparison_book

    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    document["sets"]["765"]["municipalities"] = [f"{n:03d}" for n in range(5, 5 + MAX_REFERENCES + 1)]
    path = tmp_path / "comparison.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    settings.POLKU_COMPARISON_FILE = str(path)
    with pytest.raises(ImproperlyConfigured, match=r"sets\.765\.municipalities has 9 municipalities; at most 8"):
        comparison_book()
