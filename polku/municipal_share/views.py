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
from django.views.decorators.http import require_GET

from polku.access.models import AccessChannel
from polku.access.policy import can_see_person_level_data, persons_visible_to
from polku.access.services import log_person_reads
from polku.municipal_share import excel, kela_statistics, presenters
from polku.municipal_share.services import current_rule_book
from polku.reference.models import Municipality
from polku.web import content
from polku.web.views import _no_person_access_reason, forbidden

WARNING_WINDOWS = (30, 60)
PAGE_SIZE = 50


def _selection(request: HttpRequest) -> tuple[list[Municipality], Municipality | None, presenters.Period | None, str]:
    """The municipalities the user may choose from, the chosen one and period, and an error message."""
    today = timezone.localdate()
    allowed = presenters.municipalities_for(request.user)
    code = request.GET.get("municipality", "").strip()
    chosen = next((m for m in allowed if m.code == code), None) if code else (allowed[0] if allowed else None)
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
    page = presenters.share_page(current_rule_book(), municipality, period,
                                 suppress=presenters.suppresses_small_cells(request.user))
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
    rows = [] if error else presenters.early_warnings(
        current_rule_book(), persons_visible_to(request.user), reference_date=reference_date, days=days,
        scope=presenters.visibility_scope(request.user))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown: list[presenters.WarningRow] = list(page.object_list)
    # Only the persons on the page shown are read (and logged); the counter tells how many there are.
    log_person_reads(user=request.user, person_ids=[r.person.pk for r in shown], action="share_early_warnings",
                     purpose=purpose.logged, channel=AccessChannel.WEB)
    return render(request, "municipal_share/warnings.html", {
        "rows": shown, "total": len(rows), "page": page, "days": days, "windows": WARNING_WINDOWS,
        "reference_date": reference_date,
        "date_given": bool(raw_date), "stale_data": suggested is not None and not raw_date, "today": today,
        "latest_month": presenters.latest_benefit_month() if suggested else None,
        "error": error, "purposes": content.PURPOSES, "purpose": purpose,
    }, status=400 if error else 200)
