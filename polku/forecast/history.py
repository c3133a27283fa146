"""An area's history as the duration model needs it: continuous unemployment runs (start, end, age group, where
they ended) and service spells, read once from the timeline facts.

A run is what the KPI engine calls continuous unemployment: adjacent spells of an unemployed status (unemployed,
fully laid off) joined. Where a run went is read from the status that begins the day after it ends: work
(employed, part-time), a service, studies, outside the labour force, or "other" (no next status recorded).
A run placed in the area is one whose home municipality on its first day belongs to the area's municipalities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

UNEMPLOYED = frozenset({"unemployed", "laid_off_full"})
DESTINATIONS = ("work", "service", "study", "outside", "other")
NEXT_STATUS = {"employed": "work", "part_time_employed": "work", "in_service": "service", "studying": "study",
               "outside": "outside"}
AGE_GROUPS = (("-24", 0, 25), ("25-49", 25, 50), ("50-", 50, 200))


def age_group(birth: date, day: date) -> str:
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return next(name for name, low, high in AGE_GROUPS if low <= age < high)


@dataclass(frozen=True)
class Run:
    start: date
    end: date | None  # None: still open
    group: str
    destination: str | None  # None while open
    after_service: bool = False  # began the day after a service ended (the service model brings these back)
    person: Any = None  # whose run (to join the person's municipal-share months and later work)


@dataclass(frozen=True)
class ServiceSpell:
    start: date
    end: date | None
    group: str
    returned: bool  # an unemployed status began the day after it ended
    person: Any = None
    service_type: str | None = None
    run_start: date | None = None  # start of the unemployment run the service interrupted (None: came from elsewhere)


@dataclass(frozen=True)
class History:
    runs: list[Run]
    services: list[ServiceSpell]
    first_day: date
    last_day: date  # facts are known up to here
    work: dict[Any, list[tuple[date, date | None]]] = field(default_factory=dict)  # work spells by person

    def in_work(self, person: Any, day: date) -> bool:
        """Whether a work spell (employed or part-time) covers ``day``: the outcome the impact estimate counts."""
        return any(start <= day and (end is None or day <= end) for start, end in self.work.get(person, ()))


def _destination(next_status: str | None) -> str:
    return NEXT_STATUS.get(next_status or "", "other")


def build_history(spells: Iterable[tuple[Any, ...]], births: dict[Any, date], *,
                  homes: dict[Any, list[tuple[date, date | None, str]]], municipalities: set[str],
                  first_day: date, last_day: date) -> History:
    """Runs, service spells and work spells from ``(person, status, start, end[, service type])`` rows ordered by
    person and start."""
    by_person: dict[Any, list[tuple[str, date, date | None, str | None]]] = defaultdict(list)
    for person, status, start, end, *rest in spells:
        if start <= last_day:
            by_person[person].append((status, start, None if end is not None and end > last_day else end,
                                      rest[0] if rest else None))
    runs: list[Run] = []
    services: list[ServiceSpell] = []
    work: dict[Any, list[tuple[date, date | None]]] = defaultdict(list)

    def placed(person: Any, day: date) -> bool:
        return any(s <= day and (e is None or day <= e) and m in municipalities for s, e, m in homes.get(person, ()))

    for person, rows in by_person.items():
        birth = births[person]
        i = 0
        interrupted: date | None = None  # start of the unemployment run that ended the day before the current row
        while i < len(rows):
            status, start, end, service_type = rows[i]
            if NEXT_STATUS.get(status) == "work":
                work[person].append((start, end))
            if status == "in_service":
                following = rows[i + 1] if i + 1 < len(rows) else None
                returned = (end is not None and following is not None and following[1] == end + timedelta(days=1)
                            and following[0] in UNEMPLOYED)
                if placed(person, start):
                    services.append(ServiceSpell(start, end, age_group(birth, start), returned, person, service_type,
                                                 interrupted))
                interrupted = None
                i += 1
                continue
            interrupted = None
            if status not in UNEMPLOYED:
                i += 1
                continue
            run_start, run_end = start, end
            previous = rows[i - 1] if i > 0 else None
            after_service = (previous is not None and previous[0] == "in_service" and previous[2] is not None
                             and previous[2] + timedelta(days=1) == start)
            while (run_end is not None and i + 1 < len(rows) and rows[i + 1][0] in UNEMPLOYED
                   and rows[i + 1][1] == run_end + timedelta(days=1)):
                i += 1
                run_end = rows[i][2]
            following = rows[i + 1] if i + 1 < len(rows) else None
            destination = None
            if run_end is not None:
                adjacent = following is not None and following[1] == run_end + timedelta(days=1)
                destination = _destination(following[0] if following is not None and adjacent else None)
            if placed(person, run_start):
                runs.append(Run(run_start, run_end, age_group(birth, run_start), destination, after_service, person))
            interrupted = run_start if destination == "service" else None
            i += 1
    return History(runs=runs, services=services, first_day=first_day, last_day=last_day, work=dict(work))


def area_history(municipalities: set[str], first_day: date, last_day: date, *, known_at: Any = None) -> History:
    """The history of the persons who ever lived in ``municipalities``, from the database in use."""
    from django.db.models import Q

    from polku.people.models import Person
    from polku.timeline.models import HomeMunicipalitySpell, StatusSpell

    def current(queryset: Any) -> Any:
        if known_at is None:
            return queryset.filter(superseded_at__isnull=True)
        return queryset.filter(recorded_at__lte=known_at).filter(
            Q(superseded_at__isnull=True) | Q(superseded_at__gt=known_at))

    residents = HomeMunicipalitySpell.objects.filter(municipality_id__in=municipalities).values("person_id")
    homes: dict[Any, list[tuple[date, date | None, str]]] = defaultdict(list)
    for person, start, end, municipality in current(HomeMunicipalitySpell.objects.filter(person_id__in=residents)).values_list(
            "person_id", "start_date", "end_date", "municipality_id"):
        homes[person].append((start, end, municipality))
    births = dict(Person.objects.filter(pk__in=residents).values_list("pk", "birth_date"))
    spells = current(StatusSpell.objects.filter(person_id__in=residents, start_date__lte=last_day)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first_day - timedelta(days=800))).order_by(
        "person_id", "start_date").values_list("person_id", "status_id", "start_date", "end_date", "service_type_id")
    return build_history(spells.iterator(chunk_size=20_000), births, homes=homes, municipalities=municipalities,
                         first_day=first_day, last_day=last_day)
