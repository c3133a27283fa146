"""Reads of the timeline. ``known_at`` answers "what did Polku know then" (facts as recorded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, cast

from django.db.models import Q, QuerySet

from polku.core.prepared import PersonRead
from polku.people.models import Person
from polku.timeline.models import (
    BenefitMonth,
    FactQuerySet,
    FactVersion,
    HomeMunicipalitySpell,
    JobSearchPeriod,
    StatusSpell,
)

F = TypeVar("F", bound=FactVersion)


def homes_on(day: date) -> QuerySet[HomeMunicipalitySpell]:
    """Current home spells that cover ``day``: where each person lives then (the one definition of a home on a day;
    the due-items table keeps it per client so that a worklist can filter an area by a column)."""
    return HomeMunicipalitySpell.objects.current().filter(start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day))


def homes_in(municipalities: Any, day: date) -> QuerySet[HomeMunicipalitySpell]:
    """Current home spells in ``municipalities`` (codes, or a subquery of them) that cover ``day``: who lives there
    then. The access policy places a person in an area by this, and the register import scopes by it."""
    return homes_on(day).filter(municipality_id__in=municipalities)


def as_known(queryset: QuerySet[F], known_at: datetime | None = None) -> QuerySet[F]:
    """Current facts, or the facts that were current at ``known_at``."""
    return cast(QuerySet[F], cast(FactQuerySet, queryset).known_at(known_at))


@dataclass(frozen=True)
class Timeline:
    person: Person
    home_municipalities: list[HomeMunicipalitySpell]
    status_spells: list[StatusSpell]
    job_search_periods: list[JobSearchPeriod]
    benefit_months: list[BenefitMonth]
    known_at: datetime | None = None  # None: the current facts

    def home_municipality_on(self, day: date) -> HomeMunicipalitySpell | None:
        return next((s for s in self.home_municipalities if s.covers(day)), None)

    def status_on(self, day: date) -> StatusSpell | None:
        return next((s for s in self.status_spells if s.covers(day)), None)


def _homes(facts: QuerySet[HomeMunicipalitySpell]) -> QuerySet[HomeMunicipalitySpell]:
    return facts.select_related("municipality").order_by("start_date")


def _statuses(facts: QuerySet[StatusSpell]) -> QuerySet[StatusSpell]:
    return facts.select_related("status", "service_type").order_by("start_date")


def _searches(facts: QuerySet[JobSearchPeriod]) -> QuerySet[JobSearchPeriod]:
    return facts.order_by("registered_on")


def _benefits(facts: QuerySet[BenefitMonth]) -> QuerySet[BenefitMonth]:
    return facts.order_by("month", "benefit_type")


# A person's current facts: the client record reads them on every request, so their SQL is made once (core.prepared).
_CURRENT_HOMES = PersonRead(lambda person_id: _homes(HomeMunicipalitySpell.objects.current().filter(person_id=person_id)))
_CURRENT_STATUSES = PersonRead(lambda person_id: _statuses(StatusSpell.objects.current().filter(person_id=person_id)))
_CURRENT_SEARCHES = PersonRead(lambda person_id: _searches(JobSearchPeriod.objects.current().filter(person_id=person_id)))
_CURRENT_BENEFITS = PersonRead(lambda person_id: _benefits(BenefitMonth.objects.current().filter(person_id=person_id)))


def person_timeline(person: Person, *, known_at: datetime | None = None) -> Timeline:
    """Every current fact of one person, ordered by time (or every fact as known at ``known_at``)."""
    if known_at is None:
        return Timeline(
            person=person,
            home_municipalities=_CURRENT_HOMES.read(person.pk),
            status_spells=_CURRENT_STATUSES.read(person.pk),
            job_search_periods=_CURRENT_SEARCHES.read(person.pk),
            benefit_months=_CURRENT_BENEFITS.read(person.pk),
        )
    return Timeline(
        person=person,
        home_municipalities=list(_homes(as_known(HomeMunicipalitySpell.objects.filter(person=person), known_at))),
        status_spells=list(_statuses(as_known(StatusSpell.objects.filter(person=person), known_at))),
        job_search_periods=list(_searches(as_known(JobSearchPeriod.objects.filter(person=person), known_at))),
        benefit_months=list(_benefits(as_known(BenefitMonth.objects.filter(person=person), known_at))),
        known_at=known_at,
    )


def fact_history(model: type[F], lineage: Any) -> list[F]:
    """All versions of one fact, oldest first (the audit trail of corrections)."""
    return list(model._default_manager.filter(lineage=lineage).order_by("recorded_at", "pk"))
