"""Brute-force protection of the login form (issue 19: 220 password tries at 3.6/s went through unslowed).

An account is locked after AXES_FAILURE_LIMIT failures, an address after POLKU_LOGIN_ADDRESS_FAILURE_LIMIT failures
over any accounts; a locked login answers 429 without checking the password, is logged and shows in the admin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from polku.access.models import Role, StaffProfile

pytestmark = pytest.mark.django_db

PASSWORD = "salasana-123"  # make_staff's password
LOGIN = "/kirjaudu/"


def attempt(client: Client, username: str, password: str, address: str = "10.0.0.1") -> int:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address).status_code


def test_an_account_is_locked_after_five_failures_even_for_the_right_password(
        make_staff: Callable[..., StaffProfile]) -> None:
    user = make_staff(Role.COUNSELLOR).user.get_username()
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    statuses = [attempt(client, user, f"arvaus-{n}") for n in range(limit)]
    assert statuses[:-1] == [200] * (limit - 1)  # the form again with its error
    assert statuses[-1] == 429  # the failure that reaches the limit locks at once
    # Locked: the right password is refused too, from this address and from another one.
    response = client.post(LOGIN, {"username": user, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "Liian monta epäonnistunutta kirjautumisyritystä" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert attempt(Client(), user, PASSWORD, address="192.0.2.7") == 429


def test_a_locked_login_never_checks_the_password(make_staff: Callable[..., StaffProfile]) -> None:
    user = make_staff(Role.COUNSELLOR).user.get_username()
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, user, f"arvaus-{n}")
    with mock.patch("django.contrib.auth.backends.ModelBackend.authenticate") as checked:
        assert attempt(client, user, PASSWORD) == 429
    checked.assert_not_called()


def test_the_lock_is_lifted_after_the_cool_off(make_staff: Callable[..., StaffProfile]) -> None:
    user = make_staff(Role.COUNSELLOR).user.get_username()
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, user, f"arvaus-{n}")
    assert attempt(client, user, PASSWORD) == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert attempt(client, user, PASSWORD) == 302  # signed in


def test_an_address_is_locked_after_twenty_failures_over_many_accounts(
        make_staff: Callable[..., StaffProfile]) -> None:
    """Password spraying: a few guesses at each of many accounts stays under the account limit, not the address's."""
    users = [make_staff(Role.COUNSELLOR).user.get_username() for _ in range(8)]
    client = Client()
    limit = settings.POLKU_LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit == 20
    statuses = [attempt(client, users[n % len(users)], f"arvaus-{n}") for n in range(limit)]
    assert statuses.count(429) == 1
    assert statuses[-1] == 429
    assert attempt(client, users[0], PASSWORD) == 429  # the address is locked, for every account
    fresh = make_staff(Role.COUNSELLOR).user.get_username()
    assert attempt(client, fresh, PASSWORD) == 429
    # Another address is not locked: the accounts themselves have fewer than five failures each.
    assert attempt(Client(), users[0], PASSWORD, address="192.0.2.7") == 302


def test_one_persons_typos_do_not_lock_out_colleagues_at_the_same_address(
        make_staff: Callable[..., StaffProfile]) -> None:
    typist, colleague = (make_staff(Role.COUNSELLOR).user.get_username() for _ in range(2))
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(Client(), typist, f"arvaus-{n}")
    assert attempt(Client(), colleague, PASSWORD) == 302


def test_220_rapid_tries_check_at_most_five_passwords(make_staff: Callable[..., StaffProfile]) -> None:
    """The probe of issue 19 again: 220 tries in a row at one account. Before, all 220 were checked."""
    user = make_staff(Role.COUNSELLOR).user.get_username()
    client = Client()
    with mock.patch("django.contrib.auth.backends.ModelBackend.authenticate", autospec=True,
                    side_effect=lambda *a, **k: None) as checked:
        statuses = [attempt(client, user, f"arvaus-{n}") for n in range(220)]
    assert checked.call_count == settings.AXES_FAILURE_LIMIT
    assert statuses.count(429) == 220 - settings.AXES_FAILURE_LIMIT + 1


def test_failures_and_lockouts_are_logged_and_visible_to_the_admin(
        make_staff: Callable[..., StaffProfile], caplog: Any) -> None:
    user = make_staff(Role.COUNSELLOR).user.get_username()
    client = Client()
    with caplog.at_level(logging.WARNING):
        for n in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, user, f"arvaus-{n}")
    lockouts = [r for r in caplog.records if r.name == "polku.access.login"]
    assert len(lockouts) == 1
    assert user in lockouts[0].getMessage()
    assert "10.0.0.1" in lockouts[0].getMessage()
    row = AccessAttempt.objects.get(username=user)
    assert row.failures_since_start == settings.AXES_FAILURE_LIMIT
    assert row.ip_address == "10.0.0.1"
    assert "arvaus" not in row.post_data  # the guessed passwords are not kept
    assert AccessFailureLog.objects.filter(username=user, locked_out=True).count() == 1

    admin = User.objects.create_superuser("paakayttaja", password="ylläpito-123")
    admin_client = Client()
    admin_client.force_login(admin)
    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert user in page.content.decode()
    assert admin_client.get("/admin/axes/accessfailurelog/").status_code == 200


def test_the_lockout_page_speaks_the_users_language(make_staff: Callable[..., StaffProfile]) -> None:
    user = make_staff(Role.COUNSELLOR).user.get_username()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, user, f"arvaus-{n}")
    page = client.post(LOGIN, {"username": user, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1").content.decode()
    assert "Försök igen om 15 minuter." in page
