"""System checks for a production deployment (``polku check --deploy``; the errors also at every start).

Production is the mode ``POLKU_ARTIFICIAL_IDS_ONLY=0`` switches on (real identity codes). In it Polku refuses to run
with the public demo keys, with the demo's console e-mail and text-message backends, or with debug on (a traceback
page shows settings, paths and the data in the request).
The settings module refuses the same at import, so the server and the worker cannot start; the checks catch a
deployment whose own settings module changes these values after importing ours.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

MIN_KEY_LENGTH = 32


def demo_keys_in_use() -> list[str]:
    """The settings still carrying a public demo key."""
    pairs = [("POLKU_SECRET_KEY", settings.SECRET_KEY), ("POLKU_PERSONAL_ID_KEY", settings.PERSONAL_ID_KEY)]
    # The key that encrypts new codes (older ones in the list only decrypt until polku rotate-keys has run).
    pairs += [("POLKU_PERSONAL_ID_ENCRYPTION_KEYS", key) for key in settings.PERSONAL_ID_ENCRYPTION_KEYS[:1]]
    return [name for name, value in pairs if value in settings.POLKU_DEMO_KEYS or "demo" in value]


@register(Tags.security)
def production_refuses_demo_keys_and_debug(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.POLKU_PRODUCTION:
        return []
    errors: list[CheckMessage] = [
        Error(f"{name} is the public demo key in production mode (POLKU_ARTIFICIAL_IDS_ONLY=0).",
              hint=f"Set {name} to a secret value of at least {MIN_KEY_LENGTH} characters.", id="polku.E001")
        for name in demo_keys_in_use()]
    if len(settings.PERSONAL_ID_KEY) < MIN_KEY_LENGTH:
        errors.append(Error(f"POLKU_PERSONAL_ID_KEY is shorter than {MIN_KEY_LENGTH} characters.", id="polku.E003"))
    if settings.PERSONAL_ID_ENCRYPTION_KEYS and len(settings.PERSONAL_ID_ENCRYPTION_KEYS[0]) < MIN_KEY_LENGTH:
        errors.append(Error(f"The first of POLKU_PERSONAL_ID_ENCRYPTION_KEYS is shorter than {MIN_KEY_LENGTH} "
                            "characters.", id="polku.E003"))
    if settings.POLKU_SMS_BACKEND in settings.DEMO_SMS_BACKENDS or settings.EMAIL_BACKEND in settings.DEMO_EMAIL_BACKENDS:
        errors.append(Error("A demo e-mail or text-message backend in production mode: clients' notifications would "
                            "not be sent and their addresses would be printed.",
                            hint="Set POLKU_EMAIL_BACKEND and POLKU_SMS_BACKEND to the municipality's gateways.",
                            id="polku.E004"))
    elif settings.POLKU_SMS_BACKEND != "disabled":
        try:
            import_string(settings.POLKU_SMS_BACKEND)
        except ImportError as exc:
            errors.append(Error(f"POLKU_SMS_BACKEND cannot be imported: {exc}", id="polku.E005"))
    if settings.DEBUG:
        errors.append(Error("Debug is on in production mode: error pages would show tracebacks with settings and "
                            "request data.", hint="Unset POLKU_DEBUG (or set it to 0).", id="polku.E002"))
    return errors


@register(Tags.security, deploy=True)
def deployment_mode(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.POLKU_PRODUCTION:
        return []
    return [Warning("Polku runs in demo mode: only artificial identity codes (900–999) are accepted and the "
                    "demo keys may be in use.",
                    hint="For production set POLKU_ARTIFICIAL_IDS_ONLY=0, POLKU_SECRET_KEY and POLKU_PERSONAL_ID_KEY.",
                    id="polku.W001")]
