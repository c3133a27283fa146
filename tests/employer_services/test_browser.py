"""The job agent's flow in a real browser: create a vacancy → see the candidates with their breakdowns → send a job
offer → record the outcome → see it in the figures; axe-core finds no serious or critical violations on the pages
(the vacancy form with its errors too), and the offer is sent with the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from polku.employer_services.models import JobOffer, Vacancy
from tests.browser_support import SCREENSHOTS, browser, login_with_form, page, reference_data, serious_violations
from tests.employer_services.conftest import Scene, uri

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "salasana-123"  # tests.conftest.make_staff


def shot(page: Any, name: str) -> None:
    for width, suffix in ((1280, "1280"), (390, "390")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"employer-services-{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_vacancy_candidates_offer_outcome_figures(page: Any, live_server: Any, scene: Scene) -> None:
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}
    login_with_form(page, base, scene.job_agent.user.get_username(), PASSWORD)
    page.get_by_role("link", name="Työnantajapalvelut", exact=True).first.click()
    page.wait_for_url(f"{base}/tyonantajapalvelut/")
    failures["worklist"] = serious_violations(page)
    shot(page, "worklist")

    page.goto(f"{base}/tyonantajapalvelut/tyopaikat/uusi/")
    page.get_by_role("button", name="Tallenna työpaikka").click()  # no title, no place
    page.wait_for_selector(".error-summary")
    summary = page.locator(".error-summary").inner_text()
    assert "Tehtävänimike" in summary
    assert "Työpaikan kunta" in summary
    failures["vacancy form with errors"] = serious_violations(page)
    shot(page, "vacancy-form-errors")

    page.fill("#id_title", "Trukinkuljettaja")
    page.fill("#id_description", "Trukkikortti vaaditaan, ajokorttia ei tarvita. Lastausta ja purkua.")
    page.get_by_role("button", name="Ehdota taitoja kuvauksesta").click()
    page.wait_for_selector("#ehdotukset-otsikko")
    assert "ei: kielto" in page.locator("table", has_text="Ehdotukset ja niiden näyttö").inner_text()
    failures["suggestions"] = serious_violations(page)
    page.select_option("#id_municipality", "297")
    page.select_option("#id_occupation", uri("forklift operator").rsplit("/", 1)[1])
    page.get_by_role("button", name="Tallenna työpaikka").click()
    page.wait_for_selector("#ehdokkaat")
    failures["vacancy with candidates"] = serious_violations(page)
    shot(page, "vacancy")
    first = page.locator("article").first
    assert "Osaaja, Lauri" in first.inner_text()
    assert "Vaaditut taidot" in first.locator("table").inner_text()
    assert "Sijoitettu alemmas" in page.locator("article", has_text="Osaaja, Ulla").inner_text()

    button = first.get_by_role("button", name="Lähetä työtarjous: Lauri")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#tulos-otsikko")
    offer = JobOffer.objects.get(person=scene.licensed)
    failures["offer"] = serious_violations(page)
    page.select_option("#id_response", "accepted")
    page.select_option("#id_outcome", "hired")
    page.fill("#id_outcome_on", timezone.localdate().isoformat())
    page.get_by_role("button", name="Tallenna tulos").click()
    page.wait_for_selector(".messages, [role=status], .notice", timeout=5000)
    offer.refresh_from_db()
    assert offer.outcome == "hired"
    shot(page, "offer")

    vacancy = Vacancy.objects.get(title="Trukinkuljettaja")
    page.goto(f"{base}/tyonantajapalvelut/tyopaikat/{vacancy.pk}/")
    page.get_by_role("link", name="Muokkaa työpaikkaa").click()
    page.wait_for_selector("#id_positions")
    failures["vacancy edit"] = serious_violations(page)
    page.fill("#id_positions", "3")
    page.get_by_role("button", name="Tallenna työpaikka").click()
    page.wait_for_selector("#ehdokkaat")
    changed = Vacancy.objects.get(pk=vacancy.pk)
    assert (changed.positions, changed.version) == (3, 2)
    assert "Paikkoja\n3" in page.locator("dl.facts").inner_text()

    page.goto(f"{base}/tyonantajapalvelut/luvut/")
    assert "1 / 1 (100 %)" in page.locator("main").inner_text()
    failures["figures"] = serious_violations(page)
    shot(page, "figures")

    page.goto(f"{base}/tyonantajapalvelut/osaamisprofiilit/{scene.licensed.pk}/")
    failures["profile"] = serious_violations(page)
    shot(page, "profile")
    page.goto(f"{base}/tyonantajapalvelut/tyonantajat/{scene.employer.pk}/")
    failures["employer"] = serious_violations(page)
    shot(page, "employer")
    # A spreadsheet with a problem: the list names its row and column, and the page stays accessible.
    page.goto(f"{base}/tyonantajapalvelut/tyopaikat/tuonti/")
    bad = SCREENSHOTS / "tyopaikat-virhe.csv"
    bad.write_text("Y-tunnus;Tehtävänimike;Kunta\r\n1572860-0;;297\r\n", encoding="utf-8")
    page.set_input_files("#tiedosto", str(bad))
    page.get_by_role("button", name="Tuo työpaikat").click()
    assert "rivi 2: Tehtävänimike" in page.locator("#virheet").inner_text()
    failures["vacancy import with errors"] = serious_violations(page)
    shot(page, "vacancy-import")
    assert {name: found for name, found in failures.items() if found} == {}
