"""Imports and exports as runs: who may, which scope, the run's record, the access log, and the refresh afterwards.

The same functions serve the CLI, the upload page (through the job queue) and the API, so the three ways in share
one set of rules. An import is all or nothing (:mod:`polku.exchange.importer`); its run records the files (name,
SHA-256, size), the counts per entity, the problems (row, column, reason — never an identity code) and the outcome.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_event
from polku.casework import due_table
from polku.core import precomputed, tabular
from polku.core.bulk import refresh_statistics
from polku.core.errors import AccessDenied, ErrorCode, FieldError, ValidationFailed
from polku.core.logging import mask_personal_ids as redact
from polku.core.signals import facts_changed
from polku.exchange.exporter import ExportedFile, export_files
from polku.exchange.importer import ImportOptions, Progress, carry_out, written_models
from polku.exchange.models import ExchangeRun, ImportMode, ImportProblem, RunKind, RunStatus, SourceRecord
from polku.exchange.phases import REFRESH
from polku.exchange.profiles import get_profile, shipped_profiles
from polku.jobs.locks import ScopeBusy, scope_lock
from polku.jobs.models import JobLock
from polku.jobs.progress import progress_state
from polku.reference.models import EmploymentArea, Municipality

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
# One lock for every import: scopes overlap (an area, its municipalities, everything), a person can move between them,
# and the invariants are checked before the write — so imports run one at a time, whatever their scope.
IMPORT_LOCK = "import"
ANALYZE_AFTER_ROWS = 10_000  # a bulk load large enough to leave the planner's statistics behind


@dataclass(frozen=True)
class Scope:
    code: str  # area or municipality code; "" = everything (administrators)
    municipalities: set[str] | None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def resolve_scope(user: Any, scope_code: str | None) -> Scope:
    """The scope a run covers: an area or a municipality the user may exchange, or (administrators) everything.

    Raises ``AccessDenied`` for roles that may not import or export, and for a scope outside the user's area.
    """
    allowed = policy.exchange_municipality_codes(user)
    code = (scope_code or "").strip()
    if not code:
        if allowed is None:
            return Scope("", None)
        profile = policy.staff_profile(user)
        assert profile is not None
        assert profile.area is not None
        return Scope(profile.area.code, allowed)
    area = EmploymentArea.objects.filter(code=code).first()
    if area is not None:
        municipalities = policy.area_municipality_set(area.pk)
    elif Municipality.objects.filter(code=code.zfill(3)).exists():
        code = code.zfill(3)
        municipalities = {code}
    else:
        raise ValidationFailed.single("scope", ErrorCode.UNKNOWN, f"Tuntematon alue tai kunta: {code}.")
    if allowed is not None and not municipalities <= allowed:
        raise AccessDenied(f"scope: {code} ei kuulu alueeseesi.")
    return Scope(code, municipalities)


RUN_ACTIONS = {RunKind.IMPORT: AccessAction.EXCHANGE_IMPORT, RunKind.EXPORT: AccessAction.EXCHANGE_EXPORT}


def log_run(user: Any, run: ExchangeRun, channel: str, what: str) -> None:
    """One access-log event per import or export, naming the scope and the counts (the run's id as its subject)."""
    authenticated = user is not None and user.is_authenticated
    log_event(user=user, action=RUN_ACTIONS[RunKind(run.kind)], purpose=what, channel=channel, person_id=run.id,
              actor=None if authenticated else "system")


def counts_text(counts: dict[str, dict[str, int]]) -> str:
    parts = []
    for entity, c in counts.items():
        parts.append(f"{entity}: +{c.get('new', 0)} ~{c.get('changed', 0)} ={c.get('unchanged', 0)} "
                     f"-{c.get('retracted', 0)} x{c.get('refused', 0)}")
    return "; ".join(parts)


def create_import_run(*, user: Any, files: list[tuple[Path, str]], profile: str, mode: str, scope_code: str | None,
                      period: tuple[date, date] | None = None, dry_run: bool = False,
                      channel: str = AccessChannel.CLI) -> ExchangeRun:
    """Check the request (role, scope, profile, mode) and record the run as queued; the files are hashed now."""
    scope = resolve_scope(user, scope_code)
    if channel != AccessChannel.CLI and profile not in shipped_profiles():
        # A profile file is read from the server's disk: only the command line (run on the server) may name one.
        raise ValidationFailed.single("profile", ErrorCode.UNKNOWN,
                                      f"Tuntematon profiili {profile}; tunnetut: {', '.join(shipped_profiles())}.")
    get_profile(profile)
    errors = []
    if mode not in ImportMode.values:
        errors.append(FieldError("mode", ErrorCode.INVALID, "Tila on full (kokonaisaineisto) tai delta (muutokset)."))
    if mode == ImportMode.FULL and not scope.code:
        errors.append(FieldError("scope", ErrorCode.REQUIRED,
                                 "Kokonaisaineistolle on annettava alue tai kunta: sen tiedot korvataan."))
    if not files:
        errors.append(FieldError("files", ErrorCode.REQUIRED, "Anna vähintään yksi tiedosto."))
    if period is not None and period[1] < period[0]:
        errors.append(FieldError("period_end", ErrorCode.END_BEFORE_START, "Jakso päättyy ennen alkuaan."))
    if errors:
        raise ValidationFailed(errors)
    listed = [{"name": name, "sha256": sha256_of(path), "bytes": path.stat().st_size} for path, name in files]
    return ExchangeRun.objects.create(
        kind=RunKind.IMPORT, dry_run=dry_run, mode=mode, profile=profile, scope_code=scope.code,
        period_start=period[0] if period else None, period_end=period[1] if period else None, files=listed,
        created_by=user if user is not None and user.is_authenticated else None, channel=channel)


def execute_import(run: ExchangeRun, files: list[tuple[Path, str]], on_progress: Progress | None = None) -> ExchangeRun:
    """Carry out a queued import run: plan, then refuse, report (dry run) or write — and record the outcome."""
    user = run.created_by
    scope = resolve_scope(user, run.scope_code or None) if user is not None else Scope(run.scope_code, None)
    ExchangeRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now(), message="",
                                                 phase_seconds={})
    run.refresh_from_db()
    ImportProblem.objects.filter(run=run).delete()  # a retried run starts afresh

    def report(phase: str, done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(phase, done, total)

    listed = {f["name"]: f for f in run.files}
    entries = [(path, name, listed.get(name, {}).get("sha256", ""), path.stat().st_size) for path, name in files]
    options = ImportOptions(
        profile=get_profile(run.profile), mode=run.mode,
        allowed_municipalities=None if user is None else policy.exchange_municipality_codes(user),
        area_id=policy.exchange_area_id(user),
        scope_municipalities=scope.municipalities if run.mode == ImportMode.FULL else None,
        period=(run.period_start, run.period_end) if run.period_start and run.period_end else None,
        actor=user, progress=report,
    )
    try:
        outcome = carry_out(entries, options, None if run.dry_run else run)
        plan = outcome.plan
        run.files = [{"name": f.name, "entity": f.entity, "sha256": f.sha256, "bytes": f.bytes, "rows": f.rows}
                     for f in plan.files]
        if plan.refused:
            status = RunStatus.REFUSED
        else:
            status = RunStatus.DONE
            if outcome.written >= ANALYZE_AFTER_ROWS:
                started = time.perf_counter()
                refresh_statistics(written_models(outcome.entities_written))
                outcome.seconds["finish"] = round(outcome.seconds["finish"] + time.perf_counter() - started, 3)
        run.counts = plan.counts()
        run.phase_seconds = outcome.seconds
        run.problem_count = len(plan.problems)
        ImportProblem.objects.bulk_create(
            # Whatever a file held, an identity code that slipped into a message or a column name is masked here,
            # the one way problems reach the page, the CSV, the API and the command line; a control character (a
            # header's NUL) is shown as U+FFFD, as PostgreSQL refuses a NUL.
            [ImportProblem(run=run, file=tabular.printable(redact(p.file))[:255], row=p.row,
                           column=tabular.printable(redact(p.column))[:100], code=p.code[:40],
                           message=tabular.printable(redact(p.message))[:500]) for p in plan.problems], batch_size=2000)
        run.status = status
    except BaseException as error:  # an interrupted command too: nothing was written, and the run must say so
        run.status = RunStatus.FAILED if isinstance(error, Exception) else RunStatus.INTERRUPTED
        run.message = f"{type(error).__name__}"
        raise
    finally:
        run.finished_at = timezone.now()
        run.save()
        verb = {str(RunStatus.DONE): "kuivaharjoitus" if run.dry_run else "tuotu",
                str(RunStatus.REFUSED): "hylätty"}.get(run.status, run.status)
        log_run(user, run, run.channel, f"tuonti {run.scope_code or 'kaikki'} ({verb}): {counts_text(run.counts)}")
    if run.status == RunStatus.DONE and not run.dry_run:
        # After the run is saved as done: the facts are in whatever a refresh meets (its failure is its own).
        started = time.perf_counter()
        refresh_derived_data(since=run.started_at, run=run, scope_code=run.scope_code or None)
        run.phase_seconds = {**run.phase_seconds, REFRESH: round(time.perf_counter() - started, 3)}
        ExchangeRun.objects.filter(pk=run.pk).update(phase_seconds=run.phase_seconds)
    return run


def refresh_derived_data(since: datetime | None = None, run: ExchangeRun | None = None,
                         scope_code: str | None = None) -> None:
    """After new facts (the import has committed): bring what pages read up to date.

    - the due-items table: the persons whose facts were written since ``since`` (the run's start), and every person
      the run's source records name (an imported assignment keeps its own start day), are recomputed;
    - every cached figure (KPIs, shares, forecasts) is forgotten, so pages compute them from the new facts. The cache
      is shared by the web server and the worker (a file cache under ``var/`` in the demo), so the pages see the
      import at once, without a restart;
    - the background results pages show (the area forecast, the share warnings) are queued again for the inputs their
      readers last asked for; meanwhile the pages show the previous result with its time;
    - those who keep something derived of their own are told (``facts_changed``: the monthly reports publish a
      completed month of ``scope_code``).
    """
    if since is not None:
        # Facts written since the start are found by their recording time; an imported assignment keeps its own
        # start day, so the run's assignments name their persons.
        named = (SourceRecord.objects.filter(run=run, entity="assignments").values_list("person_id", flat=True)
                 if run is not None else [])
        due_table.refresh_changed_since(since, also=set(named))
    kept = precomputed.latest_results()
    cache.clear()
    precomputed.restore_latest(kept)
    precomputed.new_facts_generation()
    precomputed.refresh_recent()
    facts_changed.send(sender=refresh_derived_data, scope_code=scope_code)


def import_now(*, user: Any, files: list[tuple[Path, str]], profile: str, mode: str, scope_code: str | None,
               period: tuple[date, date] | None = None, dry_run: bool = False,
               channel: str = AccessChannel.CLI, on_progress: Progress | None = None) -> ExchangeRun:
    """Create and carry out an import run in this process (the CLI, tests); refused runs are returned, not raised."""
    scope = resolve_scope(user, scope_code)
    refuse_if_busy(scope.code)
    run = create_import_run(user=user, files=files, profile=profile, mode=mode, scope_code=scope_code, period=period,
                            dry_run=dry_run, channel=channel)
    try:
        with scope_lock(IMPORT_LOCK):
            return execute_import(run, files, on_progress)
    except ScopeBusy as busy:
        run.status, run.message, run.finished_at = RunStatus.REFUSED, str(busy), timezone.now()
        run.save()
        raise ValidationFailed.single("scope", ErrorCode.CONFLICT, str(busy)) from None


def settle(run: ExchangeRun) -> ExchangeRun:
    """A queued or running run that nothing carries out any more is interrupted: its task ended without finishing
    it (a killed worker), or — run from the command line — no process holds the import lock."""
    if run.status not in ACTIVE:
        return run
    if run.task_id:
        gone = progress_state(run.task_id).finished
    else:
        gone = run.status == RunStatus.RUNNING and not JobLock.objects.filter(key=IMPORT_LOCK).exists()
    if gone:
        run.refresh_from_db()
        if run.status in ACTIVE:
            run.status, run.finished_at = RunStatus.INTERRUPTED, timezone.now()
            run.save(update_fields=["status", "finished_at"])
    return run


def refuse_if_busy(scope_code: str) -> None:
    """Refuse a new import while another waits in the queue or runs (the lock checks again when it starts)."""
    for busy in ExchangeRun.objects.filter(kind=RunKind.IMPORT, status__in=ACTIVE):
        if settle(busy).status in ACTIVE:
            raise ValidationFailed.single("scope", ErrorCode.CONFLICT,
                                          f"Tuonti on jo jonossa tai käynnissä (alue {busy.scope_code or 'kaikki'}, "
                                          f"{timezone.localtime(busy.created_at):%d.%m.%Y %H.%M}); odota sen valmistumista.")


def export_now(*, user: Any, out_dir: Path, scope_code: str | None, kind: str = "csv",
               channel: str = AccessChannel.CLI) -> tuple[ExchangeRun, list[ExportedFile]]:
    """Export the scope's current facts into ``out_dir`` (one file per entity) and log it as one event."""
    scope = resolve_scope(user, scope_code)
    if kind not in {"csv", "jsonl", "parquet"}:
        raise ValidationFailed.single("format", ErrorCode.INVALID, "Muoto on csv, jsonl tai parquet.")
    run = ExchangeRun.objects.create(kind=RunKind.EXPORT, profile="polku-exchange-v1", scope_code=scope.code,
                                     status=RunStatus.RUNNING, started_at=timezone.now(),
                                     created_by=user if user is not None and user.is_authenticated else None,
                                     channel=channel)
    created = not out_dir.exists()
    try:
        written = export_files(out_dir, municipalities=scope.municipalities, kind=kind)
    except BaseException:
        run.status = RunStatus.FAILED
        run.finished_at = timezone.now()
        run.save()
        # Only what this export made goes: never a directory, or files, that were there before.
        if created:
            shutil.rmtree(out_dir, ignore_errors=True)
        log_run(user, run, channel, f"vienti {scope.code or 'kaikki'} keskeytyi")
        raise
    run.files = [{"name": f.path.name, "entity": f.entity, "rows": f.rows} for f in written]
    run.counts = {f.entity: {"exported": f.rows} for f in written}
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.save()
    log_run(user, run, channel, f"vienti {scope.code or 'kaikki'}: " + ", ".join(f"{f.entity} {f.rows}" for f in written))
    return run, written


def upload_dir(run_id: Any) -> Path:
    """Where an uploaded file waits for its job (removed when the run ends, whatever its outcome)."""
    return Path(settings.VAR_DIR) / "exchange-uploads" / str(run_id)


def submit_import(*, user: Any, uploads: list[Any], profile: str, mode: str, scope_code: str | None,
                  period: tuple[date, date] | None = None, dry_run: bool = False,
                  channel: str = AccessChannel.WEB) -> ExchangeRun:
    """Queue an import of uploaded files (the page and the API): the files wait in a private directory for the worker,
    which deletes them when the run ends, whatever its outcome."""
    from polku.exchange.tasks import enqueue_import

    refuse_if_busy(resolve_scope(user, scope_code).code)  # refused before anything is stored
    staging = Path(settings.VAR_DIR) / "exchange-uploads" / f"incoming-{uuid.uuid4()}"
    staging.mkdir(parents=True, mode=0o700)
    try:
        files = []
        for index, upload in enumerate(uploads):
            name = Path(upload.name).name
            path = staging / f"{index:03d}-{name}"
            with path.open("wb") as stream:
                for chunk in upload.chunks():
                    stream.write(chunk)
            files.append((path, name))
        run = create_import_run(user=user, files=files, profile=profile, mode=mode, scope_code=scope_code,
                                period=period, dry_run=dry_run, channel=channel)
        target = upload_dir(run.id)
        staging.rename(target)
        run.files = [{**listed, "stored": path.name} for listed, (path, _name) in zip(run.files, files, strict=True)]
        run.save(update_fields=["files"])
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    enqueue_import(run)
    return run


def stored_files(run: ExchangeRun) -> list[tuple[Path, str]]:
    directory = upload_dir(run.id)
    return [(directory / f["stored"], f["name"]) for f in run.files if f.get("stored")]


def runs_visible_to(user: Any) -> Any:
    """Import and export runs the user may see: their area's (and its municipalities'); administrators all."""
    allowed = policy.exchange_municipality_codes(user)
    runs = ExchangeRun.objects.select_related("created_by")
    if allowed is None:
        return runs
    profile = policy.staff_profile(user)
    area_code = profile.area.code if profile is not None and profile.area is not None else ""
    return runs.filter(scope_code__in=[area_code, *allowed])
