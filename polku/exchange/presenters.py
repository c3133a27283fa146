"""Presenting runs and their problems: the error list as CSV (what the page, the API and the CLI hand out)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from polku.core.languages import reader_language, text_in
from polku.core.prepared import PersonRead
from polku.core.tabular import spreadsheet_text
from polku.exchange.labels import entity_title
from polku.exchange.models import ExchangeRun, ImportProblem, RunStatus, SourceRecord
from polku.exchange.phases import REFRESH
from polku.exchange.profiles import Profile, shipped_profiles
from polku.exchange.schema import Entity
from polku.jobs.progress import progress_state


def problems_csv(problems: Iterable[ImportProblem]) -> str:
    """Semicolon CSV (as Finnish Excel opens it): file, row, column, code, reason. The texts may repeat an uploaded
    file's header or cells, so none of them is left to start like a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["tiedosto", "rivi", "sarake", "koodi", "syy"])
    for p in problems:
        writer.writerow([spreadsheet_text(p.file), p.row or "", spreadsheet_text(p.column), spreadsheet_text(p.code),
                         spreadsheet_text(p.message)])
    return "\ufeff" + out.getvalue()


# --- pages --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunRow:
    """A run as the history and the run page show it."""

    run: ExchangeRun
    who: str
    status_label: str
    status_class: str
    totals: dict[str, int]
    entities: list[tuple[str, dict[str, int]]]
    files: list[dict[str, Any]]
    profile_title: str
    phases: list[tuple[str, float]]  # the run's own, within its duration
    refresh_seconds: float | None  # the refresh of what pages read, after the run


# Where a run's time went, in the order the phases run (the keys of ``ExchangeRun.phase_seconds``).
PHASE_LABELS = {"read": _("tiedostojen luku"), "check": pgettext_lazy("tuonnin vaihe", "tarkistus"),
                "write": _("kirjoitus"), "finish": _("indeksit ja tallennus")}
WRITING = {"write", "finish"}  # not a dry run's: it writes nothing


STATUS_CLASSES = {RunStatus.DONE: "badge--ok", RunStatus.REFUSED: "badge--warning", RunStatus.FAILED: "badge--error",
                  RunStatus.INTERRUPTED: "badge--error"}


def run_row(run: ExchangeRun) -> RunRow:
    totals: dict[str, int] = {}
    for counts in run.counts.values():
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + int(value)
    titles = {name: entity_title(name) for name in run.counts}
    return RunRow(
        run=run, who=run.created_by.get_username() if run.created_by else "–",
        status_label=str(_("tarkistettu, ei kirjoitettu")) if run.dry_run and run.status == RunStatus.DONE
        else str(RunStatus(run.status).label),
        status_class=STATUS_CLASSES.get(RunStatus(run.status), ""), totals=totals,
        entities=[(titles[name], counts) for name, counts in run.counts.items()],
        files=[{**f, "entity_title": entity_title(f["entity"]) if f.get("entity") else ""} for f in run.files],
        profile_title=profile_title(run.profile),
        phases=[(str(label), run.phase_seconds[key]) for key, label in PHASE_LABELS.items()
                if key in run.phase_seconds and not (run.dry_run and key in WRITING)],
        refresh_seconds=run.phase_seconds.get(REFRESH),
    )


def profile_title(name: str) -> str:
    """A shipped profile by its title in the reader's language; a profile file by its file name."""
    profile = shipped_profiles().get(name)
    return profile.title_in(reader_language()) if profile is not None else Path(name).name


@dataclass(frozen=True)
class ProgressView:
    done: int
    total: int | None
    phase: str
    started_at: Any
    status_url: str


def run_progress(run: ExchangeRun) -> ProgressView | None:
    """What the progress bar shows while the run waits or works; None once it has ended (or was not queued)."""
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING) or not run.task_id:
        return None
    state = progress_state(run.task_id)
    phase = state.phase or (str(_("Jonossa")) if run.status == RunStatus.QUEUED else "")
    return ProgressView(state.done, state.total, phase, state.started_at,
                        reverse("jobs:status", kwargs={"task_id": run.task_id}))


@dataclass(frozen=True)
class FieldView:
    name: str
    title: str
    type: str
    required: bool
    allowed: str
    example: str


@dataclass(frozen=True)
class EntityView:
    name: str
    title: str
    description: str
    fields: list[FieldView]


TYPE_LABELS = {"string": _("teksti"), "integer": _("kokonaisluku"), "number": _("luku (desimaalipilkku)"),
               "boolean": _("kyllä/ei"), "date": _("päivämäärä"), "yearmonth": _("kuukausi")}


def entity_view(entity: Entity, language: str) -> EntityView:
    fields = []
    for f in entity.fields:
        allowed = ", ".join(f.enum) if f.enum else ""
        if f.minimum is not None or f.maximum is not None:
            allowed = f"{f.minimum:g}–{f.maximum:g}" if f.minimum is not None and f.maximum is not None else allowed
        fields.append(FieldView(f.name, text_in(f.title, language), str(TYPE_LABELS.get(f.type, f.type)),
                                f.required, allowed, "" if f.sensitive else f.example))
    return EntityView(entity.name, text_in(entity.title, language), text_in(entity.description, language), fields)


@dataclass(frozen=True)
class ProfileView:
    name: str
    title: str
    note: str
    verified: bool
    files: list[tuple[str, str]]


def profile_view(profile: Profile, language: str) -> ProfileView:
    return ProfileView(profile.name, profile.title_in(language), profile.note_in(language), profile.verified,
                       [(entity_title(m.entity), ", ".join(f"{f}.csv" for f in m.files)) for m in profile.mappings.values()])


# --- provenance on the client's timeline ------------------------------------------------------------------------

@dataclass(frozen=True)
class ProvenanceRow:
    entity: str
    fact_date: Any
    source_key: str
    imported_at: Any
    imported_by: str
    file: str
    row: int | None
    retracted: bool


_SOURCE_RECORDS = PersonRead(lambda person_id: SourceRecord.objects.filter(person_id=person_id).select_related(
    "run__created_by").order_by("entity", "fact_date", "source_id"))  # on every client record: made once


def provenance_rows(person_id: Any) -> list[ProvenanceRow]:
    """Where the person's facts came from: each source record with its key, run, file and row (the latest import of it)."""
    records = _SOURCE_RECORDS.read(person_id)
    return [ProvenanceRow(entity_title(r.entity), r.fact_date, f"{r.system} / {r.source_id}",
                          r.run.created_at if r.run else None,
                          r.run.created_by.get_username() if r.run and r.run.created_by else "", r.file, r.row,
                          r.retracted_at is not None) for r in records]
