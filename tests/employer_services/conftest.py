"""The Kuopio area's employer services: a job agent, a counsellor with two clients who have competence profiles and
an open job search, an employer with a vacancy; a Kainuu counsellor with a client of their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from polku.access.models import Role, StaffProfile
from polku.employer_services import services
from polku.employer_services.esco import catalogue
from polku.people.models import Person
from polku.provision.models import Employer
from polku.timeline import services as timeline

TODAY = date(2026, 11, 20)


def uri(english: str) -> str:
    """The ESCO URI of a skill or occupation in the subset, by its English label."""
    table = catalogue()
    return next(c.code for c in [*table.skills.values(), *table.occupations.values()] if c.labels["en"] == english)


@dataclass(frozen=True)
class Scene:
    job_agent: StaffProfile
    counsellor: StaffProfile
    kainuu_counsellor: StaffProfile
    licensed: Person
    unlicensed: Person
    outsider: Person
    employer: Employer


def job_seeker(make_person: Callable[..., Person], *, name: str, municipality: str, team_id: int | None) -> Person:
    person = make_person(first_names=name, last_name="Osaaja", municipality=municipality, team_id=team_id)
    timeline.job_search_open(person=person, registered_on=date(2026, 1, 5))
    return person


@pytest.fixture
def scene(make_staff: Callable[..., StaffProfile], make_person: Callable[..., Person]) -> Scene:
    job_agent = make_staff(Role.JOB_AGENT, area="kuopio")
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Nuoret")
    kainuu = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo")
    licensed = job_seeker(make_person, name="Lauri", municipality="297", team_id=counsellor.team_id)
    unlicensed = job_seeker(make_person, name="Ulla", municipality="297", team_id=counsellor.team_id)
    outsider = job_seeker(make_person, name="Kaisa", municipality="765", team_id=kainuu.team_id)
    operator = uri("forklift operator")
    services.profile_save(actor=counsellor.user, person=licensed, data=services.ProfileInput(
        occupations=(operator,), skills=(uri("operate forklift"),), licences=("forklift_training",),
        languages=({"code": "fi", "level": 7},)))
    # Ulla has every skill the vacancy asks but not the forklift card.
    services.profile_save(actor=counsellor.user, person=unlicensed, data=services.ProfileInput(
        occupations=(operator,), skills=(uri("operate forklift"), uri("perform loading and unloading operations"),
                                         uri("pick orders for dispatching")),
        languages=({"code": "fi", "level": 7},), education_level=3))
    services.profile_save(actor=kainuu.user, person=outsider, data=services.ProfileInput(
        occupations=(operator,), skills=(uri("operate forklift"),), licences=("forklift_training",)))
    employer = services.employer_register(
        actor=job_agent.user, name="Savon Logistiikka Oy", business_id="1572860-0", kind="company",
        municipality_code="297", details=services.EmployerDetails(industry="H", size="small", consent_to_contact=True),
        today=TODAY)
    return Scene(job_agent, counsellor, kainuu, licensed, unlicensed, outsider, employer)
