"""A Kuopio youth team with a client and a work-trial offering; a Kainuu counsellor with a Sotkamo client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from polku.access.models import Role, StaffProfile
from polku.people.models import Person
from polku.provision import services
from polku.provision.models import ServiceOffering, ServiceProvider


@dataclass(frozen=True)
class Scene:
    counsellor: StaffProfile
    other_area_manager: StaffProfile
    client: Person
    provider: ServiceProvider
    offering: ServiceOffering


@pytest.fixture
def scene(make_staff: Callable[..., StaffProfile], make_person: Callable[..., Person]) -> Scene:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Nuoret")
    client = make_person(first_names="Aino", last_name="Asiakas", municipality="297", team_id=counsellor.team_id)
    provider = services.provider_create(name="Kuopion Työpaja ry", kind="third_sector", area_code="kuopio",
                                        business_id="15728600")
    offering = services.offering_create(provider=provider, service_type="work_trial", name="Työkokeilu, puutyö",
                                        capacity=2, available_from=date(2026, 1, 1), available_to=date(2026, 12, 31))
    return Scene(counsellor=counsellor, other_area_manager=make_staff(Role.MANAGER, area="kainuu"), client=client,
                 provider=provider, offering=offering)


@pytest.fixture
def team_client(scene: Scene, make_person: Callable[..., Person]) -> Callable[[], Person]:
    """Another client of the Kuopio counsellor's team."""
    return lambda: make_person(municipality="297", team_id=scene.counsellor.team_id)
