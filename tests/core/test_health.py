"""The health checks: liveness answers without a login and without touching the database; readiness says whether
the database answers and every migration is applied."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from polku.core import views


def test_health_answers_ok_without_login_or_database() -> None:
    # No django_db marker: any database query here would fail the test.
    response = Client().get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert reverse("health") == "/terveys/"


def test_health_refuses_writes() -> None:
    assert Client().post("/terveys/").status_code == 405


@pytest.mark.django_db
def test_ready_when_the_database_answers_and_is_migrated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_migrations_applied", False)
    response = Client().get(reverse("ready"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}
    assert reverse("ready") == "/terveys/valmis/"


@pytest.mark.django_db
def test_not_ready_with_unapplied_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("people", "0099_next")])
    response = Client().get(reverse("ready"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "migrations": "1 unapplied"}


def test_not_ready_when_the_database_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_database_answers", lambda: False)
    response = Client().get(reverse("ready"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}


def test_health_checks_are_not_redirected_to_https(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Load balancers probe over plain HTTP even when every page is redirected to HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    monkeypatch.setattr(views, "_database_answers", lambda: False)
    assert Client().get("/terveys/").status_code == 200
    assert Client().get("/terveys/valmis/").status_code == 503  # answered, not redirected
    assert Client().get("/kirjaudu/").status_code == 301
