"""The casework benchmark's signed-in floor (``benchmarks/signed_in_floor.py``): the layout of a signed-in page and
nothing more, behind the same login as every staff page — else the ratio the benchmark reports to it means nothing."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest

from polku.access.models import AccessAction, AccessLog, StaffProfile

pytestmark = [pytest.mark.django_db, pytest.mark.urls("benchmarks.signed_in_floor")]


def test_the_benchmarks_settings_are_the_products_with_these_urls() -> None:
    product = importlib.import_module("polku.settings")
    module = importlib.import_module("benchmarks.signed_in_floor_settings")
    assert module.ROOT_URLCONF == "benchmarks.signed_in_floor" != product.ROOT_URLCONF
    assert module.INSTALLED_APPS == product.INSTALLED_APPS
    assert module.MIDDLEWARE == product.MIDDLEWARE


def test_a_signed_in_counsellor_gets_the_layout_around_a_heading(client: Any,
                                                                  make_staff: Callable[..., StaffProfile]) -> None:
    counsellor = make_staff()
    client.force_login(counsellor.user)
    logged = AccessLog.objects.count()
    response = client.get("/pohja/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Pohja</h1>" in html
    assert 'href="/asiakastyo/"' in html  # the navigation of a counsellor: the layout is the real one
    assert AccessLog.objects.count() == logged  # no person's data is read


def test_without_a_session_it_sends_to_the_login_page(client: Any) -> None:
    response = client.get("/pohja/")
    assert response.status_code == 302
    assert response["Location"].startswith("/kirjaudu/")


def test_the_product_pages_stay_where_they_are(client: Any, make_staff: Callable[..., StaffProfile]) -> None:
    client.force_login(make_staff().user)
    assert client.get("/asiakastyo/").status_code == 200
    assert client.get("/terveys/").status_code == 200


def test_the_listed_floor_logs_a_read_of_each_own_client_and_shows_none(
        client: Any, make_staff: Callable[..., StaffProfile], make_person: Callable[..., Any]) -> None:
    """The worklists' floor does what a worklist must before its rows: the counsellor's clients, each read logged."""
    from polku.casework import services

    counsellor = make_staff(area="kuopio", team="Alkupalvelu")
    own = [make_person(last_name=f"Oma{n}", municipality="297") for n in range(3)]
    other = make_person(last_name="Muu", municipality="297")
    for person in own:
        services.assign(person=person, counsellor=counsellor.user)
    client.force_login(counsellor.user)
    response = client.get("/pohja/lista/")
    assert response.status_code == 200
    assert "Oma0" not in response.content.decode()  # no row is shown
    logged = AccessLog.objects.filter(user=counsellor.user, action=AccessAction.WORKLIST)
    assert sorted(str(pid) for pid in logged.values_list("person_id", flat=True)) == sorted(str(p.pk) for p in own)
    assert not AccessLog.objects.filter(person_id=other.pk).exists()


def test_the_record_floor_checks_access_and_logs_the_read(
        client: Any, make_staff: Callable[..., StaffProfile], make_person: Callable[..., Any]) -> None:
    """The record's floor lets the user see a person only as the record would, and logs the read or the refusal."""
    from polku.casework import services

    counsellor = make_staff(area="kuopio", team="Alkupalvelu")
    own = make_person(municipality="297")
    services.assign(person=own, counsellor=counsellor.user)
    elsewhere = make_person(municipality="765")  # Sotkamo: outside the counsellor's area
    client.force_login(counsellor.user)
    response = client.get(f"/pohja/henkilo/{own.pk}/")
    assert response.status_code == 200
    assert "<h1>Pohja</h1>" in response.content.decode()
    assert AccessLog.objects.filter(user=counsellor.user, person_id=own.pk,
                                    action=AccessAction.PERSON_TIMELINE).count() == 1
    assert client.get(f"/pohja/henkilo/{elsewhere.pk}/").status_code == 403
    refused = AccessLog.objects.filter(user=counsellor.user, person_id=elsewhere.pk)
    assert list(refused.values_list("action", flat=True)) == [AccessAction.ACCESS_REFUSED]
