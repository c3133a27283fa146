"""The provision API: round trips, 403 outside scope, the 422 error shape, and access-logged person reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from polku.access.models import AccessLog, Role
from polku.provision import services
from polku.provision.models import Decision, Employer, Referral
from polku.timeline import services as timeline
from polku.timeline.models import StatusSpell
from tests.api_helpers import client_for, error_fields, post

pytestmark = pytest.mark.django_db



def test_openapi_lists_the_provision_paths() -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in ("/api/provision/offerings", "/api/provision/referrals", "/api/provision/referrals/{referral_id}/start",
                 "/api/provision/referrals/{referral_id}/end", "/api/provision/decisions", "/api/provision/employers",
                 "/api/provision/kuntalisa-budget", "/api/persons/{person_id}/referrals",
                 "/api/persons/{person_id}/decisions"):
        assert path in paths


def test_requires_login(scene) -> None:
    assert Client().get("/api/provision/offerings").status_code == 401
    assert Client().get(f"/api/persons/{scene.client.pk}/referrals").status_code == 401


def test_referral_round_trip(scene, team_client) -> None:
    client = client_for(scene.counsellor)
    person = scene.client
    timeline.status_spell_record(person=person, status="unemployed", start_date=date(2026, 1, 5))
    services.referral_create(person=team_client(), offering=scene.offering, referred_on=date(2026, 1, 10),
                             actor=scene.counsellor.user)

    status, body = post(client, "/api/provision/referrals",
                        {"person_id": str(person.pk), "offering_id": scene.offering.pk, "referred_on": "2026-02-15"})
    assert status == 201, body
    assert (body["status"], body["version"], body["service_type"]) == ("referred", 1, "work_trial")
    referral_id = body["id"]

    offerings = client.get("/api/provision/offerings?area=kuopio&on=2026-02-20").json()
    assert [(o["name"], o["capacity"], o["in_use"], o["participating"], o["free"], o["fill_rate"]) for o in offerings] == [
        ("Työkokeilu, puutyö", 2, 2, 0, 0, 0.0)]

    status, body = post(client, f"/api/provision/referrals/{referral_id}/start",
                        {"start_date": "2026-03-01", "planned_end": "2026-05-31", "version": 1})
    assert status == 200, body
    assert (body["status"], body["version"], body["participation_end"]) == ("started", 2, "2026-05-31")
    spells = StatusSpell.objects.filter(person=person, superseded_at__isnull=True).order_by("start_date")
    assert [(s.status_id, s.end_date) for s in spells] == [("unemployed", date(2026, 2, 28)),
                                                          ("in_service", date(2026, 5, 31))]
    offering = client.get("/api/provision/offerings?area=kuopio&on=2026-03-02").json()[0]
    assert (offering["in_use"], offering["participating"], offering["fill_rate"]) == (2, 1, 0.5)

    status, body = post(client, f"/api/provision/referrals/{referral_id}/end", {"end_date": "2026-04-30", "version": 1})
    assert status == 422
    assert error_fields(body) == {("version", "not_current")}
    status, body = post(client, f"/api/provision/referrals/{referral_id}/end", {"end_date": "2026-04-30", "version": 2})
    assert status == 200, body
    assert (body["status"], body["ended_on"]) == ("completed", "2026-04-30")

    listed = client.get(f"/api/persons/{person.pk}/referrals").json()
    assert [(r["id"], r["status"]) for r in listed] == [(referral_id, "completed")]
    actions = set(AccessLog.objects.filter(person_id=person.pk).values_list("action", flat=True))
    assert {"api_referral_create", "api_participation_start", "api_participation_end", "api_person_referrals"} <= actions


def test_full_offering_is_a_422_with_the_field(scene, team_client) -> None:
    client = client_for(scene.counsellor)
    for _ in range(2):
        post(client, "/api/provision/referrals",
             {"person_id": str(team_client().pk), "offering_id": scene.offering.pk, "referred_on": "2026-03-01"})
    status, body = post(client, "/api/provision/referrals",
                        {"person_id": str(scene.client.pk), "offering_id": scene.offering.pk, "referred_on": "2026-03-01"})
    assert status == 422
    assert body == {"errors": [{"field": "offering", "code": "invalid",
                                "message": "Palvelu on täynnä: 2/2 paikkaa käytössä 1.3.2026."}]}
    status, body = post(client, "/api/provision/referrals",
                        {"person_id": str(scene.client.pk), "offering_id": 999999, "referred_on": "1.3.2026"})
    assert status == 422
    assert error_fields(body) == {("referred_on", "invalid")}
    status, body = post(client, "/api/provision/referrals",
                        {"person_id": str(scene.client.pk), "offering_id": 999999, "referred_on": "2026-03-01"})
    assert (status, error_fields(body)) == (422, {("offering_id", "unknown")})


def test_outside_scope_is_403_and_logged_as_refused(scene) -> None:
    outsider = client_for(scene.other_area_manager)
    status, body = post(outsider, "/api/provision/referrals",
                        {"person_id": str(scene.client.pk), "offering_id": scene.offering.pk, "referred_on": "2026-03-01"})
    assert status == 403
    assert body["errors"][0]["code"] == "forbidden"
    referral = services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 3, 1),
                                        actor=scene.counsellor.user)
    status, _ = post(outsider, f"/api/provision/referrals/{referral.pk}/start",
                     {"start_date": "2026-03-02", "planned_end": "2026-04-30"})
    assert status == 403
    assert outsider.get(f"/api/persons/{scene.client.pk}/referrals").status_code == 403
    assert outsider.get(f"/api/persons/{scene.client.pk}/decisions").status_code == 403
    # Each refused attempt is logged as refused (issue 19), never as a read or write.
    assert set(AccessLog.objects.filter(user=scene.other_area_manager.user).values_list("action", flat=True)) == {
        "access_refused"}
    assert Referral.objects.get().status == "referred"


def test_decisions_employers_and_budget(make_staff, make_person) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo")
    client = client_for(counsellor)
    person = make_person(municipality="765", since=date(2020, 1, 1), team_id=counsellor.team_id)
    services.budget_set(municipality_code="765", year=2022, amount=Decimal("50000"))

    status, body = post(client, "/api/provision/employers", {"name": "Sotkamon Kone Oy", "business_id": "15728600"})
    assert status == 201, body
    assert (body["business_id"], body["kind"]) == ("1572860-0", "company")
    employer_id = body["id"]
    status, body = post(client, "/api/provision/employers", {"name": "Huono Oy", "business_id": "1572860-1"})
    assert (status, error_fields(body)) == (422, {("business_id", "invalid_checksum")})
    status, _ = post(client_for(make_staff(Role.ANALYST, area="kainuu")), "/api/provision/employers",
                     {"name": "Analyytikon Oy", "business_id": "0201256-6"})
    assert status == 403
    assert Employer.objects.count() == 1

    decision = {"person_id": str(person.pk), "kind": "municipal_wage_supplement", "employer_id": employer_id,
                "monthly_amount": "500.00", "months": 10, "start_date": "2022-03-01", "decided_on": "2022-02-15"}
    status, body = post(client, "/api/provision/decisions", decision)
    assert status == 201, body
    assert (body["total"], body["municipality"], body["percent"]) == ("5000.00", "765", None)
    status, body = post(client, "/api/provision/decisions", decision | {"monthly_amount": "5000.00"})
    assert status == 422
    assert error_fields(body) == {("monthly_amount", "invalid")}
    assert "jäljellä 45 000,00 €" in body["errors"][0]["message"]
    status, body = post(client, "/api/provision/decisions",
                        decision | {"kind": "wage_subsidy", "percent": 100})
    assert (status, error_fields(body)) == (422, {("percent", "invalid")})
    assert Decision.objects.count() == 1

    budget = client.get("/api/provision/kuntalisa-budget?municipality=765&year=2022").json()
    assert budget == {"municipality": "765", "year": 2022, "amount": "50000.00", "committed": "5000.00",
                      "available": "45000.00"}

    decisions = client.get(f"/api/persons/{person.pk}/decisions").json()
    assert [(d["kind"], d["employer_name"], d["total"]) for d in decisions] == [
        ("municipal_wage_supplement", "Sotkamon Kone Oy", "5000.00")]
    log = AccessLog.objects.filter(person_id=person.pk, action="api_person_decisions").get()
    assert (log.user, log.channel, log.purpose) == (counsellor.user, "api", "asiakastyö")
