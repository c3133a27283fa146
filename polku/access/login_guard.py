"""Brute-force protection of the password login (django-axes), per account and per client address.

Every failed login is recorded (``axes`` tables, visible in the admin under "Axes"; a warning in the log).
An account is locked after ``AXES_FAILURE_LIMIT`` failures, an address after ``POLKU_LOGIN_ADDRESS_FAILURE_LIMIT``
failures over any accounts, each until ``AXES_COOLOFF_TIME`` has passed since the last failure (a failure while
locked starts the wait again). A locked login answers 429 with the page ``web/locked_out.html`` and never checks
the password. The address limit is higher than the account limit: staff of one office share an address, and
one person's typos must not lock out their colleagues; an attacker spreading guesses over many accounts still
meets it.

``axes reset`` commands (``polku axes_reset``, ``polku axes_reset_username NAME``) lift a lockout.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger("polku.access.login")


class LoginGuardHandler(AxesDatabaseHandler):
    """axes' database handler with a limit of its own for the address: ``AXES_LOCKOUT_PARAMETERS`` is
    ``["username", "ip_address"]``, so axes gives one query per parameter in that order; the address query is
    weighed against ``POLKU_LOGIN_ADDRESS_FAILURE_LIMIT`` instead of the account limit."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        per_parameter = [attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
                         for attempts in self.get_user_attempts(request, credentials)]
        account = per_parameter[0] if per_parameter else 0
        address = per_parameter[1] if len(per_parameter) > 1 else 0
        if address >= settings.POLKU_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(account, int(settings.AXES_FAILURE_LIMIT))  # the address is locked: as if the account were
        return account


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or the header a trusted reverse proxy sets when
    ``POLKU_CLIENT_IP_HEADER`` names it (e.g. ``HTTP_X_REAL_IP``; never trust a header a client can send past the
    proxy). The left-most address of a comma-separated list is the client."""
    header = settings.POLKU_CLIENT_IP_HEADER
    value = request.META.get(header) if header else None
    value = value or request.META.get("REMOTE_ADDR")
    return str(value).split(",")[0].strip() or None if value else None


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The page a locked login gets: 429, how long to wait; the password was not checked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "web/locked_out.html", {"cooloff_minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)


@receiver(user_locked_out)
def _log_lockout(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                 ip_address: str | None = None, **kwargs: Any) -> None:
    log.warning("Kirjautuminen lukittu: tunnus %r, osoite %s (liian monta epäonnistunutta yritystä)",
                username, ip_address)
