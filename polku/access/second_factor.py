"""A second factor (TOTP, ``django-otp``) for staff who sign in with a local password.

Staff who sign in through the municipality's identity provider get their second factor there
(:mod:`polku.access.oidc`). Local password accounts — the demo, a small installation without a provider, the
administrator's break-in account — need Polku's own: outside the demo (``POLKU_REQUIRE_SECOND_FACTOR``, on in
production mode) every such sign-in must be confirmed with a code from an authenticator app before any page or API
answer; in the demo it is optional, but whoever has set one up is always asked for it.

A first sign-in without an authenticator goes to the set-up page (a QR code and the key as text, confirmed by one
code). django-otp throttles wrong codes (each failure doubles the wait).
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable

import segno
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from polku.core.security import is_portal_session

log = logging.getLogger("polku.access.second_factor")

OIDC_BACKEND = "polku.access.oidc.StaffOidcBackend"
# A job seeker signs in to the portal only through strong identification (in production Suomi.fi): no Polku code.
CLIENT_OIDC_BACKEND = "polku.access.client_identity.ClientOidcBackend"
STRONG_BACKENDS = frozenset({OIDC_BACKEND, CLIENT_OIDC_BACKEND})
# Reachable before the second factor: signing in and out, these pages, static files, health checks, language.
OPEN_PREFIXES = ("/kirjaudu/", "/kirjaudu-ulos/", "/tunnistautuminen/", "/oidc/", "/static/", "/terveys/", "/i18n/")


def confirmed_device(user: object) -> TOTPDevice | None:
    device: TOTPDevice | None = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    return device


def pending_device(user: object) -> TOTPDevice:
    """The authenticator being set up (one unconfirmed device per user, made on first need)."""
    device: TOTPDevice | None = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Polku", confirmed=False)


# Whether the signed-in user had a confirmed authenticator, remembered in the session: asked once per session
# instead of on every request of a password user who has none (the demo's usual case).
HAS_DEVICE_SESSION_KEY = "_polku_has_second_factor"


def has_confirmed_device(request: HttpRequest) -> bool:
    remembered = request.session.get(HAS_DEVICE_SESSION_KEY)
    if remembered is None:
        remembered = confirmed_device(request.user) is not None
        request.session[HAS_DEVICE_SESSION_KEY] = remembered
    return bool(remembered)


def needs_second_factor(request: HttpRequest) -> bool:
    """A signed-in user who signed in with a password, must give a code, and has not given one this session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.session.get(BACKEND_SESSION_KEY) in STRONG_BACKENDS:
        return False
    if is_portal_session(request.session):
        return False
    if user.is_verified():
        return False
    return bool(settings.POLKU_REQUIRE_SECOND_FACTOR) or has_confirmed_device(request)


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a password sign-in not yet confirmed by a code reaches only the code page
    (an API request gets 401)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(OPEN_PREFIXES) or not needs_second_factor(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"field": "", "code": "second_factor_required",
                                             "message": "Vahvista kirjautuminen tunnistautumissovelluksen koodilla."}]},
                                status=401)
        target = "access:second_factor" if confirmed_device(request.user) else "access:second_factor_setup"
        return redirect(f"{reverse(target)}?next={request.get_full_path()}")


def check_code(request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Verify a code (throttled by django-otp) and, if right, mark this session as confirmed by it."""
    code = "".join(code.split())
    verified = code.isdigit() and device.verify_token(code)
    if verified:
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.devices_for_user(request.user, confirmed=False).delete()
        otp_login(request, device)
        request.session[HAS_DEVICE_SESSION_KEY] = True
    else:
        log.warning("wrong second-factor code for user %s", request.user.get_username())
    return bool(verified)


def key_text(device: TOTPDevice) -> str:
    """The key in the form authenticator apps take by hand (base32, in groups of four)."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> bytes:
    """The set-up QR code (the otpauth address of the device) as SVG, served from our own origin (CSP)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False,
                                                  title="QR")
    return buffer.getvalue()
