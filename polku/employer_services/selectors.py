"""Reads of employer services: the register and worklist of an area, candidates for a vacancy and vacancies for a
job seeker (ranked by ``matching``), and the figures (offers, outcomes, contacts, profile coverage).

Scope comes from ``polku.access.policy`` only. These functions do not log: the pages, the API and the commands log
each person they show (a candidate list is a read of every person on it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Max, Q, QuerySet

from polku.access import consents, policy
from polku.core import precomputed
from polku.core.calendar import add_months
from polku.derived.facts import current
from polku.derived.vocabulary import status_vocabulary
from polku.employer_services import matching
from polku.employer_services.esco import catalogue
from polku.employer_services.models import (
    CONCLUDED_OUTCOMES,
    CompetenceProfile,
    JobOffer,
    NeedStatus,
    OfferOutcome,
    OfferResponse,
    PlacePreference,
    RecruitmentNeed,
    Vacancy,
    VacancyStatus,
)
from polku.employer_services.rules import follow_up_rules
from polku.people.models import Person
from polku.provision.models import Decision, DecisionKind, Employer, EmployerKind
from polku.timeline.models import HomeMunicipalitySpell, JobSearchPeriod, StatusSpell
from polku.timeline.selectors import homes_in


def employers_for(user: Any) -> QuerySet[Employer]:
    """The employers the user's employer services keep (every one for whole-register roles)."""
    reach = policy.employer_reach(user)
    employers = Employer.objects.select_related("municipality")
    return employers if reach is None else employers.filter(reach)


def vacancies_for(user: Any) -> QuerySet[Vacancy]:
    area_id = policy.employer_area_id(user)
    vacancies = Vacancy.objects.select_related("employer", "municipality")
    return vacancies if area_id is None else vacancies.filter(area_id=area_id)


# --- specifications for the engine ---------------------------------------------------------------------------------


def vacancy_spec(vacancy: Vacancy) -> matching.VacancySpec:
    occupation = catalogue().occupation(vacancy.occupation) if vacancy.occupation else None
    return matching.VacancySpec(
        key=vacancy.pk, required_skills=frozenset(vacancy.required_skills), wished_skills=frozenset(vacancy.wished_skills),
        occupation=vacancy.occupation, isco=occupation.isco if occupation else "",
        education_level=vacancy.education_level, licences=frozenset(vacancy.licences),
        languages=tuple((row["code"], int(row["level"])) for row in vacancy.languages),
        municipality=vacancy.municipality_id, hours=vacancy.hours)


def profile_spec(profile: CompetenceProfile, home: str, area_municipalities: frozenset[str]) -> matching.ProfileSpec:
    table = catalogue()
    occupations = tuple((uri, table.occupations[uri].isco) for uri in profile.occupations if uri in table.occupations)
    return matching.ProfileSpec(
        key=profile.person_id, occupations=occupations, skills=frozenset(profile.skills),
        education_level=profile.education_level, licences=frozenset(profile.licences),
        languages={row["code"]: int(row["level"]) for row in profile.languages}, home_municipality=home,
        acceptable_municipalities=area_municipalities if profile.place_preference == PlacePreference.AREA else frozenset(),
        anywhere=profile.place_preference == PlacePreference.ANYWHERE, hours_preference=profile.hours_preference)


def homes_on(person_ids: Any, day: date) -> dict[Any, str]:
    """Each person's home municipality on ``day`` (current facts)."""
    rows = HomeMunicipalitySpell.objects.filter(person_id__in=person_ids, superseded_at__isnull=True,
                                                start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)).values_list("person_id", "municipality_id")
    return dict(rows)


def open_job_search_ids(day: date, person_ids: list[Any] | None = None) -> set[Any]:
    """The persons (of ``person_ids``, when given) with a job search open on ``day``."""
    rows = JobSearchPeriod.objects.filter(superseded_at__isnull=True, registered_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day))
    if person_ids is not None:
        found: set[Any] = set()
        for start in range(0, len(person_ids), 500):
            found |= set(rows.filter(person_id__in=person_ids[start:start + 500]).values_list("person_id", flat=True))
        return found
    return set(rows.values_list("person_id", flat=True))


def active_job_seekers(persons: QuerySet[Person], day: date) -> QuerySet[Person]:
    """Those of ``persons`` with a job search open on ``day``."""
    open_search = JobSearchPeriod.objects.filter(superseded_at__isnull=True, registered_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day))
    return persons.filter(pk__in=open_search.values("person_id"))


def _area_municipalities(area_id: int | None) -> frozenset[str]:
    return frozenset(policy.area_municipality_set(area_id)) if area_id is not None else frozenset()


# --- candidates for a vacancy, vacancies for a job seeker ---------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person: Person
    match: matching.Match
    below_for_licence: bool  # ranked below someone with a lower score because a required licence is missing
    offer: JobOffer | None
    # The client's consent to present their profile to employers is in force (asked now, not remembered).
    presentable: bool = False


# The consent (purpose, recipient) a profile needs before the employer services present it to an employer.
PRESENT_TO_EMPLOYERS = ("share_profile", "employers")


def candidates(user: Any, vacancy: Vacancy, day: date, *, limit: int = 20) -> list[Candidate]:
    """The job seekers within ``user``'s matching scope who have a competence profile and an open job search,
    best first (``matching.rank``)."""
    # From the profiles (few) to the scope, not the other way round: the scope's test runs for those persons only.
    with_profile = list(CompetenceProfile.objects.values_list("person_id", flat=True))
    searching = open_job_search_ids(day, with_profile)
    allowed = in_matching_scope(user, [pid for pid in with_profile if pid in searching])
    profiles = list(CompetenceProfile.objects.filter(person_id__in=allowed).select_related("person"))
    homes = homes_on([p.person_id for p in profiles], day)
    area = _area_municipalities(vacancy.area_id)
    spec = vacancy_spec(vacancy)
    by_person = {p.person_id: p for p in profiles}
    shown = matching.best_candidates(spec, (profile_spec(p, homes.get(p.person_id, ""), area) for p in profiles), limit)
    below = matching.placed_below_for_licence(shown)
    offers = {o.person_id: o for o in JobOffer.objects.filter(vacancy=vacancy, person_id__in=[m.profile for m in shown])}
    presentable = consents.persons_with_consent([m.profile for m in shown], *PRESENT_TO_EMPLOYERS)
    return [Candidate(by_person[m.profile].person, m, m.profile in below, offers.get(m.profile),
                      m.profile in presentable) for m in shown]


@dataclass(frozen=True)
class Suggestion:
    vacancy: Vacancy
    match: matching.Match


def vacancies_for_person(user: Any, profile: CompetenceProfile, day: date, *, limit: int = 20) -> list[Suggestion]:
    """The open vacancies of the user's area ranked for one job seeker."""
    home = homes_on([profile.person_id], day).get(profile.person_id, "")
    area_id = policy.employer_area_id(user)
    vacancies = list(vacancies_for(user).filter(status=VacancyStatus.OPEN))
    areas = {v.area_id for v in vacancies} if area_id is None else {area_id}
    municipalities = {a: _area_municipalities(a) for a in areas}
    by_id = {v.pk: v for v in vacancies}
    if area_id is None:
        ranked = matching.rank(matching.score(vacancy_spec(v), profile_spec(profile, home, municipalities[v.area_id]))
                               for v in vacancies)[:limit]
    else:
        spec = profile_spec(profile, home, municipalities[area_id])
        ranked = matching.best_vacancies(spec, (vacancy_spec(v) for v in vacancies), limit)
    return [Suggestion(by_id[m.vacancy], m) for m in ranked]


# --- the job agent's worklist ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerDue:
    employer: Employer
    last_contact: date | None


@dataclass(frozen=True)
class SubsidyEnding:
    decision: Decision
    ends_on: date


@dataclass(frozen=True)
class Worklist:
    months: int
    not_contacted: list[EmployerDue]
    open_needs: list[RecruitmentNeed]
    ending_subsidies: list[SubsidyEnding]
    offers_to_answer: list[JobOffer]
    outcomes_due: list[JobOffer]

    def person_ids(self) -> list[Any]:
        return [offer.person_id for offer in [*self.offers_to_answer, *self.outcomes_due]]


def decision_end(decision: Decision) -> date:
    return add_months(decision.start_date, decision.months) - timedelta(days=1)


def worklist(user: Any, day: date, *, months: int | None = None) -> Worklist:
    """Employers not contacted in ``months`` (default from the follow-up rules), open recruitment needs, wage
    subsidies ending soon, job offers past their response day, and outcomes due."""
    rules = follow_up_rules()
    months = months or rules.not_contacted_months
    since = add_months(day, -months)
    employers = employers_for(user).annotate(last_contact=Max("contacts__contacted_on"))
    due = [EmployerDue(e, e.last_contact) for e in
           employers.filter(Q(last_contact__isnull=True) | Q(last_contact__lt=since)).order_by("last_contact", "name")]
    needs = list(RecruitmentNeed.objects.filter(employer__in=employers_for(user), status=NeedStatus.OPEN)
                 .select_related("employer").order_by("noted_on"))
    decisions = Decision.objects.filter(kind=DecisionKind.WAGE_SUBSIDY, employer__in=employers_for(user),
                                        start_date__lte=day).select_related("employer")
    horizon = day + timedelta(days=rules.subsidy_ending_within_days)
    ending = sorted((SubsidyEnding(d, decision_end(d)) for d in decisions if day <= decision_end(d) <= horizon),
                    key=lambda s: s.ends_on)
    offers = JobOffer.objects.filter(vacancy__in=vacancies_for(user)).select_related("vacancy", "person")
    to_answer = list(offers.filter(response=OfferResponse.PENDING, respond_by__lte=day).order_by("respond_by"))
    follow_up = day - timedelta(days=rules.outcome_follow_up_days)
    outcomes = list(offers.filter(response=OfferResponse.ACCEPTED, offered_on__lte=follow_up,
                                  outcome__in=[OfferOutcome.OPEN, OfferOutcome.APPLIED, OfferOutcome.INTERVIEW])
                    .order_by("offered_on"))
    visible = in_matching_scope(user, [offer.person_id for offer in [*to_answer, *outcomes]])
    return Worklist(months, due, needs, ending, [o for o in to_answer if o.person_id in visible],
                    [o for o in outcomes if o.person_id in visible])


def in_matching_scope(user: Any, person_ids: list[Any]) -> set[Any]:
    """Which of ``person_ids`` are within ``user``'s matching scope (the scope is tested for those persons only)."""
    if not person_ids:
        return set()
    return set(policy.match_candidates_in_scope(user).filter(pk__in=person_ids).values_list("pk", flat=True))


# --- figures -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM (the chart's data)
    offers: int
    binding: int
    hired: int
    decided: int
    contacts: int

    @property
    def start(self) -> date:
        """The month's first day (the table shows the month in the reader's language)."""
        return date(int(self.month[:4]), int(self.month[5:7]), 1)


@dataclass(frozen=True)
class Figures:
    months: list[MonthFigures]
    offers: int
    hired: int
    decided: int
    job_seekers: int
    with_profile: int
    subsidised_by_sector: dict[str, int]

    @property
    def hired_share(self) -> float | None:
        return self.hired / self.decided if self.decided else None

    @property
    def coverage(self) -> float | None:
        return self.with_profile / self.job_seekers if self.job_seekers else None


SECTORS: dict[str, str] = {  # the employer kinds that Sotkamo's indicator groups
    EmployerKind.COMPANY: "company", EmployerKind.MUNICIPALITY: "municipality", EmployerKind.ASSOCIATION: "third_sector",
    EmployerKind.FOUNDATION: "third_sector", EmployerKind.RELIGIOUS_COMMUNITY: "third_sector",
    EmployerKind.OTHER: "other",
}


COVERAGE_CACHE_SECONDS = 600


def profile_coverage(area_id: int | None, day: date) -> tuple[int, int]:
    """(job seekers with a job search open on ``day`` who live in the area, how many of them have a profile).

    Counting the area's job seekers reads tens of thousands of rows (seconds on SQLite), so the pair is kept in the
    shared cache for ten minutes per area and day; an import clears the cache, a new profile starts a new generation
    of keys.
    """
    generation = precomputed.named_generation(precomputed.RECORDED_FACTS)  # a new profile moves it on
    key = f"employer_services:coverage:{generation}:{area_id}:{day.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cast(tuple[int, int], tuple(cached))
    seekers = open_job_search_ids(day)
    if area_id is not None:  # living in the area on the day, as the access policy places persons in an area
        seekers &= set(homes_in(policy.area_municipality_codes(area_id), day).values_list("person_id", flat=True))
    with_profile = sum(1 for pid in CompetenceProfile.objects.values_list("person_id", flat=True) if pid in seekers)
    result = (len(seekers), with_profile)
    cache.set(key, list(result), COVERAGE_CACHE_SECONDS)
    return result


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def figures(user: Any, day: date, *, months: int = 12) -> Figures:
    """Offers per month (binding ones too), how many led to work among those with a decided outcome, employer
    contacts per month, the coverage of competence profiles among the area's active job seekers, and wage-subsidised
    jobs by employer sector, over the last ``months`` months."""
    first = add_months(date(day.year, day.month, 1), -(months - 1))
    labels = [_month(add_months(first, i)) for i in range(months)]
    area_id = policy.employer_area_id(user)
    offers = JobOffer.objects.filter(offered_on__gte=first, offered_on__lte=day)
    contacts_qs = employers_for(user).filter(contacts__contacted_on__gte=first, contacts__contacted_on__lte=day)
    if area_id is not None:
        offers = offers.filter(vacancy__area_id=area_id)
    rows = list(offers.values_list("offered_on", "binding", "outcome"))
    by = Counter(_month(d) for d, _, _ in rows)
    binding = Counter(_month(d) for d, b, _ in rows if b)
    hired = Counter(_month(d) for d, _, o in rows if o == OfferOutcome.HIRED)
    decided = Counter(_month(d) for d, _, o in rows if o in CONCLUDED_OUTCOMES)
    contacts = Counter(_month(d) for d in contacts_qs.values_list("contacts__contacted_on", flat=True))
    month_rows = [MonthFigures(m, by[m], binding[m], hired[m], decided[m], contacts[m]) for m in labels]
    job_seekers, with_profile = profile_coverage(area_id, day)
    subsidies = Decision.objects.filter(kind=DecisionKind.WAGE_SUBSIDY, decided_on__gte=first, decided_on__lte=day,
                                        employer__in=employers_for(user)).values_list("employer__kind", flat=True)
    sectors = Counter(SECTORS.get(kind, "other") for kind in subsidies)
    return Figures(month_rows, len(rows), sum(hired.values()), sum(decided.values()), job_seekers, with_profile,
                   {key: sectors.get(key, 0) for key in ("company", "municipality", "third_sector", "other")})


@dataclass(frozen=True)
class Placements:
    """Wage subsidies whose follow-up day (``follow_up_days`` after the subsidy ended) fell in the period, and how
    many of those persons were working on it, in all and by the employer's sector."""

    follow_up_days: int
    ended: int
    working: int
    by_sector: dict[str, tuple[int, int]]  # sector → (ended, working)

    @property
    def share(self) -> float | None:
        return self.working / self.ended if self.ended else None


@dataclass(frozen=True)
class SubsidyYear:
    """One year and kind of an employer's subsidy decisions: how many, and the euros committed (a month's euros ×
    months). The employer's own history, so no persons: what is paid to the employer, not who was employed."""

    year: int
    kind: str
    decisions: int
    euros: Decimal


def subsidy_history(employer: Employer) -> list[SubsidyYear]:
    """The employer's subsidy decisions (wage subsidy, kuntalisä) by year of decision and kind, newest first."""
    rows = Decision.objects.filter(employer=employer).values_list("decided_on", "kind", "monthly_amount", "months")
    grouped: dict[tuple[int, str], tuple[int, Decimal]] = {}
    for decided_on, kind, monthly, months in rows:
        count, euros = grouped.get((decided_on.year, kind), (0, Decimal(0)))
        grouped[(decided_on.year, kind)] = (count + 1, euros + monthly * months)
    return [SubsidyYear(year, kind, count, euros)
            for (year, kind), (count, euros) in sorted(grouped.items(), key=lambda i: (-i[0][0], i[0][1]))]


def placements_after_subsidy(user: Any, day: date, *, months: int = 12, employer: Employer | None = None) -> Placements:
    """Placements after a wage subsidy (Sotkamo's indicator): of the persons whose subsidised job ended, those working
    (the status vocabulary's ``working`` class, from their status spells) ``placement_follow_up_days`` after it ended,
    for the follow-up days in the last ``months`` months up to ``day`` (of one ``employer``'s subsidies when given).

    A subsidy granted in pieces (6 + 6 months) is one subsidised job: a person's decisions that follow each other
    without a gap are merged and followed up from the last one's end, with its employer's sector; each person counts
    once (their latest follow-up in the period)."""
    follow_up = follow_up_rules().placement_follow_up_days
    first = add_months(date(day.year, day.month, 1), -(months - 1))
    decisions = Decision.objects.filter(kind=DecisionKind.WAGE_SUBSIDY, employer__in=employers_for(user),
                                        start_date__lte=day).select_related("employer").order_by("person_id",
                                                                                                  "start_date")
    if employer is not None:  # one employer's record
        decisions = decisions.filter(employer=employer)
    jobs: dict[Any, list[tuple[date, str]]] = {}  # person → [(end of a subsidised job, sector)]
    for decision in decisions:
        ends = jobs.setdefault(decision.person_id, [])
        end, sector = decision_end(decision), SECTORS.get(decision.employer.kind if decision.employer else "", "other")
        if ends and decision.start_date <= ends[-1][0] + timedelta(days=1):  # continues the previous piece
            ends[-1] = (max(end, ends[-1][0]), sector)
        else:
            ends.append((end, sector))
    looked_at: dict[Any, tuple[date, str]] = {}
    for person_id, ends in jobs.items():
        for end, sector in ends:
            on = end + timedelta(days=follow_up)
            if first <= on <= day:
                looked_at[person_id] = (on, sector)  # the latest in the period
    working_statuses = status_vocabulary().statuses("working")
    spells = current(StatusSpell.objects.filter(person_id__in=list(looked_at))).values_list(
        "person_id", "status", "start_date", "end_date")
    by_person: dict[Any, list[tuple[str, date, date | None]]] = {}
    for person_id, status, start, end in spells:
        by_person.setdefault(person_id, []).append((status, start, end))
    ended: Counter[str] = Counter()
    working: Counter[str] = Counter()
    for person_id, (on, sector) in looked_at.items():
        ended[sector] += 1
        if any(status in working_statuses and start <= on and (end is None or end >= on)
               for status, start, end in by_person.get(person_id, [])):
            working[sector] += 1
    return Placements(follow_up, sum(ended.values()), sum(working.values()),
                      {key: (ended[key], working[key]) for key in ("company", "municipality", "third_sector", "other")})
