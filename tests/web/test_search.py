"""Issue 16, item 8: a search box in the header — pages, clients by name or identity code for those allowed,
services, employers and municipalities — that finds only what the user may see, logs the persons it shows, and never
puts an identity code in a URL or echoes it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from polku.access.models import AccessAction, AccessLog, Role
from polku.provision import services as provision
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db

CODE = next_artificial_id(date(1990, 1, 1))
UNKNOWN = next_artificial_id(date(1990, 2, 2))


def signed_in(profile: Any) -> Client:
    client = Client()
    client.force_login(profile.user)
    return client


@pytest.fixture
def people(make_person: Any) -> dict[str, Any]:
    return {
        "inside": make_person(municipality="765", first_names="Aino", last_name="Hakulinen", personal_id_code=CODE),
        "outside": make_person(municipality="297", first_names="Eino", last_name="Hakulinen"),
    }


def test_the_header_has_the_search_for_staff(make_staff: Any) -> None:
    page = signed_in(make_staff(Role.MANAGER, area="kainuu")).get("/").content.decode()
    assert 'role="search"' in page
    assert 'action="/haku/"' in page
    assert 'method="post"' in page.split('action="/haku/"')[1][:40]  # a typed identity code never enters a URL
    assert 'role="search"' not in Client().get("/").content.decode()


def test_a_name_finds_only_the_persons_in_scope_and_logs_them(make_staff: Any, people: dict[str, Any]) -> None:
    client = signed_in(make_staff(Role.MANAGER, area="kainuu"))
    posted = client.post("/haku/", {"q": "hakul"})
    assert posted.status_code == 302
    assert posted["Location"] == "/haku/?q=hakul"
    text = client.get(posted["Location"]).content.decode()
    assert "Hakulinen, Aino" in text
    assert "Eino" not in text  # lives in another area
    assert f"/henkilot/{people['inside'].pk}/" in text
    logged = AccessLog.objects.filter(action=AccessAction.PERSON_LIST)
    assert list(logged.values_list("person_id", flat=True)) == [people["inside"].pk]


def test_an_identity_code_opens_the_person_without_entering_a_url(make_staff: Any, people: dict[str, Any]) -> None:
    client = signed_in(make_staff(Role.MANAGER, area="kainuu"))
    found = client.post("/haku/", {"q": f" {CODE} "})
    assert found.status_code == 302
    assert found["Location"] == f"/henkilot/{people['inside'].pk}/"
    assert CODE not in found["Location"]
    assert AccessLog.objects.filter(person_id=people["inside"].pk, action=AccessAction.PERSON_LOOKUP).count() == 1

    outsider = signed_in(make_staff(Role.MANAGER, area="kuopio"))  # the person lives in Kainuu
    refused = outsider.post("/haku/", {"q": CODE})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert CODE not in text
    assert "ei löytynyt henkilöä" in text
    assert AccessLog.objects.filter(person_id=people["inside"].pk, action=AccessAction.ACCESS_REFUSED).count() == 1
    unknown = outsider.post("/haku/", {"q": UNKNOWN})
    assert unknown.status_code == 400
    assert "ei löytynyt henkilöä" in unknown.content.decode()  # the same answer: existence is not revealed

    in_address = client.get(f"/haku/?q={CODE}")
    assert in_address.status_code == 302
    assert in_address["Location"] == "/haku/"


def test_an_official_finds_pages_and_municipalities_but_no_person(make_staff: Any, people: dict[str, Any]) -> None:
    client = signed_in(make_staff(Role.ELECTED_OFFICIAL, area="kainuu"))
    text = client.get("/haku/?q=hakulinen").content.decode()
    assert "Aino" not in text
    assert not AccessLog.objects.filter(person_id=people["inside"].pk).exists()
    refused = client.post("/haku/", {"q": CODE})
    assert refused.status_code == 400
    assert CODE not in refused.content.decode()
    assert not AccessLog.objects.filter(person_id=people["inside"].pk).exists()

    text = client.get("/haku/?q=sotka").content.decode()
    assert "Sotkamo" in text
    assert "/mittarit/unemployed_jobseekers/?scope=765" in text
    assert "/kuntaosuus/?municipality=765" in text
    assert "Kajaani" not in text
    pages = client.get("/haku/?q=raport").content.decode()
    assert 'href="/raportit/"' in pages
    assert "/tietosuoja/lokit/" not in client.get("/haku/?q=loki").content.decode()  # not the official's page


def test_pages_are_found_in_the_readers_language_and_in_finnish(make_staff: Any) -> None:
    client = signed_in(make_staff(Role.MANAGER, area="kainuu"))
    client.cookies["django_language"] = "en"
    assert 'href="/kuntaosuus/"' in client.get("/haku/?q=municipal share").content.decode()
    assert 'href="/kuntaosuus/"' in client.get("/haku/?q=kuntaosuus").content.decode()


def test_services_and_employers_within_reach(make_staff: Any) -> None:
    provider = provision.provider_create(name="Kajaanin Valmennus Oy", kind="private", area_code="kainuu")
    provision.offering_create(provider=provider, service_type="labour_market_training", name="Hitsauksen valmennus",
                              capacity=10, available_from=date(2020, 1, 1))
    other = provision.provider_create(name="Kuopion Valmennus Oy", kind="private", area_code="kuopio")
    provision.offering_create(provider=other, service_type="labour_market_training", name="Hitsauksen peruskurssi",
                              capacity=10, available_from=date(2020, 1, 1))
    provision.employer_create(name="Hitsaamo Sotkamo Oy", business_id="1234567-1", municipality_code="765")
    agent = signed_in(make_staff(Role.JOB_AGENT, area="kainuu"))
    text = agent.get("/haku/?q=hitsa").content.decode()
    assert "Hitsauksen valmennus" in text
    assert "Hitsauksen peruskurssi" not in text  # another area's catalogue
    assert "Hitsaamo Sotkamo Oy" in text
    assert "/tyonantajapalvelut/tyonantajat/" in text
    assert "Hitsaamo" not in signed_in(make_staff(Role.JOB_AGENT, area="kuopio")).get("/haku/?q=hitsa").content.decode()


def test_nothing_found_and_short_queries(make_staff: Any) -> None:
    client = signed_in(make_staff(Role.COUNSELLOR, area="kainuu"))
    assert "ei löytynyt mitään" in client.get("/haku/?q=qqqzzz").content.decode()
    assert "vähintään kaksi merkkiä" in client.get("/haku/?q=a").content.decode()
    assert client.get("/haku/?q=" + "x" * 500).status_code == 200  # cut to a hundred characters, not an error
    assert client.get("/haku/?q=" + "x" * 5000).status_code == 400  # past every query parameter's bound


def test_two_letters_find_pages_but_no_clients(make_staff: Any, people: dict[str, Any]) -> None:
    """Two letters would list much of the register to a register-wide role, and log every name shown."""
    client = signed_in(make_staff(Role.MANAGER, area="kainuu"))
    text = client.get("/haku/?q=ha").content.decode()
    assert "Hakulinen" not in text
    assert "vähintään kolme merkkiä" in text
    assert not AccessLog.objects.filter(action=AccessAction.PERSON_LIST).exists()
    assert "Hakulinen, Aino" in client.get("/haku/?q=hak").content.decode()


@pytest.mark.parametrize("typed", [
    CODE.replace("-", ""),  # no separator
    CODE[:-1],  # the check character left out
    CODE.replace("-", " "),
])
def test_a_mistyped_identity_code_is_never_put_in_an_address_or_echoed(
        make_staff: Any, people: dict[str, Any], typed: str) -> None:
    client = signed_in(make_staff(Role.MANAGER, area="kainuu"))
    posted = client.post("/haku/", {"q": typed})
    assert posted.status_code == 400
    text = posted.content.decode()
    assert typed not in text
    assert CODE[:6] not in text
    assert "Henkilötunnus" in text
    in_address = client.get("/haku/", {"q": typed})
    assert in_address.status_code == 302
    assert in_address["Location"] == "/haku/"
    person_list = client.get("/henkilot/", {"q": typed})  # the person list's name search, the same rule
    assert person_list.status_code == 302
    assert person_list["Location"] == "/henkilot/"
    posted_name = client.post("/henkilot/", {"q": typed})  # the name search's form posts: the code is caught first
    assert posted_name.status_code == 302
    assert posted_name["Location"] == "/henkilot/"
    assert typed not in client.get("/henkilot/").content.decode()


def test_the_person_lists_name_search_posts_and_a_name_goes_to_the_address(make_staff: Any,
                                                                          people: dict[str, Any]) -> None:
    client = signed_in(make_staff(Role.MANAGER, area="kainuu"))
    html = client.get("/henkilot/").content.decode()
    assert 'method="get" action="/henkilot/"' not in html  # no form of the page sends what is typed in the address
    posted = client.post("/henkilot/", {"q": "Hakulinen"})
    assert posted.status_code == 302
    assert posted["Location"] == "/henkilot/?q=Hakulinen"
    assert "Hakulinen, Aino" in client.get(posted["Location"]).content.decode()
    assert client.post("/henkilot/", {"q": ""})["Location"] == "/henkilot/"


def test_an_en_dash_from_a_word_processor_still_opens_the_person(make_staff: Any, people: dict[str, Any]) -> None:
    client = signed_in(make_staff(Role.MANAGER, area="kainuu"))
    found = client.post("/haku/", {"q": CODE.replace("-", "\u2013")})
    assert found["Location"] == f"/henkilot/{people['inside'].pk}/"


def test_a_business_id_is_searched_as_such(make_staff: Any) -> None:
    client = signed_in(make_staff(Role.JOB_AGENT, area="kainuu"))
    posted = client.post("/haku/", {"q": "1234567-8"})
    assert posted.status_code == 302
    assert posted["Location"] == "/haku/?q=1234567-8"
