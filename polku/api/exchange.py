"""API of the register import, for system-to-system batches: the same service and rules as the page and the CLI.

``POST /api/exchange/imports`` takes the files (multipart, ``files`` repeated) with the profile, mode, scope, period
and dry-run flag, queues the import and answers 202 with the run; ``GET /api/exchange/imports/{id}`` reports its
status, counts per entity and the number of problems, ``…/problems`` lists them (file, row, column, code, reason —
never an identity code). Only the data steward (for their area) and administrators may use it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from polku.access import policy
from polku.access.models import AccessChannel
from polku.api.schemas import Code, Day, ErrorOut
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.exchange import services
from polku.exchange.models import ExchangeRun, ImportMode
from polku.exchange.profiles import DEFAULT_PROFILE

router = Router(tags=["exchange"])


class ImportIn(Schema):
    profile: Code = Field(DEFAULT_PROFILE, description="A shipped mapping profile: polku-exchange-v1 or "
                                                      "asiakastietojarjestelma-esimerkki (unverified example).")
    mode: str = Field(ImportMode.DELTA, json_schema_extra={"enum": list(ImportMode.values)}, max_length=10,
                      description="delta (upserts and explicit deletions) or full (a complete "
                                  "snapshot of the scope: records absent from it are retracted).")
    scope: Code = Field("", description="Employment area or municipality code; required for full. Empty: your area.")
    period_start: Day | None = Field(None, description="A full snapshot's period (with period_end).")
    period_end: Day | None = None
    dry_run: bool = Field(False, description="Check and report what would happen; write nothing.")


class RunOut(Schema):
    id: UUID
    kind: str
    status: str = Field(description="queued, running, done, refused (nothing written), failed or interrupted.")
    dry_run: bool
    mode: str
    profile: str
    scope: str
    files: list[dict[str, Any]] = Field(description="name, entity, sha256, bytes, rows per file.")
    counts: dict[str, dict[str, int]] = Field(description="Per entity: new, changed, unchanged, retracted, refused.")
    problem_count: int
    phase_seconds: dict[str, float] = Field(
        description="Where the run's time went, in seconds: read, check, write, finish (indexes, constraints, commit); "
                    "refresh: bringing what pages read up to date after the run (not in its duration).")
    created_at: str
    finished_at: str | None
    progress_url: str | None = Field(description="JSON progress of the queued task (done, total, phase).")


class ProblemOut(Schema):
    file: str
    row: int | None
    column: str
    code: str
    message: str


def _out(run: ExchangeRun) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "status": run.status, "dry_run": run.dry_run, "mode": run.mode,
            "profile": run.profile, "scope": run.scope_code,
            "files": [{k: v for k, v in f.items() if k != "stored"} for f in run.files], "counts": run.counts,
            "problem_count": run.problem_count, "phase_seconds": run.phase_seconds,
            "created_at": run.created_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "progress_url": f"/tyot/{run.task_id}/tila/" if run.task_id else None}


def _run(request: HttpRequest, run_id: UUID) -> ExchangeRun | None:
    if not policy.can_exchange_data(request.user):
        raise AccessDenied("Vain tietopalvelu voi tuoda ja viedä rekisteritietoja.")
    run = services.runs_visible_to(request.user).filter(pk=run_id).first()
    return services.settle(run) if run is not None else None


@router.post("/imports", response={202: RunOut, 403: ErrorOut, 422: ErrorOut})
def import_submit(request: HttpRequest, files: File[list[UploadedFile]], form: Form[ImportIn]) -> Any:
    """Queue an import of the files; 422 names the field when the request itself is refused."""
    if bool(form.period_start) != bool(form.period_end):
        raise ValidationFailed.single("period_end" if form.period_start else "period_start", ErrorCode.REQUIRED,
                                      "Anna jakson alku ja loppu, tai ei kumpaakaan.")
    period = (form.period_start, form.period_end) if form.period_start and form.period_end else None
    run = services.submit_import(user=request.user, uploads=list(files), profile=form.profile, mode=form.mode,
                                 scope_code=form.scope or None, period=period, dry_run=form.dry_run,
                                 channel=AccessChannel.API)
    return Status(202, _out(run))


@router.get("/imports", response={200: list[RunOut], 403: ErrorOut})
def import_list(request: HttpRequest, limit: int = Query(50, ge=1, le=500)) -> Any:
    if not policy.can_exchange_data(request.user):
        raise AccessDenied("Vain tietopalvelu voi tuoda ja viedä rekisteritietoja.")
    return [_out(r) for r in services.runs_visible_to(request.user)[:max(1, min(limit, 500))]]


@router.get("/imports/{run_id}", response={200: RunOut, 403: ErrorOut, 404: ErrorOut})
def import_detail(request: HttpRequest, run_id: UUID) -> Any:
    run = _run(request, run_id)
    if run is None:
        return Status(404, {"errors": [{"field": "run_id", "code": str(ErrorCode.UNKNOWN), "message": "Tuontia ei ole."}]})
    return _out(run)


@router.get("/imports/{run_id}/problems", response={200: list[ProblemOut], 403: ErrorOut, 404: ErrorOut})
def import_problems(request: HttpRequest, run_id: UUID) -> Any:
    run = _run(request, run_id)
    if run is None:
        return Status(404, {"errors": [{"field": "run_id", "code": str(ErrorCode.UNKNOWN), "message": "Tuontia ei ole."}]})
    return list(run.problems.values("file", "row", "column", "code", "message"))
