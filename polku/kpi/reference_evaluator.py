"""A small pure-Python evaluator of the relations, the yardstick the SQL engines are tested against.

It reads the same definitions and produces the same measure table as ``engine.SqlBackend``, but from
in-memory facts and by walking each person's timeline day by day in plain code, so that a golden test
can state by hand what every indicator must be (a month ending on a weekend or holiday, a one-day
service breaking a long unemployment run, a move mid-month, a 25th birthday mid-month …).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from polku.core.calendar import month_start
from polku.derived.membership import value_on
from polku.derived.runs import RunSpell, StatusFact, annotate
from polku.derived.vocabulary import status_vocabulary
from polku.kpi.definitions import Measure
from polku.kpi.engine import NO_GROUP, MeasureTable, Request, day_ends, feedback_months_before, labour_force_table
from polku.kpi.relations import AGES, FLOW_DAYS, RELATIONS, STRUCTURAL_MIN_DAYS, CalcMonth, Vocabulary, calc_months

__all__ = ["StatusFact"]  # the derived layer's; the golden cases build persons from it


@dataclass(frozen=True)
class HomeFact:
    start: date
    end: date | None
    municipality: str


@dataclass(frozen=True)
class SearchFact:
    registered: date
    ended: date | None = None
    reason: str = ""


@dataclass(frozen=True)
class DecisionFact:
    """A recorded decision (``provision.Decision``): who, which kind, where charged, when, how many euros."""

    person_id: str
    kind: str
    municipality: str
    decided_on: date
    total: Decimal


@dataclass(frozen=True)
class AssignmentFact:
    """A counsellor's responsibility for a person (``casework.CaseAssignment``), from start to end instant."""

    person_id: str
    counsellor: int
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class OfferingFact:
    """A catalogue offering (``provision.ServiceOffering``) of an area, with its capacity changes (from, places)."""

    offering_id: int
    area: str
    service_type: str
    capacity: int
    available_from: date
    available_to: date | None = None
    changes: tuple[tuple[date, int], ...] = ()

    def capacity_on(self, day: date) -> int:
        in_force = [c for c in self.changes if c[0] <= day]
        return max(in_force)[1] if in_force else self.capacity


@dataclass(frozen=True)
class ParticipationFact:
    """A person's participation in an offering, from its first to its last day (``None``: still running)."""

    offering_id: int
    person_id: str
    start: date
    end: date | None = None


@dataclass(frozen=True)
class OfferFact:
    """A job offer (``employer_services.JobOffer``) to a person, made on a day, and its outcome with its date."""

    person_id: str
    offered_on: date
    binding: bool = False
    outcome: str = "open"
    outcome_on: date | None = None


@dataclass(frozen=True)
class ProfileFact:
    """When a person's competence profile (``employer_services.CompetenceProfile``) was first written."""

    person_id: str
    created_at: datetime


@dataclass(frozen=True)
class ContactFact:
    """A contact with an employer (``employer_services.EmployerContact``) and the employer's municipality."""

    municipality: str
    contacted_on: date
    kind: str = "call"


@dataclass(frozen=True)
class FeedbackFact:
    """An anonymous feedback answer (``portal.FeedbackAnswer``): its month, the area of the client's team, what it
    was about, and the answers."""

    area: str
    month: date
    satisfaction: int
    useful: bool
    kind: str = "after_service"
    service_type: str = ""
    team: str = ""


@dataclass
class KpiPerson:
    person_id: str
    birth_date: date
    gender: str = "F"
    language: str = "fi"
    team: str = ""
    spells: list[StatusFact] = field(default_factory=list)
    homes: list[HomeFact] = field(default_factory=list)
    searches: list[SearchFact] = field(default_factory=list)


def _spells(person: KpiPerson, vocabulary: Vocabulary, horizon: date) -> list[RunSpell]:
    return annotate(person.spells, vocabulary.unemployed_statuses, horizon, service_status=vocabulary.service_status,
                    activation_services=vocabulary.activation_services)


def _home(person: KpiPerson, day: date) -> str:
    return value_on(person.homes, day) or ""


def _age_group(birth: date, calc: CalcMonth) -> str:
    return AGES.group_of(birth, calc.day)


def _stock_rows(person: KpiPerson, spells: list[RunSpell], months: list[CalcMonth]) -> list[dict[str, Any]]:
    rows = []
    for calc in months:
        current = next((s for s in spells if s.covers(calc.day)), None)
        if current is None:
            continue
        long_term = current.unemployed and current.run_start is not None and current.run_start <= calc.year_before
        structural = ""
        if long_term:
            structural = "long_term"
        elif current.unemployed:
            window_days = sum(
                ((min(s.end or date.max, calc.day) - max(s.start, calc.window16_start)).days + 1)
                for s in spells if s.unemployed and s.start <= calc.day and (s.end is None or s.end >= calc.window16_start)
            )
            recent = any(s.in_activation and s.end is not None and calc.recent_service_start <= s.end < calc.day for s in spells)
            structural = "comparable" if window_days >= STRUCTURAL_MIN_DAYS else "from_service" if recent else ""
        elif current.in_activation and current.after_service:
            structural = "service_to_service"
        rows.append({
            "month": calc.month, "unemployed": current.unemployed, "in_activation_service": current.in_activation,
            "unemployed_or_in_service": current.unemployed or current.in_activation, "long_term": long_term,
            "under_25": person.birth_date > calc.age_threshold(25), "structural": structural,
            "status": current.status, "service_type": current.service_type or "",
            "age_group": _age_group(person.birth_date, calc), "gender": person.gender, "language": person.language,
            "team_id": person.team, "municipality": _home(person, calc.day),
        })
    return rows


def _event_rows(person: KpiPerson, spells: list[RunSpell], months: list[CalcMonth], horizon: date) -> list[dict[str, Any]]:
    by_month = {c.month: c for c in months}
    happened: list[tuple[date, str, str]] = []
    runs: dict[date, list[RunSpell]] = defaultdict(list)
    for spell in spells:
        if spell.unemployed and spell.run_start is not None:
            runs[spell.run_start].append(spell)
    for began, members in runs.items():
        if any(s.end is None for s in members):
            detail = "over_3_months" if (horizon - began).days >= FLOW_DAYS else "not_known_yet"
        else:
            ended = max(s.end for s in members if s.end is not None)
            detail = "over_3_months" if (ended - began).days >= FLOW_DAYS else "within_3_months"
        happened.append((began, "unemployment_began", detail))
    happened += [(s.ended, "job_search_ended", s.reason) for s in person.searches
                 if s.ended is not None and s.ended <= horizon]
    happened += [(s.start, "service_started", s.service_type) for s in spells
                 if s.status == status_vocabulary().service_status and s.service_type is not None]
    rows = []
    for day, kind, detail in happened:
        calc = by_month.get(month_start(day))
        if calc is None:
            continue
        rows.append({"month": calc.month, "kind": kind, "detail": detail,
                     "age_group": _age_group(person.birth_date, calc), "gender": person.gender,
                     "language": person.language, "team_id": person.team, "municipality": _home(person, day)})
    return rows


def _decision_table(request: Request, measures: list[Measure], decisions: list[DecisionFact]) -> MeasureTable:
    sums: dict[tuple[str, date, str, str], Decimal] = defaultdict(Decimal)
    persons: dict[tuple[str, date, str, str], set[str]] = defaultdict(set)
    group_column = request.group_column("decisions")
    for decision in decisions:
        month = month_start(decision.decided_on)
        if month not in request.months or (
                request.municipalities is not None and decision.municipality not in request.municipalities):
            continue
        for measure in measures:
            if all(c.matches(getattr(decision, c.column)) for c in measure.where):
                key = (measure.key, month, decision.municipality,
                       str(getattr(decision, group_column)) if group_column else NO_GROUP)
                sums[key] += decision.total if measure.aggregate == "sum" else 1
                persons[key].add(decision.person_id)
    return {key: (value, len(persons[key])) for key, value in sums.items() if value}


def _caseload_table(request: Request, measures: list[Measure], persons: list[KpiPerson],
                    assignments: list[AssignmentFact]) -> MeasureTable:
    by_id = {p.person_id: p for p in persons}
    clients: dict[tuple[date, str, int], int] = defaultdict(int)
    for month, day, day_end in day_ends(request):
        for a in assignments:
            person = by_id[a.person_id]
            running = a.started_at < day_end and (a.ended_at is None or a.ended_at >= day_end)
            searching = any(s.registered <= day and (s.ended is None or s.ended >= day) for s in person.searches)
            home = _home(person, day)
            if running and searching and home:
                clients[(month, home, a.counsellor)] += 1
    # Each counsellor goes, with all their clients, to the municipality where most of them live (tie: lower code).
    by_counsellor: dict[tuple[date, int], list[tuple[str, int]]] = defaultdict(list)
    for (month, home, counsellor), n in clients.items():
        by_counsellor[(month, counsellor)].append((home, n))
    table: MeasureTable = {}
    for (month, _counsellor), homes in by_counsellor.items():
        main = min(homes, key=lambda h: (-h[1], h[0]))[0]
        total = sum(n for _, n in homes)
        if request.municipalities is not None and main not in request.municipalities:
            continue
        for measure in measures:
            key = (measure.key, month, main, NO_GROUP)
            value, contributors = table.get(key, (Decimal(0), 0))
            table[key] = (value + (total if measure.aggregate == "sum" else 1), contributors + total)
    return table


def _service_places_table(request: Request, measures: list[Measure], offerings: list[OfferingFact],
                          participations: list[ParticipationFact]) -> MeasureTable:
    """Per area (and group) and month: offerings open on the calculation day, their places and participants."""
    group_column = request.group_column("service_places")
    table: MeasureTable = {}
    for calc in calc_months(list(request.months)):
        day = calc.day
        for offering in offerings:
            open_then = offering.available_from <= day and (offering.available_to is None or day <= offering.available_to)
            if not open_then or (request.municipalities is not None and offering.area not in request.municipalities):
                continue
            taking = sum(1 for p in participations if p.offering_id == offering.offering_id and p.start <= day
                         and (p.end is None or day <= p.end))
            values = {"count": 1, "capacity": offering.capacity_on(day), "participants": taking}
            group = offering.service_type if group_column else NO_GROUP
            for measure in measures:
                if not all(c.matches(getattr(offering, c.column)) for c in measure.where):
                    continue
                key = (measure.key, calc.month, offering.area, group)
                value, contributors = table.get(key, (Decimal(0), 0))
                table[key] = (value + values[measure.aggregate],
                              contributors + (taking if measure.aggregate == "participants" else 0))
    return {key: cell for key, cell in table.items() if cell[0]}


def _count(table: dict[tuple[str, date, str, str], tuple[Decimal, set[str]]], measures: list[Measure],
           key: tuple[date, str], row: dict[str, Any], person_id: str | None) -> None:
    """Count a row in every measure whose conditions it meets, with the person behind it (if any)."""
    for measure in measures:
        if all(c.matches(row[c.column]) for c in measure.where):
            cell = (measure.key, key[0], key[1], NO_GROUP)
            value, persons = table.get(cell, (Decimal(0), set()))
            table[cell] = (value + 1, persons | ({person_id} if person_id else set()))


def _counted(table: dict[tuple[str, date, str, str], tuple[Decimal, set[str]]]) -> MeasureTable:
    return {key: (value, len(persons)) for key, (value, persons) in table.items() if value}


def _in_scope(request: Request, municipality: str) -> bool:
    return bool(municipality) and (request.municipalities is None or municipality in request.municipalities)


def _offers_table(request: Request, measures: list[Measure], persons: list[KpiPerson],
                  offers: list[OfferFact]) -> MeasureTable:
    """Offers by month of the offer, placed by the job seeker's home that day; undated outcomes are open."""
    by_id = {p.person_id: p for p in persons}
    table: dict[tuple[str, date, str, str], tuple[Decimal, set[str]]] = {}
    for offer in offers:
        month, home = month_start(offer.offered_on), _home(by_id[offer.person_id], offer.offered_on)
        if month in request.months and _in_scope(request, home):
            row = {"binding": offer.binding, "outcome": offer.outcome if offer.outcome_on else "open"}
            _count(table, measures, (month, home), row, offer.person_id)
    return _counted(table)


def _profiles_table(request: Request, measures: list[Measure], persons: list[KpiPerson],
                    profiles: list[ProfileFact]) -> MeasureTable:
    """Each calculation day's job seekers (an open job search), placed by their home, with or without a profile
    written by the end of the day."""
    written = {p.person_id: p.created_at for p in profiles}
    table: dict[tuple[str, date, str, str], tuple[Decimal, set[str]]] = {}
    for month, day, day_end in day_ends(request):
        for person in persons:
            home = _home(person, day)
            searching = any(s.registered <= day and (s.ended is None or s.ended >= day) for s in person.searches)
            if searching and _in_scope(request, home):
                since = written.get(person.person_id)
                row = {"has_profile": since is not None and since < day_end}
                _count(table, measures, (month, home), row, person.person_id)
    return _counted(table)


def _contacts_table(request: Request, measures: list[Measure], contacts: list[ContactFact]) -> MeasureTable:
    """Contacts by month, placed by the employer's municipality; no person stands behind them."""
    table: dict[tuple[str, date, str, str], tuple[Decimal, set[str]]] = {}
    for contact in contacts:
        month = month_start(contact.contacted_on)
        if month in request.months and _in_scope(request, contact.municipality):
            _count(table, measures, (month, contact.municipality), {"kind": contact.kind}, None)
    return _counted(table)


def _feedback_table(request: Request, measures: list[Measure], answers: list[FeedbackFact]) -> MeasureTable:
    """Answers by month, placed by area (and grouped by service type or team); each answer is one respondent. Only
    months ended by the reference date (as of a moment, by then)."""
    ended = feedback_months_before(request)
    group_column = request.group_column("client_feedback")
    table: MeasureTable = {}
    for answer in answers:
        if answer.month not in request.months or answer.month >= ended:
            continue
        if request.municipalities is not None and answer.area not in request.municipalities:
            continue
        row = {"positive": answer.satisfaction >= 4, "useful": answer.useful, "kind": answer.kind,
               "service_type": answer.service_type, "team_id": answer.team}
        group = str(row[group_column]) if group_column else NO_GROUP
        for measure in measures:
            if all(c.matches(row[c.column]) for c in measure.where):
                key = (measure.key, answer.month, answer.area, group)
                value, contributors = table.get(key, (Decimal(0), 0))
                table[key] = (value + 1, contributors + 1)
    return table


def reference_measure_table(request: Request, persons: list[KpiPerson], vocabulary: Vocabulary, *,
                            labour_force: dict[tuple[str, int], int] | None = None,
                            decisions: list[DecisionFact] | None = None,
                            assignments: list[AssignmentFact] | None = None,
                            offerings: list[OfferingFact] | None = None,
                            participations: list[ParticipationFact] | None = None,
                            offers: list[OfferFact] | None = None,
                            profiles: list[ProfileFact] | None = None,
                            contacts: list[ContactFact] | None = None,
                            feedback: list[FeedbackFact] | None = None) -> MeasureTable:
    """The measure table of ``engine.SqlBackend.measure_table`` for stock, events, labour force, caseloads,
    decisions, service places, job offers, competence profiles, employer contacts and clients' feedback."""
    months = calc_months(list(request.months))
    measures = request.measures()
    sums: dict[tuple[str, date, str, str], int] = defaultdict(int)
    for person in persons:
        spells = _spells(person, vocabulary, request.horizon)
        rows = {"stock": _stock_rows(person, spells, months),
                "events": _event_rows(person, spells, months, request.horizon)}
        for measure in measures:
            if measure.relation not in rows:
                continue
            group_column = request.group_column(measure.relation)
            for row in rows[measure.relation]:
                if request.municipalities is not None and row["municipality"] not in request.municipalities:
                    continue
                if all(c.matches(row[c.column]) for c in measure.where):
                    group = str(row[group_column]) if group_column else NO_GROUP
                    sums[(measure.key, row["month"], row["municipality"], group)] += 1
    table: MeasureTable = {key: (Decimal(n), n) for key, n in sums.items()}
    by_relation = {relation: [m for m in measures if m.relation == relation] for relation in RELATIONS}
    recorded: dict[str, Callable[[list[Measure]], MeasureTable]] = {
        "labour_force": lambda ms: labour_force_table(request, ms, labour_force or {}),
        "caseload": lambda ms: _caseload_table(request, ms, persons, assignments or []),
        "decisions": lambda ms: _decision_table(request, ms, decisions or []),
        "service_places": lambda ms: _service_places_table(request, ms, offerings or [], participations or []),
        "job_offers": lambda ms: _offers_table(request, ms, persons, offers or []),
        "competence_profiles": lambda ms: _profiles_table(request, ms, persons, profiles or []),
        "employer_contacts": lambda ms: _contacts_table(request, ms, contacts or []),
        "client_feedback": lambda ms: _feedback_table(request, ms, feedback or []),
    }
    for relation, table_of in recorded.items():
        if by_relation[relation]:
            table.update(table_of(by_relation[relation]))
    assert all(m.relation in RELATIONS for m in measures)
    return table
