"""Publishing the monthly report: compute its figures once, make its documents, keep them, tell the subscribers.

Publishing is one transaction: the report and its six documents are all written or none. A month already published
is never published again (the archive is what the council was given); ``publish`` returns the archived report.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from polku.core.calendar import add_months, month_start
from polku.core.errors import ErrorCode, ValidationFailed
from polku.derived.facts import latest_benefit_month
from polku.kpi.models import Programme
from polku.kpi.selectors import Scope, scope_for
from polku.municipal_share.warning_jobs import facts_fingerprint
from polku.reference.models import EmploymentArea
from polku.reports import documents
from polku.reports.figures import LANGUAGES, report_figures
from polku.reports.models import MonthlyReport, ReportDocument, ReportSubscription, ReportTrigger


def last_complete_month(today: date) -> date:
    """The latest month that has ended."""
    return add_months(month_start(today), -1)


def latest_report_month(today: date) -> date | None:
    """The month a report is due for: the latest month with benefit facts, if it has ended (a month still running
    is never reported), else the last ended month when the facts run past it; None without facts."""
    latest = latest_benefit_month()
    if latest is None:
        return None
    return min(month_start(latest), last_complete_month(today))


def check_month(month: date, today: date) -> None:
    if month > last_complete_month(today):
        raise ValidationFailed.single("month", ErrorCode.INVALID,
                                      "Raportti tehdään vain päättyneestä kuukaudesta, viimeistään "
                                      f"{last_complete_month(today):%Y-%m}.")


def report_scopes() -> list[Scope]:
    """Whom reports are published for without being asked: every employment area, and every municipality with a
    programme of its own or a subscriber."""
    codes = list(EmploymentArea.objects.order_by("code").values_list("code", flat=True))
    own = set(Programme.objects.values_list("scope", flat=True)) | set(
        ReportSubscription.objects.values_list("scope_code", flat=True))
    codes += sorted(c for c in own if c not in codes)
    return [scope_for(code) for code in codes]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish(scope_code: str, month: date, *, user: Any = None, trigger: str = ReportTrigger.ON_DEMAND,
            today: date | None = None) -> tuple[MonthlyReport, bool]:
    """The report of ``scope_code`` for ``month``: published now, or the archived one (``created`` False)."""
    month = month_start(month)
    check_month(month, today or timezone.localdate())
    scope = scope_for(scope_code)
    existing = MonthlyReport.objects.filter(scope_code=scope.code, month=month).first()
    if existing is not None:
        return existing, False
    fingerprint = facts_fingerprint()
    figures = report_figures(scope, month)
    published_at = timezone.now()
    rendered = [(language, kind, render(figures, language, published_at)) for language in LANGUAGES
                for kind, render in ((ReportDocument.Kind.PDF, documents.render_pdf),
                                     (ReportDocument.Kind.XLSX, documents.render_xlsx))]
    try:
        with transaction.atomic():
            report = MonthlyReport.objects.create(
                scope_code=scope.code, scope_name=scope.name, scope_kind=scope.kind, month=month, figures=figures,
                published_at=published_at, published_by=user if getattr(user, "is_authenticated", False) else None,
                trigger=trigger, facts_fingerprint=fingerprint)
            ReportDocument.objects.bulk_create([
                ReportDocument(report=report, language=language, kind=kind, content=data, sha256=_sha(data))
                for language, kind, data in rendered])
            transaction.on_commit(lambda: notify(report))
    except IntegrityError:  # published by another job meanwhile: that one is the archive's
        return MonthlyReport.objects.get(scope_code=scope.code, month=month), False
    return report, True


def publish_due(today: date | None = None, scope_code: str | None = None) -> list[MonthlyReport]:
    """Publish the due month of every report scope not yet published (the job after each month's data); after an
    import of one area (``scope_code``), only the scopes it touches: another area's month may still be incomplete."""
    today = today or timezone.localdate()
    month = latest_report_month(today)
    if month is None:
        return []
    scopes = report_scopes()
    if scope_code:
        touched = set(scope_for(scope_code).municipality_codes)
        scopes = [scope for scope in scopes if touched & set(scope.municipality_codes)]
    published = []
    for scope in scopes:
        report, created = publish(scope.code, month, trigger=ReportTrigger.SCHEDULED, today=today)
        if created:
            published.append(report)
    return published


def report_url(report: MonthlyReport) -> str:
    base = str(getattr(settings, "POLKU_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    return f"{base}/raportit/{report.scope_code}/{report.month:%Y-%m}/"


def notify(report: MonthlyReport) -> int:
    """Tell the scope's subscribers that the report is out: a link only, no figures and no one's data."""
    users = get_user_model().objects.filter(
        pk__in=ReportSubscription.objects.filter(scope_code=report.scope_code).values("user_id"),
        is_active=True).exclude(email="")
    recipients = sorted(users.values_list("email", flat=True))
    if not recipients:
        return 0
    lines = []
    for language in LANGUAGES:
        with translation.override(language):
            lines.append(translation.gettext("Kuukausiraportti %(scope)s, %(month)s on julkaistu: %(url)s") % {
                "scope": report.scope_name, "month": f"{report.month:%m/%Y}", "url": report_url(report)})
    with translation.override("fi"):
        subject = translation.gettext("Polku: kuukausiraportti %(scope)s %(month)s") % {
            "scope": report.scope_name, "month": f"{report.month:%m/%Y}"}
    # One message per recipient: no one sees who else subscribes.
    for address in recipients:
        send_mail(subject, "\n\n".join(lines), None, [address])
    return len(recipients)


def subscribe(user: Any, scope_code: str, *, on: bool) -> bool:
    """Start (``on``) or end a user's subscription to a scope's reports; whether it is on afterwards."""
    scope = scope_for(scope_code)
    if on:
        ReportSubscription.objects.get_or_create(user=user, scope_code=scope.code)
    else:
        ReportSubscription.objects.filter(user=user, scope_code=scope.code).delete()
    return on
