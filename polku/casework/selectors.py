"""Reads of case work: gather each client's facts into a ``ClientCase`` (a few bulk queries, never one per
client), run the due-item engine on them, and shape worklists and caseloads.

Scopes always start from ``polku.access.policy.persons_visible_to``: a worklist can never list a client the
user may not see. Logging the reads is the caller's job (pages, API and CLI log the persons they show).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone

from polku.access.models import Team
from polku.access.policy import (
    Capability,
    own_client_ids,
    persons_visible_to,
    reach_of,
    rows_in_reach,
    scope_of,
    staff_profile,
    team_rows_in_reach,
)
from polku.access.policy import Scope as AccessScope
from polku.casework.due import (
    ClientCase,
    DueItem,
    DueKind,
    DueState,
    MeetingFact,
    PlanFact,
    ReportFact,
    due_items,
)
from polku.casework.models import ApplicationReport, CaseAssignment, CaseloadTransfer, EmploymentPlan, Meeting
from polku.casework.rules import ProcessRuleBook, caseload_targets, shipped_rule_book
from polku.core.calendar import add_months
from polku.derived.facts import current
from polku.derived.runs import StatusFact, annotate, status_and_run_start
from polku.derived.vocabulary import status_vocabulary
from polku.people.models import Person
from polku.timeline.models import HomeMunicipalitySpell, JobSearchPeriod, StatusSpell
from polku.timeline.selectors import Timeline

STATUS_LOOKBACK_YEARS = 6
REPORT_LOOKBACK_DAYS = 200


class Scope:
    MINE = "mine"
    TEAM = "team"
    AREA = "area"


def _current(query: QuerySet[Any]) -> QuerySet[Any]:
    return current(query)


def open_job_seekers(persons: QuerySet[Person], today: date) -> QuerySet[JobSearchPeriod]:
    """Current job-search periods open on ``today`` for the given persons (:func:`is_open_on` of each)."""
    return _current(JobSearchPeriod.objects.filter(person__in=persons.values("pk"), registered_on__lte=today)).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=today))


def is_open_on(period: JobSearchPeriod, today: date) -> bool:
    """The condition of :func:`open_job_seekers` for one period read already."""
    return period.registered_on <= today and (period.ended_on is None or period.ended_on > today)


SpellRow = tuple[str, date, date | None]  # status, start, end (None: open)


def status_and_run(spells: list[SpellRow], today: date) -> tuple[str | None, date | None]:
    """The status on ``today`` and, if unemployed, when the continuous unemployment began (``polku.derived.runs``)."""
    facts = [StatusFact(start, end, status) for status, start, end in spells]
    return status_and_run_start(annotate(facts, status_vocabulary().unemployed, today), today)


def client_cases(persons: QuerySet[Person], today: date) -> dict[Any, ClientCase]:
    """A ``ClientCase`` for every person in ``persons`` with a job search open on ``today``.

    Plain tuples, not model instances: a worklist reads a few thousand rows and is the page counsellors open
    most (see ``benchmarks/casework_latency.py``). The queries' date conditions only narrow what is read;
    :func:`_case` chooses each client's facts (the one definition of what the engine is given).
    """
    searches = dict(open_job_seekers(persons, today).values_list("person_id", "registered_on"))
    if not searches:
        return {}
    ids = list(searches)
    earliest = min(searches.values())
    spells: dict[Any, list[SpellRow]] = defaultdict(list)
    for person_id, status, start, end in _current(StatusSpell.objects.filter(person_id__in=ids, start_date__lte=today)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=_status_lookback(today)),
    ).order_by("person_id", "start_date").values_list("person_id", "status_id", "start_date", "end_date"):
        spells[person_id].append((status, start, end))
    meetings: dict[Any, list[MeetingFact]] = defaultdict(list)
    for person_id, held_on, kind in _current(Meeting.objects.filter(
            person_id__in=ids, held_on__gte=earliest, held_on__lte=today)).values_list("person_id", "held_on", "kind"):
        meetings[person_id].append(MeetingFact(held_on, kind))
    plans = {row[0]: PlanFact(*row[1:]) for row in _current(EmploymentPlan.objects.filter(person_id__in=ids)).values_list(
        "person_id", "drawn_up_on", "valid_until", "applications_required", "reporting_period_months", "next_meeting_on")}
    reports: dict[Any, list[ReportFact]] = defaultdict(list)
    for person_id, start, count in _current(ApplicationReport.objects.filter(
            person_id__in=ids, period_start__gte=_report_lookback(today))).values_list(
            "person_id", "period_start", "applications"):
        reports[person_id].append(ReportFact(start, count))
    phases = dict(CaseAssignment.objects.filter(person_id__in=ids, ended_at__isnull=True).values_list("person_id", "phase"))
    return {person_id: _case(registered_on, today, spells=spells.get(person_id, []), meetings=meetings.get(person_id, ()),
                             plan=plans.get(person_id), reports=reports.get(person_id, ()), phase=phases.get(person_id))
            for person_id, registered_on in searches.items()}


def client_case(person: Person, today: date) -> ClientCase | None:
    return client_cases(Person.objects.filter(pk=person.pk), today).get(person.pk)


def client_case_of(timeline: Timeline, today: date, *, meetings: Iterable[Meeting], plans: Iterable[EmploymentPlan],
                   reports: Iterable[ApplicationReport], assignments: Iterable[CaseAssignment]) -> ClientCase | None:
    """:func:`client_case` from one client's rows that a page has read already (the client record shows them all):
    the current job-search periods and status spells of ``timeline``, the current meetings and reports, every plan
    version and assignment. The same case as :func:`client_case` reads (a test holds them equal), without reading
    the same rows twice."""
    if timeline.known_at is not None:
        raise ValueError("a case is made of the current facts, not of what was known at a moment")
    open_on = [p.registered_on for p in timeline.job_search_periods if is_open_on(p, today)]
    if not open_on:
        return None
    current_plan = next((p for p in plans if p.superseded_at is None), None)
    return _case(
        open_on[-1], today,
        spells=[(s.status_id, s.start_date, s.end_date) for s in timeline.status_spells
                if s.start_date <= today and (s.end_date is None or s.end_date >= _status_lookback(today))],
        meetings=[MeetingFact(m.held_on, m.kind) for m in meetings],
        plan=None if current_plan is None else PlanFact(
            current_plan.drawn_up_on, current_plan.valid_until, current_plan.applications_required,
            current_plan.reporting_period_months, current_plan.next_meeting_on),
        reports=[ReportFact(r.period_start, r.applications) for r in reports],
        phase=next((a.phase for a in assignments if a.ended_at is None), None))


def _status_lookback(today: date) -> date:
    """Spells that ended before this day do not reach today's unemployment run (the read's lower bound)."""
    return add_months(today, -12 * STATUS_LOOKBACK_YEARS)


def _report_lookback(today: date) -> date:
    return today - timedelta(days=REPORT_LOOKBACK_DAYS)


def _case(registered_on: date, today: date, *, spells: list[SpellRow], meetings: Iterable[MeetingFact],
          plan: PlanFact | None, reports: Iterable[ReportFact], phase: str | None) -> ClientCase:
    """One client's case from their facts: the meetings of this job search up to today, the reports of the lookback
    window, each in date order. Chosen here for every caller, so a worklist (which reads a batch of clients from the
    earliest registration among them, in no order) and a client's own page (newest first) give the engine the same
    case."""
    status, since = status_and_run(spells, today)
    lookback = _report_lookback(today)
    return ClientCase(
        registered_on=registered_on, status=status, unemployed_since=since,
        meetings=tuple(sorted((m for m in meetings if registered_on <= m.held_on <= today),
                              key=lambda m: (m.held_on, m.kind))),
        plan=plan,
        reports=tuple(sorted((r for r in reports if r.period_start >= lookback), key=lambda r: r.period_start)),
        phase=phase or "initial_service")


# --- worklists ----------------------------------------------------------------------------------------------


def scope_persons(user: Any, scope: str) -> QuerySet[Person]:
    """The clients of a worklist scope: mine (assigned to me), my team, or my whole visible area."""
    visible = persons_visible_to(user)
    if scope == Scope.MINE:
        # A counsellor's own clients are a few dozen: listing them first lets the database check the access
        # rule on those rows only, instead of on every person of the area.
        mine = list(CaseAssignment.objects.filter(counsellor=user, ended_at__isnull=True).values_list("person_id", flat=True))
        return visible.filter(pk__in=mine)
    if scope == Scope.TEAM:
        profile = staff_profile(user)
        if profile is not None and profile.team_id is not None:
            return visible.filter(team_id=profile.team_id)
    return visible


def scope_rows(user: Any, scope: str) -> Q | None:
    """The clients of a worklist scope as a filter of the due-items table's rows: :func:`scope_persons` over the
    table's copy of each client's home today, within the access policy's ``rows_in_reach``.

    Who may be seen is the policy's (``rows_in_reach``: own and team clients read live); the table's counsellor copy
    only narrows a counsellor's own list to an indexed lookup (counsellor, day), so a copy not yet refreshed after an
    import can leave a client out for a moment but never shows one the user may not see.
    """
    reach = reach_of(user, scope_of(user, Capability.VIEW_PERSONS))
    if scope == Scope.TEAM:
        profile = staff_profile(user)
        if profile is not None and profile.team_id is not None:
            return team_rows_in_reach(reach, profile.team_id, person="person_id", home="home_municipality")
    visible = rows_in_reach(reach, person="person_id", home="home_municipality")
    if scope == Scope.MINE:
        return visible & Q(counsellor_id=user.pk)
    return visible


def scopes_for(user: Any, capability: Capability = Capability.VIEW_WORKLIST) -> list[str]:
    """The worklist (or caseload) scopes ``user`` may choose: their own clients, their team's, their area's."""
    profile = staff_profile(user)
    granted = scope_of(user, capability)
    if profile is None or granted is None:
        return []
    scopes = [Scope.MINE] if scope_of(user, Capability.HOLD_CASELOAD) is not None else []
    if profile.team_id is not None:
        scopes.append(Scope.TEAM)
    if granted != AccessScope.TEAM or not scopes:
        scopes.append(Scope.AREA)
    return scopes


def recent_transfers(user: Any, limit: int = 5) -> list[Any]:
    """The user's own latest caseload transfers that are not undone, with how many clients each moved."""
    return list(CaseloadTransfer.objects.filter(made_by=user, undone_at__isnull=True)
                .select_related("from_counsellor", "to_counsellor").annotate(moved=Count("assignments"))
                .order_by("-made_at")[:limit])


def default_scope(user: Any, scopes: list[str]) -> str:
    """The scope a worklist opens on: the user's own clients when they have any, else the next wider one (a team
    lead or manager without clients of their own would otherwise open on an empty list)."""
    if scopes[0] == Scope.MINE and len(scopes) > 1 and not own_client_ids(user).exists():
        return scopes[1]
    return scopes[0]


@dataclass(frozen=True)
class WorklistRow:
    person_id: Any
    name: str
    counsellor: str
    team: str
    phase: str
    item: DueItem
    position: int = 0  # the item's place among the client's items (the engine's order): the last tie-breaker


@dataclass(frozen=True)
class Worklist:
    rows: Sequence[WorklistRow]  # a list, or the table's rows counted and sliced in the database
    counts: dict[str, int]  # by DueKind, within the state filter
    states: dict[str, int]  # by DueState, within the kind filter (so the state cards stay meaningful when filtered)
    clients: int  # clients with an open job search in scope
    rule_set_code: str
    today: date


# Each order ends with the client and the item's place, so that equal keys come out the same way every time (and the
# same from the due-items table, ``due_table.ORDERINGS``).
SORTS = {
    "due": lambda r: (r.item.due_on, r.name, r.person_id, r.position),
    "name": lambda r: (r.name, r.item.due_on, r.person_id, r.position),
    "kind": lambda r: (r.item.kind, r.item.due_on, r.name, r.person_id, r.position),
    "counsellor": lambda r: (r.counsellor, r.item.due_on, r.name, r.person_id, r.position),
}


# The clients of a worklist, or how to get them: building the access policy's query of persons costs a page more than
# the table's indexed read itself, and the table does not need it when it is given the scope as its own columns.
Persons = QuerySet[Person] | Callable[[], QuerySet[Person]]


def persons_of(persons: Persons) -> QuerySet[Person]:
    return persons() if callable(persons) else persons


def worklist(persons: Persons, today: date, *, kinds: Iterable[str] = (), states: Iterable[str] = (),
             counsellor_id: int | None = None, sort: str = "due", book: ProcessRuleBook | None = None,
             rows: Q | None = None) -> Worklist:
    """Due items of the given clients on ``today``, filtered and sorted; counts before the kind filter.

    Read from the due-items table when it is for ``today`` and the rule book in force (``due_table``); otherwise
    computed live, and if ``today`` is today the table's rebuild is queued. ``rows`` is the same clients as a filter
    of the table's rows (:func:`scope_rows`), which the table reads faster than ``persons``; ``persons`` may then be
    a function that builds them, called only if they are needed.
    """
    from polku.casework import due_table, tasks

    book = book or shipped_rule_book()
    table_day = due_table.table_day(book)
    if table_day == today:
        return Worklist(**due_table.table_worklist(persons, today, kinds=kinds, states=states,
                                                   counsellor_id=counsellor_id, sort=sort, rows=rows),
                        rule_set_code=book.in_force(today).code, today=today)
    if today == timezone.localdate() and book == shipped_rule_book():
        tasks.queue_rebuild(today)
    return live_worklist(persons_of(persons), today, kinds=kinds, states=states, counsellor_id=counsellor_id,
                         sort=sort, book=book)


def live_worklist(persons: QuerySet[Person], today: date, *, kinds: Iterable[str] = (), states: Iterable[str] = (),
                  counsellor_id: int | None = None, sort: str = "due", book: ProcessRuleBook | None = None) -> Worklist:
    """The worklist computed here and now: the due-item engine run on every client of ``persons``."""
    book = book or shipped_rule_book()
    if counsellor_id is not None:
        persons = persons.filter(pk__in=CaseAssignment.objects.filter(
            counsellor_id=counsellor_id, ended_at__isnull=True).values("person_id"))
    cases = client_cases(persons, today)
    wanted_kinds, wanted_states = set(kinds), set(states)
    names = dict(Person.objects.filter(pk__in=list(cases)).annotate(
        name=Concat("last_name", Value(", "), "first_names")).values_list("pk", "name"))
    assignments = {row[0]: row[1:] for row in CaseAssignment.objects.filter(
        person_id__in=list(cases), ended_at__isnull=True).values_list("person_id", "counsellor__username", "team__name")}
    rows: list[WorklistRow] = []
    counts: Counter[str] = Counter()
    state_counts: Counter[str] = Counter()
    for person_id, case in cases.items():
        counsellor, team = assignments.get(person_id, (None, None))
        for position, item in enumerate(due_items(case, book, today)):
            kind_ok = not wanted_kinds or item.kind in wanted_kinds
            state_ok = not wanted_states or item.state in wanted_states
            if state_ok:
                counts[item.kind] += 1
            if kind_ok:
                state_counts[item.state] += 1
            if not (kind_ok and state_ok):
                continue
            rows.append(WorklistRow(person_id=person_id, name=names[person_id], counsellor=counsellor or "",
                                    team=team or "", phase=case.phase, item=item, position=position))
    rows.sort(key=SORTS.get(sort, SORTS["due"]))
    return Worklist(rows=rows, counts={k.value: counts.get(k.value, 0) for k in DueKind},
                    states={s.value: state_counts.get(s.value, 0) for s in DueState}, clients=len(cases),
                    rule_set_code=book.in_force(today).code, today=today)


# --- caseload ---------------------------------------------------------------------------------------------------


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort "Ohjaaja 2" before "Ohjaaja 10"."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text))


def counsellor_name(user: Any) -> str:
    """How a counsellor is shown everywhere: the full name, or the username when none is recorded."""
    return str(user.get_full_name() or user.get_username())


@dataclass(frozen=True)
class CaseloadRow:
    counsellor_id: int | None
    counsellor: str  # display name
    team: str
    clients: int
    target: int | None
    target_source: str
    username: str = ""

    @property
    def over_target(self) -> bool:
        return self.target is not None and self.clients > self.target


def caseload(persons: QuerySet[Person], today: date) -> list[CaseloadRow]:
    """Clients with an open job search per responsible counsellor (None: not assigned), with the programme target
    of the municipality where most of the counsellor's clients live.

    One grouped query: each open job seeker with their current counsellor, team and home municipality, counted per
    (counsellor, team, municipality); the reader's scope is evaluated once, not once per figure (an area's scope is an
    existence test on every person of the register)."""
    assignment = CaseAssignment.objects.filter(person_id=OuterRef("person_id"), ended_at__isnull=True).order_by("-id")
    home = _current(HomeMunicipalitySpell.objects.filter(person_id=OuterRef("person_id"), start_date__lte=today)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)).order_by("-start_date")
    groups = (open_job_seekers(persons, today)
              .annotate(counsellor=Subquery(assignment.values("counsellor_id")[:1]),
                        team=Subquery(assignment.values("team_id")[:1]),
                        home=Subquery(home.values("municipality_id")[:1]))
              .values("counsellor", "team", "home").annotate(clients=Count("person_id", distinct=True))
              .order_by())
    clients: Counter[int | None] = Counter()
    teams: dict[int, Counter[int | None]] = defaultdict(Counter)
    homes: dict[int, Counter[str | None]] = defaultdict(Counter)
    for group in groups:
        clients[group["counsellor"]] += group["clients"]
        if group["counsellor"] is not None:
            teams[group["counsellor"]][group["team"]] += group["clients"]
            homes[group["counsellor"]][group["home"]] += group["clients"]
    counsellors = {user.pk: user for user in get_user_model().objects.filter(pk__in=list(teams))}
    team_names = dict(Team.objects.filter(pk__in={t for c in teams.values() for t in c if t}).values_list("pk", "name"))
    targets = caseload_targets()
    rows = []
    for counsellor_id, team_counts in teams.items():
        municipality = homes[counsellor_id].most_common(1)[0][0]
        target = targets.get(str(municipality)) if municipality else None
        team = team_counts.most_common(1)[0][0]
        user = counsellors[counsellor_id]
        rows.append(CaseloadRow(counsellor_id=counsellor_id, counsellor=counsellor_name(user),
                                team=team_names.get(team, "") if team else "", clients=clients[counsellor_id],
                                target=target.max_clients if target else None,
                                target_source=target.source if target else "", username=user.get_username()))
    rows.sort(key=lambda r: (-r.clients, natural_key(r.counsellor)))
    if clients[None]:
        rows.append(CaseloadRow(None, "", "", clients[None], None, ""))
    return rows
