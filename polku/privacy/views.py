"""The data protection officer's pages: a person's subject-access export (page and file), the retention schedule with
its runs, and the record of processing activities. Who may is decided in the access policy
(``can_exercise_subject_rights``); these views only present."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from polku.access import policy, selectors
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_person_reads, log_refused
from polku.core.errors import AccessDenied, ValidationFailed
from polku.people.models import Person
from polku.privacy import ropa
from polku.privacy import subject_access as export
from polku.privacy.forms import RetentionRunForm
from polku.privacy.models import RetentionRun
from polku.privacy.presenters import report_rows
from polku.privacy.retention import new_run
from polku.privacy.schedule import load_schedule
from polku.privacy.tasks import enqueue_retention
from polku.timeline.services import person_find_by_personal_id

BREAK_GLASS_PURPOSE = gettext_noop("tietosuojavalvonta")  # the access log's purpose for the DPO's reading of the flagged list


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", {
        "reason": _("Rekisteröidyn oikeuksia käsittelevät vain tietosuojavastaava ja pääkäyttäjä.")}, status=403)


@login_required
@sensitive_post_parameters("personal_id")
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """The start page; the subject is chosen by identity code, posted (never in an address), and the page redirects
    to the person's random id."""
    allowed = policy.can_exercise_subject_rights(request.user)
    lookup_error = ""
    if request.method == "POST":
        try:
            found = person_find_by_personal_id(request.POST.get("personal_id", ""))
        except ValidationFailed:
            found, lookup_error = None, _("Henkilötunnus ei ole oikeaa muotoa tai sen tarkistusmerkki ei täsmää.")
        if found is not None and not allowed:
            log_refused(user=request.user, person_ids=[found.pk], action=AccessAction.PERSON_LOOKUP,
                        purpose=export.PURPOSE, channel=AccessChannel.WEB)
        if not allowed:
            return _forbidden(request)
        if found is not None:
            log_person_reads(user=request.user, person_ids=[found.pk], action=AccessAction.PERSON_LOOKUP,
                             purpose=export.PURPOSE, channel=AccessChannel.WEB)
            return redirect("privacy:subject_access", person_id=found.pk)
        lookup_error = lookup_error or _("Henkilötunnuksella ei löytynyt henkilöä.")
    if not allowed:
        return _forbidden(request)
    return render(request, "privacy/index.html", {"lookup_error": lookup_error}, status=400 if lookup_error else 200)


def _export(request: HttpRequest, person_id: uuid.UUID, action: AccessAction) -> export.SubjectAccessExport | None:
    person = get_object_or_404(Person, pk=person_id)
    try:
        return export.produce(user=request.user, person=person, action=action, channel=AccessChannel.WEB)
    except AccessDenied:
        return None


@login_required
@require_GET
def subject_access(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    produced = _export(request, person_id, AccessAction.SUBJECT_ACCESS)
    if produced is None:
        return _forbidden(request)
    return render(request, "privacy/subject_access.html", {"export": produced})


@login_required
@require_GET
def subject_access_json(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    produced = _export(request, person_id, AccessAction.SUBJECT_ACCESS_DOWNLOAD)
    if produced is None:
        return _forbidden(request)
    response = HttpResponse(json.dumps(produced.as_json(), ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rekisteroidyn-tiedot-{person_id}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    if not policy.can_exercise_subject_rights(request.user):
        return _forbidden(request)
    form = RetentionRunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        run = new_run(user=request.user, reference_date=form.cleaned_data["reference_date"],
                      dry_run=form.cleaned_data["dry_run"], channel=AccessChannel.WEB,
                      actor=request.user.get_username())
        enqueue_retention(run)
        return redirect("privacy:retention_run", run_id=run.pk)
    runs = Paginator(RetentionRun.objects.all(), 25).get_page(request.GET.get("page"))
    return render(request, "privacy/retention.html", {"schedule": load_schedule(), "form": form, "runs": runs},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def retention_run(request: HttpRequest, run_id: int) -> HttpResponse:
    if not policy.can_exercise_subject_rights(request.user):
        return _forbidden(request)
    run = get_object_or_404(RetentionRun, pk=run_id)
    schedule = load_schedule()
    return render(request, "privacy/retention_run.html", {"run": run, "rows": report_rows(run, schedule),
                                                          "schedule": schedule})


@login_required
@require_GET
def break_glass_accesses(request: HttpRequest) -> HttpResponse:
    """The flagged list: every break-glass access — who opened whom, when, until when and why — newest first."""
    if not policy.can_read_access_log(request.user):
        return render(request, "403.html", {
            "reason": _("Poikkeuksellisia pääsyjä valvovat tietosuojavastaava ja pääkäyttäjä.")}, status=403)
    page = Paginator(selectors.break_glass_accesses(), 50).get_page(request.GET.get("page"))
    log_person_reads(user=request.user, person_ids=[grant.person_id for grant in page.object_list],
                     action=AccessAction.PERSON_LIST, purpose=BREAK_GLASS_PURPOSE, channel=AccessChannel.WEB)
    return render(request, "privacy/break_glass.html", {"page": page, "now": timezone.now()})


@login_required
@require_GET
def processing_record(request: HttpRequest) -> HttpResponse:
    if not policy.can_exercise_subject_rights(request.user):
        return _forbidden(request)
    return render(request, "privacy/processing_record.html", {"record": ropa.build()})


@login_required
@require_GET
def processing_record_json(request: HttpRequest) -> HttpResponse:
    if not policy.can_exercise_subject_rights(request.user):
        return _forbidden(request)
    data: dict[str, Any] = ropa.build().as_json()
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
