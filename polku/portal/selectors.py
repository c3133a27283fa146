"""Reads of the client portal: what the client sees of their own path, who has viewed their data, and what staff
see of the portal (a client's self-assessments over time, aggregate change per service, feedback, consent
records). The caller has checked access and logs the read."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import mean
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from polku.access import policy
from polku.access.models import AccessAction, AccessLog, ClientAccount, Role, StaffProfile
from polku.casework import booking
from polku.casework.models import AppointmentSlot, CaseAssignment, EmploymentPlan
from polku.casework.services import current_assignment, current_plan
from polku.core.calendar import month_start
from polku.core.suppression import SMALL_CELL_K, complement, mark, primary_small
from polku.core.suppression import group as suppression_group
from polku.people.models import Person
from polku.portal.catalogue import questionnaire
from polku.portal.models import (
    Consent,
    FeedbackAnswer,
    FeedbackInvitation,
    Message,
    ReportedApplication,
    SelfAssessment,
)
from polku.provision.models import Decision, Referral
from polku.reference.models import ServiceType

SMALL_GROUP = SMALL_CELL_K  # fewer persons than this: the figure is hidden (as everywhere in Polku's aggregates)


def counsellor_name(user: Any) -> str:
    if user is None:
        return ""
    return f"{user.first_name} {user.last_name}".strip() or user.get_username()


@dataclass
class Obligation:
    required: int
    period_months: int
    reported_this_month: int


@dataclass
class Overview:
    person: Person
    plan: EmploymentPlan | None
    tasks: list[str]
    obligation: Obligation | None
    next_booking: AppointmentSlot | None
    next_meeting_on: date | None
    counsellor: Any
    counsellor_name: str
    counsellor_email: str
    unread: int
    referrals: list[Referral] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    open_feedback: list[FeedbackInvitation] = field(default_factory=list)
    latest_assessment: SelfAssessment | None = None


def tasks_of(plan: EmploymentPlan | None) -> list[str]:
    """The plan's agreed actions, one task a line (the counsellor writes them so)."""
    if plan is None:
        return []
    return [line.strip(" -•\t") for line in plan.agreed_actions.splitlines() if line.strip(" -•\t")]


def overview(person: Person, today: date | None = None) -> Overview:
    today = today or timezone.localdate()
    plan = current_plan(person)
    assignment = current_assignment(person)
    counsellor = assignment.counsellor if assignment else None
    reported = ReportedApplication.objects.filter(person=person, applied_on__year=today.year,
                                                  applied_on__month=today.month).count()
    obligation = Obligation(plan.applications_required, plan.reporting_period_months, reported) if plan else None
    return Overview(
        person=person, plan=plan, tasks=tasks_of(plan), obligation=obligation,
        next_booking=booking.bookings_of(person).first(),
        next_meeting_on=plan.next_meeting_on if plan and plan.next_meeting_on and plan.next_meeting_on >= today else None,
        counsellor=counsellor, counsellor_name=counsellor_name(counsellor),
        counsellor_email=counsellor.email if counsellor else "",
        unread=Message.objects.filter(person=person, from_client=False, read_at__isnull=True).count(),
        referrals=list(Referral.objects.filter(person=person).select_related("offering", "offering__service_type")
                       .order_by("-referred_on")[:20]),
        decisions=list(Decision.objects.filter(person=person).select_related("employer").order_by("-decided_on")[:20]),
        open_feedback=list(FeedbackInvitation.objects.filter(person=person, answered=False)),
        latest_assessment=SelfAssessment.objects.filter(person=person).order_by("-answered_at").first(),
    )


def bookable_counsellor_ids(person: Person) -> list[Any]:
    """Whose free times the client may book: their responsible counsellor's, else their team's counsellors'."""
    assignment = current_assignment(person)
    if assignment is not None and assignment.counsellor_id is not None:
        return [assignment.counsellor_id]
    if person.team_id is None:
        return []
    publishers = policy.roles_with(policy.Capability.PUBLISH_FREE_TIMES)  # who publishes free times at all
    return list(StaffProfile.objects.filter(team_id=person.team_id, role__in=sorted(publishers))
                .values_list("user_id", flat=True))


# --- who viewed my data -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewRow:
    at: datetime
    role: str
    organisation: str
    name: str
    action: str
    purpose: str


def who_viewed(person: Person, limit: int = 200) -> list[ViewRow]:
    """From the access log: who viewed or changed the person's data, as role and organisation (and the staff
    member's name when ``POLKU_PORTAL_SHOW_STAFF_NAMES`` allows), when, what and why."""
    # Rows of the client's own doing are theirs, not "who viewed"; a counsellor's reply in the portal is listed.
    own_users = ClientAccount.objects.filter(person=person).values("user_id")
    rows = list(AccessLog.objects.filter(person_id=person.pk).exclude(user_id__in=own_users)
                .select_related("user")[:limit])
    user_ids = {r.user_id for r in rows if r.user_id}
    profiles = {p.user_id: p for p in StaffProfile.objects.filter(user_id__in=user_ids).select_related("area", "team")}
    labels = dict(AccessAction.choices)
    out = []
    for row in rows:
        profile = profiles.get(row.user_id) if row.user_id else None
        if row.role:  # what the reader was when they read
            role, organisation = str(Role(row.role).label), row.organisation
        elif profile is not None:  # rows from before the role was kept: the reader's role now
            role = str(Role(profile.role).label)
            organisation = " / ".join(x for x in (profile.area.name if profile.area else "",
                                                  profile.team.name if profile.team else "") if x)
        else:
            role, organisation = "", ""
        name = counsellor_name(row.user) if (row.user and settings.POLKU_PORTAL_SHOW_STAFF_NAMES and profile) else ""
        out.append(ViewRow(at=row.at, role=role, organisation=organisation, name=name,
                           action=str(labels.get(row.action, row.action)), purpose=row.purpose_shown))
    return out


# --- self-assessment over time ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRow:
    answered_at: datetime
    filled_by: str
    work_ability: int
    domains: dict[str, float]  # domain code → mean of its answers (1–5)


def assessment_history(person: Person) -> list[AssessmentRow]:
    rows = []
    for assessment in SelfAssessment.objects.filter(person=person).prefetch_related("answers"):
        by_domain: dict[str, list[int]] = defaultdict(list)
        for answer in assessment.answers.all():
            by_domain[answer.domain].append(answer.value)
        rows.append(AssessmentRow(answered_at=assessment.answered_at, filled_by=assessment.get_filled_by_display(),
                                  work_ability=assessment.work_ability,
                                  domains={d: round(mean(v), 1) for d, v in by_domain.items()}))
    return rows


def history_chart_rows(history: list[AssessmentRow]) -> list[dict[str, Any]]:
    """Long rows for the chart: one per assessment and measure (work ability 0–10 and the domains 1–5 → 0–10)."""
    form = questionnaire()
    out: list[dict[str, Any]] = []
    for row in history:
        day = timezone.localtime(row.answered_at).date().isoformat()
        out.append({"day": day, "measure": _("Työkyky nyt"), "value": row.work_ability})
        for domain in form.domains:
            if domain.code in row.domains:
                out.append({"day": day, "measure": form.domain_name(domain.code),
                            "value": round((row.domains[domain.code] - 1) * 2.5, 1)})
    return out


# --- aggregates for managers ------------------------------------------------------------------------------------------


def service_names() -> dict[str, str]:
    """Each service type's name in the reader's language, by its code (what feedback and referrals record)."""
    return {service.code: service.name for service in ServiceType.objects.all()}


@dataclass(frozen=True)
class ServiceChange:
    service_type: str
    persons: Any  # a count, or its suppression mark
    first: Any  # mean work ability at the first assessment (or a mark)
    latest: Any
    change: Any


def change_per_service(persons: QuerySet[Person]) -> list[ServiceChange]:
    """Mean work ability at each person's first and latest self-assessment (persons with at least two), per service
    type they were referred to; a service with fewer than :data:`SMALL_GROUP` persons is hidden. Services overlap
    (one person, several services) and no total is shown, so no hidden figure can be recovered by subtraction."""
    first_last: dict[Any, tuple[int, int]] = {}
    assessments = (SelfAssessment.objects.filter(person__in=persons).order_by("person_id", "answered_at")
                   .values_list("person_id", "work_ability"))
    seen: dict[Any, list[int]] = defaultdict(list)
    for person_id, ability in assessments:
        seen[person_id].append(ability)
    first_last = {pid: (v[0], v[-1]) for pid, v in seen.items() if len(v) >= 2}
    by_service: dict[str, set[Any]] = defaultdict(set)
    names = service_names()
    for person_id, service in (Referral.objects.filter(person_id__in=list(first_last))
                               .values_list("person_id", "offering__service_type")):
        by_service[names.get(service, str(service))].add(person_id)
    counts = {s: len(p) for s, p in by_service.items()}
    small = primary_small(counts, SMALL_GROUP)
    out = []
    for service, members in sorted(by_service.items()):
        n = len(members)
        firsts = mean(first_last[p][0] for p in members)
        latests = mean(first_last[p][1] for p in members)

        def shown(value: float, key: str = service, size: int = n) -> Any:
            return mark(key, size, primary=small, hidden=set(), k=SMALL_GROUP, show=lambda _n: round(value, 1))

        out.append(ServiceChange(service_type=service, persons=mark(service, n, primary=small, hidden=set(),
                                                                    k=SMALL_GROUP),
                                 first=shown(firsts), latest=shown(latests), change=shown(latests - firsts)))
    return out


@dataclass(frozen=True)
class FeedbackRow:
    group: str
    answers: Any
    satisfaction: Any
    useful_percent: Any


def feedback_figures(answers: QuerySet[FeedbackAnswer], by: str, today: date | None = None) -> list[FeedbackRow]:
    """Satisfaction (mean 1–5) and the share who found the service useful, per service type or team, over the months
    that have ended (a figure that moved during a visit would tell the client's answer); a group with fewer than
    :data:`SMALL_GROUP` answers is hidden, and another with it when one alone could be recovered from the area's
    total (the feedback indicators show that total)."""
    ended = month_start(today or timezone.localdate())
    key = "service_type" if by == "service" else "team__name"
    names = service_names() if by == "service" else {}
    groups: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for group, satisfaction, useful in answers.filter(month__lt=ended).values_list(key, "satisfaction", "useful"):
        groups[names.get(group, str(group or "–"))].append((satisfaction, useful))
    counts = {g: len(v) for g, v in groups.items()}
    small = primary_small(counts, SMALL_GROUP)
    hidden = complement(counts, small, [suppression_group(counts)])
    rows = []
    for group, values in sorted(groups.items()):
        n = len(values)
        satisfaction = round(mean(s for s, _ in values), 1)
        useful = round(100 * sum(1 for _, u in values if u) / n)

        def shown(value: float, key: str = group, size: int = n) -> Any:
            return mark(key, size, primary=small, hidden=hidden, k=SMALL_GROUP, show=lambda _n: value)

        rows.append(FeedbackRow(group=group, answers=mark(group, n, primary=small, hidden=hidden, k=SMALL_GROUP),
                                satisfaction=shown(satisfaction), useful_percent=shown(useful)))
    return rows


def consent_records(limit: int = 500) -> QuerySet[Consent]:
    return Consent.objects.select_related("given_by", "person").order_by("-given_at")[:limit]


def portal_counts(persons: QuerySet[Person], answers: QuerySet[FeedbackAnswer]) -> dict[str, int]:
    """How many of ``persons`` use the portal, their live consents and self-assessments, and the feedback answers."""
    return {
        "client_accounts": ClientAccount.objects.filter(person__in=persons).count(),
        "consents_live": Consent.objects.filter(withdrawn_at__isnull=True, person__in=persons).count(),
        "self_assessments": SelfAssessment.objects.filter(person__in=persons).count(),
        "feedback_answers": answers.filter(month__lt=month_start(timezone.localdate())).count(),  # ended months
    }


def recent_assignments(person: Person) -> QuerySet[CaseAssignment]:
    return CaseAssignment.objects.filter(person=person).order_by("-started_at")


def message_thread(person: Person) -> QuerySet[Message]:
    return Message.objects.filter(person=person).select_related("author")


def persons_with_consent(person_ids: list[Any], purpose: str, recipient: str) -> set[Any]:
    """Those of ``person_ids`` with a consent to ``purpose`` for ``recipient`` in force now (not withdrawn)."""
    return set(Consent.objects.filter(person_id__in=person_ids, purpose=purpose, recipient=recipient,
                                      withdrawn_at__isnull=True).values_list("person_id", flat=True))
