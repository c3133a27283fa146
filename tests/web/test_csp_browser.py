"""The Content-Security-Policy in a real browser (Debian's Chromium).

The ``page`` fixture fails any test on a CSP refusal; here the pages touched by the move to static files (the
timeline chart, drawn in the browser by the vendored Vega, the bars of the caseload, service catalogue and
kuntalisä pages) are opened and their charts must show, and an injected inline script, handler and style must
be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from polku.casework import services as casework
from polku.people.models import Person
from polku.provision import services as provision
from polku.timeline import services as timeline
from tests.browser_support import browser, charts_drawn, login_with_form, page, reference_data
from tests.web.conftest import PASSWORD, Scene

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_charts_and_bars_show_under_the_policy(page: Any, live_server: Any, scene: Scene,
                                              make_person: Callable[..., Person]) -> None:
    base = live_server.url
    registered = timezone.localdate() - timedelta(days=30)
    client = make_person(first_names="Bea", last_name="Baari", municipality="297", since=date(2015, 1, 1),
                         team_id=scene.counsellor.team_id)
    timeline.status_spell_record(person=client, status="unemployed", start_date=registered)
    timeline.job_search_open(person=client, registered_on=registered)
    casework.assign(person=client, counsellor=scene.counsellor.user, valid_from=registered)
    provider = provision.provider_create(name="Kuopion Työpaja ry", kind="third_sector", area_code="kuopio",
                                         business_id="15728600")
    provision.offering_create(provider=provider, service_type="work_trial", name="Työkokeilu, puutyö", capacity=2,
                              available_from=date(2020, 1, 1), available_to=date(2030, 12, 31))

    login_with_form(page, base, scene.manager.user.get_username(), PASSWORD)
    page.goto(f"{base}/henkilot/{scene.client.person.pk}/")
    assert charts_drawn(page) == 1  # drawn by the vendored Vega in the browser, with no CSP refusal
    chart = page.locator("figure.chart [role=img] svg").first
    assert chart.is_visible()
    assert chart.bounding_box()["width"] > 300

    page.goto(f"{base}/asiakastyo/asiakasmaarat/")
    bar = page.locator("svg.bar rect").first
    assert bar.bounding_box()["width"] == pytest.approx(200, abs=1)  # the longest caseload: 200 px
    assert page.evaluate("getComputedStyle(document.querySelector('svg.bar rect')).fill") != "rgb(0, 0, 0)"

    page.goto(f"{base}/palvelut/")
    assert page.locator("svg.bar").count() >= 1
    page.goto(f"{base}/palvelut/kuntalisa/")
    assert page.locator("h1").is_visible()
    # The styles moved from inline <style> blocks to static files still apply.
    page.goto(f"{base}/kuntaosuus/")
    assert page.locator("link[href$='web/municipal_share.css']").count() >= 1


def test_inline_script_handler_and_style_are_refused(browser: Any, live_server: Any) -> None:
    """Proof that the policy is enforced (and that the page fixture would see a page relying on inline code)."""
    context = browser.new_context()
    tab = context.new_page()
    refusals: list[str] = []
    tab.on("console", lambda message: refusals.append(message.text)
           if "Content Security Policy" in message.text else None)
    tab.goto(f"{live_server.url}/kirjaudu/")
    tab.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.body.appendChild(script);
        document.body.insertAdjacentHTML('beforeend',
            '<img id="kuva" src="/static/ei-ole.png" onerror="window.handlerRan = true">'
            + '<p id="tyyli" style="color: rgb(255, 0, 0)">x</p>');
    }""")
    tab.wait_for_timeout(300)
    assert tab.evaluate("() => window.inlineRan") is None
    assert tab.evaluate("() => window.handlerRan") is None
    assert tab.evaluate("() => getComputedStyle(document.getElementById('tyyli')).color") != "rgb(255, 0, 0)"
    assert any("script" in r for r in refusals)
    assert any("style" in r for r in refusals)
    context.close()


def test_the_api_docs_and_the_admin_work_under_the_policy(page: Any, live_server: Any, scene: Scene) -> None:
    """Swagger UI (django-ninja's static files) and Django's admin: third-party pages, no CSP refusal either."""
    base = live_server.url
    login_with_form(page, base, scene.manager.user.get_username(), PASSWORD)
    page.goto(f"{base}/api/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=20_000)
    assert "Polku API" in page.locator(".swagger-ui .info .title").inner_text()
    page.goto(f"{base}/admin/login/")
    assert page.locator("#id_username").is_visible()
