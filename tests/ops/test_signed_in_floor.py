"""The casework benchmark's signed-in floor (``benchmarks/signed_in_floor.py``): the layout of a signed-in page and
nothing more, behind the same login as every staff page — else the ratio the benchmark reports to it means nothing."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest

from polku.access.models import AccessLog, StaffProfile

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
