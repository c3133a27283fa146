"""Pages of the monthly reports: the archive, one report, its documents as published, publishing on demand and the
e-mail subscription.

Thin: check access, read the archive, render. Every figure was computed (and suppressed as for an aggregate-only
reader) when the report was published; the pages never run an engine, and the documents are served as stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from polku.access.policy import Capability, allows
from polku.core.errors import ValidationFailed
from polku.core.languages import reader_language
from polku.reports import presenters, services, tasks
from polku.reports.documents import XLSX_TYPE, trend_rows
from polku.reports.figures import LANGUAGES
from polku.reports.layout import report_view
from polku.reports.models import MonthlyReport, ReportDocument, ReportSubscription
from polku.web.views import forbidden

NO_AREA = "Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta tai sen kuntia."


def _language() -> str:
    language = reader_language()
    return language if language in LANGUAGES else "fi"


def _parse_month(text: str) -> date | None:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    if not allows(request.user, Capability.VIEW_AGGREGATES):
        return forbidden(request, _("Kuukausiraportit ovat koostetietoja, joihin roolillasi ei ole pääsyä."))
    scopes = presenters.readable_scopes(request.user)
    if not scopes:
        return forbidden(request, _(NO_AREA))
    today = timezone.localdate()
    user = cast(Any, request.user)  # signed in (login_required)
    subscribed = set(ReportSubscription.objects.filter(user=user).values_list("scope_code", flat=True))
    due = services.latest_report_month(today)
    return render(request, "reports/list.html", {
        "reports": presenters.archive(scopes), "scopes": scopes, "subscribed": subscribed,
        "may_publish": allows(request.user, Capability.PUBLISH_REPORTS), "language": _language(),
        "default_month": f"{due or services.last_complete_month(today):%Y-%m}",
        "last_month": f"{services.last_complete_month(today):%Y-%m}", "has_email": bool(user.email),
    })


def _readable_report(request: HttpRequest, scope: str, month: str) -> MonthlyReport | HttpResponse:
    if not allows(request.user, Capability.VIEW_AGGREGATES):
        return forbidden(request, _("Kuukausiraportit ovat koostetietoja, joihin roolillasi ei ole pääsyä."))
    if scope not in {s.code for s in presenters.readable_scopes(request.user)}:
        return forbidden(request, _("Alue tai kunta ei kuulu työllisyysalueesi kuntiin."))
    chosen = _parse_month(month)
    report = None if chosen is None else MonthlyReport.objects.filter(scope_code=scope, month=chosen).first()
    if report is None:
        raise Http404(_("Tältä kuukaudelta ei ole julkaistua raporttia."))
    return report


@login_required
@require_GET
def report_page(request: HttpRequest, scope: str, month: str) -> HttpResponse:
    report = _readable_report(request, scope, month)
    if isinstance(report, HttpResponse):
        return report
    view = report_view(report.figures, _language())
    documents = list(report.documents.filter(language=view.language).defer("content").order_by("kind"))
    return render(request, "reports/report.html", {
        "report": view, "archived": report, "charts": presenters.page_charts(view), "trend_rows": trend_rows(view),
        "documents": documents,
    })


@login_required
@require_GET
def report_document(request: HttpRequest, scope: str, month: str, language: str, kind: str) -> HttpResponse:
    report = _readable_report(request, scope, month)
    if isinstance(report, HttpResponse):
        return report
    document = ReportDocument.objects.filter(report=report, language=language, kind=kind).first()
    if document is None:
        raise Http404
    content_type = "application/pdf" if kind == ReportDocument.Kind.PDF else XLSX_TYPE
    response = HttpResponse(bytes(document.content), content_type=content_type)
    response["Content-Disposition"] = (f'attachment; filename="kuukausiraportti-{report.scope_code}-'
                                       f'{report.month:%Y-%m}-{language}.{kind}"')
    response["ETag"] = f'"{document.sha256}"'
    return response


@login_required
@require_POST
def publish_on_demand(request: HttpRequest) -> HttpResponse:
    if not allows(request.user, Capability.PUBLISH_REPORTS):
        return forbidden(request, _("Roolillasi ei voi julkaista kuukausiraporttia."))
    scope = request.POST.get("scope", "")
    month = _parse_month(request.POST.get("month", ""))
    if scope not in {s.code for s in presenters.readable_scopes(request.user)}:
        messages.error(request, _("Alue: valitse alue tai kunta luettelosta."))
        return redirect("reports:list")
    if month is None:
        messages.error(request, _("Kuukausi: anna kuukausi muodossa VVVV-KK."))
        return redirect("reports:list")
    try:
        services.check_month(month, timezone.localdate())
    except ValidationFailed:
        messages.error(request, _("Kuukausi: raportti tehdään vain päättyneestä kuukaudesta, viimeistään %(month)s.")
                       % {"month": f"{services.last_complete_month(timezone.localdate()):%Y-%m}"})
        return redirect("reports:list")
    if MonthlyReport.objects.filter(scope_code=scope, month=month).exists():
        messages.info(request, _("Kuukauden raportti on jo julkaistu; julkaistua raporttia ei muuteta."))
        return redirect("reports:report", scope=scope, month=f"{month:%Y-%m}")
    tasks.publish_report.enqueue(scope, month.isoformat(), request.user.pk)
    messages.success(request, _("Raportti laaditaan taustalla. Se näkyy luettelossa, kun se on valmis."))
    return redirect("reports:list")


@login_required
@require_POST
def subscription(request: HttpRequest) -> HttpResponse:
    if not allows(request.user, Capability.VIEW_AGGREGATES):
        return forbidden(request, _("Kuukausiraportit ovat koostetietoja, joihin roolillasi ei ole pääsyä."))
    scope = request.POST.get("scope", "")
    if scope not in {s.code for s in presenters.readable_scopes(request.user)}:
        messages.error(request, _("Alue: valitse alue tai kunta luettelosta."))
        return redirect("reports:list")
    on = request.POST.get("on") == "1"
    services.subscribe(request.user, scope, on=on)
    messages.success(request, _("Ilmoitus uusista raporteista tilattu.") if on else _("Ilmoitusten tilaus lopetettu."))
    return redirect("reports:list")
