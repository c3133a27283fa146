"""The JSON a progress bar polls: ``GET /tyot/<task id>/tila/``."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from polku.jobs.progress import progress_state, status_payload


@require_GET
@login_required
def job_status(request: HttpRequest, task_id: UUID) -> JsonResponse:
    """A job's progress: counts, phase and queue status only (no personal data), for any signed-in user."""
    state = progress_state(str(task_id))
    if not state.status:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse(status_payload(state))
