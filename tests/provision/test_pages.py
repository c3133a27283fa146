"""Provision pages through Django's test client: the catalogue's fill, referral and participation forms, decisions,
the kuntalisä budget page (aggregate: no person on it), employers, and who may reach what.

Decided and tested here: the catalogue, kuntalisä and employer pages are aggregate and open to every staff role of
the area, elected officials included; the person forms need a recording role and the person in scope.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from polku.access.models import AccessLog, Role, StaffProfile
from polku.people.models import Person
from polku.provision import services
from polku.provision.models import Decision, Employer, Referral, ReferralStatus, ServiceOffering
from polku.timeline.models import StatusSpell
from tests.provision.conftest import Scene

pytestmark = pytest.mark.django_db

PASSWORD = "salasana-123"  # make_staff's
COMPANY_ID = "1572860-0"
NBSP = "\xa0"  # the Finnish thousands separator


def login(client: Any, profile: StaffProfile) -> None:
    client.force_login(profile.user)  # the login form itself, with its lockout, is tested in tests/access


def person_url(person: Person) -> str:
    return reverse("web:person_detail", args=[person.pk]) + "#main"


def offering_row(html: str, name: str) -> list[str]:
    """The numeric cells of the catalogue row of ``name``."""
    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if name in r)
    return [cell.strip() for cell in re.findall(r'<td class="num">([^<]*)', row)]


# --- catalogue ----------------------------------------------------------------------------------------------------


def test_catalogue_shows_the_fill_as_numbers(client: Any, scene: Scene, team_client: Any, make_staff: Any) -> None:
    actor = scene.counsellor.user
    started = services.referral_create(person=team_client(), offering=scene.offering, referred_on=date(2026, 2, 1),
                                       actor=actor)
    services.participation_start(referral=started, start_date=date(2026, 2, 15), planned_end=date(2026, 5, 31),
                                 actor=actor)
    services.referral_create(person=team_client(), offering=scene.offering, referred_on=date(2026, 2, 20), actor=actor)
    login(client, scene.counsellor)

    response = client.get(reverse("provision:catalogue"), {"paiva": "2026-03-01"})

    html = response.content.decode()
    assert response.status_code == 200
    # capacity, in use (referred + participating), participating, free, fill rate (participating / capacity)
    assert offering_row(html, "Työkokeilu, puutyö") == ["2", "2", "1", "0", "50 %"]
    assert "täynnä" in html
    assert "Kuopion Työpaja ry" in html
    assert "kolmas sektori" in html
    assert reverse("provision:offering_new") in html
    assert reverse("provision:provider_new") in html
    assert 'aria-current="page"' in html

    # Before the second referral only the participation held a place.
    html = client.get(reverse("provision:catalogue"), {"paiva": "2026-02-16"}).content.decode()
    assert offering_row(html, "Työkokeilu, puutyö") == ["2", "1", "1", "1", "50 %"]

    assert client.get(reverse("provision:catalogue"), {"paiva": "eilen"}).status_code == 400

    client.logout()
    login(client, make_staff(Role.ELECTED_OFFICIAL, area="kuopio"))
    html = client.get(reverse("provision:catalogue"), {"paiva": "2026-03-01"}).content.decode()
    assert offering_row(html, "Työkokeilu, puutyö") == ["2", "2", "1", "0", "50 %"]
    assert reverse("provision:offering_new") not in html
    assert client.get(reverse("provision:offering_new")).status_code == 403


def test_offering_and_provider_forms(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    response = client.post(reverse("provision:provider_new"), {"name": "Valmennus Oy", "kind": "private",
                                                               "business_id": "1572860-1"})
    assert response.status_code == 400
    assert "tarkiste ei täsmää" in response.context["form"].errors["business_id"][0]
    assert 'value="Valmennus Oy"' in response.content.decode()

    response = client.post(reverse("provision:provider_new"), {"name": "Valmennus Oy", "kind": "private",
                                                               "business_id": COMPANY_ID})
    assert response.status_code == 302
    provider = scene.provider.__class__.objects.get(name="Valmennus Oy")
    assert provider.area.code == "kuopio"

    form = {"provider": provider.pk, "service_type": "coaching", "name": "Työnhakuvalmennus", "capacity": "10",
            "available_from": "2026-12-01", "available_to": "2026-11-01", "description": ""}
    response = client.post(reverse("provision:offering_new"), form)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["available_to"]
    response = client.post(reverse("provision:offering_new"), form | {"available_to": "2027-05-31"})
    assert response.status_code == 302
    assert ServiceOffering.objects.get(name="Työnhakuvalmennus").capacity == 10


# --- referrals and participation -----------------------------------------------------------------------------


def test_referral_to_a_full_service_is_refused_on_the_offering_field(client: Any, scene: Scene, team_client: Any) -> None:
    actor = scene.counsellor.user
    for _ in range(2):
        services.referral_create(person=team_client(), offering=scene.offering, referred_on=date(2026, 3, 1), actor=actor)
    login(client, scene.counsellor)

    page = client.get(reverse("provision:referral_new", args=[scene.client.pk]))
    assert page.status_code == 200
    assert "Työkokeilu, puutyö" not in page.content.decode()  # only offerings with free places are offered

    response = client.post(reverse("provision:referral_new", args=[scene.client.pk]),
                           {"offering": scene.offering.pk, "referred_on": "2026-03-01"})

    assert response.status_code == 400
    assert response.context["form"].errors["offering"] == ["Palvelu on täynnä: 2/2 paikkaa käytössä 1.3.2026."]
    html = response.content.decode()
    assert re.search(rf'value="{scene.offering.pk}"[^>]*checked', html)  # the user's choice is kept
    assert 'value="2026-03-01"' in html
    assert not Referral.objects.filter(person=scene.client).exists()


def test_referral_then_participation_writes_the_in_service_spell(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    page = client.get(reverse("provision:referral_new", args=[scene.client.pk]))
    assert "Työkokeilu, puutyö (Kuopion Työpaja ry, työkokeilu): vapaana 2/2" in page.content.decode()

    response = client.post(reverse("provision:referral_new", args=[scene.client.pk]),
                           {"offering": scene.offering.pk, "referred_on": "2026-02-15"})

    assert response.status_code == 302
    assert response["Location"] == person_url(scene.client)
    referral = Referral.objects.get(person=scene.client)
    assert (referral.status, referral.version) == (ReferralStatus.REFERRED, 1)

    start_url = reverse("provision:participation_start", args=[referral.pk])
    page = client.get(start_url)
    assert page.status_code == 200
    assert '<input type="hidden" name="version" value="1"' in page.content.decode()
    response = client.post(start_url, {"version": "1", "start_date": "2026-03-01", "planned_end": "2026-05-31"})

    assert response.status_code == 302
    assert response["Location"] == person_url(scene.client)
    referral.refresh_from_db()
    assert (referral.status, referral.participation_start, referral.version) == (ReferralStatus.STARTED, date(2026, 3, 1), 2)
    spell = StatusSpell.objects.get(person=scene.client, superseded_at__isnull=True)
    assert (spell.status_id, spell.service_type_id, spell.start_date, spell.end_date) == (
        "in_service", "work_trial", date(2026, 3, 1), date(2026, 5, 31))

    # A second save on the old version is refused and the form keeps what was typed.
    response = client.post(start_url, {"version": "1", "start_date": "2026-03-02", "planned_end": "2026-05-31"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ohjausta on muutettu välillä (versio 2)" in html
    assert 'value="2026-03-02"' in html

    detail = client.get(person_url(scene.client)).content.decode()
    assert 'id="palvelut"' in detail
    assert "Palvelut ja päätökset" in detail
    assert reverse("provision:participation_end", args=[referral.pk]) in detail

    response = client.post(reverse("provision:participation_end", args=[referral.pk]),
                           {"version": "2", "end_date": "2026-04-30"})
    assert response.status_code == 302
    spell = StatusSpell.objects.get(person=scene.client, superseded_at__isnull=True)
    assert spell.end_date == date(2026, 4, 30)


def test_cancelling_a_referral_frees_its_place(client: Any, scene: Scene) -> None:
    referral = services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 3, 1),
                                        actor=scene.counsellor.user)
    login(client, scene.counsellor)
    url = reverse("provision:referral_close", args=[referral.pk])
    response = client.post(url, {"version": "1"})
    assert response.status_code == 400
    assert "outcome" in response.context["form"].errors
    assert client.post(url, {"version": "1", "outcome": "declined"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED


# --- decisions ----------------------------------------------------------------------------------------------------


def decision_form(employer: Employer, **overrides: str) -> dict[str, Any]:
    return {"kind": "wage_subsidy", "employer": str(employer.pk), "percent": "50", "monthly_amount": "1260,50",
            "months": "10", "start_date": "2026-03-01", "decided_on": "2026-02-15", "municipality": ""} | overrides


def test_decision_wage_subsidy_100_for_a_company_is_refused_naming_percent(client: Any, scene: Scene) -> None:
    company = services.employer_create(name="Kuopion Kone Oy", business_id=COMPANY_ID)
    login(client, scene.counsellor)
    url = reverse("provision:decision_new", args=[scene.client.pk])

    response = client.post(url, decision_form(company, percent="100"))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["percent"]
    assert "100 %:n palkkatuki vain yhdistykselle" in errors["percent"][0]
    assert 'value="1260,50"' in response.content.decode()
    assert not Decision.objects.exists()

    response = client.post(url, decision_form(company))
    assert response.status_code == 302
    assert response["Location"] == person_url(scene.client)
    decision = Decision.objects.get()
    assert (decision.percent, decision.monthly_amount, decision.total) == (50, Decimal("1260.50"), Decimal("12605.00"))
    detail = client.get(person_url(scene.client)).content.decode()
    assert "Kuopion Kone Oy" in detail
    assert f"12{NBSP}605,00" in detail


# --- kuntalisä -------------------------------------------------------------------------------------------------------


@pytest.fixture
def sotkamo_2022(make_staff: Any, make_person: Any) -> tuple[StaffProfile, Person]:
    """Sotkamo's kuntalisä budget 2022 of 50 000 €, with one decision of 500 €/kk for 12 months."""
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo")
    person = make_person(first_names="Sanni", last_name="Sotkamolainen", municipality="765", since=date(2020, 1, 1),
                         team_id=counsellor.team_id)
    employer = services.employer_create(name="Sotkamon Kone Oy", business_id=COMPANY_ID, municipality_code="765")
    services.budget_set(municipality_code="765", year=2022, amount=Decimal("50000"))
    services.decision_create(person=person, kind="municipal_wage_supplement", employer=employer,
                             monthly_amount=Decimal("500"), months=12, start_date=date(2022, 3, 1),
                             decided_on=date(2022, 2, 15), actor=counsellor.user)
    return counsellor, person


def test_kuntalisa_page_shows_committed_and_available_without_persons(client: Any, make_staff: Any,
                                                                     sotkamo_2022: tuple[StaffProfile, Person]) -> None:
    _, person = sotkamo_2022
    for role in (Role.COUNSELLOR, Role.ELECTED_OFFICIAL):
        client.logout()
        login(client, make_staff(role, area="kainuu"))
        response = client.get(reverse("provision:kuntalisa"), {"vuosi": "2022"})
        html = response.content.decode()
        assert response.status_code == 200
        row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if "Sotkamo" in r)
        assert [c.strip() for c in re.findall(r'<td class="num">([^<]*)', row)] == [
            f"50{NBSP}000,00", f"6{NBSP}000,00", f"44{NBSP}000,00", "12 %", "1"]
        assert "1 kuntalisäpäätös vuonna 2022" in html
        # One decision is one person's support: an elected official sees the totals, not the rows.
        assert ("Sotkamon Kone Oy" in html) == (role == Role.COUNSELLOR)
        for secret in (person.first_names, person.last_name, str(person.pk), person.masked_personal_id):
            assert secret not in html

    assert client.get(reverse("provision:kuntalisa"), {"vuosi": "2023"}).status_code == 200
    assert client.get(reverse("provision:kuntalisa"), {"vuosi": "kaksi"}).status_code == 400
    assert client.get(reverse("provision:kuntalisa"), {"kunta": "297"}).status_code == 400  # Kuopio: not Kainuu's


# --- employers --------------------------------------------------------------------------------------------------------


def test_employer_business_id_error_is_on_its_field(client: Any, scene: Scene, make_staff: Any) -> None:
    login(client, scene.counsellor)
    url = reverse("provision:employers")
    response = client.post(url, {"name": "Uusi Oy", "business_id": "1572860-1", "kind": "company", "municipality": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["business_id"] == ["Y-tunnuksen 1572860-1 tarkiste ei täsmää."]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Employer.objects.exists()

    response = client.post(url, {"name": "Uusi Oy", "business_id": "15728600", "kind": "company", "municipality": "297"})
    assert response.status_code == 302
    assert f'<td class="mono nowrap">{COMPANY_ID}</td>' in client.get(url, {"haku": "uusi"}).content.decode()

    client.logout()
    login(client, make_staff(Role.ELECTED_OFFICIAL, area="kuopio"))
    html = client.get(url).content.decode()
    assert COMPANY_ID in html
    assert 'name="business_id"' not in html
    assert client.post(url, {"name": "Toinen Oy", "business_id": "0201256-6", "kind": "company"}).status_code == 403


# --- access ------------------------------------------------------------------------------------------------------------


def person_form_urls(scene: Scene) -> list[str]:
    referral = services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 3, 1),
                                        actor=scene.counsellor.user)
    return [
        reverse("provision:referral_new", args=[scene.client.pk]),
        reverse("provision:decision_new", args=[scene.client.pk]),
        reverse("provision:participation_start", args=[referral.pk]),
        reverse("provision:participation_end", args=[referral.pk]),
        reverse("provision:referral_close", args=[referral.pk]),
    ]


@pytest.mark.parametrize("who", [
    (Role.ELECTED_OFFICIAL, "kuopio", None),
    (Role.COUNSELLOR, "kuopio", "Muut"),
    (Role.ANALYST, "kuopio", None),
    (Role.MANAGER, "kainuu", None),
], ids=["elected_official", "counsellor_of_another_team", "analyst", "manager_of_another_area"])
def test_person_forms_refused_outside_role_or_scope(client: Any, scene: Scene, make_staff: Any,
                                                    who: tuple[str, str, str | None]) -> None:
    role, area, team = who
    outsider = make_staff(role, area=area, team=team)
    urls = person_form_urls(scene)
    login(client, outsider)
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"version": "1", "outcome": "cancelled", "offering": scene.offering.pk,
                                 "referred_on": "2026-03-01"}).status_code == 403, url
    # Each refused attempt is logged as refused (issue 19), never as a read or write.
    assert set(AccessLog.objects.filter(user=outsider.user).values_list("action", flat=True)) <= {"access_refused"}
    assert Referral.objects.get(person=scene.client).status == ReferralStatus.REFERRED
    # The aggregate pages stay open to every staff role of the area.
    assert client.get(reverse("provision:catalogue")).status_code == 200
    assert client.get(reverse("provision:kuntalisa")).status_code == 200


def test_person_forms_write_the_access_log(client: Any, scene: Scene) -> None:
    urls = person_form_urls(scene)
    login(client, scene.counsellor)
    for url in urls:
        assert client.get(url).status_code == 200, url
    rows = AccessLog.objects.filter(user=scene.counsellor.user, person_id=scene.client.pk)
    assert sorted(rows.values_list("action", flat=True)) == sorted(
        ["referral_create", "decision_create", "participation_start", "participation_end", "referral_close"])
    assert set(rows.values_list("channel", "purpose")) == {("web", "asiakastyö")}


def test_pages_need_a_login(client: Any, scene: Scene) -> None:
    for url in (reverse("provision:catalogue"), reverse("provision:kuntalisa"), reverse("provision:employers"),
                reverse("provision:referral_new", args=[scene.client.pk])):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/kirjaudu/" in response["Location"], url
