"""Fixtures for the page tests: staff in a team, and a person with a rich timeline built through the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from polku.access.models import Role, StaffProfile
from polku.people import personal_id
from polku.people.models import Education, Language, Person
from polku.timeline import services
from tests.conftest import next_artificial_id

PASSWORD = "salasana-123"  # make_staff's password


@dataclass(frozen=True)
class RichPerson:
    person: Person
    code: str  # the full identity code: must never appear in a page or URL

    @property
    def masked(self) -> str:
        return personal_id.mask(self.code)


def build_rich_person(*, team_id: int | None, first_names: str = "Aino Maria", last_name: str = "Virtanen",
                      code: str | None = None) -> RichPerson:
    """Sotkamo → Kuopio move, unemployment, a work trial and training, a job search ended in a job, benefits."""
    code = code or next_artificial_id(date(1990, 3, 15))
    person = services.person_create(personal_id_code=code, first_names=first_names, last_name=last_name,
                                    language=Language.SWEDISH, education=Education.TERTIARY_LOWER, team_id=team_id)
    services.home_municipality_record(person=person, municipality_code="765", start_date=date(2019, 1, 1),
                                      end_date=date(2023, 5, 31))
    services.home_municipality_record(person=person, municipality_code="297", start_date=date(2023, 6, 1))
    for status, start, end, service in (
        ("unemployed", date(2022, 1, 10), date(2022, 4, 30), None),
        ("in_service", date(2022, 5, 1), date(2022, 8, 31), "work_trial"),
        ("unemployed", date(2022, 9, 1), date(2023, 2, 28), None),
        ("in_service", date(2023, 3, 1), date(2023, 9, 30), "labour_market_training"),
        ("employed", date(2023, 10, 1), None, None),
    ):
        services.status_spell_record(person=person, status=status, start_date=start, end_date=end, service_type=service)
    period = services.job_search_open(person=person, registered_on=date(2022, 1, 10))
    services.job_search_end(period=period, ended_on=date(2023, 9, 30), end_reason="open_market_job")
    daily = Decimal("37.21")
    for month, days, basis in (
        (date(2022, 1, 1), 15, "unemployment"), (date(2022, 2, 1), 20, "unemployment"),
        (date(2022, 3, 1), 23, "unemployment"), (date(2022, 4, 1), 19, "unemployment"),
        (date(2022, 5, 1), 21, "service"), (date(2022, 6, 1), 22, "service"),
        (date(2022, 9, 1), 22, "unemployment"), (date(2022, 10, 1), 21, "unemployment"),
        (date(2023, 3, 1), 23, "service"), (date(2023, 4, 1), 20, "service"),
    ):
        services.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=days,
                                      amount=daily * days, basis=basis)
    return RichPerson(person=person, code=code)


@dataclass(frozen=True)
class Scene:
    """A Kuopio youth team with its counsellor and client, and people who must not see the client."""

    counsellor: StaffProfile
    other_team_counsellor: StaffProfile
    manager: StaffProfile
    other_area_manager: StaffProfile
    elected_official: StaffProfile
    dpo: StaffProfile
    client: RichPerson
    other_client: Person


@pytest.fixture
def scene(make_staff: Callable[..., StaffProfile], make_person: Callable[..., Person]) -> Scene:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Nuoret")
    other = make_staff(Role.COUNSELLOR, area="kuopio", team="Maahanmuuttajat")
    client = build_rich_person(team_id=counsellor.team_id)
    other_client = make_person(first_names="Olli", last_name="Ulkopuolinen", municipality="297", team_id=other.team_id)
    return Scene(
        counsellor=counsellor,
        other_team_counsellor=other,
        manager=make_staff(Role.MANAGER, area="kuopio"),
        other_area_manager=make_staff(Role.MANAGER, area="kainuu-trial"),
        elected_official=make_staff(Role.ELECTED_OFFICIAL, area="kuopio"),
        dpo=make_staff(Role.DPO, area=None),
        client=client,
        other_client=other_client,
    )


def login(client: Any, profile: StaffProfile) -> None:
    client.force_login(profile.user)  # the login form itself, with its lockout, is tested in tests/access
