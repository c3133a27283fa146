"""Reads for the municipal share: facts from the database into the engine's input, and results out.

The engine needs each person's whole benefit history (counters run over years), so selections first
find the persons concerned and then load all their facts in a few set-based queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.db.models import Q

from polku.core.calendar import month_end
from polku.core.prepared import PersonRead
from polku.municipal_share.engine import BenefitFact, HomeFact, PersonFacts, ShareRow, person_share_rows
from polku.municipal_share.rules import RuleBook
from polku.timeline.models import BenefitMonth, EmploymentConditionMet, HomeMunicipalitySpell
from polku.timeline.selectors import Timeline

BATCH = 2_000


def person_facts(person_ids: Iterable[Any]) -> Iterator[PersonFacts]:
    """Current facts of the given persons, in batches of a few thousand."""
    ids = list(dict.fromkeys(person_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        benefits: dict[Any, list[BenefitFact]] = defaultdict(list)
        for row in BenefitMonth.objects.current().filter(person_id__in=chunk).values_list(
            "person_id", "month", "benefit_type", "basis", "days", "amount",
        ):
            benefits[row[0]].append(BenefitFact(row[1], row[2], row[3], row[4], row[5]))
        homes: dict[Any, list[HomeFact]] = defaultdict(list)
        for pid, start_date, end_date, code in HomeMunicipalitySpell.objects.current().filter(
            person_id__in=chunk, ).values_list("person_id", "start_date", "end_date", "municipality_id"):
            homes[pid].append(HomeFact(start_date, end_date, code))
        conditions: dict[Any, list[date]] = defaultdict(list)
        for pid, met_on in EmploymentConditionMet.objects.current().filter(
            person_id__in=chunk, ).values_list("person_id", "met_on"):
            conditions[pid].append(met_on)
        for pid in chunk:
            yield PersonFacts(pid, benefits[pid], homes[pid], conditions[pid])


_CONDITIONS_MET = PersonRead(lambda person_id: EmploymentConditionMet.objects.current().filter(person_id=person_id)
                             .only("met_on"))  # on every client record: made once


def timeline_facts(timeline: Timeline) -> PersonFacts:
    """:func:`person_facts` of one person whose current timeline a page has read already (the client record): its
    benefit months and homes as they are, and the employment conditions, which a timeline does not hold."""
    if timeline.known_at is not None:
        raise ValueError("the municipal share is computed on current facts, not on what was known at a moment")
    person_id = timeline.person.pk
    return PersonFacts(
        person_id,
        [BenefitFact(b.month, b.benefit_type, b.basis, b.days, b.amount) for b in timeline.benefit_months],
        [HomeFact(h.start_date, h.end_date, h.municipality_id) for h in timeline.home_municipalities],
        [condition.met_on for condition in _CONDITIONS_MET.read(person_id)],
    )


def persons_billed_to(municipality_codes: Iterable[str], first_month: date, last_month: date) -> list[Any]:
    """Persons with benefit days in the period whose home municipality was one of these at some month end."""
    codes = list(municipality_codes)
    with_benefits = BenefitMonth.objects.current().filter(
        month__gte=first_month, month__lte=last_month,
    ).values("person_id")
    lived_there = HomeMunicipalitySpell.objects.current().filter(
        municipality_id__in=codes, start_date__lte=month_end(last_month),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=first_month))
    return list(lived_there.filter(person_id__in=with_benefits).values_list("person_id", flat=True).distinct())


def share_rows(
    book: RuleBook, *, municipality_codes: Iterable[str], first_month: date, last_month: date,
) -> list[ShareRow]:
    """Engine results for every benefit row billed to these municipalities in the period."""
    codes = set(municipality_codes)
    rows: list[ShareRow] = []
    for facts in person_facts(persons_billed_to(codes, first_month, last_month)):
        rows += [
            r for r in person_share_rows(facts, book, through=last_month)
            if first_month <= r.month and r.municipality in codes
        ]
    return rows
