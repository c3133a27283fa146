"""An area's history as the duration model needs it: continuous unemployment runs (start, end, age group, where
they ended) and service spells, read once from the timeline facts.

A run is the derived layer's continuous unemployment (``polku.derived.runs``: adjacent spells of a status the
vocabulary counts as unemployed, joined). Where a run went is read from the status that begins the day after it
ends, by the vocabulary's class: work, a service, studies, outside the labour force, or "other" (no next status
recorded).
A run placed in the area is one whose home municipality on its first day belongs to the area's municipalities.

Each run carries what the duration model adjusts its hazards for: the person's education (a person attribute) and
the benefit paid at the run's start (the benefit with most days in the run's first month, or the next if the first
pays none; "none" when neither pays one: not everyone registered as unemployed draws a benefit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from polku.core.calendar import add_months
from polku.derived import runs as derived_runs
from polku.derived.ages import DURATION_MODEL, age_scheme
from polku.derived.sql import in_list
from polku.derived.vocabulary import status_vocabulary

VOCABULARY = status_vocabulary()
UNEMPLOYED = VOCABULARY.unemployed
SERVICE = VOCABULARY.service_status
DESTINATIONS = ("work", "service", "study", "outside", "other")
# Where a run went, by the class of the status that follows it.
CLASS_DESTINATIONS = {"working": "work", "in_services": "service", "studying": "study", "outside_labour_force": "outside"}
NEXT_STATUS = {status: destination for name, destination in CLASS_DESTINATIONS.items()
               for status in VOCABULARY.statuses(name)}
AGES = age_scheme(DURATION_MODEL)
AGE_GROUPS = AGES.bands  # (label, first age, next group's first age)
EDUCATIONS = ("basic", "upper_secondary", "tertiary_lower", "tertiary_higher")
BENEFITS = ("labour_market_subsidy", "basic_allowance", "earnings_related_allowance", "none")
DEFAULT_EDUCATION, NO_BENEFIT = "upper_secondary", "none"


def age_group(birth: date, day: date) -> str:
    return AGES.group_of(birth, day)


@dataclass(frozen=True)
class Run:
    start: date
    end: date | None  # None: still open
    group: str
    destination: str | None  # None while open
    after_service: bool = False  # began the day after a service ended (the service model brings these back)
    person: Any = None  # whose run (to join the person's municipal-share months and later work)
    education: str = DEFAULT_EDUCATION
    benefit: str = NO_BENEFIT  # benefit paid at the run's start


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


def benefit_at_start(months: dict[date, str] | None, start: date) -> str:
    """The benefit of the run's first month, else of the next month, else "none" (``months``: month → benefit)."""
    if not months:
        return NO_BENEFIT
    first = start.replace(day=1)
    return months.get(first) or months.get(add_months(first, 1)) or NO_BENEFIT


def build_history(spells: Iterable[tuple[Any, ...]], births: dict[Any, date], *,
                  homes: dict[Any, list[tuple[date, date | None, str]]], municipalities: set[str],
                  first_day: date, last_day: date, educations: dict[Any, str] | None = None,
                  benefits: dict[Any, dict[date, str]] | None = None) -> History:
    """Runs, service spells and work spells from ``(person, status, start, end[, service type])`` rows ordered by
    person and start; ``educations`` by person and ``benefits`` (person → month → the benefit with most days) give
    the runs their covariates."""
    educations = educations or {}
    benefits = benefits or {}
    by_person: dict[Any, list[derived_runs.StatusFact]] = defaultdict(list)
    for person, status, start, end, *rest in spells:
        by_person[person].append(derived_runs.StatusFact(start, end, status, rest[0] if rest else None))
    runs: list[Run] = []
    services: list[ServiceSpell] = []
    work: dict[Any, list[tuple[date, date | None]]] = defaultdict(list)

    def placed(person: Any, day: date) -> bool:
        return any(s <= day and (e is None or day <= e) and m in municipalities for s, e, m in homes.get(person, ()))

    for person, facts in by_person.items():
        birth = births[person]
        # Spells after the last day are not known yet, and one ending after it is still open.
        rows = derived_runs.annotate(facts, UNEMPLOYED, last_day, service_status=SERVICE)
        by_first = {r.first: r for r in derived_runs.runs(rows)}
        i = 0
        interrupted: date | None = None  # start of the unemployment run that ended the day before the current row
        while i < len(rows):
            status, start, end, service_type = rows[i].status, rows[i].start, rows[i].end, rows[i].service_type
            if NEXT_STATUS.get(status) == "work":
                work[person].append((start, end))
            if status == SERVICE:
                following = rows[i + 1] if i + 1 < len(rows) else None
                returned = (end is not None and following is not None and following.start == end + timedelta(days=1)
                            and following.unemployed)
                if placed(person, start):
                    services.append(ServiceSpell(start, end, age_group(birth, start), returned, person, service_type,
                                                 interrupted))
                interrupted = None
                i += 1
                continue
            interrupted = None
            if not rows[i].unemployed:
                i += 1
                continue
            run = by_first[i]
            run_start, run_end = run.start, run.end
            previous = rows[i - 1] if i > 0 else None
            after_service = (previous is not None and previous.status == SERVICE and previous.end is not None
                             and previous.end + timedelta(days=1) == start)
            i = run.last
            following = rows[i + 1] if i + 1 < len(rows) else None
            destination = None
            if run_end is not None:
                adjacent = following is not None and following.start == run_end + timedelta(days=1)
                destination = _destination(following.status if following is not None and adjacent else None)
            if placed(person, run_start):
                runs.append(Run(run_start, run_end, age_group(birth, run_start), destination, after_service, person,
                                educations.get(person, DEFAULT_EDUCATION),
                                benefit_at_start(benefits.get(person), run_start)))
            interrupted = run_start if destination == "service" else None
            i += 1
    return History(runs=runs, services=services, first_day=first_day, last_day=last_day, work=dict(work))


def area_history(municipalities: set[str], first_day: date, last_day: date, *, known_at: Any = None) -> History:
    """The history of the persons who ever lived in ``municipalities``, from the database in use."""
    from django.db.models import Q

    from polku.derived.facts import current as current_facts
    from polku.people.models import Person
    from polku.timeline.models import BenefitBasis, BenefitMonth, HomeMunicipalitySpell, StatusSpell

    def current(queryset: Any) -> Any:
        return current_facts(queryset, known_at)

    residents = HomeMunicipalitySpell.objects.filter(municipality_id__in=municipalities).values("person_id")
    homes: dict[Any, list[tuple[date, date | None, str]]] = defaultdict(list)
    for person, start, end, municipality in current(HomeMunicipalitySpell.objects.filter(person_id__in=residents)).values_list(
            "person_id", "start_date", "end_date", "municipality_id"):
        homes[person].append((start, end, municipality))
    births, educations = {}, {}
    for person, birth, education in Person.objects.filter(pk__in=residents).values_list("pk", "birth_date",
                                                                                          "education"):
        births[person], educations[person] = birth, education
    benefits = main_benefits(current(BenefitMonth.objects.filter(
        person_id__in=residents, month__gte=first_day.replace(day=1), month__lte=last_day).exclude(
        basis=BenefitBasis.SERVICE)).values_list(
        "person_id", "month", "benefit_type", "days").iterator(chunk_size=20_000))
    spells = current(StatusSpell.objects.filter(person_id__in=residents, start_date__lte=last_day)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first_day - timedelta(days=800))).order_by(
        "person_id", "start_date").values_list("person_id", "status_id", "start_date", "end_date", "service_type_id")
    return build_history(spells.iterator(chunk_size=20_000), births, homes=homes, municipalities=municipalities,
                         first_day=first_day, last_day=last_day, educations=educations, benefits=benefits)


def main_benefits(rows: Iterable[tuple[Any, date, str, int]]) -> dict[Any, dict[date, str]]:
    """Person → month → the benefit paid for most days that month, from ``(person, month, benefit, days)`` rows."""
    days: dict[Any, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for person, month, benefit, paid in rows:
        if paid:
            days[person][month][benefit] += paid
    return {person: {month: max(by, key=lambda b: (by[b], b)) for month, by in months.items()}
            for person, months in days.items()}


def parquet_history(directory: Any, first_day: date, last_day: date) -> History:
    """The history of every person in a Parquet snapshot (the simulator's or an export; all its municipalities are
    the area), read with DuckDB: for benchmarks and for checks on a whole simulated area outside the database."""
    from pathlib import Path

    import duckdb

    connection = duckdb.connect()
    for name in ("people_person", "timeline_benefitmonth", "timeline_homemunicipalityspell", "timeline_statusspell"):
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{Path(directory) / name}.parquet')")  # noqa: S608
    births, educations = {}, {}
    for person, birth, education in connection.execute("SELECT id, birth_date, education FROM people_person").fetchall():
        births[person], educations[person] = birth, education
    # Only the months a run may take its benefit from (those of unemployed spells' starts and the next): a national
    # snapshot holds tens of millions of benefit months.
    benefits = main_benefits(connection.execute(
        "WITH starts AS (SELECT DISTINCT person_id, CAST(date_trunc('month', start_date) AS DATE) AS month "  # noqa: S608
        f"  FROM timeline_statusspell WHERE status_id IN {in_list(UNEMPLOYED)} AND start_date >= ? "
        "  AND start_date <= ?), "
        "wanted AS (SELECT person_id, month FROM starts UNION "
        "  SELECT person_id, CAST(month + INTERVAL 1 MONTH AS DATE) FROM starts) "
        "SELECT b.person_id, b.month, b.benefit_type, b.days FROM timeline_benefitmonth b "
        "JOIN wanted w ON b.person_id = w.person_id AND b.month = w.month WHERE b.basis <> 'service' AND b.month >= ?",
        [first_day - timedelta(days=31), last_day, first_day.replace(day=1)]).fetchall())
    homes: dict[Any, list[tuple[date, date | None, str]]] = defaultdict(list)
    for person, start, end, municipality in connection.execute(
            "SELECT person_id, start_date, end_date, municipality_id FROM timeline_homemunicipalityspell").fetchall():
        homes[person].append((start, end, municipality))
    spells = connection.execute(
        "SELECT person_id, status_id, start_date, end_date, service_type_id FROM timeline_statusspell "
        "WHERE start_date <= ? ORDER BY person_id, start_date", [last_day]).fetchall()
    return build_history(spells, births, homes=homes, municipalities={m for rows in homes.values() for _, _, m in rows},
                         first_day=first_day, last_day=last_day, educations=educations, benefits=benefits)
