"""Open data without login (issue 16): the PxWeb API v1 round trip, JSON-stat 2.0 (checked by our own parser and by
pyjstat), CSV and PX-JSON, the public page and its downloads, anonymous access, caching with ETags, and small counts
that never appear. The tables are built first as the worker builds them (``builds.build_now``); requests only serve
them (``test_serving.py``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from polku.open_data import builds
from polku.public_statistics import jsonstat
from polku.timeline import services

pytestmark = pytest.mark.django_db
TABLE = "/api/v1/fi/Polku/polku_tyonhakijat.px"
SOTKAMO, KAJAANI, AREA = "KU765", "KU205", "KAINUU-TRIAL"
JUNE = "2021M06"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def facts(make_person: Any) -> None:
    """Seven unemployed in Sotkamo and two in Kajaani from March 2020: Kajaani's two must never show."""
    for municipality, n in (("765", 7), ("205", 2)):
        for _ in range(n):
            person = make_person(municipality=municipality, since=date(2019, 1, 1))
            services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
            if municipality == "765":  # Kela has paid up to June 2021
                services.benefit_month_record(person=person, month=date(2021, 6, 1), benefit_type="labour_market_subsidy",
                                              days=21, amount=Decimal("800.00"))
    builds.build_now()  # what the worker does when the data has changed


def query(*items: tuple[str, str, list[str]], fmt: str = "json-stat2") -> dict[str, Any]:
    return {"query": [{"code": code, "selection": {"filter": kind, "values": values}} for code, kind, values in items],
            "response": {"format": fmt}}


def post(client: Client, body: dict[str, Any], path: str = TABLE, **headers: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_pxweb_round_trip_without_login(facts: None) -> None:
    client = Client()  # nobody signed in
    assert client.get("/api/v1/fi").json() == [{"dbid": "Polku", "text": "Polku: avoin data"}]
    listing = client.get("/api/v1/sv/Polku").json()
    assert [t["id"] for t in listing] == ["polku_tyonhakijat.px", "polku_tyonhaut.px", "polku_kuntaosuus.px"]
    assert all(t["type"] == "t" for t in listing)

    meta = client.get(TABLE).json()
    variables = {v["code"]: v for v in meta["variables"]}
    assert list(variables) == ["Alue", "Kuukausi", "Tiedot"]
    assert {AREA, SOTKAMO, KAJAANI} <= set(variables["Alue"]["values"])
    assert variables["Alue"]["valueTexts"][variables["Alue"]["values"].index(SOTKAMO)] == "Sotkamo"
    assert variables["Kuukausi"]["time"] is True
    assert JUNE in variables["Kuukausi"]["values"]
    assert "unemployed_jobseekers" in variables["Tiedot"]["values"]
    assert client.get("/api/v1/en/Polku/polku_tyonhakijat.px").json()["variables"][0]["text"] == "Area"

    response = post(client, query(("Alue", "item", [AREA, SOTKAMO, KAJAANI]), ("Kuukausi", "item", [JUNE]),
                                  ("Tiedot", "item", ["unemployed_jobseekers"])))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    dataset = jsonstat.parse(response.content)  # Polku's own strict JSON-stat 2.0 reader (the import's)
    assert document["class"] == "dataset"
    assert document["version"] == "2.0"
    assert document["size"] == [3, 1, 1] == [len(document["dimension"][d]["category"]["index"]) for d in document["id"]]
    assert len(document["value"]) == 3
    cells = {c.codes["Alue"]: c for c in dataset.cells()}
    assert cells[AREA].value == 9
    # Kajaani's 2 are below the threshold; Sotkamo's 7 is hidden too, or Kajaani would be the area minus Sotkamo.
    assert (cells[KAJAANI].value, cells[KAJAANI].status) == (None, "..")
    assert (cells[SOTKAMO].value, cells[SOTKAMO].status) == (None, "..")
    assert not {2, 7} & set(document["value"])


@pytest.mark.filterwarnings("ignore::DeprecationWarning:pyjstat")
def test_json_stat_reads_with_pyjstat(facts: None) -> None:
    pyjstat = pytest.importorskip("pyjstat.pyjstat")
    response = post(Client(), query(("Alue", "all", ["*"]), ("Kuukausi", "top", ["3"])))
    frame = pyjstat.Dataset.read(response.content.decode()).write("dataframe")
    document = response.json()
    assert len(frame) == len(document["value"]) == document["size"][0] * 3 * document["size"][2]
    assert set(frame.columns) >= {"Alue", "Kuukausi", "Tiedot", "value"}


def test_csv_and_px_json(facts: None) -> None:
    client = Client()
    body = query(("Alue", "item", [AREA, KAJAANI]), ("Kuukausi", "item", ["2021M05", JUNE]),
                 ("Tiedot", "item", ["unemployed_jobseekers", "activation_rate"]), fmt="csv")
    response = post(client, body)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Alue", "Kuukausi", "Työttömät työnhakijat", "Aktivointiaste"]
    by_key = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_key[("Kainuun työllisyyden kuntakokeilu", JUNE)] == ["9", "0.0"]
    assert by_key[("Kajaani", JUNE)] == ["..", ".."]
    assert len(rows) == 1 + 2 * 2

    px = post(client, {**body, "response": {"format": "json"}}).json()
    assert [c["code"] for c in px["columns"]] == ["Alue", "Kuukausi", "unemployed_jobseekers", "activation_rate"]
    assert {"key": [KAJAANI, JUNE], "values": ["..", ".."]} in px["data"]


def test_area_before_it_existed_and_errors(facts: None) -> None:
    client = Client()
    document = post(client, query(("Alue", "item", [AREA]), ("Kuukausi", "item", ["2020M06"]),
                                  ("Tiedot", "item", ["unemployed_jobseekers"]))).json()
    assert (document["value"], document["status"]) == ([None], {"0": "."})  # the trial began in March 2021

    unknown = post(client, query(("Alue", "item", ["KU999"])))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query[0].selection.values"
    assert post(client, query(("Sukupuoli", "item", ["1"]))).status_code == 422
    assert post(client, {"query": [], "response": {"format": "px"}}).status_code == 422
    assert post(client, query(("Alue", "top", ["2"]))).status_code == 422
    assert client.get("/api/v1/fi/Polku/ei_ole.px").status_code == 404
    assert client.get("/api/v1/de/Polku").status_code == 422


def test_etag_and_cache(facts: None, make_person: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    original = builds.build

    def counting(table: Any) -> Any:
        built.append(table.id)
        return original(table)

    monkeypatch.setattr(builds, "build", counting)
    client = Client()
    body = query(("Kuukausi", "top", ["2"]))
    first = post(client, body)
    assert first.status_code == 200
    assert first["ETag"]
    assert first["Last-Modified"]
    second = post(client, body)
    assert (second.content, second["ETag"]) == (first.content, first["ETag"])
    assert post(client, query(("Kuukausi", "top", ["1"]))).status_code == 200  # another question, the same cube
    assert built == []  # requests never build
    assert post(client, body, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    meta = client.get(TABLE)
    assert client.get(TABLE, HTTP_IF_NONE_MATCH=meta["ETag"]).status_code == 304

    # New facts: the stored build is served (same ETag) until the worker has built the new data version.
    services.status_spell_record(person=make_person(municipality="205", since=date(2019, 1, 1)), status="unemployed",
                                 start_date=date(2020, 3, 2))
    cache.delete("open_data:version")  # the fingerprint is re-read at most a minute later (imports clear it at once)
    assert post(client, body, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    builds.build_now()
    third = post(client, body, HTTP_IF_NONE_MATCH=first["ETag"])
    assert third.status_code == 200
    assert third["ETag"] != first["ETag"]
    assert built == ["polku_tyonhakijat.px", "polku_tyonhaut.px", "polku_kuntaosuus.px"]


def test_public_page_and_downloads(facts: None) -> None:
    client = Client()
    page = client.get("/avoin-data/")
    assert page.status_code == 200
    html = page.content.decode()
    for expected in ("data-chart-spec", 'role="img"', "<table", "Työttömät työnhakijat", "Kainuun työllisyyden kuntakokeilu"):
        assert expected in html
    assert "style=" not in html
    assert "<script>" not in html
    assert "/api/v1/fi/Polku/polku_tyonhakijat.px" in html
    csv_download = client.get("/avoin-data/tyonhakijat.csv")
    assert csv_download.status_code == 200
    assert csv_download["Content-Type"].startswith("text/csv")
    assert client.get("/avoin-data/tyonhakijat.csv", HTTP_IF_NONE_MATCH=csv_download["ETag"]).status_code == 304
    dataset = jsonstat.parse(client.get("/avoin-data/kuntaosuus.json").content)
    assert dataset.ids == ("Alue", "Kuukausi", "Tiedot")
    assert client.get("/avoin-data/ei-ole.csv").status_code == 404
    swedish = client.get("/avoin-data/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Öppna data" in swedish


def test_small_counts_never_appear_anywhere(facts: None) -> None:
    """Every count of every table for Kajaani (2 persons, below the threshold of 5) is hidden, 0, or 5 or more."""
    client = Client()
    for table in ("polku_tyonhakijat.px", "polku_tyonhaut.px", "polku_kuntaosuus.px"):
        document = post(client, query(("Alue", "item", [KAJAANI])), path=f"/api/v1/fi/Polku/{table}").json()
        units = document["dimension"]["Tiedot"]["category"]["unit"]
        codes = list(document["dimension"]["Tiedot"]["category"]["index"])
        counts = [v for n, v in enumerate(document["value"]) if units[codes[n % len(codes)]]["label"] != "%"]
        assert [v for v in counts if v is not None and 0 < v < 5] == []
        assert document["value"].count(None) == len(document["status"])


def test_the_share_table_ends_at_the_latest_month_kela_has_paid(facts: None) -> None:
    """The months after the latest payments have no data yet, not zero euros; the job seekers' table goes on to the last
    whole month."""
    client = Client()
    share = jsonstat.parse(client.get("/avoin-data/kuntaosuus.json").content)
    seekers = jsonstat.parse(client.get("/avoin-data/tyonhakijat.json").content)
    share_months, seeker_months = (d.dimension("Kuukausi") for d in (share, seekers))
    assert share_months is not None
    assert seeker_months is not None
    assert share_months.codes[-1] == JUNE
    assert seeker_months.codes[-1] > JUNE


def test_without_any_payments_the_share_table_has_no_months_and_pages_still_answer(make_person: Any) -> None:
    person = make_person(municipality="765", since=date(2019, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
    builds.build_now()
    client = Client()
    assert client.get("/avoin-data/").status_code == 200
    assert client.get("/avoin-data/kuntaosuus.csv").status_code == 200
    assert post(client, query(), path="/api/v1/fi/Polku/polku_kuntaosuus.px").status_code in (200, 400)
