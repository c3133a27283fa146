"""Small files and imports for the exchange tests: artificial identity codes, a file written in an encoding, and
an import through the same service the CLI uses."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from polku.exchange.models import ExchangeRun
from polku.exchange.services import import_now
from polku.people.artificial import artificial_personal_id

AINO = artificial_personal_id(date(1990, 1, 1), 902)
EERO = artificial_personal_id(date(1985, 6, 15), 903)
OLLI = artificial_personal_id(date(1970, 3, 3), 905)


def write(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


def run_import(user: Any, paths: list[Path], **options: Any) -> ExchangeRun:
    defaults: dict[str, Any] = {"profile": "polku-exchange-v1", "mode": "delta", "scope_code": None}
    return import_now(user=user, files=[(p, p.name) for p in paths], **{**defaults, **options})
