"""Text messages to the client's phone: only the notification that something waits in Polku.

The gateway is the municipality's (``POLKU_SMS_BACKEND``): ``console`` writes the message to standard output (the
demo, as Django's console e-mail backend does), ``memory`` keeps it in :data:`outbox` (tests), ``disabled`` when the
municipality has no gateway (the portal then offers e-mail only), or a dotted path to a class with
``send(number, text)`` that hands it to the operator's interface. Production refuses ``console`` and ``memory``.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

outbox: list[tuple[str, str]] = []  # (number, text) sent by the memory backend


class Backend(Protocol):
    def send(self, number: str, text: str) -> None: ...


class ConsoleBackend:
    """The demo's: the message on standard output, the number masked (a gateway left unset in production must not
    write the clients' numbers into its logs)."""

    def send(self, number: str, text: str) -> None:
        sys.stdout.write(f"SMS {number[:6]}…{number[-2:]}: {text}\n")
        sys.stdout.flush()


class MemoryBackend:
    def send(self, number: str, text: str) -> None:
        outbox.append((number, text))


BACKENDS: dict[str, type[Any]] = {"console": ConsoleBackend, "memory": MemoryBackend}


DISABLED = "disabled"


def enabled() -> bool:
    """Whether text messages can be sent at all (else the portal does not offer them)."""
    return str(getattr(settings, "POLKU_SMS_BACKEND", "console")) != DISABLED


def backend() -> Backend:
    name = str(getattr(settings, "POLKU_SMS_BACKEND", "console"))
    return BACKENDS[name]() if name in BACKENDS else import_string(name)()


def send_sms(number: str, text: str) -> None:
    backend().send(number, text)
