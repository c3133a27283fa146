"""Presenting runs and their problems: the error list as CSV (what the page, the API and the CLI hand out)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from polku.exchange.models import ImportProblem


def problems_csv(problems: Iterable[ImportProblem]) -> str:
    """Semicolon CSV (as Finnish Excel opens it): file, row, column, code, reason."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["tiedosto", "rivi", "sarake", "koodi", "syy"])
    for p in problems:
        writer.writerow([p.file, p.row or "", p.column, p.code, p.message])
    return "\ufeff" + out.getvalue()
