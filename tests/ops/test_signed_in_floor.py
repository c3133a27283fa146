"""The casework benchmark's signed-in floor (``benchmarks/signed_in_floor.py``): the layout of a signed-in page and
nothing more, behind the same login as every staff page — else the ratio the benchmark reports to it means nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from polku.access.models import AccessLog, StaffProfile

pytestmark = pytest.mark.django_db
BENCHMARKS = str(Path(__file__).resolve().parents[2] / "benchmarks")


@pytest.fixture(autouse=True)
def _floor_urls() -> Iterator[None]:
    sys.path.insert(0, BENCHMARKS)
    try:
        with override_settings(ROOT_URLCONF="signed_in_floor"):
            yield
    finally:
        sys.path.remove(BENCHMARKS)


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
