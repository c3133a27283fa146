"""A Kuopio initial-service team with two counsellors, a client registered ten working days ago, and a client
of another team who must never show up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from polku.access.models import Role, StaffProfile
from polku.casework import services as casework
from polku.people.models import Person
from polku.timeline import services

PASSWORD = "salasana-123"


@dataclass(frozen=True)
class Office:
    counsellor: StaffProfile
    colleague: StaffProfile
    other_team: StaffProfile
    manager: StaffProfile
    elected: StaffProfile
    client: Person
    outsider: Person
    registered_on: date


def unemployed_client(make_person: Callable[..., Person], *, team_id: int | None, registered_on: date,
                      last_name: str = "Asiakas") -> Person:
    person = make_person(first_names="Aino", last_name=last_name, municipality="297", since=date(2015, 1, 1),
                         team_id=team_id)
    services.status_spell_record(person=person, status="unemployed", start_date=registered_on)
    services.job_search_open(person=person, registered_on=registered_on)
    return person


@pytest.fixture
def office(make_staff: Callable[..., StaffProfile], make_person: Callable[..., Person]) -> Office:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    colleague = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    other_team = make_staff(Role.COUNSELLOR, area="kuopio", team="Nuoret")
    registered_on = timezone.localdate() - timedelta(days=14)
    client = unemployed_client(make_person, team_id=counsellor.team_id, registered_on=registered_on)
    outsider = unemployed_client(make_person, team_id=other_team.team_id, registered_on=registered_on, last_name="Muu")
    casework.assign(person=client, counsellor=counsellor.user, valid_from=registered_on)
    casework.assign(person=outsider, counsellor=other_team.user, valid_from=registered_on)
    return Office(counsellor=counsellor, colleague=colleague, other_team=other_team,
                  manager=make_staff(Role.MANAGER, area="kuopio"), elected=make_staff(Role.ELECTED_OFFICIAL, area="kuopio"),
                  client=client, outsider=outsider, registered_on=registered_on)
