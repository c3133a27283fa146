"""What the retention pages show: a run's report as rows per kind, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from polku.privacy.models import RetentionRun
from polku.privacy.schedule import Schedule


@dataclass(frozen=True)
class ReportRow:
    label: str
    action: str
    persons: int
    rows: int
    verified: bool


def action_label(action: str) -> str:
    return _("pseudonymisoidaan") if action == "pseudonymise" else _("poistetaan")


def report_rows(run: RetentionRun, schedule: Schedule) -> list[ReportRow]:
    kinds = (run.report or {}).get("kinds", {})
    rows = []
    for kind in schedule.kinds:
        counts = kinds.get(kind.key, {})
        rows.append(ReportRow(label=kind.label, action=action_label(kind.action), persons=int(counts.get("persons", 0)),
                              rows=int(counts.get("rows", 0)), verified=kind.verified))
    return rows
