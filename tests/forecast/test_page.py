"""The forecast page: an area's projection with its table, a scenario, the backtest, and refused levers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from polku.access.models import Role, StaffProfile

pytestmark = pytest.mark.django_db


def test_forecast_page(make_staff: Callable[..., StaffProfile]) -> None:
    from polku.simulator.writers import simulate_into_database

    cache.clear()
    simulate_into_database("sotkamo-2021", seed=4, persons=500, progress=False)
    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu").user)
    page = client.get("/ennusteet/", {"alue": "765", "kk": "12", "alkuvaihe": "1.3"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Kestomalli" in html
    assert "<svg" in html
    assert "Perusura" in html
    assert html.count('<th scope="row">') >= 12 + 3  # a row per month and per backtest method
    refused: Any = client.get("/ennusteet/", {"alue": "765", "virta": "-1", "muutos": "50", "muutos_kk": "99"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Uudet työttömät (kerroin): Kertoimen on oltava välillä 0–5" in text
    assert "kuukautena: Muutoksen kuukauden on oltava ennustejaksolla" in text
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
    assert client.get("/api/forecast/projection", {"area": "297"}).status_code == 422  # Kuopio: not theirs
    assert set(client.get("/api/forecast/backtest", {"area": "kainuu"}).json()["mape"]) == {
        "model", "same_month_last_year", "exponential_smoothing"}
    cache.clear()
