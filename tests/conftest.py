"""Shared fixtures. Reference data comes from the migrations, as in production."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from polku.access.models import Role, StaffProfile
from polku.access.services import staff_create
from polku.people.artificial import artificial_personal_id
from polku.people.models import Person
from polku.timeline import services

_serials = itertools.count()

# No deadline for an example: the suites run side by side on a shared machine (make test), and a slow example is not
# what any property here is about (speed is measured by benchmarks/, never asserted in a test).
hypothesis_settings.register_profile("polku", deadline=None)
hypothesis_settings.load_profile("polku")


@pytest.fixture(autouse=True)
def _reference_data_survives_flush(request: Any, django_db_blocker: Any) -> Iterator[None]:
    """Transactional tests (and live-server tests) end by flushing every table, reference data
    included. Reload it, outside any test transaction, before and after each test that finds it gone.
    Tests that touch no database (pure engines) are left alone.
    """
    if request.node.get_closest_marker("django_db") is None and not {
            "db", "transactional_db", "django_db_setup", "live_server"} & set(request.fixturenames):
        yield
        return
    from polku.reference.loader import load_reference_data
    from polku.reference.models import Municipality

    def ensure() -> None:
        with django_db_blocker.unblock():
            if not Municipality.objects.exists():
                load_reference_data()

    ensure()
    yield
    ensure()


@pytest.fixture(autouse=True)
def memory_cache(settings: Any) -> None:
    """Each test process its own memory cache (the served demo shares a file cache with its worker)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # memory caches outlive a test: results computed from an earlier test's facts must not be reused


@pytest.fixture(autouse=True)
def indicator_page_computes_at_once(settings: Any) -> None:
    """An indicator page computes its figures where they are asked for, as the tests of its figures expect (there
    is no worker); ``tests/kpi/test_indicator_worker.py`` tests the worker's path, the product's default."""
    settings.POLKU_KPI_PAGE_WORKER = False


@pytest.fixture(autouse=True)
def memory_sms(settings: Any) -> None:
    """Text messages go to the memory outbox (``polku.portal.sms.outbox``), emptied for each test."""
    from polku.portal import sms

    settings.POLKU_SMS_BACKEND = "memory"
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Tests create many logins; the production hasher's cost is not what they are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def next_artificial_id(birth: date = date(1985, 4, 12)) -> str:
    """A fresh artificial identity code; walks serials 900–999, then the next birth day."""
    n = next(_serials)
    day = date.fromordinal(birth.toordinal() + n // 100)
    return artificial_personal_id(day, 900 + n % 100)


@pytest.fixture
def make_person(db: Any) -> Callable[..., Person]:
    def factory(*, municipality: str | None = "765", since: date = date(2020, 1, 1), **kwargs: Any) -> Person:
        kwargs.setdefault("first_names", "Testi")
        kwargs.setdefault("last_name", "Henkilö")
        person = services.person_create(personal_id_code=kwargs.pop("personal_id_code", next_artificial_id()), **kwargs)
        if municipality:
            services.home_municipality_record(person=person, municipality_code=municipality, start_date=since)
        return person

    return factory


@pytest.fixture
def make_staff(db: Any) -> Callable[..., StaffProfile]:
    counter = itertools.count()

    def factory(role: str = Role.COUNSELLOR, area: str | None = "kainuu-trial", team: str | None = None) -> StaffProfile:
        return staff_create(username=f"{role}-{next(counter)}", password="salasana-123", role=role, area_code=area,
                            team_name=team)

    return factory
