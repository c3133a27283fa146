"""The job agent's flow on the pages: create a vacancy → candidates with their breakdowns → send a job offer →
record the outcome → see it in the figures; each candidate shown is an access-logged read."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from polku.access.models import AccessAction, AccessLog, Role, StaffProfile
from polku.core.errors import AccessDenied
from polku.employer_services import services
from polku.employer_services.esco import catalogue
from polku.employer_services.models import JobOffer, Vacancy
from polku.provision.models import Employer
from tests.employer_services.conftest import TODAY, Scene, uri

pytestmark = pytest.mark.django_db


def signed_in(profile: Any) -> Client:
    client = Client()
    client.force_login(profile.user)
    return client


def short(code: str) -> str:
    return code.rsplit("/", 1)[-1]


def test_vacancy_to_offer_to_figures(scene: Scene) -> None:
    client = signed_in(scene.job_agent)
    today = timezone.localdate()
    response = client.post("/tyonantajapalvelut/tyopaikat/uusi/", {
        "employer": str(scene.employer.pk), "title": "Trukinkuljettaja", "municipality": "297", "hours": "full_time",
        "positions": "1", "occupation": short(uri("forklift operator")),
        "required_skills": [short(uri("operate forklift")), short(uri("perform loading and unloading operations"))],
        "licences": ["forklift_training"], "language_fi": "4"})
    vacancy = Vacancy.objects.get(title="Trukinkuljettaja")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/tyopaikat/{vacancy.pk}/")

    from polku.portal import services as portal

    portal.give_consent(person=scene.licensed, purpose="share_profile", recipient="employers", actor=None)
    page = client.get(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/").content.decode()
    # Lauri may be presented to the employer (his consent is in force), Ulla may not.
    lauri, ulla = page.index("Osaaja, Lauri"), page.index("Osaaja, Ulla")
    assert "Asiakas on antanut luvan esitellä profiilinsa työnantajalle." in page[lauri:ulla]
    assert "asiakas ei ole antanut siihen lupaa" in page[ulla:]
    # Lauri holds the card, Ulla has more skills but not the card: Lauri first, Ulla placed lower and told why.
    assert page.index("Osaaja, Lauri") < page.index("Osaaja, Ulla")
    assert "Sijoitettu alemmas: puuttuu vaadittu lupa tai kortti." in page
    assert "Pisteiden erittely" in page
    assert "Vaaditut taidot" in page
    assert "Trukkikoulutus" in page
    assert "Kaisa" not in page  # a Kainuu client is outside the Kuopio job agent's scope
    logged = set(AccessLog.objects.filter(action=AccessAction.CANDIDATE_LIST).values_list("person_id", flat=True))
    assert logged == {scene.licensed.pk, scene.unlicensed.pk}

    response = client.post(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/tarjous/", {
        "person": str(scene.licensed.pk), "offered_on": today.isoformat(), "binding": "on"})
    offer = JobOffer.objects.get(vacancy=vacancy, person=scene.licensed)
    assert response.status_code == 302
    assert offer.binding

    response = client.post(f"/tyonantajapalvelut/tarjoukset/{offer.pk}/", {
        "response": "accepted", "outcome": "hired", "outcome_on": today.isoformat(), "version": offer.version})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.outcome == "hired"

    figures = client.get("/tyonantajapalvelut/luvut/").content.decode()
    assert "1 / 1 (100 %)" in figures  # one offer with an outcome, one hired
    assert "2 / 2 (100 %)" in figures  # both Kuopio job seekers have a profile
    for code in ("job_offers", "job_offers_to_work_share", "competence_profile_coverage", "employer_contacts"):
        assert f'href="/mittarit/{code}/"' in figures  # each figure links to its definition in the catalogue


def test_offer_to_someone_outside_scope_names_the_field(scene: Scene) -> None:
    from polku.employer_services import services
    from polku.employer_services.services import VacancyInput

    vacancy = services.vacancy_create(actor=scene.job_agent.user, employer=scene.employer,
                                      data=VacancyInput(title="Varastotyöntekijä", municipality_code="297"))
    client = signed_in(scene.job_agent)
    response = client.post(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/tarjous/", {
        "person": str(scene.outsider.pk), "offered_on": timezone.localdate().isoformat()}, follow=True)
    assert "Työnhakija: Työnhakija ei kuulu rajaukseesi" in response.content.decode()
    assert not JobOffer.objects.exists()
    assert AccessLog.objects.filter(person_id=scene.outsider.pk, action=AccessAction.ACCESS_REFUSED).exists()


def test_vacancy_without_title_or_place_is_refused_naming_the_fields(scene: Scene) -> None:
    client = signed_in(scene.job_agent)
    response = client.post("/tyonantajapalvelut/tyopaikat/uusi/", {
        "employer": str(scene.employer.pk), "title": "", "municipality": "", "hours": "full_time", "positions": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Tehtävänimike: Tehtävänimike on pakollinen." in html
    assert "Työpaikan kunta: Työpaikan kunta on pakollinen." in html


def test_invalid_business_id_is_refused_naming_the_field(scene: Scene) -> None:
    response = signed_in(scene.job_agent).post("/tyonantajapalvelut/tyonantajat/", {
        "name": "Virhe Oy", "business_id": "1572860-1", "kind": "company"})
    assert response.status_code == 400
    assert "Y-tunnus: Y-tunnuksen 1572860-1 tarkiste ei täsmää." in response.content.decode()


def test_suggesting_from_a_description_shows_evidence_and_respects_negation(scene: Scene) -> None:
    response = signed_in(scene.job_agent).post("/tyonantajapalvelut/tyopaikat/uusi/", {
        "employer": str(scene.employer.pk), "title": "Varasto", "municipality": "297", "hours": "full_time",
        "positions": "1", "ehdota": "1",
        "description": "Etsimme trukkikortin omaavaa keräilijää. Ajokorttia ei tarvita."})
    html = response.content.decode()
    assert response.status_code == 200
    assert "”trukkikortin”" in html
    assert "ei: kielto ”ei”" in html  # the driving licence is shown but not counted
    assert not Vacancy.objects.exists()  # suggesting saves nothing


def test_competence_profile_page_logs_and_refuses_outside_scope(scene: Scene) -> None:
    client = signed_in(scene.counsellor)
    assert client.get(f"/tyonantajapalvelut/osaamisprofiilit/{scene.licensed.pk}/").status_code == 200
    assert AccessLog.objects.filter(person_id=scene.licensed.pk, action=AccessAction.COMPETENCE_PROFILE).exists()
    assert client.get(f"/tyonantajapalvelut/osaamisprofiilit/{scene.outsider.pk}/").status_code == 403
    assert AccessLog.objects.filter(person_id=scene.outsider.pk, action=AccessAction.ACCESS_REFUSED).exists()


def test_counsellor_saves_a_profile_from_confirmed_suggestions(scene: Scene) -> None:
    client = signed_in(scene.counsellor)
    url = f"/tyonantajapalvelut/osaamisprofiilit/{scene.licensed.pk}/"
    response = client.post(url, {"cv_text": "Olen siivonnut toimistoja. En ole ajanut trukkia.", "ehdota": "1",
                                 "place_preference": "area", "hours_preference": "any", "version": "1"})
    html = response.content.decode()
    assert "”siivonnut”" in html
    assert "ei: kielto ”En”" in html
    response = client.post(url, {"skills": [short(uri("perform cleaning duties"))], "place_preference": "home",
                                 "hours_preference": "part_time", "version": "1", "language_fi": "7"})
    assert response.status_code == 302
    scene.licensed.competence_profile.refresh_from_db()
    assert scene.licensed.competence_profile.skills == [uri("perform cleaning duties")]


def test_an_employer_without_an_area_is_kept_by_its_municipalitys_area_only(
        scene: Scene, make_staff: Callable[..., StaffProfile]) -> None:
    """An employer registered for a subsidy decision has no area: the area its municipality belongs to may open and
    take it over, another area's job agent can neither open, list nor change it (a takeover across areas before)."""
    kainuu_agent = make_staff(Role.JOB_AGENT, area="kainuu")
    sotkamo = Employer.objects.create(name="Sotkamon Saha Oy", business_id="0112038-9", municipality_id="765")
    kuopio = signed_in(scene.job_agent)
    url = f"/tyonantajapalvelut/tyonantajat/{sotkamo.pk}/"
    assert kuopio.get(url).status_code == 403
    assert "Sotkamon Saha" not in kuopio.get("/tyonantajapalvelut/tyonantajat/").content.decode()
    assert kuopio.post(url, {"lomake": "tiedot", "tiedot-industry": "C", "tiedot-size": "small"}).status_code == 403
    with pytest.raises(AccessDenied):
        services.employer_update(actor=scene.job_agent.user, employer=sotkamo,
                                 details=services.EmployerDetails(industry="C"), today=TODAY)
    sotkamo.refresh_from_db()
    assert sotkamo.area_id is None
    assert sotkamo.industry == ""
    kainuu = signed_in(kainuu_agent)
    assert kainuu.get(url).status_code == 200
    assert "Sotkamon Saha" in kainuu.get("/tyonantajapalvelut/tyonantajat/").content.decode()
    services.employer_update(actor=kainuu_agent.user, employer=sotkamo,
                             details=services.EmployerDetails(industry="C"), today=TODAY)
    sotkamo.refresh_from_db()
    assert sotkamo.area_id == kainuu_agent.area_id
    assert sotkamo.industry == "C"


def test_a_missing_card_links_to_the_areas_services_that_give_it(scene: Scene) -> None:
    """Ulla lacks the forklift card: the candidate list and her profile name the Kuopio courses whose description says
    they give it (not Kainuu's, not one whose description says it does not), and her counsellor's link opens the
    referral form with the course chosen."""
    from datetime import date

    from polku.provision import services as provision

    kuopio = provision.provider_create(name="Savon ammattiopisto", kind="private", area_code="kuopio")
    course = provision.offering_create(
        provider=kuopio, service_type="labour_market_training", name="Logistiikan työvoimakoulutus", capacity=12,
        available_from=date(2025, 1, 1), description="Trukkikortti, keräily ja lastaus.")
    provision.offering_create(provider=kuopio, service_type="coaching", name="Työnhakuvalmennus", capacity=5,
                              available_from=date(2025, 1, 1), description="Kurssi ei sisällä trukkikorttia.")
    kainuu = provision.provider_create(name="Kainuun ammattiopisto", kind="private", area_code="kainuu")
    provision.offering_create(provider=kainuu, service_type="labour_market_training", name="Kainuun trukkikurssi",
                              capacity=8, available_from=date(2025, 1, 1), description="Trukkikortti.")
    vacancy = services.vacancy_create(actor=scene.job_agent.user, employer=scene.employer, data=services.VacancyInput(
        title="Trukinkuljettaja", municipality_code="297", occupation=uri("forklift operator"),
        required_skills=(uri("operate forklift"),), licences=("forklift_training",)))

    page = signed_in(scene.job_agent).get(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/").content.decode()
    assert "Logistiikan työvoimakoulutus" in page
    assert "12 vapaata paikkaa" in page
    assert "Työnhakuvalmennus" not in page  # its description says it does not give the card
    assert "Kainuun trukkikurssi" not in page  # another area's catalogue
    assert "?tarjonta=" not in page  # the job agent does not refer clients: the course is named, not linked

    counsellor = signed_in(scene.counsellor)
    profile = counsellor.get(f"/tyonantajapalvelut/osaamisprofiilit/{scene.unlicensed.pk}/").content.decode()
    link = f"/palvelut/henkilot/{scene.unlicensed.pk}/ohjaus/?tarjonta={course.pk}"
    assert link in profile
    form = counsellor.get(link).content.decode()
    assert re.search(rf'name="offering" value="{course.pk}"[^>]*checked', form)  # the course, chosen
    plain = counsellor.get(f"/palvelut/henkilot/{scene.unlicensed.pk}/ohjaus/").content.decode()
    assert not re.search(r'name="offering"[^>]*checked', plain)


def test_the_counsellor_exports_the_profile_for_the_states_job_search_profile(scene: Scene) -> None:
    counsellor = signed_in(scene.counsellor)
    url = f"/tyonantajapalvelut/osaamisprofiilit/{scene.unlicensed.pk}/vienti.json"
    assert url in counsellor.get(f"/tyonantajapalvelut/osaamisprofiilit/{scene.unlicensed.pk}/").content.decode()
    response = counsellor.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="tyonhakuprofiili-')
    document = response.json()
    assert (document["format"], document["version"]) == ("polku-job-search-profile", 1)
    assert {o["esco_uri"] for o in document["occupations"]} == {uri("forklift operator")}
    assert {s["esco_uri"] for s in document["skills"]} == {
        uri("operate forklift"), uri("perform loading and unloading operations"), uri("pick orders for dispatching")}
    assert all(set(s["label"]) == {"fi", "sv", "en"} and all(s["label"].values()) for s in document["skills"])
    finnish = catalogue().language_by_iso("fi")
    assert finnish is not None
    assert document["languages"] == [{"iso_639_1": "fi", "label": {k: finnish.labels[k] for k in ("fi", "sv", "en")},
                                      "cefr": None, "mother_tongue": True}]  # level 7: the mother tongue
    assert document["languages"][0]["label"]["en"] == "Finnish"
    assert document["education"]["level"] == 3
    assert document["licences"] == []
    assert document["preferences"]["place"]["code"] == "area"
    text = response.content.decode()
    assert scene.unlicensed.last_name not in text  # nothing of the person but their competence
    logged = AccessLog.objects.filter(action=AccessAction.COMPETENCE_PROFILE_EXPORT, person_id=scene.unlicensed.pk)
    assert logged.count() == 1
    # A job agent sees the profile to match, but does not take it out of Polku; another area's counsellor sees nothing.
    agent = signed_in(scene.job_agent)
    assert url not in agent.get(f"/tyonantajapalvelut/osaamisprofiilit/{scene.unlicensed.pk}/").content.decode()
    assert agent.get(url).status_code == 403
    assert signed_in(scene.kainuu_counsellor).get(url).status_code == 403
    refused = AccessLog.objects.filter(action=AccessAction.ACCESS_REFUSED, person_id=scene.unlicensed.pk,
                                       purpose__startswith="competence_profile_export")
    assert refused.count() == 2  # each refused download is logged, naming what was tried
