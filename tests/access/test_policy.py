"""Scoping of person-level data by role, area and team; elected officials see none."""

from __future__ import annotations

from datetime import date

import pytest

from polku.access import policy
from polku.access.models import AccessAction, AccessLog, Role, Team
from polku.access.services import log_person_reads
from polku.core.errors import AccessDenied
from polku.reference.models import EmploymentArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_person):
    kuopio = make_person(municipality="297")
    siilinjarvi = make_person(municipality="749")
    moved_away = make_person(municipality="297", since=date(2019, 1, 1))
    from polku.timeline import services
    from polku.timeline.models import HomeMunicipalitySpell

    old = HomeMunicipalitySpell.objects.get(person=moved_away)
    services.home_municipality_record(person=moved_away, municipality_code="297", start_date=date(2019, 1, 1),
                                      end_date=date(2023, 12, 31), corrects=old, reason="muutti")
    services.home_municipality_record(person=moved_away, municipality_code="091", start_date=date(2024, 1, 1))
    return {"kuopio": kuopio, "siilinjarvi": siilinjarvi, "moved_away": moved_away}


def visible(profile) -> set:
    return set(policy.persons_visible_to(profile.user).values_list("pk", flat=True))


def test_area_roles_see_their_area_by_current_home(people, make_staff) -> None:
    manager = make_staff(Role.MANAGER, area="kuopio")
    assert visible(manager) == {people["kuopio"].pk, people["siilinjarvi"].pk}
    analyst = make_staff(Role.ANALYST, area="kainuu-trial")
    assert visible(analyst) == set()


def test_team_scope(people, make_staff) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Nuoret")
    assert visible(counsellor) == set()
    team = Team.objects.get(name="Nuoret")
    people["kuopio"].team = team
    people["kuopio"].save()
    assert visible(counsellor) == {people["kuopio"].pk}
    policy.require_person_access(counsellor.user, people["kuopio"])
    with pytest.raises(AccessDenied):
        policy.require_person_access(counsellor.user, people["siilinjarvi"])


def test_counsellor_without_team_sees_own_clients_only(people, make_staff) -> None:
    """Need to know (issue 19): no longer the whole area — the clients assigned to them, while in the area."""
    from django.utils import timezone

    from polku.casework.models import CaseAssignment

    counsellor = make_staff(Role.COUNSELLOR, area="kuopio")
    assert visible(counsellor) == set()
    for person in (people["kuopio"], people["moved_away"]):
        CaseAssignment.objects.create(person=person, counsellor=counsellor.user, valid_from=date(2025, 1, 1),
                                      started_at=timezone.now())
    assert visible(counsellor) == {people["kuopio"].pk}


def test_elected_official_never_sees_persons(people, make_staff) -> None:
    official = make_staff(Role.ELECTED_OFFICIAL, area="kuopio")
    assert visible(official) == set()
    assert not policy.can_see_person_level_data(official.user)
    with pytest.raises(AccessDenied):
        policy.require_person_access(official.user, people["kuopio"])


def test_dpo_and_admin_see_everyone_and_only_writers_write(people, make_staff) -> None:
    dpo = make_staff(Role.DPO, area=None)
    assert visible(dpo) == {p.pk for p in people.values()}
    assert not policy.can_write_person_data(dpo.user)
    with pytest.raises(AccessDenied):
        policy.require_write_access(dpo.user, people["kuopio"])
    admin = make_staff(Role.ADMIN, area=None)
    policy.require_write_access(admin.user, people["kuopio"])


def test_anonymous_sees_nothing(people) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not policy.persons_visible_to(AnonymousUser()).exists()


def test_access_log_rows(people, make_staff) -> None:
    manager = make_staff(Role.MANAGER, area="kuopio")
    written = log_person_reads(user=manager.user, person_ids=[people["kuopio"].pk, people["kuopio"].pk,
                                                              people["siilinjarvi"].pk],
                               action=AccessAction.PERSON_TIMELINE, purpose="asiakastyö")
    assert written == 2
    rows = AccessLog.objects.filter(action=AccessAction.PERSON_TIMELINE)
    assert {r.person_id for r in rows} == {people["kuopio"].pk, people["siilinjarvi"].pk}
    assert {r.actor for r in rows} == {manager.user.username}


def test_areas_shipped() -> None:
    kuopio = EmploymentArea.objects.get(code="kuopio")
    assert kuopio.memberships.count() == 11
    trial = EmploymentArea.objects.get(code="kainuu-trial")
    assert "620" not in {m.municipality_id for m in trial.memberships.all()}  # Puolanka stayed out
    assert trial.memberships.count() == 7


def test_team_loses_access_when_client_moves_out_of_area(people, make_staff) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    team = Team.objects.get(name="Alkupalvelu")
    for person in people.values():
        person.team = team
        person.save()
    # moved_away lives in Helsinki now: still on the team, but outside the area.
    assert visible(counsellor) == {people["kuopio"].pk, people["siilinjarvi"].pk}


def test_area_membership_must_be_valid_today(make_person, make_staff) -> None:
    make_person(municipality="765")
    trial = make_staff(Role.MANAGER, area="kainuu-trial")  # the trial ended 31.12.2024
    assert visible(trial) == set()
    kainuu = make_staff(Role.MANAGER, area="kainuu")
    assert len(visible(kainuu)) == 1


def test_recording_outside_the_area_refused(make_staff) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio")
    policy.require_municipality_in_scope(counsellor.user, "749")
    with pytest.raises(AccessDenied):
        policy.require_municipality_in_scope(counsellor.user, "091")
    policy.require_municipality_in_scope(make_staff(Role.ADMIN, area=None).user, "091")
