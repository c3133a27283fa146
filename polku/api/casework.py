"""Case work in the API, mounted at ``/api/casework``: worklists, caseloads, the process rules, and a client's
due items, meetings, plan (with optimistic locking), application reports, assignment, handover and job-search end.

Every person endpoint goes through ``person_access`` (role, scope, access log). Refused input answers 422
with ``{"errors": [{"field", "code", "message"}]}``; a plan saved on an outdated ``version`` answers 422 with
code ``conflict`` and nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status

from polku.access.models import AccessAction, AccessChannel
from polku.access.policy import Capability, allows
from polku.access.services import log_person_reads, person_access
from polku.api.schemas import Code, Day, Name, Text, one_of, query_enum
from polku.casework import presenters, selectors, services
from polku.casework.due import DueKind, DueState, due_items, milestones
from polku.casework.models import ApplicationReport, CaseAssignment, EmploymentPlan, Meeting, MeetingChannel, MeetingKind
from polku.casework.rules import shipped_rule_book
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.people.models import Person
from polku.timeline.models import JobSearchEndReason

router = Router(tags=["case work"])
PURPOSE = gettext_noop("asiakastyö")
SCOPES = [selectors.Scope.MINE, selectors.Scope.TEAM, selectors.Scope.AREA]


def _scope(request: HttpRequest, scope: str | None, capability: Capability = Capability.VIEW_WORKLIST) -> str:
    if not allows(request.user, capability):
        raise AccessDenied("Roolilla ei ole nimettyä työlistaa; se näkee vain koostetietoja.")
    scopes = selectors.scopes_for(request.user, capability)
    if not scopes:
        raise AccessDenied("Käyttäjätunnukselle ei ole liitetty tiimiä eikä asiakkaita.")
    if scope is None:
        return scopes[0]
    if scope not in scopes:
        raise ValidationFailed.single("scope", ErrorCode.INVALID, f"Sallitut rajaukset: {', '.join(scopes)}.")
    return scope


def _client(request: HttpRequest, person_id: UUID, *, write: bool, action: AccessAction) -> Person:
    person = get_object_or_404(Person, pk=person_id)
    person_access(user=request.user, person=person, write=write, action=action, purpose=PURPOSE, channel=AccessChannel.API)
    return person


def _check_choices(field: str, values: list[str], allowed: set[str]) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationFailed.single(field, ErrorCode.INVALID, f"Tuntematon arvo {', '.join(unknown)}. Sallitut: "
                                                                f"{', '.join(sorted(allowed))}.")


@router.get("/worklist")
def worklist(request: HttpRequest, scope: str | None = query_enum(None, SCOPES),  # noqa: PLR0917
             on: Day | None = None, kind: str | None = query_enum(None, [str(k) for k in DueKind]),
             state: str | None = query_enum(None, [str(s) for s in DueState]),
             counsellor: int | None = None, sort: str = query_enum("due", list(selectors.SORTS))) -> dict[str, Any]:
    """Due and overdue duties of my clients (``scope=mine``), my team's or my area's, on ``on`` (default today)."""
    chosen = _scope(request, scope)
    if counsellor is not None and not 0 < counsellor < 2**31:
        raise ValidationFailed.single("counsellor", ErrorCode.INVALID, "Tuntematon ohjaaja.")
    if on is not None and not date(2000, 1, 1) <= on <= date(2099, 12, 31):
        raise ValidationFailed.single("on", ErrorCode.INVALID, "Päivän on oltava vuosina 2000–2099.")
    kinds, states = ([kind] if kind else []), ([state] if state else [])
    _check_choices("kind", kinds, set(DueKind))
    _check_choices("state", states, set(DueState))
    _check_choices("sort", [sort], set(selectors.SORTS))
    result = selectors.worklist(lambda: selectors.scope_persons(request.user, chosen), on or timezone.localdate(), kinds=kinds,
                                states=states, counsellor_id=counsellor, sort=sort,
                                rows=selectors.scope_rows(request.user, chosen))
    log_person_reads(user=request.user, person_ids=[row.person_id for row in result.rows], action=AccessAction.WORKLIST,
                     purpose=PURPOSE, channel=AccessChannel.API)
    return presenters.worklist_json(result)


@router.get("/caseload")
def caseload(request: HttpRequest, scope: str | None = query_enum(None, SCOPES),
             on: Day | None = None) -> list[dict[str, Any]]:
    """Clients with an open job search per counsellor, with the programme's target where one is set."""
    chosen = _scope(request, scope or ("team" if "team" in selectors.scopes_for(request.user, Capability.VIEW_CASELOAD)
                                       else "area"), Capability.VIEW_CASELOAD)
    rows = selectors.caseload(selectors.scope_persons(request.user, chosen), on or timezone.localdate())
    return [{"counsellor": row.username or None, "name": row.counsellor or None, "team": row.team,
             "clients": row.clients, "target": row.target,
             "over_target": row.over_target, "target_source": row.target_source} for row in rows]


@router.get("/rules", auth=None)
def rules(request: HttpRequest) -> list[dict[str, Any]]:
    """The process rule sets: effective dates, law, and every rule's parameters, source and verification."""
    return [{"code": rs.code, "name": rs.name, "effective_from": rs.effective_from, "effective_to": rs.effective_to,
             "law": rs.law, "verified": rs.verified,
             "rules": {code: {**rule.params, "source": rule.source, "verified": rule.verified}
                       for code, rule in rs.rules.items()}}
            for rs in shipped_rule_book().rule_sets]


@router.get("/persons/{person_id}/due")
def client_due(request: HttpRequest, person_id: UUID, on: Day | None = None) -> dict[str, Any]:
    """The client's due items and the job search's statutory milestones on ``on``."""
    person = _client(request, person_id, write=False, action=AccessAction.DUE_ITEMS)
    today = on or timezone.localdate()
    book = shipped_rule_book()
    case = selectors.client_case(person, today)
    if case is None:
        return {"date": today, "open_job_search": False, "items": [], "milestones": []}
    return {
        "date": today, "open_job_search": True, "registered_on": case.registered_on, "phase": case.phase,
        "items": [{"kind": str(i.kind), "due_on": i.due_on, "state": str(i.state), "rule": i.rule, "rule_set": i.rule_set,
                   "verified": i.verified, "source": i.source, "detail": i.detail} for i in due_items(case, book, today)],
        "milestones": [{"key": m.key, "on": m.on, "rule": m.rule} for m in milestones(case, book)],
    }


def _plan_json(plan: EmploymentPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {"version": plan.version, "drawn_up_on": plan.drawn_up_on, "valid_until": plan.valid_until,
            "agreed_actions": plan.agreed_actions, "applications_required": plan.applications_required,
            "reporting_period_months": plan.reporting_period_months, "obligation_basis": plan.obligation_basis,
            "next_meeting_on": plan.next_meeting_on, "recorded_at": plan.recorded_at,
            "recorded_by": plan.recorded_by.get_username() if plan.recorded_by else None}


def _meeting_json(meeting: Meeting) -> dict[str, Any]:
    return {"id": meeting.pk, "held_on": meeting.held_on, "kind": meeting.kind, "channel": meeting.channel,
            "notes": meeting.notes, "recorded_by": meeting.recorded_by.get_username() if meeting.recorded_by else None}


def _assignment_json(row: CaseAssignment | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"counsellor": row.counsellor.get_username() if row.counsellor else None, "team": row.team.name if row.team else None,
            "phase": row.phase, "valid_from": row.valid_from}


@router.get("/persons/{person_id}/record")
def client_record(request: HttpRequest, person_id: UUID) -> dict[str, Any]:
    """Meetings, the current plan, application reports and the responsible counsellor of a client."""
    person = _client(request, person_id, write=False, action=AccessAction.CLIENT_RECORD)
    return {
        "assignment": _assignment_json(services.current_assignment(person)),
        "plan": _plan_json(services.current_plan(person)),
        "meetings": [_meeting_json(m) for m in Meeting.objects.current().filter(person=person)
                     .select_related("recorded_by").order_by("-held_on")],
        "application_reports": [{"period_start": r.period_start, "applications": r.applications, "reported_on": r.reported_on}
                                for r in ApplicationReport.objects.current().filter(person=person)
                                .order_by("-period_start")],
    }


class MeetingIn(Schema):
    held_on: Day
    kind: str = one_of(..., MeetingKind.values)
    channel: str = one_of(..., MeetingChannel.values)
    notes: Text = ""


@router.post("/persons/{person_id}/meetings", response={201: dict[str, Any]})
def meeting_create(request: HttpRequest, person_id: UUID, payload: MeetingIn) -> Status:
    """Record a held meeting (``kind``: initial_interview, job_search_conversation, supplementary_conversation, other;
    ``channel``: face_to_face, video, phone). A meeting in the future is refused."""
    person = _client(request, person_id, write=True, action=AccessAction.MEETING_RECORD)
    meeting = services.meeting_record(person=person, actor=request.user, **payload.dict())
    return Status(201, _meeting_json(meeting))


class PlanIn(Schema):
    version: int | None = Field(None, ge=0, le=2**31 - 1)
    drawn_up_on: Day | None = None
    valid_until: Day | None = None
    agreed_actions: Text = ""
    applications_required: int | None = Field(None, ge=0, le=1000, description="0–4 a month (the law's range).")
    obligation_basis: Code = services.STANDARD_OBLIGATION
    next_meeting_on: Day | None = None


@router.put("/persons/{person_id}/plan")
def plan_put(request: HttpRequest, person_id: UUID, payload: PlanIn) -> dict[str, Any]:
    """Write the plan. ``version`` is the version you read (null for the first plan); an outdated one is refused."""
    person = _client(request, person_id, write=True, action=AccessAction.PLAN_EDIT)
    data = payload.dict()
    version = data.pop("version")
    plan = services.plan_save(person=person, data=services.PlanInput(**data), based_on_version=version, actor=request.user)
    return _plan_json(plan) or {}


class ReportIn(Schema):
    period_start: Day
    applications: int = Field(ge=0, le=1000)
    reported_on: Day | None = None


@router.post("/persons/{person_id}/application-reports", response={201: dict[str, Any]})
def report_create(request: HttpRequest, person_id: UUID, payload: ReportIn) -> Status:
    """Log the applications reported for a period (a second report for the same period replaces the first)."""
    person = _client(request, person_id, write=True, action=AccessAction.APPLICATION_REPORT)
    row = services.application_report_record(person=person, actor=request.user, **payload.dict())
    return Status(201, {"period_start": row.period_start, "applications": row.applications, "reported_on": row.reported_on})


class AssignmentIn(Schema):
    counsellor: Name | None = Field(None, description="The counsellor's username.")
    team_id: int | None = None
    reason: str = Field("", max_length=300)


def _staff_user(username: str | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationFailed.single("counsellor", ErrorCode.UNKNOWN, f"Tuntematon käyttäjä: {username}.")
    return user


@router.post("/persons/{person_id}/assignment")
def assignment_set(request: HttpRequest, person_id: UUID, payload: AssignmentIn) -> dict[str, Any]:
    """Make a counsellor (by username) responsible for the client; the previous assignment ends."""
    person = _client(request, person_id, write=True, action=AccessAction.ASSIGNMENT)
    row = services.assign(person=person, counsellor=_staff_user(payload.counsellor), team_id=payload.team_id,
                          actor=request.user, reason=payload.reason)
    return _assignment_json(row) or {}


class HandoverIn(Schema):
    team_id: int | None = None
    counsellor: Name | None = Field(None, description="The counsellor's username.")


@router.post("/persons/{person_id}/handover")
def handover(request: HttpRequest, person_id: UUID, payload: HandoverIn) -> dict[str, Any]:
    """Hand the client from the initial service to personal coaching, to the chosen team."""
    person = _client(request, person_id, write=True, action=AccessAction.HANDOVER)
    row = services.handover(person=person, team_id=payload.team_id, counsellor=_staff_user(payload.counsellor),
                            actor=request.user)
    return _assignment_json(row) or {}


class JobSearchEndIn(Schema):
    ended_on: Day | None = None
    end_reason: str = one_of("", ["", *JobSearchEndReason.values])


@router.post("/persons/{person_id}/job-search/end")
def job_search_end(request: HttpRequest, person_id: UUID, payload: JobSearchEndIn) -> dict[str, Any]:
    """End the open job search with its outcome (open_market_job, subsidised_job, entrepreneurship, studies,
    other_service, moved, outside_labour_force, other)."""
    person = _client(request, person_id, write=True, action=AccessAction.JOB_SEARCH_END)
    period = services.job_search_close(person=person, actor=request.user, **payload.dict())
    return {"registered_on": period.registered_on, "ended_on": period.ended_on, "end_reason": period.end_reason}
