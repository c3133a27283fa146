"""Shape selector results into plain rows for templates and the chart (labels in the active language).

Templates only print these rows; every label and derived figure (age, totals, spell lengths) is
decided here, so the chart, its text alternative and the data tables cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from polku.core.choices import choice_label
from polku.people.models import Person
from polku.person_pages import selectors
from polku.timeline.models import BenefitMonth, StatusSpell
from polku.timeline.selectors import Timeline


def status_label(spell: StatusSpell) -> str:
    """A status with its service, e.g. "palveluissa: työkokeilu"."""
    if spell.service_type is not None:
        return f"{spell.status.name}: {spell.service_type.name}"
    return spell.status.name


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class PersonRow:
    person: Person
    birth_year: int
    home_municipality: str
    status: str


def person_rows(persons: Sequence[Person], today: date) -> list[PersonRow]:
    municipalities = selectors.current_home_municipalities(persons, today)
    statuses = selectors.current_statuses(persons, today)
    rows = []
    for person in persons:
        home = municipalities.get(person.pk)
        status = statuses.get(person.pk)
        rows.append(PersonRow(
            person=person,
            birth_year=person.birth_date.year,
            home_municipality=home.municipality.name if home else "",
            status=status_label(status) if status else "",
        ))
    return rows


@dataclass(frozen=True)
class SpellRow:
    label: str
    start: date
    end: date | None  # None: still going on
    days: int  # length in days up to ``today`` for an open spell


@dataclass(frozen=True)
class JobSearchRow:
    start: date
    end: date | None
    end_reason: str
    days: int


@dataclass(frozen=True)
class BenefitRow:
    month: date
    benefit_type: str
    basis: str
    days: int
    amount: Decimal


@dataclass(frozen=True)
class PersonHeader:
    name: str
    masked_personal_id: str
    age: int
    language: str
    education: str
    current_status: str
    current_home_municipality: str


@dataclass(frozen=True, order=True)
class EventRow:
    """A dated case-work event drawn on the timeline: a meeting, a plan version, a referral, a decision."""

    day: date
    kind: str
    label: str


@dataclass(frozen=True)
class TimelinePage:
    header: PersonHeader
    today: date
    statuses: list[SpellRow]
    home_municipalities: list[SpellRow]
    job_searches: list[JobSearchRow]
    benefits: list[BenefitRow]
    benefit_days_total: int
    benefit_amount_total: Decimal
    events: list[EventRow] = field(default_factory=list)

    @property
    def first_day(self) -> date | None:
        """Start of the chart window: the labour-market history, not where the person lived as a child.

        Home-municipality spells often begin decades before the first job search; they set the window
        only when nothing else is recorded (the chart clips them at the window's edge).
        """
        starts = [r.start for r in self.statuses] + [r.start for r in self.job_searches]
        starts += [r.month for r in self.benefits] + [e.day for e in self.events]
        return min(starts, default=None) or min((r.start for r in self.home_municipalities), default=None)

    @property
    def is_empty(self) -> bool:
        return not (self.statuses or self.home_municipalities or self.job_searches or self.benefits)


def _length(start: date, end: date | None, today: date) -> int:
    # Spells are closed intervals, so both end days count.
    return ((end or today) - start).days + 1


def _benefit_row(row: BenefitMonth) -> BenefitRow:
    return BenefitRow(month=row.month, benefit_type=choice_label(row, "benefit_type"),
                      basis=choice_label(row, "basis"), days=row.days, amount=row.amount)


def timeline_page(timeline: Timeline, *, today: date) -> TimelinePage:
    person = timeline.person
    status_now = timeline.status_on(today)
    home_now = timeline.home_municipality_on(today)
    benefits = [_benefit_row(row) for row in timeline.benefit_months]
    return TimelinePage(
        header=PersonHeader(
            name=f"{person.first_names} {person.last_name}",
            masked_personal_id=person.masked_personal_id,
            age=age_on(person.birth_date, today),
            language=person.get_language_display(),
            education=person.get_education_display(),
            current_status=status_label(status_now) if status_now else _("ei voimassa olevaa"),
            current_home_municipality=home_now.municipality.name if home_now else _("ei tiedossa"),
        ),
        today=today,
        statuses=[SpellRow(status_label(s), s.start_date, s.end_date, _length(s.start_date, s.end_date, today))
                  for s in timeline.status_spells],
        home_municipalities=[
            SpellRow(s.municipality.name, s.start_date, s.end_date, _length(s.start_date, s.end_date, today))
            for s in timeline.home_municipalities
        ],
        job_searches=[
            JobSearchRow(p.registered_on, p.ended_on, choice_label(p, "end_reason") if p.end_reason else "",
                         _length(p.registered_on, p.ended_on, today))
            for p in timeline.job_search_periods
        ],
        benefits=benefits,
        benefit_days_total=sum(b.days for b in benefits),
        benefit_amount_total=sum((b.amount for b in benefits), Decimal(0)),
    )
