"""The JSON API: OpenAPI document, reads with access logging, writes with field-named errors."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from polku.access.models import AccessLog, Role
from polku.people.models import Person
from polku.timeline.models import BenefitMonth, StatusSpell
from tests.api_helpers import client_for, error_fields, post
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db



def test_openapi_document() -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/persons", "/api/persons/{person_id}/timeline", "/api/persons/{person_id}/status-spells",
                 "/api/persons/{person_id}/benefit-months", "/api/persons/{person_id}/job-search-periods",
                 "/api/persons/{person_id}/home-municipalities"):
        assert path in paths
    assert not any("personal_id" in p for p in paths)  # identity codes never travel in URLs


def test_requires_login() -> None:
    response = Client().get("/api/persons")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthenticated"


def test_reference_endpoints(make_staff) -> None:
    client = client_for(make_staff(Role.ANALYST, area="kuopio"))
    municipalities = client.get("/api/municipalities").json()
    assert {"code": "765", "name_fi": "Sotkamo"}.items() <= next(m for m in municipalities if m["code"] == "765").items()
    areas = {a["code"]: a for a in client.get("/api/employment-areas").json()}
    assert len(areas["kuopio"]["municipalities"]) == 11
    services = {s["code"] for s in client.get("/api/service-types").json()}
    assert {"wage_subsidy", "work_trial", "rehabilitative_work"} <= services


def test_full_write_and_read_cycle(make_staff) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")  # a new client joins the team
    client = client_for(counsellor)
    code = next_artificial_id()
    status, body = post(client, "/api/persons", {"personal_id": code, "first_names": "Aino", "last_name": "Ahola",
                                                 "home_municipality": "297", "home_municipality_since": "2023-05-01"})
    assert status == 201, body
    assert code not in json.dumps(body)
    person_id = body["id"]
    assert body["masked_personal_id"].endswith("****")

    status, period = post(client, f"/api/persons/{person_id}/job-search-periods", {"registered_on": "2024-01-08"})
    assert status == 201
    status, spell = post(client, f"/api/persons/{person_id}/status-spells",
                         {"status": "unemployed", "start_date": "2024-01-08", "end_date": "2024-04-30"})
    assert status == 201
    status, _ = post(client, f"/api/persons/{person_id}/status-spells",
                     {"status": "in_service", "service_type": "work_trial", "start_date": "2024-05-01"})
    assert status == 201
    status, _ = post(client, f"/api/persons/{person_id}/benefit-months",
                     {"month": "2024-02", "benefit_type": "labour_market_subsidy", "days": 21, "amount": "781.41"})
    assert status == 201
    status, ended = post(client, f"/api/job-search-periods/{period['id']}/end",
                         {"ended_on": "2024-08-31", "end_reason": "subsidised_job"})
    assert status == 201
    assert ended["end_reason"] == "subsidised_job"

    status, corrected = post(client, f"/api/status-spells/{spell['id']}/correct",
                             {"status": "laid_off_full", "start_date": "2024-01-08", "end_date": "2024-04-30",
                              "reason": "lomautus"})
    assert status == 201
    assert corrected["lineage"] == spell["lineage"]
    history = client.get(f"/api/status-spells/{spell['id']}/history").json()
    assert [h["status"] for h in history] == ["unemployed", "laid_off_full"]

    timeline = client.get(f"/api/persons/{person_id}/timeline").json()
    assert [s["status"] for s in timeline["status_spells"]] == ["laid_off_full", "in_service"]
    assert timeline["benefit_months"][0]["days"] == 21
    assert timeline["home_municipalities"][0]["municipality"] == "297"
    logged = set(AccessLog.objects.filter(person_id=person_id).values_list("action", flat=True))
    assert {"api_person_create", "api_status_spell_add", "api_person_timeline", "api_status_spell_history"} <= logged


def test_bad_input_names_fields_and_writes_nothing(make_staff) -> None:
    client = client_for(make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu"))
    code = next_artificial_id()
    bad_code = code[:-1] + ("X" if code[-1] != "X" else "Y")
    status, body = post(client, "/api/persons", {"personal_id": bad_code, "first_names": "A", "last_name": "B",
                                                 "home_municipality": "297", "home_municipality_since": "2024-01-01"})
    assert status == 422
    assert ("personal_id", "invalid_checksum") in error_fields(body)
    assert bad_code not in json.dumps(body)
    status, body = post(client, "/api/persons", {"personal_id": code, "first_names": "A", "last_name": "B",
                                                 "home_municipality": "1234", "home_municipality_since": "2024-01-01"})
    assert status == 422
    assert ("home_municipality", "unknown") in error_fields(body)
    assert Person.objects.count() == 0

    status, body = post(client, "/api/persons", {"personal_id": code, "first_names": "A", "last_name": "B",
                                                 "home_municipality": "297", "home_municipality_since": "2024-01-01"})
    person_id = body["id"]
    status, body = post(client, f"/api/persons/{person_id}/status-spells",
                        {"status": "unemployed", "start_date": "2024-03-01", "end_date": "2024-02-01"})
    assert status == 422
    assert ("end_date", "end_before_start") in error_fields(body)
    status, body = post(client, f"/api/persons/{person_id}/status-spells", {"status": "unemployed", "start_date": "x"})
    assert status == 422
    assert "start_date" in {f for f, _ in error_fields(body)}
    status, body = post(client, f"/api/persons/{person_id}/benefit-months",
                        {"month": "2024-02", "benefit_type": "basic_allowance", "days": 22, "amount": "10"})
    assert status == 422
    assert ("days", "too_many_days") in error_fields(body)
    status, body = post(client, f"/api/persons/{person_id}/benefit-months",
                        {"month": "2024-13", "benefit_type": "basic_allowance", "days": 2, "amount": "10"})
    assert status == 422
    assert "month" in {f for f, _ in error_fields(body)}
    assert StatusSpell.objects.count() == 0
    assert BenefitMonth.objects.count() == 0


def test_lookup_by_code_in_body_only(make_staff, make_person) -> None:
    code = next_artificial_id()
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    person = make_person(personal_id_code=code, municipality="297", team_id=counsellor.team_id)
    client = client_for(counsellor)
    status, body = post(client, "/api/persons/lookup", {"personal_id": code})
    assert status == 200
    assert body["id"] == str(person.pk)
    outsider = client_for(make_staff(Role.COUNSELLOR, area="kainuu-trial"))
    status, body = post(outsider, "/api/persons/lookup", {"personal_id": code})
    assert status == 404
    assert code not in json.dumps(body)


def test_scope_and_roles_enforced(make_staff, make_person) -> None:
    person = make_person(municipality="297")
    outsider = client_for(make_staff(Role.COUNSELLOR, area="kainuu-trial"))
    assert outsider.get(f"/api/persons/{person.pk}/timeline").status_code == 403
    official = client_for(make_staff(Role.ELECTED_OFFICIAL, area="kuopio"))
    assert official.get("/api/persons").status_code == 403
    assert official.get(f"/api/persons/{person.pk}").status_code == 403
    analyst = client_for(make_staff(Role.ANALYST, area="kuopio"))
    assert analyst.get(f"/api/persons/{person.pk}").status_code == 200
    status, _ = post(analyst, f"/api/persons/{person.pk}/status-spells",
                     {"status": "unemployed", "start_date": "2024-01-01"})
    assert status == 403
    # A refused attempt is logged as refused (issue 19), never as a read.
    assert set(AccessLog.objects.filter(user__staff_profile__role=Role.ELECTED_OFFICIAL)
               .values_list("action", flat=True)) == {"access_refused"}


def test_list_logs_each_person(make_staff, make_person) -> None:
    for _ in range(3):
        make_person(municipality="297", since=date(2021, 1, 1))
    client = client_for(make_staff(Role.MANAGER, area="kuopio"))
    persons = client.get("/api/persons?limit=2").json()
    assert len(persons) == 2
    assert AccessLog.objects.filter(action="api_person_list").count() == 2


def test_create_outside_area_and_existing_person(make_staff, make_person) -> None:
    client = client_for(make_staff(Role.COUNSELLOR, area="kuopio"))
    status, body = post(client, "/api/persons", {"personal_id": next_artificial_id(), "first_names": "A",
                                                 "last_name": "B", "home_municipality": "091",
                                                 "home_municipality_since": "2024-01-01"})
    assert status == 403
    code = next_artificial_id()
    existing = make_person(personal_id_code=code, municipality="765")
    status, body = post(client, "/api/persons", {"personal_id": code, "first_names": "A", "last_name": "B",
                                                 "home_municipality": "297", "home_municipality_since": "2024-01-01"})
    # The client lives outside the counsellor's area: a neutral refusal (issue 19) ...
    assert status == 403
    assert code not in json.dumps(body)
    assert "rekisterissä" not in json.dumps(body)
    # ... and probing for an existing client leaves a trace against that client, as a refused attempt.
    assert AccessLog.objects.filter(person_id=existing.pk, action="access_refused",
                                    purpose__startswith="api_person_create_existing").exists()


def test_search_refuses_identity_codes_and_known_at_needs_zone(make_staff, make_person) -> None:
    person = make_person(municipality="297")
    client = client_for(make_staff(Role.MANAGER, area="kuopio"))
    code = next_artificial_id()
    response = client.get("/api/persons", {"search": code})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "search"
    assert code not in response.content.decode()
    response = client.get(f"/api/persons/{person.pk}/timeline", {"known_at": "2025-01-01T12:00:00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "known_at"
    response = client.get(f"/api/persons/{person.pk}/timeline", {"known_at": "2025-01-01T12:00:00+02:00"})
    assert response.status_code == 200
    missing = client.get("/api/persons/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "unknown"


def test_past_job_search_and_retractions(make_staff, make_person) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    person = make_person(municipality="297", since=date(2015, 1, 1), team_id=counsellor.team_id)
    client = client_for(counsellor)
    status, past = post(client, f"/api/persons/{person.pk}/job-search-periods",
                        {"registered_on": "2019-03-04", "ended_on": "2019-09-30", "end_reason": "studies"})
    assert status == 201
    assert past["ended_on"] == "2019-09-30"
    status, body = post(client, f"/api/persons/{person.pk}/job-search-periods",
                        {"registered_on": "2020-03-04", "ended_on": "2020-09-30"})
    assert status == 422
    assert ("end_reason", "required") in error_fields(body)
    status, _now = post(client, f"/api/persons/{person.pk}/job-search-periods", {"registered_on": "2024-01-08"})
    assert status == 201
    status, row = post(client, f"/api/persons/{person.pk}/benefit-months",
                       {"month": "2024-02", "benefit_type": "basic_allowance", "days": 21, "amount": "781.41"})
    for kind, fact_id in (("job-search-periods", past["id"]), ("benefit-months", row["id"])):
        status, _ = post(client, f"/api/{kind}/{fact_id}/retract", {"reason": "kirjattu väärin"})
        assert status == 204
    status, _ = post(client, f"/api/benefit-months/{row['id']}/retract", {"reason": "uudestaan"})
    assert status == 422  # already withdrawn: only the current version can be
    status, _ = post(client, "/api/persons/1/retract", {"reason": "x"})
    assert status in {404, 405}
    timeline = client.get(f"/api/persons/{person.pk}/timeline").json()
    assert [p["registered_on"] for p in timeline["job_search_periods"]] == ["2024-01-08"]
    assert timeline["benefit_months"] == []


def test_shape_errors_are_finnish_and_name_the_field(make_staff, make_person) -> None:
    person = make_person(municipality="297")
    client = client_for(make_staff(Role.COUNSELLOR, area="kuopio"))
    status, body = post(client, f"/api/persons/{person.pk}/benefit-months",
                        {"month": "2024-02", "days": 3, "amount": "12,50"})
    assert status == 422
    assert {(e["field"], e["code"]) for e in body["errors"]} == {("benefit_type", "required"), ("amount", "invalid")}
    assert all(e["message"].endswith(".") and "Input" not in e["message"] for e in body["errors"])
    enum = Client().get("/api/openapi.json").json()["components"]["schemas"]["BenefitMonthIn"]["properties"]["basis"]
    assert enum["enum"] == ["unemployment", "service"]
