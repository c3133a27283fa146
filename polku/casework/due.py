"""Due and overdue items of one client: a pure function of the client's facts, the rule book and a date.

Nothing here reads the database: ``selectors`` gathers a :class:`ClientCase` per client and the worklists,
the client record, the API and the CLI all call :func:`due_items` on it, so one answer is given everywhere.

Readings adopted where the law leaves room (each named in the item's rule):

- Durations of the job search (3 months of intensive period, the 6-month repeat, handover) run from the
  registration of the open job search; the long-term unemployed's supplementary conversations run from the
  start of the current continuous unemployment (status spells), as the KPI engine's long-term definition.
- Conversation cadence applies while the client is unemployed or fully laid off; part-time workers and the
  partly laid off follow the part-time cadence; clients in a service or studying have their follow-up in
  the plan, so no cadence item is raised for them.
- A deadline falling on a weekend or a public holiday moves to the next working day (Act 150/1930 §5).
- The initial interview deadline is the one of the rule set in force on the registration day; every other
  duty uses the rule set in force on the reference date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from polku.casework.rules import ProcessRuleBook, ProcessRuleSet
from polku.core.calendar import add_months, add_working_days, next_working_day
from polku.derived.vocabulary import status_vocabulary

UPCOMING_DAYS = 14  # "reaching 3 months in the next 14 days", "plans expiring": the worklists' look-ahead

CONVERSATION_KINDS = frozenset({"initial_interview", "job_search_conversation", "supplementary_conversation"})
CADENCE_STATUSES = status_vocabulary().unemployed
PART_TIME_STATUSES = status_vocabulary().part_time


class DueKind(StrEnum):
    # A new kind goes last: the due table keeps a client's kinds as bits in this order (``due_table.KIND_BITS``).
    INITIAL_INTERVIEW = "initial_interview"
    CONVERSATION = "job_search_conversation"
    SUPPLEMENTARY = "supplementary_conversations"
    NO_PLAN = "no_plan"
    PLAN_EXPIRING = "plan_expiring"
    REPORT_MISSING = "application_report_missing"
    APPLICATIONS_SHORT = "applications_below_obligation"
    REACHING_THREE_MONTHS = "reaching_three_months"
    HANDOVER = "handover_due"
    BINDING_OFFERS = "binding_offers_start"


class DueState(StrEnum):
    OVERDUE = "overdue"
    THIS_WEEK = "this_week"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class MeetingFact:
    held_on: date
    kind: str


@dataclass(frozen=True)
class PlanFact:
    drawn_up_on: date
    valid_until: date
    applications_required: int
    period_months: int
    next_meeting_on: date | None = None


@dataclass(frozen=True)
class ReportFact:
    period_start: date
    applications: int


@dataclass(frozen=True)
class ClientCase:
    """What the engine needs to know of one client with an open job search."""

    registered_on: date
    status: str | None = None  # labour-market status on the reference date
    unemployed_since: date | None = None  # start of the current continuous unemployment, if unemployed
    meetings: Sequence[MeetingFact] = ()
    plan: PlanFact | None = None
    reports: Sequence[ReportFact] = ()
    phase: str = "initial_service"


@dataclass(frozen=True)
class DueItem:
    kind: DueKind
    due_on: date
    state: DueState
    rule: str  # the rule's code in the rule set
    rule_set: str
    verified: bool
    source: str
    detail: dict[str, int | str] = field(default_factory=dict)


def state_on(due_on: date, today: date) -> DueState:
    if due_on < today:
        return DueState.OVERDUE
    if due_on <= today + timedelta(days=6 - today.weekday()):
        return DueState.THIS_WEEK
    return DueState.UPCOMING


def _item(kind: DueKind, due_on: date, today: date, rule_set: ProcessRuleSet, rule: str,
          **detail: int | str) -> DueItem:
    rule_row = rule_set.rule(rule)
    return DueItem(kind=kind, due_on=due_on, state=state_on(due_on, today), rule=rule, rule_set=rule_set.code,
                   verified=rule_row.verified, source=rule_row.source, detail=dict(detail))


def initial_interview_deadline(registered_on: date, book: ProcessRuleBook) -> date:
    rule_set = book.in_force(registered_on)
    return add_working_days(registered_on, int(rule_set.rule("initial_interview")["working_days"]))


def initial_interview_on(case: ClientCase) -> date | None:
    held = [m.held_on for m in case.meetings if m.kind == "initial_interview" and m.held_on >= case.registered_on]
    return min(held) if held else None


def _intensive_windows(case: ClientCase, rule_set: ProcessRuleSet) -> list[tuple[date, date, int]]:
    """(start, end exclusive, interval in days) of the intensive periods of this job search."""
    intensive = rule_set.rule("intensive_period")
    repeated = rule_set.rule("repeated_intensive")
    windows = [(case.registered_on, add_months(case.registered_on, int(intensive["months"])), int(intensive["interval_days"]))]
    for at in repeated["at_months"]:
        start = add_months(case.registered_on, int(at))
        windows.append((start, add_months(start, int(repeated["length_months"])), int(repeated["interval_days"])))
    return windows


def next_conversation_on(case: ClientCase, last: date, rule_set: ProcessRuleSet) -> tuple[date, str]:
    """When the next job-search conversation is due after one held on ``last``, and by which rule."""
    if case.status in PART_TIME_STATUSES:
        return next_working_day(add_months(last, int(rule_set.rule("part_time")["interval_months"]))), "part_time"
    windows = _intensive_windows(case, rule_set)
    for start, end, interval in windows:
        if start <= last < end and last + timedelta(days=interval) < end:
            rule = "intensive_period" if start == case.registered_on else "repeated_intensive"
            return next_working_day(last + timedelta(days=interval)), rule
    regular = add_months(last, int(rule_set.rule("regular_conversations")["interval_months"]))
    later_windows = [start for start, _, _ in windows if start > last]
    if later_windows and min(later_windows) < regular:
        return next_working_day(min(later_windows)), "repeated_intensive"
    return next_working_day(regular), "regular_conversations"


def _conversation_items(case: ClientCase, interview: date, rule_set: ProcessRuleSet, today: date) -> list[DueItem]:
    if case.status not in CADENCE_STATUSES | PART_TIME_STATUSES:
        return []
    held = [m.held_on for m in case.meetings if m.kind in CONVERSATION_KINDS and interview <= m.held_on <= today]
    due_on, rule = next_conversation_on(case, max(held), rule_set)
    items = [_item(DueKind.CONVERSATION, due_on, today, rule_set, rule)]
    items += _supplementary_items(case, rule_set, today)
    return items


def _supplementary_items(case: ClientCase, rule_set: ProcessRuleSet, today: date) -> list[DueItem]:
    rule = rule_set.rule("supplementary_conversations")
    if rule["need_based"] or case.unemployed_since is None or case.status not in CADENCE_STATUSES:
        return []
    first = add_months(case.unemployed_since, int(rule["long_term_months"]))
    if today < first:
        return []
    every = int(rule["every_months"])
    k = 0
    while add_months(first, (k + 1) * every) <= today:  # from ``first`` each time: no drift at month ends
        k += 1
    window_start = add_months(first, k * every)
    window_end = add_months(window_start, int(rule["window_months"])) - timedelta(days=1)
    held = sum(1 for m in case.meetings if m.kind in CONVERSATION_KINDS and window_start <= m.held_on <= window_end)
    required = int(rule["count"])
    if held >= required:
        return []
    return [_item(DueKind.SUPPLEMENTARY, next_working_day(window_end), today, rule_set, "supplementary_conversations",
                  held=held, required=required, window_start=window_start.isoformat())]


def _plan_items(case: ClientCase, rule_set: ProcessRuleSet, today: date, book: ProcessRuleBook) -> list[DueItem]:
    plan = case.plan if case.plan is not None and case.plan.drawn_up_on >= case.registered_on else None
    if plan is None:
        return [_item(DueKind.NO_PLAN, initial_interview_deadline(case.registered_on, book), today,
                      book.in_force(case.registered_on), "initial_interview")]
    items = []
    if plan.valid_until <= today + timedelta(days=UPCOMING_DAYS):
        items.append(_item(DueKind.PLAN_EXPIRING, plan.valid_until, today, rule_set, "application_obligation"))
    items += _report_items(plan, case.reports, rule_set, today)
    return items


def last_completed_period(plan: PlanFact, today: date) -> tuple[date, date] | None:
    """The latest reporting period of the plan that has ended before ``today`` (periods start the month after)."""
    start = add_months(plan.drawn_up_on.replace(day=1), 1)
    completed = None
    while add_months(start, plan.period_months) <= today and start <= plan.valid_until:
        completed = (start, add_months(start, plan.period_months) - timedelta(days=1))
        start = add_months(start, plan.period_months)
    return completed


def _report_items(plan: PlanFact, reports: Sequence[ReportFact], rule_set: ProcessRuleSet, today: date) -> list[DueItem]:
    if plan.applications_required <= 0:
        return []
    period = last_completed_period(plan, today)
    if period is None:
        return []
    start, end = period
    reported = [r.applications for r in reports if r.period_start == start]
    if not reported:
        return [_item(DueKind.REPORT_MISSING, end, today, rule_set, "application_obligation",
                      period_start=start.isoformat(), required=plan.applications_required)]
    if reported[0] < plan.applications_required:
        return [_item(DueKind.APPLICATIONS_SHORT, end, today, rule_set, "application_obligation",
                      period_start=start.isoformat(), reported=reported[0], required=plan.applications_required)]
    return []


def due_items(case: ClientCase, book: ProcessRuleBook, today: date) -> list[DueItem]:
    """Every due, overdue and soon-due duty of a client with an open job search on ``today``."""
    rule_set = book.in_force(today)
    items: list[DueItem] = []
    interview = initial_interview_on(case)
    if interview is None or interview > today:
        items.append(_item(DueKind.INITIAL_INTERVIEW, initial_interview_deadline(case.registered_on, book), today,
                           book.in_force(case.registered_on), "initial_interview"))
    else:
        items += _conversation_items(case, interview, rule_set, today)
        binding = add_months(interview, int(rule_set.rule("binding_job_offers")["after_months"]))
        if today <= binding <= today + timedelta(days=UPCOMING_DAYS):
            items.append(_item(DueKind.BINDING_OFFERS, binding, today, rule_set, "binding_job_offers"))
    items += _plan_items(case, rule_set, today, book)
    if case.unemployed_since is not None:
        three_months = add_months(case.unemployed_since, 3)
        if today <= three_months <= today + timedelta(days=UPCOMING_DAYS):
            items.append(_item(DueKind.REACHING_THREE_MONTHS, three_months, today, rule_set, "intensive_period"))
    if case.phase == "initial_service":
        handover = add_months(case.registered_on, int(rule_set.rule("intensive_period")["months"]))
        if handover <= today + timedelta(days=UPCOMING_DAYS):
            items.append(_item(DueKind.HANDOVER, handover, today, rule_set, "intensive_period"))
    return sorted(items, key=lambda item: (item.due_on, item.kind))


@dataclass(frozen=True)
class Milestone:
    key: str
    on: date
    rule: str


def milestones(case: ClientCase, book: ProcessRuleBook) -> list[Milestone]:
    """The job search's statutory calendar, for the client record: what happens when, by which rule."""
    rule_set = book.in_force(case.registered_on)
    interview = initial_interview_on(case)
    rows = [
        Milestone("initial_interview_deadline", initial_interview_deadline(case.registered_on, book), "initial_interview"),
        Milestone("intensive_period_ends", add_months(case.registered_on, int(rule_set.rule("intensive_period")["months"])),
                  "intensive_period"),
    ]
    rows += [Milestone("intensive_period_repeats", add_months(case.registered_on, int(at)), "repeated_intensive")
             for at in rule_set.rule("repeated_intensive")["at_months"]]
    if interview is not None:
        binding = add_months(interview, int(rule_set.rule("binding_job_offers")["after_months"]))
        rows.append(Milestone("binding_job_offers", binding, "binding_job_offers"))
    if case.unemployed_since is not None:
        rows.append(Milestone("long_term_unemployed", add_months(
            case.unemployed_since, int(rule_set.rule("supplementary_conversations")["long_term_months"])),
            "supplementary_conversations"))
    return sorted(rows, key=lambda m: m.on)
