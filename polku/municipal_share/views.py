"""Pages of the municipal share: the share by month (aggregate), its Excel export, the early-warning worklist.

Thin: check access, parse the query, call one presenter, render. The share page is aggregate data and
open to every staff role for the municipalities of their area (with small cells suppressed for
aggregate-only roles); the worklist is person-level, scoped by ``persons_visible_to`` and access-logged.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from polku.access.models import AccessAction, AccessChannel
from polku.access.policy import can_see_person_level_data, can_write_person_data
from polku.access.services import log_person_reads
from polku.core import precomputed
from polku.core.errors import AccessDenied, ErrorCode, FieldError, ValidationFailed
from polku.municipal_share import excel, invoices, kela_statistics, presenters, summary
from polku.municipal_share.models import KelaInvoice
from polku.municipal_share.services import current_rule_book
from polku.municipal_share.warning_jobs import WARNINGS, warnings_request
from polku.reference.models import Municipality
from polku.web import content
from polku.web.views import _no_person_access_reason, after_retry, asks_retry, forbidden, retry_query

WARNING_WINDOWS = (30, 60)
PAGE_SIZE = 50


def _selection(request: HttpRequest) -> tuple[list[Municipality], Municipality | None, presenters.Period | None, str]:
    """The municipalities the user may choose from, the chosen one and period, and an error message."""
    today = timezone.localdate()
    allowed = presenters.municipalities_for(request.user)
    code = request.GET.get("municipality", "").strip()
    chosen = next((m for m in allowed if m.code == code), None) if code else presenters.default_municipality(
        allowed, today)
    raw_period = request.GET.get("year", "").strip()
    period = presenters.parse_period(raw_period, today) if raw_period else presenters.default_period(today)
    error = ""
    if code and chosen is None:
        error = _("Kunta %(code)s ei ole alueesi kunta tai sitä ei ole.") % {"code": code}
    elif period is None:
        error = _("Vuosi on muotoa VVVV tai VVVV-VVVV (enintään kolme vuotta) väliltä %(first)s–%(last)s.") % {
            "first": presenters.FIRST_YEAR, "last": today.year}
    return allowed, chosen, period, error


@login_required
@require_GET
def share_page(request: HttpRequest) -> HttpResponse:
    allowed, municipality, period, error = _selection(request)
    if not allowed:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta tai sen kuntia."))
    context = {
        "municipalities": allowed,
        "periods": presenters.period_choices(timezone.localdate()),
        "chosen_municipality": municipality,
        "chosen_period": period,
        "error": error,
    }
    if error or municipality is None or period is None:
        return render(request, "municipal_share/share.html", context, status=400)
    book = current_rule_book()
    if summary.caching():  # the worker computes the summary; the page shows the latest one and never waits
        result = precomputed.fetch(summary.SUMMARY, **summary.summary_request(
            book, municipality.code, period, presenters.page_variants(book, period)), retry=asks_retry(request))
        if asks_retry(request):
            return after_retry(request)
        context.update({"result": result, "retry_query": retry_query(request)})
        if not result.ready:
            return render(request, "municipal_share/share.html", context)
        shown = result.value
    else:
        shown = None
    page = presenters.share_page(book, municipality, period, suppress=presenters.suppresses_small_cells(request.user),
                                 summary=shown)
    kela_rows = presenters.kela_comparison(page.summary, suppress=page.suppress)
    kela_sources = kela_statistics.sources_of(kela_rows)
    context.update({
        "page": page,
        "kela_rows": kela_rows,
        "kela_sources": kela_sources,
        "kela_example": any(s.example for s in kela_sources),
        "monthly_chart": presenters.monthly_chart(page),
        "comparison_chart": presenters.comparison_chart(page) if page.comparison_months else None,
    })
    return render(request, "municipal_share/share.html", context)


@login_required
@require_GET
def share_excel(request: HttpRequest) -> HttpResponse:
    allowed, municipality, period, error = _selection(request)
    if not allowed:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta tai sen kuntia."))
    if error or municipality is None or period is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    page = presenters.share_page(current_rule_book(), municipality, period,
                                 suppress=presenters.suppresses_small_cells(request.user))
    response = HttpResponse(excel.share_workbook(page), content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{excel.filename(page)}"'
    return response


@login_required
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    if not can_see_person_level_data(request.user):
        return forbidden(request, _no_person_access_reason(request))
    today = timezone.localdate()
    error = ""
    try:
        days = int(request.GET.get("days", WARNING_WINDOWS[0]))
    except ValueError:
        days = -1
    if days not in WARNING_WINDOWS:
        error, days = _("Valitse 30 tai 60 päivää."), WARNING_WINDOWS[0]
    raw_date = request.GET.get("date", "").strip()
    suggested = presenters.suggested_reference_date(today)
    reference_date = suggested or today
    if raw_date:
        try:
            reference_date = date.fromisoformat(raw_date)
        except ValueError:
            error = _("Päivämäärä on muotoa VVVV-KK-PP.")
        else:
            if reference_date > today:
                error, reference_date = _("Tarkastelupäivä ei voi olla tulevaisuudessa."), today
    purpose = content.purpose_for(request.GET.get("purpose"), request.user)
    rows: list[presenters.WarningRow] = []
    result = None
    if not error:  # computed by the worker: the page shows the result, or the latest one while it is updated
        book = current_rule_book()
        result = precomputed.fetch(WARNINGS, **warnings_request(
            request.user, book, reference_date, presenters.warning_window(days)), retry=asks_retry(request))
        if asks_retry(request):
            return after_retry(request)
        if result.ready:
            rows = presenters.warning_rows(result.value, book, reference_date=reference_date, days=days)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown: list[presenters.WarningRow] = list(page.object_list)
    # Only the persons on the page shown are read (and logged); the counter tells how many there are.
    log_person_reads(user=request.user, person_ids=[r.person.pk for r in shown], action=AccessAction.SHARE_EARLY_WARNINGS,
                     purpose=purpose.logged, channel=AccessChannel.WEB)
    return render(request, "municipal_share/warnings.html", {
        "rows": shown, "total": len(rows), "page": page, "days": days, "windows": WARNING_WINDOWS,
        "reference_date": reference_date,
        "date_given": bool(raw_date), "stale_data": suggested is not None and not raw_date, "today": today,
        "latest_month": presenters.latest_benefit_month() if suggested else None,
        "error": error, "purposes": content.PURPOSES, "purpose": purpose, "result": result,
        "retry_query": retry_query(request),
    }, status=400 if error else 200)


# --- Kela's invoice list: upload, reconciliation, catch-up breakdown, loading as facts --------------------------

INVOICE_KINDS = {
    "unknown_person": gettext_lazy("henkilö ei Polussa"),
    "not_in_area": gettext_lazy("ei alueellasi"),
    "rule_version": gettext_lazy("sääntöversio"),
    "municipality": gettext_lazy("kunta"),
    "days": gettext_lazy("päivät"),
    "counter": gettext_lazy("kertymä"),
    "step": gettext_lazy("porras"),
    "paid_eur": gettext_lazy("maksettu summa"),
    "municipal_eur": gettext_lazy("kuntaosuus"),
    "missing_from_invoice": gettext_lazy("puuttuu laskulta"),
}


def _invoice_context(request: HttpRequest, municipalities: list[Municipality]) -> dict[str, object]:
    codes = [m.code for m in municipalities]
    return {
        "municipalities": municipalities,
        "recent": KelaInvoice.objects.filter(municipality_id__in=codes).select_related("municipality")
        .order_by("-imported_at")[:20],
        "may_load_facts": can_write_person_data(request.user),
    }


def _check_context(check: invoices.InvoiceCheck) -> dict[str, object]:
    """The check and its differences ready to show (names only of persons the user may see)."""
    differences = [
        {"lines": d.lines, "name": check.person_names.get(d.person_id, ""), "month": d.month,
         "kind": INVOICE_KINDS.get(str(d.kind), str(d.kind)), "invoice": d.invoice, "polku": d.polku,
         "reason": d.reason}
        for d in check.reconciliation.differences
    ]
    counts = {a: check.facts.count(a) for a in ("created", "superseded", "unchanged")} if check.facts else {}
    return {"check": check, "differences": differences, "facts_counts": counts}


def _invoice_municipalities(request: HttpRequest) -> list[Municipality]:
    allowed = presenters.municipalities_for(request.user)
    checkable = []
    for municipality in allowed:
        try:
            invoices.require_municipality_access(request.user, municipality.code)
        except AccessDenied:
            continue
        checkable.append(municipality)
    return checkable


@login_required
@require_http_methods(["GET", "POST"])
def invoice_page(request: HttpRequest) -> HttpResponse:
    """Upload Kela's invoice list, see its reconciliation and breakdown; optionally load its lines as facts."""
    if not can_see_person_level_data(request.user):
        return forbidden(request, _no_person_access_reason(request))
    municipalities = _invoice_municipalities(request)
    if not municipalities:
        return forbidden(request, _("Roolillasi ei ole oikeutta tarkistaa minkään kunnan Kelan laskuja."))
    context = _invoice_context(request, municipalities)
    if request.method == "GET":
        return render(request, "municipal_share/invoices.html", context)
    return _invoice_upload(request, context)


def _invoice_upload(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    form = {"municipality": request.POST.get("municipality", ""), "month": request.POST.get("month", "").strip(),
            "as_facts": request.POST.get("as_facts") == "on",
            "skip_unknown_persons": request.POST.get("skip_unknown_persons") == "on"}
    context["form"] = form
    upload = request.FILES.get("file")
    errors: list[FieldError] = []
    if upload is None:
        errors.append(FieldError("tiedosto", ErrorCode.REQUIRED, _("Valitse laskun tiedosto.")))
    try:
        month = date.fromisoformat(f"{form['month']}-01")
    except ValueError:
        errors.append(FieldError("kuukausi", ErrorCode.INVALID, _("Kuukausi muodossa VVVV-KK.")))
    if errors or upload is None:
        context["errors"] = errors
        return render(request, "municipal_share/invoices.html", context, status=400)
    try:
        check = invoices.invoice_import(
            data=upload.read(), file_name=upload.name or "", municipality=str(form["municipality"]),
            invoice_month=month, user=request.user, channel=AccessChannel.WEB, as_facts=bool(form["as_facts"]),
            skip_unknown_persons=bool(form["skip_unknown_persons"]))
    except ValidationFailed as failure:
        context["errors"] = failure.errors
        return render(request, "municipal_share/invoices.html", context, status=400)
    except AccessDenied as denied:
        return forbidden(request, str(denied))
    context.update(_check_context(check))
    return render(request, "municipal_share/invoices.html", context, status=201)


@login_required
@require_GET
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """A stored invoice reconciled again against Polku's facts as they are now."""
    if not can_see_person_level_data(request.user):
        return forbidden(request, _no_person_access_reason(request))
    try:
        check = invoices.invoice_check(invoice_id=invoice_id, user=request.user, channel=AccessChannel.WEB)
    except ValidationFailed:
        return render(request, "404.html", status=404)
    except AccessDenied as denied:
        return forbidden(request, str(denied))
    context = _invoice_context(request, _invoice_municipalities(request))
    context.update(_check_context(check))
    return render(request, "municipal_share/invoices.html", context)
