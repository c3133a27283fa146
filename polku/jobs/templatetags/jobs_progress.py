"""``{% load jobs_progress %}``: the text under a job's progress bar, used by ``jobs/_progress.html``."""

from __future__ import annotations

from datetime import datetime

from django import template

from polku.jobs.progress import progress_text as _progress_text

register = template.Library()


@register.simple_tag
def progress_text(done: int | None, total: int | None, started_at: datetime | None = None) -> str:
    """ "N / M riviä, arviolta X jäljellä" in the active language."""
    return _progress_text(int(done or 0), int(total) if total is not None and total != "" else None, started_at or None)
