"""The forecast page: an area's projection with its table, a scenario, the backtest, and refused levers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from polku.access.models import Role, StaffProfile
from polku.forecast.area import prepare_area_now
from polku.forecast.views import forecast_scopes, reference_day
from tests.chart_support import chart_specs, inline_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_at_once")]


@pytest.fixture
def jobs_at_once(settings: Any) -> None:
    """Queued jobs run at once in the request (django-tasks' immediate backend): these tests are about the pages'
    content; ``test_forecast_page`` runs the queue as the worker does."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def fit_as_the_worker_would(user: Any, asked: str) -> None:
    """Fit the model of the area the page shows ``user`` for ``alue=asked``, as the queued job does."""
    scopes = forecast_scopes(user)
    scope = next((s for s in scopes if s.code == asked), scopes[0])  # as the page chooses
    prepare_area_now(scope.municipality_codes, reference_day())


def test_forecast_page(make_staff: Callable[..., StaffProfile], settings: Any) -> None:
    from polku.simulator.writers import simulate_into_database

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the worker's queue, as served

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=500, progress=False)
    client = Client()
    manager = make_staff(Role.MANAGER, area="kainuu").user
    client.force_login(manager)
    waiting = client.get("/ennusteet/", {"alue": "765", "kk": "12", "alkuvaihe": "1.3"})
    assert waiting.status_code == 200
    assert "Mallia sovitetaan" in waiting.content.decode()  # the page never waits for a fit
    assert "data-job-progress" in waiting.content.decode()
    fit_as_the_worker_would(manager, "765")
    page = client.get("/ennusteet/", {"alue": "765", "kk": "12", "alkuvaihe": "1.3"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Kestomalli" in html
    # Number inputs carry the value unlocalised: "1,3" (Finnish) would be dropped by the browser as not a number.
    assert 'name="alkuvaihe" type="number" step="0.05" min="0" max="5" value="1.3"' in html
    ennuste = chart_specs(html)["ennuste"]  # the projection chart, drawn in the browser
    assert len(list(inline_rows(ennuste))) == 12
    assert all(r["low"] <= r["mean"] <= r["high"] for r in inline_rows(ennuste))
    assert "Perusura" in html
    # What the band includes and not, and which calibration: in words, no formulas.
    assert "Mitä vaihteluväli sisältää" in html
    assert "henkilökuukauden hinnan ja etuuksien jakauman vaihtelun" in html
    assert "Väli ei sisällä lainmuutoksia" in html
    assert "versio " in html
    assert html.count('<th scope="row">') >= 12 + 3  # a row per month and per backtest method
    refused: Any = client.get("/ennusteet/", {"alue": "765", "virta": "-1", "muutos": "50", "muutos_kk": "99"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Uudet työttömät (kerroin): Kertoimen on oltava välillä 0–5" in text
    assert "kuukautena: Muutoksen kuukauden on oltava ennustejaksolla" in text
    places = client.get("/ennusteet/", {"alue": "765", "palvelu": "snorkkelointi", "paikat": "10"})
    assert places.status_code == 400
    assert "Palvelu: Tuntematon palvelu snorkkelointi" in places.content.decode()
    mix = client.get("/ennusteet/", {"alue": "765", "muutos": "50", "muutos_kk": "2", "muutos_perus": "80",
                                     "muutos_korkea": "40"})
    assert mix.status_code == 400
    assert "Irtisanottavien koulutus: Koulutusosuudet ovat välillä 0–1" in mix.content.decode()
    closure = client.get("/ennusteet/", {"alue": "765", "muutos": "50", "muutos_kk": "2", "muutos_perus": "60"})
    assert closure.status_code == 200
    assert 'name="muutos_perus" type="number" min="0" max="100" step="1" value="60"' in closure.content.decode()
    cache.clear()


def test_forecast_api(make_staff: Callable[..., StaffProfile]) -> None:
    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=500, progress=False)
    client = Client()
    client.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kainuu").user)  # aggregates: officials may ask
    body = client.get("/api/forecast/projection", {"area": "kainuu", "months": "6", "paths": "100"}).json()
    assert len(body["months"]) == 6
    assert body["series"]["unemployed"]["p10"][0] <= body["series"]["unemployed"]["mean"][0]
    refused = client.get("/api/forecast/projection", {"area": "kainuu", "shock_size": "10", "shock_month": "40"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "shock_month"
    unknown = client.get("/api/forecast/projection", {"area": "kainuu", "service_type": "snorkelling",
                                                      "service_places": "5"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "service_type"
    assert client.get("/api/forecast/projection", {"area": "297"}).status_code == 422  # Kuopio: not theirs
    assert set(client.get("/api/forecast/backtest", {"area": "kainuu"}).json()["mape"]) == {
        "model", "same_month_last_year", "exponential_smoothing"}
    cache.clear()


def test_euros_impact_and_assumptions_pages(make_staff: Callable[..., StaffProfile]) -> None:
    """€ under both rules on the forecast page (the 2025 rule marked unverified), the impact page with Heinola's
    claim, the assumptions page listing the parameters, and refused impact input naming the field."""
    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=500, progress=False)
    client = Client()
    manager = make_staff(Role.MANAGER, area="kainuu").user
    client.force_login(manager)
    html = client.get("/ennusteet/", {"alue": "765", "kk": "12"}).content.decode()
    assert "Kunnan rahoitusosuus työttömyysetuuksista" in html
    assert "Työmarkkinatuen kuntaosuus 2015–2024" in html
    assert "Työttömyysetuuksien kuntaosuus 2025–" in html
    assert "vahvistamaton" in html
    specs = chart_specs(html)
    assert {"ennuste", "ennuste-eur"} <= specs.keys()
    assert {r["rule"] for r in inline_rows(specs["ennuste-eur"])} >= {"Työmarkkinatuen kuntaosuus 2015–2024"}
    assert "Eurojen kalibroinnin tarkistus" in html
    assert "/ennusteet/oletukset/" in html
    page = client.get("/ennusteet/vaikutukset/", {"alue": "765"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Heinolan väite skenaariona" in text
    assert "Kaikki palvelut" in text
    assert "1,9-kertaista" in text
    refused = client.get("/ennusteet/vaikutukset/", {"alue": "765", "palvelu": "coaching", "kustannus": "-5",
                                                    "kk": "40"})
    assert refused.status_code == 400
    refusal = refused.content.decode()
    assert "Palvelun kustannus € / osallistujakuukausi: Kustannuksen on oltava 0–100 000 €" in refusal
    assert "Kuukausi: Kuukauden on oltava ennustejaksolla 1–36." in refusal
    unknown = client.get("/ennusteet/vaikutukset/", {"alue": "765", "palvelu": "jonglööraus"})
    assert unknown.status_code == 400
    assert "Palvelu: Tuntematon palvelu: jonglööraus." in unknown.content.decode()
    assumptions = client.get("/ennusteet/oletukset/", {"alue": "765"}).content.decode()
    assert "Kunnallisveroprosentti" in assumptions
    assert "kuntien ja seurakuntien tuloveroprosentit" in assumptions.lower()
    assert "€ rakenteellinen" in assumptions
    assert "Elinaikakäyrät" in assumptions
    assert "Suhteelliset poistumariskit" in assumptions
    assert "Koulutus: perusaste tai ei tutkintoa" in assumptions
    cache.clear()


def test_euros_and_impact_api_and_command(make_staff: Callable[..., StaffProfile]) -> None:
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=500, progress=False)
    client = Client()
    client.force_login(make_staff(Role.ANALYST, area="kainuu").user)
    body = client.get("/api/forecast/projection", {"area": "kainuu", "months": "6", "paths": "100"}).json()
    assert set(body["municipal_eur"]) == {"tmt-2015", "tyottomyysetuudet-2025"}
    assert body["municipal_eur"]["tyottomyysetuudet-2025"]["verified"] is False
    assert all(x >= 0 for x in body["municipal_eur"]["tmt-2015"]["mean"])
    checked = client.get("/api/forecast/backtest", {"area": "kainuu"}).json()
    assert set(checked["municipal_eur"]["tmt-2015"]["mape"]) == {"model", "same_month_last_year",
                                                                 "exponential_smoothing"}
    impact = client.get("/api/forecast/impact", {"area": "kainuu", "service_type": "coaching",
                                                 "service_cost": "700"}).json()
    assert impact["parameters"]["service_cost_eur_per_participant_month"]["coaching"] == 700
    assert impact["parameter_sources"]["municipal_tax_rate"]["verified"] is False
    assert "heinola_claim" in impact
    assert "1.9" in impact["twice_invested_claim"]
    refused = client.get("/api/forecast/impact", {"area": "kainuu", "service_type": "coaching", "service_cost": "-1"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "cost_coaching"
    assert client.get("/api/forecast/impact", {"area": "kainuu", "month": "50"}).json()["errors"][0]["field"] == "month"
    out = StringIO()
    call_command("forecast", "project", area="765", to="2026-09-30", months=3, paths=20, json=True, stdout=out)
    assert len(json.loads(out.getvalue())["municipal_eur"]["tmt-2015"]["mean"]) == 3
    out = StringIO()
    call_command("impact", area="765", to="2026-09-30", service_type="coaching", json=True, stdout=out)
    assert json.loads(out.getvalue())["services"][0]["service_type"] == "coaching"
    with pytest.raises(CommandError, match="--service-cost: Kustannuksen"):
        call_command("impact", area="765", to="2026-09-30", service_type="coaching", service_cost=-3)
    with pytest.raises(CommandError, match="--service-type: Tuntematon palvelu"):
        call_command("impact", area="765", to="2026-09-30", service_type="jonglööraus")
    cache.clear()


def test_forecast_excel_export(make_staff: Callable[..., StaffProfile]) -> None:
    """The page's scenario and baseline as a workbook: the same figures as the page, € under both rules with the
    unverified one marked, the levers, the model's data period and the backtest; refused levers refused here too."""
    import io

    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from polku.forecast.area import area_forecast
    from polku.forecast.projection import Scenario, project
    from polku.forecast.views import PAGE_PATHS, reference_day
    from polku.kpi.presenters import scope_for
    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=500, progress=False)
    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu").user)
    query = {"alue": "kainuu", "kk": "12", "alkuvaihe": "1.3", "nimi": "nopeampi alku"}
    page = client.get("/ennusteet/", query)
    assert "/ennusteet/excel/?" in page.content.decode()
    response = client.get("/ennusteet/excel/", query)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="ennuste-kainuu-')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Henkilöt", "Kuntaosuus €", "Vaihteluväli", "Skenaario", "Malli ja tarkkuus"]
    band_notes = " ".join(str(c) for row in book["Vaihteluväli"].iter_rows(values_only=True) for c in row if c)
    assert "Väli ei sisällä lainmuutoksia" in band_notes
    assert "henkilökuukauden hinnan ja etuuksien jakauman vaihtelun" in band_notes
    persons = book["Henkilöt"]
    assert "nopeampi alku" in persons["A1"].value
    assert f"{PAGE_PATHS} polkua" in persons["A1"].value
    area = area_forecast(scope_for("kainuu").municipality_codes, reference_day())
    scenario = project(area.model, horizon=12, paths=PAGE_PATHS, seed=1, euros=area.euros,
                       scenario=Scenario(name="nopeampi alku", first_months_exit_factor=1.3))
    assert [persons.cell(row=5 + i, column=1).value for i in range(12)] == [m.isoformat()[:7] for m in scenario.months]
    assert persons.cell(row=5, column=2).value == pytest.approx(scenario.series["unemployed"].mean[0])
    assert persons.cell(row=16, column=2).value == pytest.approx(scenario.series["unemployed"].mean[11])
    euros = book["Kuntaosuus €"]
    texts = [c.value for row in euros.iter_rows(max_row=6) for c in row if isinstance(c.value, str)]
    assert any(t.startswith("VAHVISTAMATON: tyottomyysetuudet-2025") for t in texts)
    assert "tyottomyysetuudet-2025 (vahvistamaton): skenaario €" in texts
    levers = {r[0].value: r[1].value for r in book["Skenaario"].iter_rows(min_row=2)}
    assert levers["first_months_exit_factor"] == 1.3
    model = book["Malli ja tarkkuus"]
    assert area.model.fitted_from.isoformat() in model["A1"].value
    assert {r[0].value for r in model.iter_rows() if r[0].value} >= {"model", "same_month_last_year",
                                                                      "exponential_smoothing"}
    refused = client.get("/ennusteet/excel/", {"alue": "kainuu", "virta": "-1"})
    assert refused.status_code == 400
    assert "Uudet työttömät (kerroin): Kertoimen on oltava välillä 0–5" in refused.content.decode()
    cache.clear()


def test_aggregate_roles_see_areas_only_and_no_small_impact_cells(make_staff: Callable[..., StaffProfile]) -> None:
    """An elected official may ask for the area's forecast and impact, not a single municipality's, and services
    with fewer than five participants (or comparison people) are left out of the impact with a note; the period
    of starts is given by month. The manager of the same area sees every service."""
    from polku.municipal_share.presenters import SMALL_CELL
    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=500, progress=False)
    official, manager = Client(), Client()
    official.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kainuu").user)
    manager.force_login(make_staff(Role.MANAGER, area="kainuu").user)
    assert official.get("/api/forecast/projection", {"area": "765"}).status_code == 422
    assert official.get("/api/forecast/backtest", {"area": "765"}).status_code == 422
    full = manager.get("/api/forecast/impact", {"area": "kainuu"}).json()
    shown = official.get("/api/forecast/impact", {"area": "kainuu"}).json()
    small = [s["service_type"] for s in full["services"]
             if s["participants"] < SMALL_CELL or s["comparison_people"] < SMALL_CELL]
    assert small, "the test data should have a service with few participants"
    hidden = {s["service_type"] for s in full["services"]} - {s["service_type"] for s in shown["services"]}
    assert set(small) <= hidden
    assert len(hidden) >= 2 or shown["overall"] is None  # complementary: no lone hidden service beside the overall
    assert all(s["participants"] >= SMALL_CELL and s["comparison_people"] >= SMALL_CELL for s in shown["services"])
    assert f"{len(hidden)} palvelua piilotettu" in " ".join(shown["notes"])
    assert all(day is None or day.endswith("-01") for day in shown["service_starts"])
    page = official.get("/ennusteet/vaikutukset/", {"alue": "kainuu"}).content.decode()
    assert f"{len(hidden)} palvelua piilotettu" in page
    cache.clear()


def test_refit_on_demand_is_recorded_and_shown(make_staff: Callable[..., StaffProfile]) -> None:
    """A manager refits the area's model: the fit is recorded with its data period and shown on the page; the
    command's fit is recorded too; an elected official may read the forecast but not refit it."""
    import json
    from io import StringIO

    from django.core.management import call_command

    from polku.forecast.area import area_forecast
    from polku.forecast.models import ForecastFit
    from polku.forecast.views import reference_day
    from polku.kpi.presenters import scope_for
    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=500, progress=False)
    manager, official = Client(), Client()
    staff = make_staff(Role.MANAGER, area="kainuu")
    manager.force_login(staff.user)
    official.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kainuu").user)
    assert "ei ole vielä tallennettua sovitusta" in manager.get("/ennusteet/", {"alue": "kainuu"}).content.decode()
    response = manager.post("/ennusteet/sovita/", {"alue": "kainuu"})
    assert response.status_code == 302
    assert response["Location"] == "/ennusteet/?alue=kainuu"
    fit = ForecastFit.objects.get()
    model = area_forecast(scope_for("kainuu").municipality_codes, reference_day()).model
    assert (fit.area, fit.trigger, fit.fitted_by) == ("kainuu", "refit", staff.user)
    assert (fit.fitted_from, fit.fitted_to, fit.runs) == (model.fitted_from, model.fitted_to, model.runs)
    assert fit.parameters["runs"] == model.runs
    page = manager.get("/ennusteet/", {"alue": "kainuu"}).content.decode()
    assert "Malli sovitettiin uudelleen" in page
    assert f"{model.runs} työttömyysjaksoa" in page
    assert "Viimeisin tallennettu sovitus" in page
    assert official.post("/ennusteet/sovita/", {"alue": "kainuu"}).status_code == 403
    assert "Sovita malli uudelleen" not in official.get("/ennusteet/", {"alue": "kainuu"}).content.decode()
    assert ForecastFit.objects.count() == 1
    out = StringIO()
    call_command("forecast", "fit", area="765", to="2026-09-30", json=True, stdout=out)
    recorded = ForecastFit.objects.get(pk=json.loads(out.getvalue())["recorded_fit"])
    assert (recorded.area, recorded.trigger, recorded.fitted_by) == ("765", "command", None)
    cache.clear()
