"""Issue 16, item 8 (last point): an administrator confirms rule sets, loads a programme and imports populations on a
page, not only with the commands; each write all or nothing, each bad file answered with its problems named; nobody
else may."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from polku.access.models import Role
from polku.administration import forms
from polku.kpi.models import Programme
from polku.municipal_share.models import RuleSetConfirmation
from polku.municipal_share.services import current_rule_book
from polku.reference.models import LabourForce, ResidentPopulation

pytestmark = pytest.mark.django_db

PAGE = "/yllapito/"
PROGRAMME = Path(__file__).resolve().parents[2] / "polku" / "kpi" / "data" / "programmes" / "sotkamo-2022-2025.json"


@pytest.fixture
def admin(make_staff: Any) -> Client:
    client = Client()
    client.force_login(make_staff(Role.ADMIN, area=None).user)
    return client


def unverified_code() -> str:
    return next(r.code for r in current_rule_book().rule_sets if not r.verified)


def csv_file(text: str, name: str = "vaesto.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_page_lists_rule_sets_programmes_and_series(admin: Client) -> None:
    page = admin.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    for rule in current_rule_book().rule_sets:
        assert rule.name_fi in text
    assert "vahvistamaton" in text
    assert "Yhtään ohjelmaa ei ole tuotu." in text
    assert text.count("Ei tuotu.") == 2  # neither series yet
    assert 'href="/yllapito/"' in text  # the menu leads here


def test_confirming_a_rule_set_needs_a_source_and_is_recorded(admin: Client) -> None:
    code = unverified_code()
    missing = admin.post("/yllapito/saannot/vahvista/", {"rule_set": code, "note": "  "})
    assert missing.status_code == 400
    assert "Mihin lähteeseen sääntö tarkistettiin" in missing.content.decode()
    assert not RuleSetConfirmation.objects.exists()
    unknown = admin.post("/yllapito/saannot/vahvista/", {"rule_set": "keksitty", "note": "laki"})
    assert unknown.status_code == 400
    assert "Tuntematon sääntö." in unknown.content.decode()  # said even though no row shows the form
    assert not RuleSetConfirmation.objects.exists()

    done = admin.post("/yllapito/saannot/vahvista/", {"rule_set": code, "note": "Tarkistettu lakiin 1370/2024."},
                      follow=True)
    assert done.status_code == 200
    confirmation = RuleSetConfirmation.objects.get(rule_set=code)
    assert confirmation.note == "Tarkistettu lakiin 1370/2024."
    assert confirmation.confirmed_by is not None
    assert "Tarkistettu lakiin 1370/2024." in done.content.decode()
    assert "merkitty vahvistetuksi" in done.content.decode()


def test_a_programme_is_loaded_and_can_be_downloaded_again(admin: Client) -> None:
    data = PROGRAMME.read_bytes()
    done = admin.post("/yllapito/ohjelmat/tuo/", {"file": SimpleUploadedFile("ohjelma.json", data)}, follow=True)
    assert done.status_code == 200
    programme = Programme.objects.get(code="sotkamo-2022-2025")
    assert programme.imported_by is not None
    assert "Sotkamon työllisyysohjelma 2022–2025" in done.content.decode()
    download = admin.get("/yllapito/ohjelmat/sotkamo-2022-2025.json")
    assert download.status_code == 200
    assert json.loads(download.content) == json.loads(data)
    assert admin.get("/yllapito/ohjelmat/ei-ole.json").status_code == 404


def test_a_bad_programme_names_each_problem_and_writes_nothing(admin: Client) -> None:
    document = json.loads(PROGRAMME.read_bytes())
    document["promises"][0]["goals"][0]["indicators"][0]["indicator"] = "keksitty_mittari"
    document["scope"] = "999"
    bad = admin.post("/yllapito/ohjelmat/tuo/", {
        "file": SimpleUploadedFile("ohjelma.json", json.dumps(document).encode())})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "promises[0].goals[0].indicators[0].indicator" in text
    assert "keksitty_mittari" in text
    assert "scope" in text
    assert not Programme.objects.exists()
    not_json = admin.post("/yllapito/ohjelmat/tuo/", {"file": SimpleUploadedFile("ohjelma.json", b"{ei json")})
    assert not_json.status_code == 400
    assert "JSON" in not_json.content.decode()
    assert admin.post("/yllapito/ohjelmat/tuo/", {}).status_code == 400  # no file
    document = json.loads(PROGRAMME.read_bytes()) | {"code": "Ohjelma 2026 / uusi"}
    not_an_address = admin.post("/yllapito/ohjelmat/tuo/", {
        "file": SimpleUploadedFile("ohjelma.json", json.dumps(document).encode())})
    assert not_an_address.status_code == 400
    assert "code" in not_an_address.content.decode()
    assert not Programme.objects.exists()
    assert admin.get(PAGE).status_code == 200


def test_every_id_on_the_page_is_unique(admin: Client) -> None:
    """The programme and series forms both have a file field; the header has a search box."""
    import re

    ids = re.findall(r'\sid="([^"]+)"', admin.get(PAGE).content.decode())
    assert ids
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


def test_populations_are_imported_whole_or_not_at_all(admin: Client) -> None:
    good = "municipality;year;residents;source\n765;2024;10123;Tilastokeskus 11ra\n205;2024;36000;Tilastokeskus 11ra\n"
    done = admin.post("/yllapito/vaestotiedot/tuo/", {"series": "population", "file": csv_file(good)}, follow=True)
    assert done.status_code == 200
    assert ResidentPopulation.objects.get(municipality_id="765", year=2024).residents == 10123
    text = done.content.decode()
    assert "Tallennettu 2 riviä." in text
    assert "46\xa0123" in text or "46 123" in text  # the year's total, in the Finnish format

    bad = ("municipality;year;residents;source\n765;2025;10000;Tilastokeskus\n999;2025;5;Tilastokeskus\n"
           "205;vuosi;1;\n")
    refused = admin.post("/yllapito/vaestotiedot/tuo/", {"series": "population", "file": csv_file(bad)})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "rivi 3: municipality" in text
    assert "rivi 4: year/residents" in text
    assert not ResidentPopulation.objects.filter(year=2025).exists()  # line 2 was fine, and is not written either


def test_labour_force_goes_to_its_own_series(admin: Client) -> None:
    text = "municipality;year;persons;source\n765;2023;4500;Tilastokeskus työssäkäyntitilasto\n"
    admin.post("/yllapito/vaestotiedot/tuo/", {"series": "labour_force", "file": csv_file(text)})
    assert LabourForce.objects.get(municipality_id="765", year=2023).persons == 4500
    assert not ResidentPopulation.objects.exists()


def test_an_oversized_file_is_refused_before_it_is_read(admin: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forms, "MAX_SERIES_BYTES", 10)
    refused = admin.post("/yllapito/vaestotiedot/tuo/", {"series": "population", "file": csv_file("x" * 100)})
    assert refused.status_code == 400
    assert "liian suuri" in refused.content.decode()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.DPO, Role.DATA_STEWARD])
def test_nobody_else_may(make_staff: Any, role: Role) -> None:
    client = Client()
    client.force_login(make_staff(role, area=None if role == Role.DPO else "kuopio").user)
    assert client.get(PAGE).status_code == 403
    assert client.post("/yllapito/saannot/vahvista/", {"rule_set": unverified_code(), "note": "x"}).status_code == 403
    assert client.post("/yllapito/ohjelmat/tuo/", {
        "file": SimpleUploadedFile("o.json", PROGRAMME.read_bytes())}).status_code == 403
    assert client.post("/yllapito/vaestotiedot/tuo/", {
        "series": "population", "file": csv_file("municipality;year;residents;source\n765;2024;1;x\n")}).status_code == 403
    assert not RuleSetConfirmation.objects.exists()
    assert not Programme.objects.exists()
    assert not ResidentPopulation.objects.exists()
    assert 'href="/yllapito/"' not in client.get("/").content.decode()


def test_the_page_reads_in_swedish_and_english(admin: Client) -> None:
    for language, heading in (("sv", "Administration"), ("en", "Administration")):
        admin.cookies["django_language"] = language
        text = admin.get(PAGE).content.decode()
        assert heading in text
        assert "Kuntaosuuden säännöt" not in text
