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
from polku.employer_services.models import CompetenceProfile
from polku.portal.catalogue import questionnaire
from polku.portal.models import Consent, NotificationAddress, ReportedApplication, SelfAssessment
from polku.timeline import services as timeline
from tests.browser_support import (
    SCREENSHOTS,
    browser,
    charts_drawn,
    login_with_form,
    page,
    reference_data,
    serious_violations,
)
from tests.conftest import next_artificial_id

__all__ = ["browser", "page", "reference_data"]

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

    # My competence: suggested from the client's own words (a negation shown, not taken), then saved
    phone.get_by_role("link", name="Osaamiseni").click()
    phone.wait_for_url(f"{base}/oma/osaaminen/")
    check("competence")
    phone.fill("#id_cv_text", "Olen ajanut trukkia varastossa. Ajokorttia minulla ei ole.")
    phone.get_by_role("button", name="Ehdota tekstistä").click()
    phone.wait_for_selector("#ehdotukset-otsikko")
    assert "ei: kielto" in phone.locator("table", has_text="Ehdotukset ja niiden näyttö").inner_text()
    check("competence-suggested")
    phone.get_by_role("button", name="Tallenna osaamisprofiili").click()
    phone.wait_for_selector("text=Osaamisprofiilisi tallennettiin")
    assert CompetenceProfile.objects.get(person=person).skills  # the suggested skill, as the client kept it

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

    # Where to hear of new messages: a wrong number named, then e-mail chosen
    phone.get_by_role("link", name="Viestit").click()
    phone.wait_for_url(f"{base}/oma/viestit/")
    phone.check("#id_by_sms")
    phone.fill("#id_phone", "12")
    phone.get_by_role("button", name="Tallenna ilmoitusasetukset").click()
    assert "Matkapuhelinnumero: Anna matkapuhelinnumero muodossa" in phone.locator(".error-summary").inner_text()
    check("messages-notification-errors")
    phone.uncheck("#id_by_sms")
    phone.fill("#id_phone", "")
    phone.check("#id_by_email")
    phone.fill("#id_email", "aino@example.org")
    phone.get_by_role("button", name="Tallenna ilmoitusasetukset").click()
    phone.wait_for_selector("text=Ilmoitusasetukset tallennettiin")
    assert NotificationAddress.objects.get(person=person).by_email

    # Who viewed my data
    phone.get_by_role("link", name="Kuka katsoi tietojani").click()
    phone.wait_for_url(f"{base}/oma/kuka-katsoi/")
    assert "Työllisyysohjaaja" in phone.locator("table").inner_text()
    check("who-viewed")

    assert {name: v for name, v in failures.items() if v} == {}


def test_staff_see_what_clients_did(page: Any, live_server: Any, make_staff: Any) -> None:
    """The counsellor's client record (self-assessment chart and table), free times; the manager's change per service
    (chart and table); the data protection officer's consent records — drawn, and axe-clean, at 1280 px."""
    from polku.portal import services
    from polku.portal.demo import seed_portal
    from polku.provision import services as provision

    base = live_server.url
    person = _client(next_artificial_id(date(1990, 2, 2)))
    counsellor = person.assignments.get().counsellor
    staff_create(username="ohjaaja", password="salasana-123", role=Role.COUNSELLOR, area_code="kuopio",
                 team_name="Alkupalvelu")
    provider = provision.provider_create(name="Selain Paja ry", kind="third_sector", area_code="kuopio",
                                         business_id="15728600")
    offering = provision.offering_create(provider=provider, service_type="work_trial", name="Työkokeilu",
                                         capacity=20, available_from=date(2025, 1, 1), available_to=date(2030, 12, 31))
    admin = make_staff(Role.ADMIN, area=None)
    for n in range(6):
        other = timeline.person_create(personal_id_code=next_artificial_id(date(1980, 1, 1)), first_names="Demo",
                                       last_name=f"Henkilö{n}")
        timeline.home_municipality_record(person=other, municipality_code="297", start_date=date(2024, 1, 1))
        provision.referral_create(person=other, offering=offering, referred_on=date(2025, 6, 1), actor=admin.user)
    seed_portal()  # repeated self-assessments and feedback of the referred (before any other assessment exists)
    answers = {item.code: 3 for item in questionnaire().items}
    services.submit_self_assessment(person=person, answers=answers, work_ability=4, actor=None)
    services.submit_self_assessment(person=person, answers=dict.fromkeys(answers, 4), work_ability=6, actor=None)
    services.give_consent(person=person, purpose="share_plan", recipient="kela", actor=None)
    from polku.portal import referrals

    referrals.refer(person=person, recipient="kela", reason="Ammatillisen kuntoutuksen selvitys",
                    actor=counsellor)  # a referral with its status and joint-meeting forms on the record
    manager = make_staff(Role.MANAGER, area="kuopio")
    dpo = make_staff(Role.DPO, area=None)
    failures: dict[str, list[str]] = {}

    login_with_form(page, base, counsellor.get_username(), "salasana-123")
    page.goto(f"{base}/henkilot/{person.pk}/")
    assert charts_drawn(page) >= 2  # the timeline and the self-assessments
    assert "Työkyky nyt" in page.locator("#oma-asiointi").inner_text()
    failures["client record"] = serious_violations(page)
    page.locator("#oma-asiointi").screenshot(path=str(SCREENSHOTS / "portal-staff-client-panel-1280.png"))
    # The joint meeting with Kela: booked with all parties from the referral, then seen on the record.
    page.get_by_role("link", name="Varaa tai kirjaa yhteistapaaminen").click()
    page.wait_for_url("**/yhteistapaaminen/")
    failures["joint meeting"] = serious_violations(page)
    starts = (timezone.localtime() + timedelta(days=9)).replace(hour=10, minute=0)
    page.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "Kelan toimisto, Kauppakatu 1")
    page.get_by_role("button", name="Varaa tapaaminen").click()
    assert "Yhteistapaaminen varattiin" in page.locator("main").inner_text()
    assert "Kelan toimisto, Kauppakatu 1" in page.locator("#oma-asiointi").inner_text()
    page.get_by_role("link", name="Siirrä, peru tai kirjaa yhteistapaaminen").click()
    page.fill("#id_agreed_tasks", "Hae ammatilliseen kuntoutukseen")
    page.fill("#id_held_on", "2026-02-31")  # refused: the typed tasks stay
    page.get_by_role("button", name="Kirjaa yhteistapaaminen").click()
    assert page.input_value("#id_agreed_tasks") == "Hae ammatilliseen kuntoutukseen"
    failures["joint meeting, refused"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "portal-staff-joint-meeting-1280.png"), full_page=True)
    # The self-assessment filled together with the client.
    page.goto(f"{base}/asiakasportaali/henkilot/{person.pk}/itsearvio/")
    failures["self-assessment with the client"] = serious_violations(page)
    page.check("input[name=work_ability][value='7']")
    for item in questionnaire().items:
        page.check(f"input[name={item.code}][value='4']")
    page.get_by_role("button", name="Tallenna itsearvio").click()
    assert "Itsearvio tallennettiin asiakkaan kanssa täytettynä." in page.locator("main").inner_text()
    assert SelfAssessment.objects.filter(person=person, filled_by="counsellor", work_ability=7).exists()
    page.goto(f"{base}/asiakasportaali/vapaat-ajat/")
    failures["free times"] = serious_violations(page)
    page.context.clear_cookies()

    login_with_form(page, base, manager.user.get_username(), "salasana-123")
    page.goto(f"{base}/asiakasportaali/vaikuttavuus/")
    assert charts_drawn(page) == 1
    assert "työkokeilu" in page.locator("table").first.inner_text()
    failures["service change"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "portal-staff-service-change-1280.png"), full_page=True)
    page.context.clear_cookies()

    login_with_form(page, base, dpo.user.get_username(), "salasana-123")
    page.goto(f"{base}/asiakasportaali/suostumukset/")
    assert "Kela" in page.locator("table").first.inner_text()
    failures["consent records"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "portal-staff-consents-1280.png"), full_page=True)
    assert {name: v for name, v in failures.items() if v} == {}
