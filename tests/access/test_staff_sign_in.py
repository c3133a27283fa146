"""Staff sign-in: through the identity provider (OpenID Connect, against a local test provider) and the second
factor (TOTP) of local password accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import oidc_provider_mock
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from polku.access import oidc
from polku.access.models import IdentityProviderGroup, Role, StaffProfile
from polku.access.services import staff_create
from polku.reference.models import EmploymentArea


@pytest.fixture
def provider(settings: Any) -> Iterator[str]:
    """A real OpenID Connect provider on loopback, configured as the municipality's."""
    with oidc_provider_mock.run_server_in_thread() as server:
        issuer = f"http://localhost:{server.server_port}"
        settings.POLKU_OIDC_ISSUER = issuer
        settings.OIDC_RP_CLIENT_SECRET = "testin-salaisuus"
        oidc.discovery.cache_clear()
        yield issuer
    oidc.discovery.cache_clear()


def _person_at_provider(issuer: str, sub: str, **claims: Any) -> None:
    response = httpx.put(f"{issuer}/users/{quote(sub)}", json=claims)
    assert response.status_code == 204


def _sign_in(client: Client, sub: str) -> Any:
    """The browser's round: Polku → the provider's form (the user chooses ``sub``) → Polku's callback."""
    started = client.get("/oidc/authenticate/?next=/mittarit/")
    assert started.status_code == 302
    assert "code_challenge=" in started["Location"]  # PKCE
    authorised = httpx.post(started["Location"], data={"sub": sub})
    assert authorised.status_code == 302, authorised.text
    back = urlsplit(authorised.headers["location"])
    assert back.path == "/oidc/callback/"
    return client.get(f"{back.path}?{back.query}")


@pytest.fixture
def mapping(db: Any) -> None:
    IdentityProviderGroup.objects.create(group="polku-ohjaajat-kuopio", role=Role.COUNSELLOR,
                                         area=EmploymentArea.objects.get(code="kuopio"))
    IdentityProviderGroup.objects.create(group="polku-analyytikot", role=Role.ANALYST,
                                         area=EmploymentArea.objects.get(code="kuopio"))


@pytest.mark.django_db
def test_first_sign_in_creates_the_user_with_the_mapped_role(provider: str, mapping: None, client: Client) -> None:
    _person_at_provider(provider, "a1b2-c3", groups=["muut", "polku-ohjaajat-kuopio"],
                        preferred_username="maija.ohjaaja", given_name="Maija", family_name="Ohjaaja",
                        email="maija@example.invalid")
    response = _sign_in(client, "a1b2-c3")
    assert response.status_code == 302
    assert response["Location"] == "/mittarit/"
    user = get_user_model().objects.get(external_identity__subject="a1b2-c3")
    assert (user.username, user.first_name, user.has_usable_password()) == ("maija.ohjaaja", "Maija", False)
    profile = StaffProfile.objects.get(user=user)
    assert (profile.role, profile.area.code if profile.area else None) == (Role.COUNSELLOR, "kuopio")
    assert client.get("/").wsgi_request.user == user


@pytest.mark.django_db
def test_role_follows_the_provider_at_every_sign_in(provider: str, mapping: None, client: Client) -> None:
    _person_at_provider(provider, "sub-2", groups=["polku-ohjaajat-kuopio"], preferred_username="pekka")
    _sign_in(client, "sub-2")
    client.logout()
    _person_at_provider(provider, "sub-2", groups=["polku-analyytikot"], preferred_username="pekka")
    _sign_in(client, "sub-2")
    assert get_user_model().objects.filter(username__startswith="pekka").count() == 1
    assert StaffProfile.objects.get(user__username="pekka").role == Role.ANALYST


@pytest.mark.django_db
@pytest.mark.parametrize("groups", [["ei-polun-ryhma"], ["polku-ohjaajat-kuopio", "polku-analyytikot"]])
def test_no_single_mapped_role_refuses_the_sign_in(provider: str, mapping: None, client: Client,
                                                   groups: list[str]) -> None:
    _person_at_provider(provider, "sub-3", groups=groups)
    response = _sign_in(client, "sub-3")
    assert response["Location"] == "/kirjaudu/?tunnistus=epaonnistui"
    assert not get_user_model().objects.filter(external_identity__subject="sub-3").exists()
    page = client.get(response["Location"])
    assert "Kirjautuminen organisaation tunnuksella ei onnistunut" in page.content.decode()


@pytest.mark.django_db
def test_an_account_closed_in_polku_stays_closed(provider: str, mapping: None, client: Client) -> None:
    _person_at_provider(provider, "sub-5", groups=["polku-analyytikot"], preferred_username="suljettu")
    _sign_in(client, "sub-5")
    client.logout()
    get_user_model().objects.filter(username="suljettu").update(is_active=False)
    assert _sign_in(client, "sub-5")["Location"] == "/kirjaudu/?tunnistus=epaonnistui"


@pytest.mark.django_db
def test_login_page_offers_the_provider_only_when_configured(client: Client, settings: Any) -> None:
    settings.POLKU_OIDC_ISSUER = ""
    assert "organisaation tunnuksella" not in client.get("/kirjaudu/").content.decode()
    settings.POLKU_OIDC_ISSUER = "http://localhost:1"
    assert "Kirjaudu organisaation tunnuksella" in client.get("/kirjaudu/").content.decode()


@pytest.mark.django_db
def test_password_sign_in_works_without_a_provider(client: Client, settings: Any) -> None:
    settings.POLKU_OIDC_ISSUER = ""
    staff_create(username="paikallinen", password="salasana-123", role=Role.ANALYST, area_code="kuopio")
    response = client.post("/kirjaudu/", {"username": "paikallinen", "password": "salasana-123"})
    assert response.status_code == 302


# -- the second factor -------------------------------------------------------------------------------------------


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


@pytest.mark.django_db
def test_password_sign_in_must_set_up_and_give_a_code_when_required(client: Client, settings: Any) -> None:
    settings.POLKU_REQUIRE_SECOND_FACTOR = True
    staff_create(username="ohjaaja.kaksi", password="salasana-123", role=Role.ANALYST, area_code="kuopio")
    assert client.post("/kirjaudu/", {"username": "ohjaaja.kaksi", "password": "salasana-123"}).status_code == 302
    page = client.get("/mittarit/")
    assert page.status_code == 302
    assert page["Location"].startswith("/tunnistautuminen/kayttoonotto/")
    assert client.get("/api/persons").status_code == 401
    setup = client.get(page["Location"])
    assert setup.status_code == 200
    assert "QR" in setup.content.decode()
    assert client.get("/tunnistautuminen/kayttoonotto/qr.svg")["Content-Type"] == "image/svg+xml"
    device = TOTPDevice.objects.get(user__username="ohjaaja.kaksi", confirmed=False)
    wrong = client.post("/tunnistautuminen/kayttoonotto/", {"code": "000000" if _code(device) != "000000" else "1"})
    assert wrong.status_code == 200
    assert "Koodi ei kelpaa" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    done = client.post("/tunnistautuminen/kayttoonotto/?next=/mittarit/", {"code": _code(device)})
    assert done.status_code == 302
    assert done["Location"] == "/mittarit/"
    assert client.get("/mittarit/").status_code == 200

    client.logout()  # the next sign-in asks for the code of the authenticator now set up
    client.post("/kirjaudu/", {"username": "ohjaaja.kaksi", "password": "salasana-123"})
    asked = client.get("/mittarit/")
    assert asked["Location"].startswith("/tunnistautuminen/koodi/")
    device.refresh_from_db()
    device.last_t = -1  # the same time step again: django-otp refuses a reused code, as it should
    device.save()
    assert client.post("/tunnistautuminen/koodi/", {"code": _code(device)}).status_code == 302
    assert client.get("/mittarit/").status_code == 200


@pytest.mark.django_db
def test_set_up_authenticator_is_asked_for_even_in_the_demo(client: Client, settings: Any) -> None:
    settings.POLKU_REQUIRE_SECOND_FACTOR = False
    staff = staff_create(username="demo.kayttaja", password="salasana-123", role=Role.ANALYST, area_code="kuopio")
    client.post("/kirjaudu/", {"username": "demo.kayttaja", "password": "salasana-123"})
    assert client.get("/mittarit/").status_code == 200  # optional in the demo
    TOTPDevice.objects.create(user=staff.user, name="Polku", confirmed=True)
    client.logout()
    client.post("/kirjaudu/", {"username": "demo.kayttaja", "password": "salasana-123"})
    assert client.get("/mittarit/")["Location"].startswith("/tunnistautuminen/koodi/")


@pytest.mark.django_db
def test_provider_sign_in_needs_no_second_code_from_polku(provider: str, mapping: None, client: Client,
                                                          settings: Any) -> None:
    settings.POLKU_REQUIRE_SECOND_FACTOR = True
    _person_at_provider(provider, "sub-4", groups=["polku-analyytikot"], preferred_username="anna")
    _sign_in(client, "sub-4")
    assert client.get("/mittarit/").status_code == 200


@pytest.mark.django_db
def test_authenticator_is_looked_up_once_per_session_not_on_every_request(client: Client, settings: Any) -> None:
    """A password user without an authenticator (the demo's usual case) costs no device query per page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.POLKU_REQUIRE_SECOND_FACTOR = False
    staff_create(username="ilman.koodia", password="salasana-123", role=Role.ANALYST, area_code="kuopio")
    client.post("/kirjaudu/", {"username": "ilman.koodia", "password": "salasana-123"})
    assert client.get("/mittarit/").status_code == 200  # the first page of the session asks
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/mittarit/").status_code == 200
    assert not [q for q in queries.captured_queries if "otp_totp_totpdevice" in q["sql"]]
