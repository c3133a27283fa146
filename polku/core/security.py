"""Response headers and session limits that Django's SecurityMiddleware does not cover.

- ``Permissions-Policy``: no camera, microphone, location, payment, USB, … (Polku uses none of them).
- ``Cache-Control: no-store`` on every response to a signed-in user: pages, API answers and exports may show a
  person's data, and no browser cache or proxy may keep a copy (the back button after signing out included).
- Sessions end after ``POLKU_SESSION_IDLE_MINUTES`` without a request (idle timeout) and, however active,
  ``POLKU_SESSION_MAX_HOURS`` after signing in (absolute timeout). A page request then goes to the login with
  a message, an API request gets 401.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
    "xr-spatial-tracking", "browsing-topics",
))

SIGNED_IN_AT = "_polku_signed_in_at"
LAST_SEEN_AT = "_polku_last_seen_at"
# The last-seen time is written at most this often (seconds): a session save per request would be a write per page.
LAST_SEEN_RESOLUTION = 60


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


@receiver(user_logged_in)
def _remember_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


PORTAL_SESSION = "_polku_portal_session"  # a client's portal session (set at the portal's sign-in)


def is_portal_session(session: Any) -> bool:
    return bool(session.get(PORTAL_SESSION))


def session_expired(session: Any, now: float) -> bool:
    """Idle for longer than the idle timeout, or signed in longer ago than the absolute one (a client's portal
    session has its own, shorter limits)."""
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN_AT, signed_in)
    if signed_in is None or last_seen is None:
        return True  # a session from before these limits: sign in again
    portal = is_portal_session(session)
    idle = settings.POLKU_PORTAL_SESSION_IDLE_MINUTES if portal else settings.POLKU_SESSION_IDLE_MINUTES
    longest = settings.POLKU_PORTAL_SESSION_MAX_HOURS if portal else settings.POLKU_SESSION_MAX_HOURS
    return now - last_seen > idle * 60 or now - signed_in > longest * 3600


class SessionTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware: signs out an expired session before the view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            if session_expired(request.session, now):
                portal = is_portal_session(request.session)
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"errors": [{"field": "", "code": "unauthenticated",
                                                     "message": "Istunto on vanhentunut. Kirjaudu sisään."}]},
                                        status=401)
                messages.info(request, _("Istuntosi päättyi. Kirjaudu uudelleen."))
                if portal:
                    return redirect_to_login(request.get_full_path(), "/oma/kirjaudu/")
                return redirect_to_login(request.get_full_path())
            if now - request.session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_AT] = int(now)
        return self.get_response(request)
