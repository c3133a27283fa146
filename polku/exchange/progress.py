"""Progress of a running import or export, readable from any process while the run's transaction is open.

The run's own row cannot carry it: an import writes in one transaction, and on SQLite no other connection may write
while it is open. So the running job writes a small JSON file next to the database (replaced atomically), and the
page, the API and the CLI read it; when the run ends its row holds the final figures and the file is removed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings


@dataclass
class RunProgress:
    phase: str
    done: int
    total: int


def _path(run_id: Any) -> Path:
    return Path(settings.VAR_DIR) / "exchange-progress" / f"{run_id}.json"


def write(run_id: Any, phase: str, done: int, total: int) -> None:
    path = _path(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        json.dump(asdict(RunProgress(phase, done, total)), stream)
    Path(temporary).replace(path)


def read(run_id: Any) -> RunProgress | None:
    try:
        data = json.loads(_path(run_id).read_text())
    except (OSError, ValueError):
        return None
    return RunProgress(str(data["phase"]), int(data["done"]), int(data["total"]))


def clear(run_id: Any) -> None:
    _path(run_id).unlink(missing_ok=True)
