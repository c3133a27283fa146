"""The same figures through the CLI, the API and the pages; access scope and suppression."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from polku.access.models import Role, StaffProfile
from polku.core import precomputed
from polku.kpi.models import Programme
from polku.kpi.programme import programme_import
from polku.kpi.programme_figures import PROGRAMME_YEARS, years_request
from polku.people.models import Person
from polku.timeline import services
from tests.chart_support import chart_labels, chart_specs, inline_rows
from tests.kpi.test_programme import SOTKAMO


@pytest.fixture
def unemployed_in_sotkamo(make_person: Callable[..., Person]) -> list[Person]:
    people = []
    for _ in range(6):
        person = make_person(since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
        people.append(person)
    return people


def _client(staff: StaffProfile) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


@pytest.mark.django_db
def test_cli_json_and_errors(unemployed_in_sotkamo: list[Person]) -> None:
    out = StringIO()
    call_command("kpi", "--indicator", "long_term_unemployed", "--municipality", "765", "--month", "2021-12", "--json",
                 stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["values"][0]["value"] == "6"
    assert payload["indicator"]["source"].startswith("TEM")
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("kpi", "--indicator", "long_term_unemployed", "--municipality", "765", "--month", "2021-13",
                     "--json", stderr=err)
    assert json.loads(err.getvalue())["errors"][0]["field"] == "month"


@pytest.mark.django_db
def test_api_scope_and_suppression(unemployed_in_sotkamo: list[Person], make_staff: Callable[..., StaffProfile]) -> None:
    lead = _client(make_staff(Role.TEAM_LEAD, area="kainuu-trial"))
    response = lead.get("/api/kpi/indicators/unemployed_jobseekers", {"municipality": "765", "month": "2021-12"})
    assert response.status_code == 200, response.content
    assert response.json()["values"][0]["value"] == "6"
    official = _client(make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial"))
    shown = official.get("/api/kpi/indicators/unemployed_jobseekers", {"municipality": "765", "month": "2021-12"}).json()
    assert shown["values"][0]["value"] == "6"
    assert not shown["values"][0]["suppressed"]
    hidden = official.get("/api/kpi/indicators/youth_unemployed", {"area": "kainuu-trial", "year": "2021"}).json()
    assert hidden["values"][0]["value"] == "0.0"  # nobody under 25: zero is not a small cell
    other_area = _client(make_staff(Role.TEAM_LEAD, area="kuopio"))
    refused = other_area.get("/api/kpi/indicators/unemployed_jobseekers", {"municipality": "765", "month": "2021-12"})
    assert refused.status_code == 403
    bad = lead.get("/api/kpi/indicators/unemployed_jobseekers", {"municipality": "765", "month": "joulukuu"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "month"
    assert {d["code"] for d in lead.get("/api/kpi/indicators").json()} >= {"activation_rate", "long_term_unemployed"}


@pytest.mark.django_db
def test_official_sees_small_cells_hidden(make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> None:
    person = make_person(since=date(2019, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=date(2021, 3, 1))
    official = _client(make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial"))
    payload: dict[str, Any] = official.get("/api/kpi/indicators/unemployed_jobseekers",
                                           {"municipality": "765", "month": "2021-12"}).json()
    assert payload["values"][0]["suppressed"]
    assert payload["values"][0]["value"] is None
    lead = _client(make_staff(Role.TEAM_LEAD, area="kainuu-trial"))
    assert lead.get("/api/kpi/indicators/unemployed_jobseekers",
                    {"municipality": "765", "month": "2021-12"}).json()["values"][0]["value"] == "1"


@pytest.mark.django_db
def test_pages_and_exports(unemployed_in_sotkamo: list[Person], make_staff: Callable[..., StaffProfile]) -> None:
    programme_import(SOTKAMO.read_bytes())
    client = _client(make_staff(Role.TEAM_LEAD, area="kainuu-trial"))
    page = client.get("/mittarit/")
    assert page.status_code == 200
    waiting = page.content.decode()
    assert "Lukuja lasketaan" in waiting  # the page never waits: the worker computes the programme's figures
    assert "data-job-progress" in waiting
    assert "kpi-status--" not in waiting
    programme = Programme.objects.get()
    year = timezone.localdate().year
    precomputed.compute_now(PROGRAMME_YEARS, **years_request(programme, year, as_of=None, suppress=False))  # the job
    html = client.get("/mittarit/").content.decode()
    assert "Luvut on laskettu" in html
    assert "kpi-status--" in html
    assert "Pitkäaikaistyöttömät" in html
    assert "<h1>Sotkamon työllisyysohjelma 2022–2025</h1>" in html
    client.cookies["django_language"] = "en"
    assert "<h1>Sotkamo employment programme 2022–2025</h1>" in client.get("/mittarit/").content.decode()
    client.cookies["django_language"] = "fi"
    elsewhere = _client(make_staff(Role.MANAGER, area="kuopio")).get("/mittarit/").content.decode()
    assert 'id="ohjelma"' not in elsewhere  # no programme in the area: no empty choice of programmes
    assert "Alueellesi ei ole tuotu työllisyysohjelmaa" in elsewhere
    indicator = client.get("/mittarit/long_term_unemployed/", {"scope": "765", "first_month": "2021-11",
                                                                "last_month": "2021-12"})
    html = indicator.content.decode()
    assert indicator.status_code == 200
    assert "Määritelmä" in html
    rows = list(inline_rows(chart_specs(html)["mittari"]))  # the trend chart, drawn in the browser
    assert {(r["period"], r["value"]) for r in rows if "period" in r} == {("2021-11", 6.0), ("2021-12", 6.0)}
    assert chart_labels(html)["mittari"].startswith("Pitkäaikaistyöttömät")
    assert "2021-12" in html
    csv_file = client.get("/mittarit/long_term_unemployed/", {"scope": "765", "first_month": "2021-12",
                                                               "last_month": "2021-12", "format": "csv"})
    assert csv_file["Content-Type"].startswith("text/csv")
    assert "2021-12;765;;;6;;6;" in csv_file.content.decode("utf-8-sig")
    # A breakdown names its groups as readers do, in their language (the CSV keeps the code beside the name).
    by_gender = client.get("/mittarit/long_term_unemployed/", {"scope": "765", "first_month": "2021-12",
                                                               "last_month": "2021-12", "dimension": "gender"})
    assert "<td>nainen</td>" in by_gender.content.decode() or "<td>mies</td>" in by_gender.content.decode()
    assert ">F<" not in by_gender.content.decode()
    assert '<option value="gender" selected>sukupuolen mukaan</option>' in by_gender.content.decode()
    gender_csv = client.get("/mittarit/long_term_unemployed/", {"scope": "765", "first_month": "2021-12",
                                                                "last_month": "2021-12", "dimension": "gender",
                                                                "format": "csv"}).content.decode("utf-8-sig")
    assert ";F;nainen;" in gender_csv or ";M;mies;" in gender_csv
    excel = client.get("/mittarit/long_term_unemployed/", {"scope": "765", "first_month": "2021-12",
                                                            "last_month": "2021-12", "format": "xlsx"})
    assert excel.content[:2] == b"PK"
    as_of = client.get("/mittarit/", {"as_of": "2022-01"})
    assert as_of.status_code == 200
    assert "Lukuja lasketaan" in as_of.content.decode()  # figures as of a past month are their own computation


def test_csv_numbers_take_a_decimal_comma_negatives_included() -> None:
    from polku.kpi.views import _csv_number

    assert [_csv_number(c) for c in ("36.7", "-0.5", "12", "2024-01", "765", "")] == \
        ["36,7", "-0,5", "12", "2024-01", "765", ""]


@pytest.mark.django_db
def test_a_municipality_asked_alone_does_not_give_away_a_hidden_neighbour(
        unemployed_in_sotkamo: list[Person], make_person: Callable[..., Person],
        make_staff: Callable[..., StaffProfile]) -> None:
    """Issue 19, complementary suppression: Kajaani's 2 unemployed are hidden; the area's 8 and Sotkamo's 6, asked
    one by one, would give them back (8 − 6), so Sotkamo is hidden too, as in the area's figure by municipality."""
    for _ in range(2):
        person = make_person(municipality="205", since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
    official = _client(make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial"))
    month = {"month": "2021-12"}
    area = official.get("/api/kpi/indicators/unemployed_jobseekers", {"area": "kainuu-trial", **month}).json()
    assert area["values"][0]["value"] == "8"
    by_municipality = official.get("/api/kpi/indicators/unemployed_jobseekers",
                                   {"area": "kainuu-trial", "dimension": "municipality", **month}).json()
    hidden = {v["scope"] for v in by_municipality["values"] if v["suppressed"]}
    assert hidden == {"205", "765"}
    sotkamo = official.get("/api/kpi/indicators/unemployed_jobseekers", {"municipality": "765", **month}).json()
    assert sotkamo["values"][0]["suppressed"]
    assert sotkamo["values"][0]["value"] is None
    lead = _client(make_staff(Role.TEAM_LEAD, area="kainuu-trial"))
    assert lead.get("/api/kpi/indicators/unemployed_jobseekers",
                    {"municipality": "765", **month}).json()["values"][0]["value"] == "6"


def test_the_excel_export_writes_a_name_that_looks_like_a_formula_as_text() -> None:
    """A team's or a programme's name is typed by a person: one that starts with "=" is a text cell in the workbook,
    never a formula that the spreadsheet would run."""
    import openpyxl  # type: ignore[import-untyped,import-not-found,unused-ignore]

    from polku.kpi.views import COLUMNS, _export

    scope_name = '=HYPERLINK("http://example.invalid","x")'
    payload: dict[str, Any] = {"indicator": {"code": "unemployed_jobseekers", "name": "Työttömät", "source": ""},
               "scope": {"code": "team-1", "name": scope_name},
               "values": [dict.fromkeys(COLUMNS, "") | {"period": "2024-01", "group": "=1+1", "value": "3"}]}
    sheet = openpyxl.load_workbook(io.BytesIO(_export(payload, "xlsx").content)).active
    assert sheet is not None
    assert sheet["B1"].data_type == "s"
    assert sheet["B1"].value == scope_name
    assert sheet["C4"].data_type == "s"
    assert sheet["C4"].value == "=1+1"
    assert sheet["G4"].value == 3
