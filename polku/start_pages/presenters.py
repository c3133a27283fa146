"""What each role's start page shows: the day's own work, or the figures the role follows, and where to go next.

A start page answers at once: it reads cheap queries and results already computed (cached programme and indicator
figures, the latest import run, the latest forecast fit), never runs an engine; a figure that is not ready links to
its page instead. Person-level rows are shown only to roles that see persons, and every person shown is
access-logged as on the worklist.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel, AccessLog, Role, StaffProfile
from polku.access.services import log_person_reads
from polku.casework import presenters as casework_presenters
from polku.casework import selectors as casework
from polku.casework.due import DueState
from polku.casework.models import CaseAssignment
from polku.core.errors import AccessDenied, ValidationFailed
from polku.employer_services import selectors as employer_services
from polku.exchange.models import ExchangeRun, RunKind, RunStatus
from polku.forecast.models import ForecastFit
from polku.kpi import presenters as kpi_presenters
from polku.kpi.definitions import shipped_definitions
from polku.kpi.models import Programme
from polku.kpi.programme import text
from polku.kpi.programme_figures import cached_progress
from polku.municipal_share.presenters import suppresses_small_cells
from polku.people.models import Person
from polku.reports.models import MonthlyReport
from polku.timeline.models import BenefitMonth
from polku.web.content import ROLE_GUIDES
from polku.web.form_flow import PURPOSE

__all__ = ["ROLE_GUIDES", "StartPage", "start_page"]

LIST_LIMIT = 10  # rows of a start page's list; the full list is one link away
NEW_CLIENT_DAYS = 14
ACTIVITY_DAYS = 7
HEADLINE_INDICATORS = ("unemployed_jobseekers", "activation_rate", "long_term_unemployed", "youth_unemployed")
# The employer services' side of the manager's start page (Mikkeli's profile coverage, Sotkamo's employer contacts,
# the job offers and what came of them).
EMPLOYER_HEADLINES = ("competence_profile_coverage", "employer_contacts", "job_offers", "job_offers_to_work_share")
# The clients' own voice (Sotkamo's "client experiences are positive", measured by the feedback surveys): figures of
# the employment area, as the answers are placed by the team's area.
FEEDBACK_HEADLINES = ("client_feedback_positive_share", "client_feedback_useful_share")


@dataclass(frozen=True)
class StartPage:
    role: str  # the template part to include: start_pages/_<role>.html ("none" without a role)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"start_pages/_{self.role}.html"


@dataclass(frozen=True)
class DueLine:
    person_id: Any
    name: str
    kind: str
    due_on: date


# --- counsellor -------------------------------------------------------------------------------------------------


def _due_lines(rows: list[casework.WorklistRow]) -> list[DueLine]:
    return [DueLine(r.person_id, r.name, str(casework_presenters.KIND_LABELS[r.item.kind]), r.item.due_on)
            for r in rows[:LIST_LIMIT]]


def counsellor_page(user: Any, today: date) -> StartPage:
    """The counsellor's own clients only (assigned to them): overdue and this week's items, and new clients."""
    mine = casework.scope_persons(user, casework.Scope.MINE)
    result = casework.worklist(mine, today, states=[DueState.OVERDUE, DueState.THIS_WEEK])
    overdue = [r for r in result.rows if r.item.state == DueState.OVERDUE]
    this_week = [r for r in result.rows if r.item.state == DueState.THIS_WEEK]
    new_ids = list(CaseAssignment.objects.filter(
        counsellor=user, ended_at__isnull=True, valid_from__gte=today - timedelta(days=NEW_CLIENT_DAYS),
        person_id__in=mine.values("pk")).order_by("-valid_from").values_list("person_id", "valid_from")[:LIST_LIMIT])
    names = {p.pk: f"{p.last_name}, {p.first_names}" for p in Person.objects.filter(pk__in=[i for i, _ in new_ids])}
    new_clients = [(person_id, names[person_id], since) for person_id, since in new_ids if person_id in names]
    overdue_lines, week_lines = _due_lines(overdue), _due_lines(this_week)
    shown = {line.person_id for line in overdue_lines + week_lines} | {person_id for person_id, _, _ in new_clients}
    log_person_reads(user=user, person_ids=sorted(shown, key=str), action=AccessAction.WORKLIST, purpose=PURPOSE,
                     channel=AccessChannel.WEB)
    return StartPage("counsellor", {
        "overdue": overdue_lines, "overdue_count": len(overdue),
        "this_week": week_lines, "this_week_count": len(this_week),
        "new_clients": new_clients, "new_client_days": NEW_CLIENT_DAYS, "clients": result.clients,
    })


# --- team lead ---------------------------------------------------------------------------------------------------


def team_lead_page(user: Any, profile: StaffProfile, today: date) -> StartPage:
    """The team's caseloads against the target, and overdue items by counsellor: counts only, no person is shown."""
    scope = casework.Scope.TEAM if profile.team_id else casework.Scope.AREA
    team = casework.scope_persons(user, scope)
    caseload = casework.caseload(team, today)
    overdue = casework.worklist(team, today, states=[DueState.OVERDUE], rows=casework.scope_rows(user, scope))
    by_counsellor = Counter(r.counsellor for r in overdue.rows)
    usernames = {row.username: row.counsellor for row in caseload if row.username}
    overdue_rows = sorted(((usernames.get(name, name), count) for name, count in by_counsellor.items()),
                          key=lambda row: (-row[1], casework.natural_key(row[0] or "")))
    return StartPage("team_lead", {
        "caseload": caseload, "overdue_by_counsellor": overdue_rows, "overdue_total": len(overdue.rows),
        "has_target": any(row.target is not None for row in caseload),
    })


# --- manager -------------------------------------------------------------------------------------------------------


STATUS_LABELS = {"on_track": _("Tavoitteessa"), "at_risk": _("Vaarassa"), "off_track": _("Jäljessä"),
                 "no_data": _("Ei tietoa"), "manual": _("Seurataan muualla")}


@dataclass(frozen=True)
class GoalLine:
    goal: str
    label: str
    actual: Decimal | None
    target: Decimal | None
    status: str
    status_label: str


@dataclass(frozen=True)
class ProgrammeStatus:
    programme: Programme
    name: str
    year: int
    goals: list[GoalLine] | None  # None when not computed yet: the page links to the programme page instead
    computed_at: datetime | None = None  # when the goals' figures were computed


def _programme_statuses(user: Any, today: date) -> list[ProgrammeStatus]:
    allowed = {s.code for s in kpi_presenters.scopes_for(user)}
    suppress = suppresses_small_cells(user)
    statuses = []
    for programme in Programme.objects.filter(scope__in=allowed):
        found = cached_progress(programme, today.year, suppress=suppress)
        goals = None if found is None else [
            GoalLine(r.progress.goal, r.progress.label, r.progress.actual, r.progress.target, r.progress.status,
                     str(STATUS_LABELS.get(r.progress.status, r.progress.status))) for r in found[0]]
        statuses.append(ProgrammeStatus(programme, text(programme.document.get("name")) or programme.name_fi,
                                        today.year, goals, None if found is None else found[1]))
    return statuses


def manager_page(user: Any, today: date) -> StartPage:
    scopes = kpi_presenters.scopes_for(user)
    scope_code, scope_name, employer_headlines = headline_kpis(user, today, scopes, codes=EMPLOYER_HEADLINES)
    areas = [s for s in scopes if s.kind == "area"]
    area_code, area_name, feedback_headlines = headline_kpis(user, today, areas, codes=FEEDBACK_HEADLINES)
    return StartPage("manager", {"programmes": _programme_statuses(user, today), "scope_code": scope_code,
                                 "scope_name": scope_name, "employer_headlines": employer_headlines,
                                 "employer_figures": policy.allows(user, policy.Capability.EMPLOYER_SERVICES),
                                 "area_code": area_code, "area_name": area_name,
                                 "feedback_headlines": feedback_headlines})


# --- analyst -------------------------------------------------------------------------------------------------------


def _latest_import() -> ExchangeRun | None:
    return ExchangeRun.objects.filter(kind=RunKind.IMPORT, dry_run=False).order_by("-created_at").first()


def analyst_page(profile: StaffProfile) -> StartPage:
    # Read down the month index from the newest: no aggregate over every benefit row.
    latest_month = BenefitMonth.objects.current().order_by("-month").values_list(
        "month", flat=True).first()
    fits = ForecastFit.objects.order_by("-fitted_at")
    if profile.area is not None:
        fits = fits.filter(area=profile.area.code)
    return StartPage("analyst", {
        "latest_benefit_month": latest_month, "latest_import": _latest_import(), "fit": fits.first(),
    })


# --- elected official -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    code: str
    title: str
    unit: str
    period: str | None
    value: Decimal | None
    suppressed: bool
    ready: bool  # False: not computed lately; the page links to the indicator instead of running the engine


def headline_kpis(user: Any, today: date, scopes: list[Any] | None = None,
                  codes: tuple[str, ...] = HEADLINE_INDICATORS) -> tuple[str, str, list[Headline]]:
    """The area's headline indicators (``codes``), latest month, as the indicator page last computed them for this
    user (suppressed as there); the scope's code and name."""
    scopes = kpi_presenters.scopes_for(user) if scopes is None else scopes
    if not scopes:
        return "", "", []
    scope = scopes[0]
    definitions = shipped_definitions()
    try:
        payloads = kpi_presenters.cached_user_payloads(
            user, list(codes), scope=scope.code, first_month=f"{today.year - 2}-{today.month:02d}",
            last_month=f"{today:%Y-%m}", dimension=None, as_of=None)
    except (ValidationFailed, AccessDenied):
        payloads = {}
    headlines = []
    for code in codes:
        definition = definitions.get(code)
        payload = payloads.get(code)
        values = (payload or {}).get("values", [])
        if kpi_presenters.anonymous(definition):  # counted once a month has ended: the latest ended month
            values = [v for v in values if v["period"] < f"{today:%Y-%m}"]
        value = (values[-1:] or [None])[0]
        headlines.append(Headline(
            code=code, title=definition.title, unit=definition.unit,
            period=kpi_presenters.period_text(value["period"]) if value else None,
            value=None if not value or value["value"] is None else Decimal(value["value"]),
            suppressed=bool(value and value.get("suppressed")), ready=payload is not None))
    return scope.code, scope.name, headlines


def elected_official_page(user: Any, today: date) -> StartPage:
    """The headline figures, and the latest monthly report of each of the official's areas and municipalities."""
    scopes = kpi_presenters.scopes_for(user)
    scope_code, scope_name, headlines = headline_kpis(user, today, scopes)
    codes = [s.code for s in scopes]
    latest: dict[str, MonthlyReport] = {}
    for report in MonthlyReport.objects.filter(scope_code__in=codes).defer("figures").order_by("-month"):
        latest.setdefault(report.scope_code, report)
    reports = [latest[c] for c in codes if c in latest][:LIST_LIMIT]
    return StartPage("elected_official", {"scope_code": scope_code, "scope_name": scope_name, "headlines": headlines,
                                          "reports": reports})


# --- data protection officer ----------------------------------------------------------------------------------------


def dpo_page(today: date) -> StartPage:
    """The last week of the access log: how many reads, by how many users, and the refused accesses."""
    since = timezone.now() - timedelta(days=ACTIVITY_DAYS)
    recent = AccessLog.objects.filter(at__gte=since)
    totals = recent.aggregate(reads=Count("pk"), users=Count("actor", distinct=True),
                              refused=Count("pk", filter=Q(action=AccessAction.ACCESS_REFUSED)))
    refused = list(recent.filter(action=AccessAction.ACCESS_REFUSED).order_by("-at")[:LIST_LIMIT])
    return StartPage("dpo", {"totals": totals, "refused": refused, "days": ACTIVITY_DAYS,
                             "since": (today - timedelta(days=ACTIVITY_DAYS)).isoformat()})


# --- data steward and admin ----------------------------------------------------------------------------------------


def data_steward_page() -> StartPage:
    runs = list(ExchangeRun.objects.filter(kind=RunKind.IMPORT).order_by("-created_at")[:5])
    failed = ExchangeRun.objects.filter(
        kind=RunKind.IMPORT, status__in=[RunStatus.FAILED, RunStatus.INTERRUPTED, RunStatus.REFUSED],
        created_at__gte=timezone.now() - timedelta(days=30)).count()
    return StartPage("data_steward", {"runs": runs, "failed_30_days": failed})


def job_agent_page(user: Any, today: date) -> StartPage:
    """How much waits on the employer-services worklist (counts only: no one is named here)."""
    items = employer_services.worklist(user, today)
    return StartPage("job_agent", {
        "not_contacted": len(items.not_contacted), "open_needs": len(items.open_needs),
        "ending_subsidies": len(items.ending_subsidies),
        "offers": len(items.offers_to_answer) + len(items.outcomes_due), "months": items.months})


def start_page(user: Any, profile: StaffProfile | None) -> StartPage:
    """The start page of ``user``'s role today."""
    if profile is None:
        return StartPage("none")
    today = timezone.localdate()
    pages = {
        Role.COUNSELLOR: lambda: counsellor_page(user, today),
        Role.TEAM_LEAD: lambda: team_lead_page(user, profile, today),
        Role.MANAGER: lambda: manager_page(user, today),
        Role.ANALYST: lambda: analyst_page(profile),
        Role.ELECTED_OFFICIAL: lambda: elected_official_page(user, today),
        Role.DPO: lambda: dpo_page(today),
        Role.DATA_STEWARD: data_steward_page,
        Role.JOB_AGENT: lambda: job_agent_page(user, today),
    }
    return pages.get(Role(profile.role), lambda: StartPage("admin"))()
