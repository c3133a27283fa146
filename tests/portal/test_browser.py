"""Issue 18: the job seeker's main path on a phone-sized screen, in a real browser — sign in through the test identity
provider → self-assessment → the plan → report an application → book a meeting → give consent to share the plan with
Kela and withdraw it → who viewed my data. Bad input on the way (an empty questionnaire, a future application date,
a consent without a recipient) gets a message naming the field; axe-core finds no serious or critical violation on
any page; the skip link and a form work by keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import oidc_provider_mock
import pytest
from django.utils import timezone

from polku.access import oidc
from polku.access.models import Role
from polku.access.services import staff_create
from polku.casework import booking
from polku.casework import services as casework
from polku.casework.models import AppointmentSlot
from polku.casework.services import PlanInput
from polku.portal.catalogue import questionnaire
from polku.portal.models import Consent, ReportedApplication, SelfAssessment
from polku.timeline import services as timeline
from tests.browser_support import SCREENSHOTS, browser, reference_data, serious_violations
from tests.conftest import next_artificial_id

__all__ = ["browser", "reference_data"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def provider(settings: Any) -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        issuer = f"http://localhost:{server.server_port}"
        settings.POLKU_CLIENT_OIDC_ISSUER = issuer
        settings.POLKU_CLIENT_OIDC_CLIENT_SECRET = "testin-salaisuus"
        oidc.discovery.cache_clear()
        yield issuer
    oidc.discovery.cache_clear()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="fi-FI", is_mobile=True, has_touch=True)
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  or "localhost" in route.request.url else route.abort())
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert not refused, refused


def _client(code: str) -> Any:
    counsellor = staff_create(username="ohjaaja-portaali", password="salasana-123", role=Role.COUNSELLOR,
                              area_code="kuopio", team_name="Alkupalvelu", first_name="Sanna", last_name="Saarinen")
    person = timeline.person_create(personal_id_code=code, first_names="Aino", last_name="Asiakas")
    timeline.home_municipality_record(person=person, municipality_code="297", start_date=date(2024, 1, 1))
    timeline.job_search_open(person=person, registered_on=date(2025, 1, 2))
    casework.assign(person=person, counsellor=counsellor.user, actor=counsellor.user)
    casework.plan_save(person=person, data=PlanInput(drawn_up_on=date(2025, 1, 10), valid_until=date(2030, 1, 10),
                                                     agreed_actions="Päivitä CV\nHae neljää työpaikkaa kuukaudessa",
                                                     applications_required=4), based_on_version=None,
                       actor=counsellor.user)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    for hours in (0, 2):
        booking.publish_slot(counsellor=counsellor.user, starts_at=start + timedelta(hours=hours), minutes=45,
                             channel="phone")
    # The counsellor opens the client's record once: it shows on "who viewed my data"
    from django.test import Client

    staff = Client()
    staff.force_login(counsellor.user)
    staff.get(f"/henkilot/{person.pk}/")
    return person


def test_client_main_path_on_a_phone(phone: Any, live_server: Any, provider: str) -> None:
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    code = next_artificial_id(date(1992, 3, 14))
    person = _client(code)
    assert httpx.put(f"{provider}/users/{quote('suomifi-aino')}", json={"hetu": code}).status_code == 204
    failures: dict[str, list[str]] = {}

    def check(name: str) -> None:
        failures[name] = serious_violations(phone)
        phone.screenshot(path=str(SCREENSHOTS / f"portal-{name}-390.png"), full_page=True)

    # Sign in through the test provider (strong identification)
    phone.goto(f"{base}/oma/")
    phone.wait_for_url(f"{base}/oma/kirjaudu/**")
    check("sign-in")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    phone.get_by_role("link", name="Tunnistaudu").click()
    phone.wait_for_selector("input[name=sub]")
    phone.fill("input[name=sub]", "suomifi-aino")
    phone.locator("button[type=submit]").first.click()
    phone.wait_for_url(f"{base}/oma/")
    assert "Hei, Aino" in phone.content()
    check("home")

    # Self-assessment: empty first (every question named), then answered
    phone.get_by_role("link", name="Täytä itsearvio").click()
    phone.wait_for_url(f"{base}/oma/itsearvio/")
    check("self-assessment")
    phone.get_by_role("button", name="Tallenna itsearvio").click()
    summary = phone.locator(".error-summary")
    assert "Valitse työkykysi nyt" in summary.inner_text()
    assert summary.locator("li").count() == 1 + len(questionnaire().items)
    assert not SelfAssessment.objects.exists()
    check("self-assessment-errors")
    phone.locator("input[name=work_ability][value='6']").check()
    for item in questionnaire().items:
        phone.locator(f"input[name={item.code}][value='4']").check()
    phone.get_by_role("button", name="Tallenna itsearvio").click()
    phone.wait_for_selector("text=Itsearvio tallennettu")
    assert SelfAssessment.objects.get(person=person).work_ability == 6

    # The plan
    phone.get_by_role("link", name="Suunnitelma").click()
    phone.wait_for_url(f"{base}/oma/suunnitelma/")
    assert "Päivitä CV" in phone.content()
    check("plan")

    # Report an application: a future date first
    phone.get_by_role("link", name="Hakemukset").click()
    phone.wait_for_url(f"{base}/oma/hakemukset/")
    phone.fill("#id_applied_on", (timezone.localdate() + timedelta(days=3)).isoformat())
    phone.fill("#id_employer", "Savon Kone Oy")
    phone.fill("#id_job_title", "Varastotyöntekijä")
    phone.get_by_role("button", name="Ilmoita hakemus").click()
    assert "Hakupäivä: Hakupäivä ei voi olla tulevaisuudessa" in phone.locator(".error-summary").inner_text()
    assert not ReportedApplication.objects.exists()
    check("applications-errors")
    phone.fill("#id_applied_on", timezone.localdate().isoformat())
    phone.get_by_role("button", name="Ilmoita hakemus").click()
    phone.wait_for_selector("text=Hakemus ilmoitettu")
    assert ReportedApplication.objects.filter(person=person).count() == 1
    check("applications")

    # Book a meeting
    phone.get_by_role("link", name="Ajanvaraus").click()
    phone.wait_for_url(f"{base}/oma/ajanvaraus/")
    check("bookings")
    phone.locator("input[name=slot]").first.check()
    phone.get_by_role("button", name="Varaa aika").click()
    phone.wait_for_selector("text=Aika varattu")
    assert AppointmentSlot.objects.filter(person=person).count() == 1

    # Consent to share the plan with Kela: without a recipient first; then withdraw it — by keyboard
    phone.get_by_role("link", name="Suostumukset").click()
    phone.wait_for_url(f"{base}/oma/suostumukset/")
    phone.select_option("#id_purpose", "share_plan")
    phone.get_by_role("button", name="Annan suostumuksen").click()
    assert "Kenelle tiedot luovutetaan: Valitse vastaanottaja" in phone.locator(".error-summary").inner_text()
    assert not Consent.objects.exists()
    check("consents-errors")
    phone.select_option("#id_recipient", "kela")
    phone.get_by_role("button", name="Annan suostumuksen").focus()
    phone.keyboard.press("Enter")
    phone.wait_for_selector("text=Suostumus annettu")
    assert Consent.objects.get(person=person).recipient == "kela"
    check("consents")
    phone.get_by_role("button", name="Peru suostumus").click()
    phone.wait_for_selector("text=Suostumus peruttu")
    assert Consent.objects.get(person=person).withdrawn_at is not None

    # Who viewed my data
    phone.get_by_role("link", name="Kuka katsoi tietojani").click()
    phone.wait_for_url(f"{base}/oma/kuka-katsoi/")
    assert "Työllisyysohjaaja" in phone.locator("table").inner_text()
    check("who-viewed")

    assert {name: v for name, v in failures.items() if v} == {}
