"""Every input has bounds (issue 19, server errors): the inputs that got HTTP 500 or were stored unbounded are refused
with 4xx naming the field, the OpenAPI document declares the error answers and the allowed codes, and the bulk
import still takes big files while other requests are capped."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from polku.access.models import Role
from polku.people.models import Person
from polku.timeline.models import BenefitMonth
from tests.api_helpers import client_for, error_fields, post
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db


def _person_body(**overrides: Any) -> dict[str, Any]:
    return {"personal_id": next_artificial_id(), "first_names": "Aino", "last_name": "Ahola",
            "home_municipality": "297", "home_municipality_since": "2023-05-01", **overrides}


@pytest.mark.parametrize("year", [0, 99999, -1, 10**12])
def test_kuntalisa_budget_year_out_of_range_is_refused(make_staff: Any, year: int) -> None:
    response = client_for(make_staff(Role.MANAGER, area="kuopio")).get(
        "/api/provision/kuntalisa-budget", {"municipality": "297", "year": str(year)})
    assert response.status_code == 422
    assert ("year", "invalid") in error_fields(response.json())


def test_kuntalisa_budget_in_range_still_answers(make_staff: Any) -> None:
    response = client_for(make_staff(Role.MANAGER, area="kuopio")).get(
        "/api/provision/kuntalisa-budget", {"municipality": "297", "year": "2025"})
    assert response.status_code == 200
    assert response.json()["year"] == 2025


def test_person_list_paging_is_bounded(make_staff: Any) -> None:
    client = client_for(make_staff(Role.COUNSELLOR, area="kuopio"))
    huge = client.get("/api/persons", {"offset": 10**19})
    assert huge.status_code == 422
    assert ("offset", "invalid") in error_fields(huge.json())
    assert client.get("/api/persons", {"offset": 1_000_000}).status_code == 200
    long_search = client.get("/api/persons", {"search": "x" * 101})
    assert long_search.status_code == 422
    assert ("search", "invalid") in error_fields(long_search.json())


def test_an_over_long_name_is_refused_naming_the_field(make_staff: Any) -> None:
    client = client_for(make_staff(Role.COUNSELLOR, area="kuopio"))
    status, body = post(client, "/api/persons", _person_body(last_name="A" * 10_000))
    assert status == 422
    assert error_fields(body) == {("last_name", "invalid")}
    assert "200" in body["errors"][0]["message"]
    assert not Person.objects.exists()
    status, body = post(client, "/api/persons", _person_body(last_name="A" * 200))
    assert status == 201, body


def test_the_service_refuses_an_over_long_name_whatever_the_interface() -> None:
    from polku.core.errors import ValidationFailed
    from polku.timeline.services import person_create

    with pytest.raises(ValidationFailed) as refused:
        person_create(personal_id_code=next_artificial_id(), first_names="B" * 201, last_name="Ahola")
    assert [(e.field, e.code) for e in refused.value.errors] == [("first_names", "invalid")]


def test_a_nul_character_is_refused_with_400_naming_the_field(make_staff: Any) -> None:
    client = client_for(make_staff(Role.COUNSELLOR, area="kuopio"))
    status, body = post(client, "/api/persons", _person_body(last_name="Aho\x00la"))
    assert status == 400
    assert body["errors"][0]["field"] == "last_name"
    assert "NUL" in body["errors"][0]["message"]
    assert not Person.objects.exists()
    in_query = client.get("/api/persons", {"search": "Aho\x00"})
    assert in_query.status_code == 400
    assert in_query.json()["errors"][0]["field"] == "search"
    nested = client.post("/api/persons", data=json.dumps({"x": [{"y": "\x00"}]}), content_type="application/json")
    assert (nested.status_code, nested.json()["errors"][0]["field"]) == (400, "x.0.y")
    in_form = Client().post("/kirjaudu/", {"username": "a\x00b", "password": "x"})
    assert in_form.status_code == 400
    assert "username" in in_form.content.decode()


def test_an_over_long_purpose_header_is_refused(make_staff: Any, make_person: Any) -> None:
    client = client_for(make_staff(Role.ADMIN))
    person = make_person()
    response = client.get(f"/api/persons/{person.pk}", headers={"X-Polku-Purpose": "p" * 201})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "X-Polku-Purpose"
    assert client.get(f"/api/persons/{person.pk}", headers={"X-Polku-Purpose": "p" * 200}).status_code == 200


def test_dates_and_months_outside_sane_years_are_refused(make_staff: Any, make_person: Any) -> None:
    client = client_for(make_staff(Role.COUNSELLOR, area="kainuu-trial"))
    person = make_person()
    status, body = post(client, f"/api/persons/{person.pk}/benefit-months",
                        {"month": "0000-01", "benefit_type": "basic_allowance", "days": 10, "amount": "100.00"})
    assert status == 422
    assert ("month", "invalid") in error_fields(body)
    status, body = post(client, f"/api/persons/{person.pk}/benefit-months",
                        {"month": "2024-01", "benefit_type": "basic_allowance", "days": 10**9, "amount": "100.00"})
    assert status == 422
    assert ("days", "invalid") in error_fields(body)
    assert not BenefitMonth.objects.exists()
    warnings = client.get("/api/municipal-share/early-warnings", {"date": "0001-01-01"})
    assert warnings.status_code == 422
    assert ("date", "invalid") in error_fields(warnings.json())
    status, body = post(client, f"/api/persons/{person.pk}/status-spells",
                        {"status": "unemployed", "start_date": "9999-12-31"})
    assert status == 422
    assert ("start_date", "invalid") in error_fields(body)


def test_plan_text_is_bounded_and_a_huge_body_refused(make_staff: Any, make_person: Any) -> None:
    client = client_for(make_staff(Role.COUNSELLOR, area="kainuu-trial"))
    person = make_person()
    url = f"/api/casework/persons/{person.pk}/plan"
    plan = {"drawn_up_on": date.today().isoformat(), "valid_until": date.today().replace(year=date.today().year + 1).isoformat(),  # noqa: DTZ011
            "applications_required": 4, "version": None}
    long = client.put(url, {**plan, "agreed_actions": "x" * 10_001}, content_type="application/json")
    assert long.status_code == 422
    assert ("agreed_actions", "invalid") in error_fields(long.json())
    megabyte = client.put(url, {**plan, "agreed_actions": "x" * 1_000_000}, content_type="application/json")
    assert megabyte.status_code == 413
    assert megabyte.json()["errors"][0]["field"] == "body"


def test_the_plan_form_bounds_its_text_too() -> None:
    from polku.casework.forms import MeetingForm, PlanForm

    form = PlanForm({"agreed_actions": "x" * 10_001}, basis_choices=[("standard", "standard")])
    assert not form.is_valid()
    assert "agreed_actions" in form.errors
    assert "notes" in MeetingForm({"notes": "x" * 10_001}).errors


def _big_csv(megabytes: int) -> SimpleUploadedFile:
    rows = "".join(f"k{i};q{i};297;1.1.2020\n" for i in range(megabytes * 1024 * 1024 // 20))
    return SimpleUploadedFile("kotikunnat.csv", f"source_id;person_id;municipality;start_date\n{rows}".encode())


@pytest.mark.django_db(transaction=True)
def test_bulk_import_takes_big_files_while_other_requests_are_capped(make_staff: Any, settings: Any) -> None:
    settings.POLKU_MAX_REQUEST_BYTES = 1024 * 1024  # 1 MiB elsewhere, so the test need not send 20 MiB
    steward = client_for(make_staff(Role.DATA_STEWARD, area="kuopio"))
    upload = steward.post("/api/exchange/imports", {"files": [_big_csv(3)], "mode": "delta", "dry_run": "true"})
    assert upload.status_code == 202, upload.content[:500]
    assert upload.json()["files"][0]["bytes"] > 3_000_000
    page = steward.post("/tiedonsiirto/", {"files": [_big_csv(3)], "mode": "delta", "profile": "polku-exchange-v1",
                                           "scope": "kuopio", "dry_run": "on"})
    assert page.status_code in {200, 302}, page.content[:500]
    manager = client_for(make_staff(Role.MANAGER, area="kuopio"))
    invoice = manager.post("/api/kela-invoices", {"file": _big_csv(3), "municipality": "297", "month": "2025-03"})
    assert invoice.status_code == 413
    assert invoice.json()["errors"][0]["code"] == "too_large"


def test_openapi_declares_error_answers_and_allowed_codes() -> None:
    document = Client().get("/api/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "403", "404", "413", "422"} <= declared, (method, path, declared)
            if operation.get("security"):
                assert "401" in declared, (method, path)
            for status in ("400", "422"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/api/casework/worklist"]["get"]["parameters"]}
    assert "overdue" in parameters["state"]["enum"]
    assert parameters["sort"]["enum"] == ["due", "name", "kind", "counsellor"]
    share = {p["name"]: p["schema"] for p in document["paths"]["/api/municipal-share"]["get"]["parameters"]}
    assert {"in-force", "tmt-2015", "tyottomyysetuudet-2025"} <= set(share["rule"]["enum"])
    budget = {p["name"]: p["schema"] for p in document["paths"]["/api/provision/kuntalisa-budget"]["get"]["parameters"]}
    assert (budget["year"]["minimum"], budget["year"]["maximum"]) == (2000, 2100)
    person_in = document["components"]["schemas"]["PersonIn"]["properties"]
    assert person_in["last_name"]["maxLength"] == 200
    meeting = document["components"]["schemas"]["MeetingIn"]["properties"]
    assert "initial_interview" in meeting["kind"]["enum"]
