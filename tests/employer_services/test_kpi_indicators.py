"""The employer services' indicators in the KPI engines: job offers, offers leading to work, competence profile
coverage (Mikkeli's indicator) and employer contacts. Hand-stated values, and the same measure table from the
database in use, DuckDB over a Parquet snapshot, and the pure-Python reference."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from polku.employer_services import services
from polku.employer_services.models import CompetenceProfile, JobOffer
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import Request
from polku.kpi.reference_evaluator import (
    ContactFact,
    HomeFact,
    KpiPerson,
    OfferFact,
    ProfileFact,
    SearchFact,
    reference_measure_table,
)
from polku.kpi.relations import shipped_vocabulary
from polku.kpi.selectors import database_backend, duckdb_parquet_backend, indicator_values, scope_for
from polku.people.models import Person

from .conftest import TODAY, Scene, job_seeker

pytestmark = pytest.mark.django_db
CODES = ("job_offers", "job_offers_to_work_share", "competence_profile_coverage", "employer_contacts")
MONTHS = (date(2026, 2, 1), date(2026, 3, 1), date(2026, 6, 1), date(2026, 7, 1))
WRITTEN = {"Lauri": datetime(2026, 3, 10, 8, tzinfo=UTC), "Ulla": datetime(2026, 6, 15, 8, tzinfo=UTC),
           "Kaisa": datetime(2026, 2, 2, 8, tzinfo=UTC)}


class Facts:
    def __init__(self) -> None:
        self.persons: list[KpiPerson] = []
        self.offers: list[OfferFact] = []
        self.profiles: list[ProfileFact] = []
        self.contacts: list[ContactFact] = []


@pytest.fixture
def facts(scene: Scene, make_person: Callable[..., Person]) -> Facts:
    """Kuopio (297): Lauri (profile from 10.3.), Ulla (from 15.6.) and Veikko (none), all searching since 5.1.2026;
    Sotkamo (765): Kaisa (profile from 2.2.). Four offers in Kuopio, three contacts with its employer."""
    out = Facts()
    veikko = job_seeker(make_person, name="Veikko", municipality="297", team_id=scene.counsellor.team_id)
    homes = ((scene.licensed, "297"), (scene.unlicensed, "297"), (scene.outsider, "765"), (veikko, "297"))
    for person, home in homes:  # make_person's homes begin on 1.1.2020
        out.persons.append(KpiPerson(str(person.pk), person.birth_date, homes=[HomeFact(date(2020, 1, 1), None, home)],
                                     searches=[SearchFact(date(2026, 1, 5))]))
        written = WRITTEN.get(person.first_names)
        if written is not None:
            CompetenceProfile.objects.filter(person=person).update(created_at=written)
            out.profiles.append(ProfileFact(str(person.pk), written))
    counsellor = scene.counsellor.user
    spring, summer = (services.vacancy_create(actor=counsellor, employer=scene.employer, data=services.VacancyInput(
        title=title, municipality_code="297")) for title in ("Trukinkuljettaja", "Varastotyöntekijä"))
    plan = [  # vacancy, person, offered on, binding, outcome, outcome on
        (spring, scene.licensed, date(2026, 3, 2), True, "hired", date(2026, 3, 20)),
        (spring, scene.unlicensed, date(2026, 3, 5), False, "not_hired", date(2026, 3, 25)),
        (summer, veikko, date(2026, 6, 1), True, "open", None),
        (summer, scene.unlicensed, date(2026, 6, 10), False, "hired", date(2026, 7, 1)),
        (summer, scene.licensed, date(2026, 6, 12), False, "interview", date(2026, 6, 20)),  # still under way
    ]
    for vacancy, person, offered_on, binding, outcome, outcome_on in plan:
        offer = services.offer_send(actor=counsellor, vacancy=vacancy, person=person, binding=binding,
                                    offered_on=offered_on)
        if outcome != "open":
            offer = services.offer_record(actor=counsellor, offer=offer, response="accepted", outcome=outcome,
                                          outcome_on=outcome_on, today=TODAY)
        out.offers.append(OfferFact(str(person.pk), offered_on, binding, offer.outcome, offer.outcome_on))
    for kind, day in (("visit", date(2026, 3, 3)), ("call", date(2026, 3, 15)), ("call", date(2026, 6, 20))):
        services.contact_record(actor=scene.job_agent.user, employer=scene.employer, kind=kind, contacted_on=day,
                                today=TODAY)
        out.contacts.append(ContactFact("297", day, kind))
    return out


def _values(code: str, municipality: str = "297", *, by_year: bool = False) -> dict[str, Decimal | None]:
    definition = shipped_definitions().get(code)
    return {v.period: v.value for v in indicator_values(definition, scope_for(municipality), MONTHS[0], MONTHS[-1],
                                                         by_year=by_year)}


def test_golden_values(facts: Facts) -> None:
    offers = _values("job_offers")
    assert (offers["2026-02"], offers["2026-03"], offers["2026-06"], offers["2026-07"]) == (0, 2, 3, 0)
    to_work = _values("job_offers_to_work_share")
    # March: one of two concluded offers led to work; June: the open offer and the one at interview are left out,
    # the other led to work.
    assert (to_work["2026-03"], to_work["2026-06"]) == (Decimal(50), Decimal(100))
    assert to_work["2026-02"] is None
    coverage = _values("competence_profile_coverage")
    # Kuopio's three job seekers: none with a profile at the end of February, Lauri's in March, Ulla's too in June.
    assert coverage["2026-02"] == 0
    assert round(coverage["2026-03"] or 0, 1) == Decimal("33.3")
    assert round(coverage["2026-06"] or 0, 1) == Decimal("66.7")
    assert _values("competence_profile_coverage", "765")["2026-02"] == Decimal(100)  # Kaisa's from 2.2.
    contacts = _values("employer_contacts")
    assert (contacts["2026-03"], contacts["2026-06"]) == (2, 1)
    assert _values("employer_contacts", by_year=True) == {"2026": 3}
    assert _values("job_offers", "765", by_year=True) == {"2026": 0}


def test_same_measure_table_on_every_engine(facts: Facts, tmp_path: Path) -> None:
    book = shipped_definitions()
    request = Request(tuple(book.get(c) for c in CODES), MONTHS, date(2026, 11, 30), None, None)
    database = database_backend().measure_table(request)
    reference = reference_measure_table(request, facts.persons, shipped_vocabulary(), offers=facts.offers,
                                        profiles=facts.profiles, contacts=facts.contacts)
    from polku.kpi.snapshot import export_parquet

    export_parquet(tmp_path)
    with duckdb.connect() as connection:
        parquet = duckdb_parquet_backend(connection, tmp_path, shipped_vocabulary()).measure_table(request)
    assert database == reference == parquet
    # The persons behind the figures: two offers in March to two persons; no person behind a contact.
    offers = book.get("job_offers").numerator.key
    contacts = book.get("employer_contacts").numerator.key
    assert database[(offers, date(2026, 3, 1), "297", "")] == (Decimal(2), 2)
    assert database[(contacts, date(2026, 3, 1), "297", "")] == (Decimal(2), 0)


def test_as_of_counts_what_was_known_then(facts: Facts) -> None:
    """As known on 1 July 2026 nothing had been recorded yet (the offers, profiles and contacts were entered today);
    an outcome dated, or recorded, after the moment asked about is still open."""
    book = shipped_definitions()
    for code in ("job_offers", "employer_contacts", "competence_profile_coverage"):
        early = indicator_values(book.get(code), scope_for("297"), date(2026, 3, 1), date(2026, 6, 1),
                                 as_of=date(2026, 7, 1))
        assert {v.numerator for v in early} == {Decimal(0)}, code
    share = book.get("job_offers_to_work_share")
    concluded, hired = share.denominator, share.numerator
    assert concluded is not None
    now = datetime.now(UTC)
    month = (date(2026, 6, 1), "297", "")
    table = database_backend().measure_table(Request((share,), (month[0],), date(2026, 11, 30), None, None,
                                                     known_at=now))
    assert (table[(concluded.key, *month)][0], table[(hired.key, *month)][0]) == (1, 1)
    before = database_backend().measure_table(Request((share,), (month[0],), date(2026, 11, 30), None, None,
                                                      known_at=now - timedelta(minutes=5)))
    assert (concluded.key, *month) not in before  # the outcome was recorded after that moment: still open
    JobOffer.objects.filter(outcome_on=date(2026, 7, 1)).update(outcome_on=date(2099, 1, 1))
    later = database_backend().measure_table(Request((share,), (month[0],), date(2026, 11, 30), None, None,
                                                     known_at=datetime.now(UTC)))
    assert (concluded.key, *month) not in later  # the hired outcome is dated later: still open


def test_a_cached_figure_counts_a_contact_recorded_after_it(facts: Facts, scene: Scene, make_staff: Callable[..., Any],
                                                           memory_cache: None,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    """The indicator page caches its figures; an employer contact (or offer, or new profile) recorded afterwards is
    counted on the next load, while a figure as of a past day stays as it was."""
    from polku.access.models import Role
    from polku.kpi.presenters import user_payload

    analyst = make_staff(Role.ANALYST, area="kuopio").user

    def june(**extra: Any) -> Any:
        payload = user_payload(analyst, indicator="employer_contacts", scope="297", first_month="2026-06",
                               last_month="2026-06", **extra)
        return payload["values"][0]["value"]

    assert Decimal(june()) == 1
    as_of = june(as_of="2026-11-01")
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_record(actor=scene.job_agent.user, employer=scene.employer, kind="visit",
                                contacted_on=date(2026, 6, 25), today=TODAY)
    assert Decimal(june()) == 2
    assert june(as_of="2026-11-01") == as_of
