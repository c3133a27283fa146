"""Framework-level views that do no domain work."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Liveness probe for load balancers, and the framework floor of ``benchmarks/casework_latency.py``:
    the same server and middleware as every page, but no login, no database query and no template."""
    return JsonResponse({"status": "ok"})
