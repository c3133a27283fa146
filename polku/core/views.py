"""Framework-level views that do no domain work: the health checks."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

_migrations_applied = False  # once true in a process it stays true: a new release starts new processes


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Liveness probe for load balancers, and the framework floor of ``benchmarks/casework_latency.py``:
    the same server and middleware as every page, but no login, no database query and no template."""
    return JsonResponse({"status": "ok"})


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def unapplied_migrations() -> int:
    """How many migrations of this release the database lacks (0 once everything is applied)."""
    global _migrations_applied  # noqa: PLW0603 - a per-process memo of a fact that cannot become false
    if _migrations_applied:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_applied = pending == 0
    return pending


@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness probe: 200 when the database answers and every migration of this release is applied, else 503
    (naming which). No login; the answer holds no data."""
    checks = {"database": "ok" if _database_answers() else "unavailable"}
    if checks["database"] == "ok":
        try:
            pending = unapplied_migrations()
        except DatabaseError:
            checks["database"] = "unavailable"
        else:
            checks["migrations"] = "ok" if not pending else f"{pending} unapplied"
    ok = all(value == "ok" for value in checks.values()) and "migrations" in checks
    return JsonResponse({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)
