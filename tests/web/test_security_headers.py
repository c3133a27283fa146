"""Headers, cookies, sessions and the production start-up checks (issue 19).

- Content-Security-Policy without 'unsafe-inline', and no template with an inline script, inline event handler,
  style element or style attribute (the policy would break such a page).
- Permissions-Policy; ``Cache-Control: no-store`` on every response showing a person (and to signed-in users).
- Production mode (POLKU_ARTIFICIAL_IDS_ONLY=0): HSTS, HTTPS redirect, Secure cookies; the demo keeps plain cookies.
- Sessions end after the idle timeout and after the absolute one.
- Production refuses to start with the demo keys or debug on.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from polku.core.security import LAST_SEEN_AT, SIGNED_IN_AT
from tests.web.conftest import Scene, login

POLKU = Path(settings.BASE_DIR) / "polku"
SECRET = "x" * 20 + "-a-secret-key-for-the-production-tests-only-" + "y" * 20


# --- Content-Security-Policy ----------------------------------------------------------------------------------------


def policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.strip().split(" ", 1)[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy_without_inline_code(client: Client, scene: Scene) -> None:
    anonymous = client.get(reverse("web:login"))
    login(client, scene.counsellor)
    detail = client.get(reverse("web:person_detail", kwargs={"person_id": scene.client.person.pk}))
    for response in (anonymous, detail):
        directives = policy(response)
        assert directives["script-src"] == "script-src 'self'"
        assert directives["style-src"] == "style-src 'self'"
        assert directives["object-src"] == "object-src 'none'"
        assert directives["frame-ancestors"] == "frame-ancestors 'none'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]


INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_has_inline_script_handler_or_style() -> None:
    """The policy refuses them: a template with one would show a broken page. Scripts and styles are static files."""
    found = [f"{path.relative_to(POLKU)}: {kind}"
             for path in sorted(POLKU.glob("*/templates/**/*.html"))
             for kind, pattern in INLINE.items() if pattern.search(path.read_text(encoding="utf-8"))]
    assert not found, found


def test_a_bar_is_an_svg_sized_by_attributes() -> None:
    html = render_to_string("web/_bar.html", {"width": 57, "over": True})
    assert 'width="57"' in html
    assert "bar__fill--over" in html
    assert "style" not in html


# --- other headers --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_permissions_policy_denies_powerful_features(client: Client) -> None:
    header = client.get(reverse("web:login"))["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in header


@pytest.mark.django_db
def test_responses_showing_persons_are_not_stored(client: Client, scene: Scene) -> None:
    login(client, scene.counsellor)
    person = scene.client.person
    urls = [
        reverse("web:person_detail", kwargs={"person_id": person.pk}),
        reverse("web:person_list"),
        reverse("casework:worklist"),
        f"/api/persons/{person.pk}",
        f"/api/persons/{person.pk}/timeline",
        "/api/persons?search=Virtanen",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url


# --- production mode: HSTS, HTTPS, cookies --------------------------------------------------------------------------


def polku_process(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with the settings read from ``env`` (the way a server starts)."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("POLKU_") and k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "-c", code],  # noqa: S603 - our own code, in a test
                          env={**base, "DJANGO_SETTINGS_MODULE": "polku.settings", **env},
                          capture_output=True, text=True, timeout=120, check=False)


PRODUCTION = {"POLKU_ARTIFICIAL_IDS_ONLY": "0", "POLKU_SECRET_KEY": SECRET, "POLKU_PERSONAL_ID_KEY": SECRET[::-1],
              "POLKU_ALLOWED_HOSTS": "polku.example.fi",
              "POLKU_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "POLKU_SMS_BACKEND": "disabled"}
SHOW_SETTINGS = ("import django; django.setup(); from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
                 "s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, "
                 "s.SECURE_SSL_REDIRECT)")


def test_production_mode_turns_on_secure_cookies_hsts_and_https() -> None:
    result = polku_process(SHOW_SETTINGS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "Lax", "31536000", "True"]


def test_the_demo_keeps_plain_http_cookies() -> None:
    result = polku_process(SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "Lax", "0", "False"]


def test_production_passes_the_deployment_check_without_security_warnings() -> None:
    result = polku_process("from polku.cli import main; main(['check', '--deploy', '--fail-level', 'WARNING'])",
                           **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_hsts_on_https_responses(client: Client, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("web:login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- production refuses demo keys and debug -------------------------------------------------------------------------


def test_production_refuses_to_start_with_debug_on() -> None:
    result = polku_process("from polku.cli import main; main(['check', '--deploy'])", **PRODUCTION, POLKU_DEBUG="1")
    assert result.returncode != 0
    assert "POLKU_DEBUG=1 is refused in production mode" in result.stderr


def test_production_refuses_to_start_with_the_demo_gateways() -> None:
    """The console e-mail and text-message backends would print clients' addresses and send nothing."""
    for name, value in (("POLKU_SMS_BACKEND", "console"),
                        ("POLKU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")):
        result = polku_process("import django; django.setup()", **(PRODUCTION | {name: value}))
        assert result.returncode != 0
        assert "needs the municipality's gateways" in result.stderr
    missing = polku_process("from polku.cli import main; main(['check', '--deploy'])",
                            **(PRODUCTION | {"POLKU_SMS_BACKEND": "municipality.gateway.Sms"}))
    assert missing.returncode != 0
    assert "polku.E005" in missing.stdout + missing.stderr


def test_production_refuses_to_start_with_the_demo_keys() -> None:
    demo_keys = {k: v for k, v in PRODUCTION.items() if k not in {"POLKU_SECRET_KEY", "POLKU_PERSONAL_ID_KEY"}}
    result = polku_process("import django; django.setup()", **demo_keys)
    assert result.returncode != 0
    assert "POLKU_SECRET_KEY and POLKU_PERSONAL_ID_KEY" in result.stderr


def test_the_system_check_catches_a_settings_module_that_turns_debug_back_on(settings: Any) -> None:
    """A hosting provider's own settings module may import ours and change values after the start-up guard."""
    from polku.core.checks import production_refuses_demo_keys_and_debug

    settings.POLKU_PRODUCTION = True
    settings.DEBUG = True
    settings.SECRET_KEY = settings.POLKU_DEMO_KEYS[0]
    settings.POLKU_SMS_BACKEND = "console"
    ids = {message.id for message in production_refuses_demo_keys_and_debug()}
    assert ids == {"polku.E001", "polku.E002", "polku.E004"}
    settings.DEBUG = False
    settings.SECRET_KEY = SECRET
    settings.PERSONAL_ID_KEY = SECRET[::-1]
    settings.POLKU_SMS_BACKEND = "disabled"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert production_refuses_demo_keys_and_debug() == []


# --- session timeouts -----------------------------------------------------------------------------------------------


def _age_session(client: Client, *, idle: float, signed_in: float) -> None:
    session = client.session
    now = time.time()
    session[LAST_SEEN_AT] = int(now - idle)
    session[SIGNED_IN_AT] = int(now - signed_in)
    session.save()


@pytest.mark.django_db
def test_a_session_idle_for_longer_than_the_timeout_ends(client: Client, scene: Scene) -> None:
    assert settings.POLKU_SESSION_IDLE_MINUTES == 30
    login(client, scene.counsellor)
    url = reverse("web:person_detail", kwargs={"person_id": scene.client.person.pk})
    _age_session(client, idle=29 * 60, signed_in=60 * 60)
    assert client.get(url).status_code == 200  # within the limit: still signed in, and the clock restarts
    assert time.time() - client.session[LAST_SEEN_AT] < 5
    _age_session(client, idle=31 * 60, signed_in=60 * 60)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert "_auth_user_id" not in client.session
    assert "Istuntosi päättyi" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_an_api_call_on_an_idle_session_is_unauthenticated(client: Client, scene: Scene) -> None:
    login(client, scene.counsellor)
    _age_session(client, idle=31 * 60, signed_in=60 * 60)
    response = client.get(f"/api/persons/{scene.client.person.pk}")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthenticated"


@pytest.mark.django_db
def test_an_active_session_still_ends_at_the_absolute_limit(client: Client, scene: Scene) -> None:
    assert settings.POLKU_SESSION_MAX_HOURS == 12
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    login(client, scene.counsellor)
    _age_session(client, idle=10, signed_in=12 * 3600 + 60)
    assert client.get(reverse("web:person_list")).status_code == 302
