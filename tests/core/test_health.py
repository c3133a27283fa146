"""The liveness probe: answers without a login and without touching the database."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_health_answers_ok_without_login_or_database() -> None:
    # No django_db marker: any database query here would fail the test.
    response = Client().get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert reverse("health") == "/terveys/"


def test_health_refuses_writes() -> None:
    assert Client().post("/terveys/").status_code == 405
