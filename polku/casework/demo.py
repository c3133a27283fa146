"""Synthetic case work for the simulated job seekers of an area: teams, counsellors, assignments, meetings,
plans and application reports, so that a demo morning has realistic worklists (and the benchmark a realistic
load). Deterministic for a seed; written in one transaction; only for persons the simulator wrote.

The history follows the shipped process rules (``due.next_conversation_on``) with the slippage real offices
have: some initial interviews late, some conversations missed, some plans left to expire, some reports
missing. Counsellors get about ``CLIENTS_PER_COUNSELLOR`` clients each.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from polku.access.models import Role, StaffProfile, Team
from polku.access.policy import area_municipality_codes
from polku.casework.due import ClientCase, MeetingFact, initial_interview_deadline, next_conversation_on
from polku.casework.models import ApplicationReport, CaseAssignment, EmploymentPlan, Meeting, Phase
from polku.casework.rules import ProcessRuleBook, shipped_rule_book
from polku.casework.selectors import SpellRow, status_and_run
from polku.core.calendar import add_months, add_working_days
from polku.people.models import Person
from polku.reference.models import EmploymentArea
from polku.timeline.models import FactSource, HomeMunicipalitySpell, JobSearchPeriod, StatusSpell

CLIENTS_PER_COUNSELLOR = 75
HISTORY_YEARS = 2  # meetings older than this are not generated (the demo needs the recent cadence only)

INITIAL_TEAM = "Alkupalvelu"
COACHING_TEAMS = ("Omavalmennus", "Nuoret", "Maahanmuuttajat")


@dataclass(frozen=True)
class TeamPlan:
    """Which team a client belongs to: one team for a small municipality, or initial service and coaching."""

    single_team: str | None = None


def _team_for(person: Person, registered_on: date, today: date, plan: TeamPlan) -> tuple[str, str]:
    if plan.single_team:
        phase = Phase.INITIAL_SERVICE if add_months(registered_on, 3) > today else Phase.PERSONAL_COACHING
        return plan.single_team, phase
    if add_months(registered_on, 3) > today:
        return INITIAL_TEAM, Phase.INITIAL_SERVICE
    age = (today - person.birth_date).days // 365
    if age < 30:
        return "Nuoret", Phase.PERSONAL_COACHING
    if person.immigrant_background:
        return "Maahanmuuttajat", Phase.PERSONAL_COACHING
    return "Omavalmennus", Phase.PERSONAL_COACHING


def _counsellors(area: EmploymentArea, team: Team, count: int, prefix: str, first: str | None) -> list[Any]:
    """``count`` counsellor logins of the team (existing ones reused); ``first`` is a named demo user."""
    users = []
    for n in range(1, count + 1):
        username = first if (n == 1 and first) else f"{prefix}.{n}"
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and n == 1 and first:
            StaffProfile.objects.filter(user=user).update(area=area, team=team)
        if user is None:
            user = get_user_model().objects.create_user(username=username, password=None,
                                                        first_name="Ohjaaja", last_name=f"{team.name} {n}")
            StaffProfile.objects.create(user=user, role=Role.COUNSELLOR, area=area, team=team)
        users.append(user)
    return users


def _meetings(case: ClientCase, book: ProcessRuleBook, today: date, rng: random.Random) -> list[MeetingFact]:
    """Initial interview and conversations on the rules' cadence, with late and missed ones."""
    if rng.random() < 0.08 and initial_interview_deadline(case.registered_on, book) >= today - timedelta(days=10):
        return []  # a fresh registration still waiting for the initial interview
    held = add_working_days(case.registered_on, rng.choice([1, 2, 3, 4, 5, 5, 6, 8]))
    if held > today:
        return []
    rows = [MeetingFact(held, "initial_interview")]
    horizon = today - timedelta(days=365 * HISTORY_YEARS)
    last = held
    while True:
        due_on, _rule = next_conversation_on(case, last, book.in_force(last))
        day = due_on + timedelta(days=rng.choice([-2, -1, 0, 0, 0, 1, 3, 6]))
        if rng.random() < 0.07:
            day += timedelta(days=21)  # missed once, caught up later
        if day >= today - timedelta(days=rng.choice([0, 2, 5])):
            break
        day = max(day, last + timedelta(days=1))
        if day > last:
            if day >= horizon:
                rows.append(MeetingFact(day, "job_search_conversation"))
            last = day
    return rows


FRESH_NAMES = (("Aino", "Korhonen", "F"), ("Juhani", "Virtanen", "M"), ("Emilia", "Mäkinen", "F"),
               ("Mikko", "Nieminen", "M"), ("Sanna", "Hämäläinen", "F"), ("Ville", "Laine", "M"),
               ("Helmi", "Heikkinen", "F"), ("Antti", "Koskinen", "M"), ("Laura", "Järvinen", "F"),
               ("Pekka", "Lehtonen", "M"), ("Venla", "Saarinen", "F"), ("Teemu", "Salminen", "M"))


def _fresh_registrations(codes: list[str], count: int, today: date, rng: random.Random) -> set[Any]:
    """New job seekers of the last two weeks (the simulation ends with the previous month), waiting for their
    initial interview: a demo morning needs some."""
    from polku.people.artificial import artificial_personal_id
    from polku.timeline import services as timeline

    created = set()
    for n in range(count):
        first, last, gender = FRESH_NAMES[n % len(FRESH_NAMES)]
        registered_on = today - timedelta(days=rng.randint(1, 12))
        while registered_on.weekday() >= 5:
            registered_on -= timedelta(days=1)
        for _attempt in range(50):
            birth = date(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28))
            serial = rng.randrange(900 if gender == "M" else 901, 1000, 2)
            code = artificial_personal_id(birth, serial)
            if timeline.person_find_by_personal_id(code) is None:
                break
        person = timeline.person_create(personal_id_code=code, first_names=first, last_name=last)
        timeline.home_municipality_record(person=person, municipality_code=rng.choice(codes),
                                          start_date=max(birth, date(2010, 1, 1)),
                                          source=FactSource.SIMULATOR)
        timeline.status_spell_record(person=person, status="unemployed", start_date=registered_on, source=FactSource.SIMULATOR)
        timeline.job_search_open(person=person, registered_on=registered_on, source=FactSource.SIMULATOR)
        created.add(person.pk)
    return created


@dataclass
class _History:
    meetings: list[Meeting]
    plans: list[EmploymentPlan]
    reports: list[ApplicationReport]


def _client_history(person_id: Any, case: ClientCase, *, book: ProcessRuleBook, today: date, rng: random.Random,
                    now: Any) -> _History:
    """One client's meetings, plan (most have one) and monthly application reports of the last three months."""
    held = _meetings(case, book, today, rng)
    history = _History(
        meetings=[Meeting(person_id=person_id, held_on=m.held_on, kind=m.kind, recorded_at=now, source=FactSource.SIMULATOR,
                          channel=rng.choice(["face_to_face", "face_to_face", "phone", "video"])) for m in held],
        plans=[], reports=[])
    if not held or rng.random() >= 0.93:
        return history
    drawn = held[-1].held_on if rng.random() < 0.6 else held[0].held_on
    obligation = rng.choice([4, 4, 4, 4, 3, 2, 0])
    history.plans.append(EmploymentPlan(
        person_id=person_id, drawn_up_on=drawn, valid_until=add_months(drawn, rng.choice([3, 6, 6, 12])),
        agreed_actions="Työnhaku ja sovitut palvelut (simuloitu)", applications_required=obligation,
        reporting_period_months=1, next_meeting_on=None, recorded_at=now, source=FactSource.SIMULATOR))
    month = add_months(today.replace(day=1), -3)
    while month < today.replace(day=1):
        if month > drawn and obligation and rng.random() < 0.85:
            history.reports.append(ApplicationReport(
                person_id=person_id, period_start=month, reported_on=add_months(month, 1), recorded_at=now,
                applications=max(0, obligation - rng.choice([0, 0, 0, 0, 1, 2])), source=FactSource.SIMULATOR))
        month = add_months(month, 1)
    return history


@transaction.atomic
def simulate_casework(area_code: str, *, today: date | None = None, seed: int = 1, team_plan: TeamPlan | None = None,
                      municipalities: list[str] | None = None, first_counsellor: str | None = None, fresh: int = 0,
                      progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Generate the case work of the area's open job seekers in one transaction (once: an area whose job seekers
    already have assignments is left alone).

    ``fresh`` new registrations of the last two weeks are added first, so that initial interviews are due.
    """
    today = today or timezone.localdate()
    team_plan = team_plan or TeamPlan()
    rng = random.Random(seed)
    book = shipped_rule_book()
    area = EmploymentArea.objects.get(code=area_code)
    codes = municipalities or list(area_municipality_codes(area.pk).values_list("municipality_id", flat=True))
    residents = HomeMunicipalitySpell.objects.current().filter(
        municipality_id__in=codes, start_date__lte=today,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).values("person_id")
    searches = JobSearchPeriod.objects.current().filter(
        source=FactSource.SIMULATOR, person_id__in=residents, registered_on__lte=today,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
    if CaseAssignment.objects.filter(person_id__in=searches.values("person_id")).exists():
        return {"skipped": 1}
    fresh_ids = _fresh_registrations(codes, fresh, today, rng)
    registered = dict(searches.values_list("person_id", "registered_on"))
    persons = {p.pk: p for p in Person.objects.filter(pk__in=list(registered))}
    spells: dict[Any, list[SpellRow]] = defaultdict(list)
    for person_id, code, start, end in StatusSpell.objects.current().filter(
            person_id__in=list(registered)).order_by("person_id", "start_date").values_list(
            "person_id", "status_id", "start_date", "end_date"):
        spells[person_id].append((code, start, end))
    by_team: dict[str, list[Any]] = defaultdict(list)
    phases: dict[Any, str] = {}
    for person_id in sorted(registered, key=str):
        team_name, phase = _team_for(persons[person_id], registered[person_id], today, team_plan)
        by_team[team_name].append(person_id)
        phases[person_id] = phase
    counts = dict.fromkeys(("assignments", "meetings", "plans", "reports", "counsellors"), 0)
    now = timezone.now()
    with transaction.atomic():
        assignments, meetings, plans, reports = [], [], [], []
        for team_name, members in sorted(by_team.items()):
            team, _created = Team.objects.get_or_create(area=area, name=team_name)
            prefix = f"{area_code}.{team_name.lower()}".replace("ä", "a").replace("ö", "o")
            users = _counsellors(area, team, max(1, math.ceil(len(members) / CLIENTS_PER_COUNSELLOR)), prefix,
                                 first_counsellor if team_name in {INITIAL_TEAM, team_plan.single_team} else None)
            counts["counsellors"] += len(users)
            Person.objects.filter(pk__in=members).update(team=team)
            for index, person_id in enumerate(members):
                status, since = status_and_run(spells.get(person_id, []), today)
                case = ClientCase(registered_on=registered[person_id], status=status, unemployed_since=since)
                # The fresh registrations wait for their initial interview with the named demo counsellor.
                counsellor = users[0] if person_id in fresh_ids else users[index % len(users)]
                assignments.append(CaseAssignment(person_id=person_id, counsellor=counsellor, team=team,
                                                  phase=phases[person_id], valid_from=registered[person_id], started_at=now))
                if person_id in fresh_ids:
                    continue
                history = _client_history(person_id, case, book=book, today=today, rng=rng, now=now)
                meetings += history.meetings
                plans += history.plans
                reports += history.reports
            if progress:
                progress(f"{team_name}: {len(members)} asiakasta, {len(users)} ohjaajaa")
        CaseAssignment.objects.bulk_create(assignments, batch_size=2000)
        Meeting.objects.bulk_create(meetings, batch_size=5000)
        EmploymentPlan.objects.bulk_create(plans, batch_size=5000)
        ApplicationReport.objects.bulk_create(reports, batch_size=5000)
    counts.update(assignments=len(assignments), meetings=len(meetings), plans=len(plans), reports=len(reports))
    return counts
