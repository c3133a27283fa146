""""May this user read this person?" through SQL kept per reach and day (``policy._reaches``, a
``core.prepared.PersonCheck``) answers as the scope's query of persons does, for every staff member and person of a
simulated area with case work — also after the facts it reads change — and a check that cannot be kept is refused."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from polku.access import policy
from polku.access.models import Role, StaffProfile
from polku.casework.demo import TeamPlan, simulate_casework
from polku.casework.models import CaseAssignment
from polku.core.prepared import PersonCheck
from polku.people.models import Person
from polku.simulator.writers import simulate_into_database
from polku.timeline import services
from polku.timeline.models import HomeMunicipalitySpell

pytestmark = pytest.mark.django_db


def _disagreements(users: list[Any], persons: list[uuid.UUID]) -> list[tuple[str, uuid.UUID]]:
    wrong = []
    for user in users:
        for capability in (policy.Capability.VIEW_PERSONS, policy.Capability.MATCH_CANDIDATES):
            scope = policy.scope_of(user, capability)
            if scope in (None, policy.Scope.SELF, policy.Scope.AGGREGATES):
                continue
            reach = policy.reach_of(user, scope)
            visible = set(policy.persons_in_scope(user, scope).filter(pk__in=persons).values_list("pk", flat=True))
            wrong += [(user.username, person) for person in persons
                      if policy._reaches(reach, person) != (person in visible)]
            shape = (reach, timezone.localdate())
            wrong += [(user.username, person) for person in persons[:40]
                      if policy._IN_REACH.queryset(shape, person).exists() != (person in visible)]
    return wrong


def test_the_kept_check_answers_as_the_scope_query(make_staff: Any) -> None:
    simulate_into_database("sotkamo-2021", seed=8, persons=150, progress=False)
    simulate_casework("kainuu", municipalities=["765"], team_plan=TeamPlan(), fresh=5)
    make_staff(Role.MANAGER, area="kainuu")
    make_staff(Role.ADMIN, area=None)
    make_staff(Role.COUNSELLOR, area="kainuu")  # no team: own clients only (none)
    make_staff(Role.MANAGER, area="kuopio")  # another area
    make_staff(Role.ELECTED_OFFICIAL, area="kainuu")  # aggregates only: no person
    users = [profile.user for profile in StaffProfile.objects.select_related("user", "team").order_by("pk")]
    persons = [*Person.objects.order_by("pk").values_list("pk", flat=True), uuid.uuid4()]
    assert _disagreements(users, persons) == []
    counsellors = [user for user in users if user.staff_profile.role == Role.COUNSELLOR and user.staff_profile.team]
    reached = {user.username: sum(policy._reaches(policy.reach_of(user, policy.Scope.TEAM), p) for p in persons)
               for user in counsellors}
    assert counsellors, "no counsellor with a team"
    assert all(reached.values()), "the comparison reached no one"

    # The facts change; the kept SQL reads them as they are now.
    assignment = CaseAssignment.objects.filter(ended_at__isnull=True).select_related("person").first()
    assert assignment is not None
    assignment.ended_at = timezone.now()
    assignment.save()
    Person.objects.filter(pk=assignment.person_id).update(team=None)
    moved = Person.objects.exclude(pk=assignment.person_id).filter(team__isnull=False).first()
    assert moved is not None
    home = HomeMunicipalitySpell.objects.current().get(person=moved, end_date__isnull=True)
    services.home_municipality_record(person=moved, municipality_code=home.municipality_id,
                                      start_date=home.start_date, end_date=date(2025, 12, 31), corrects=home,
                                      reason="muutti")
    services.home_municipality_record(person=moved, municipality_code="091", start_date=date(2026, 1, 1))
    assert _disagreements(users, persons) == []


def test_a_team_change_is_a_new_reach(make_staff: Any, make_person: Any) -> None:
    person = make_person(municipality="297")
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Nuoret")
    other = make_staff(Role.COUNSELLOR, area="kuopio", team="Aikuiset")
    Person.objects.filter(pk=person.pk).update(team=counsellor.team)
    user = get_user_model().objects.get(pk=counsellor.user.pk)
    assert policy.allows(user, policy.Capability.VIEW_PERSONS, person)
    StaffProfile.objects.filter(pk=counsellor.pk).update(team=other.team)
    user = get_user_model().objects.get(pk=counsellor.user.pk)  # a new request: the profile read again
    assert not policy.allows(user, policy.Capability.VIEW_PERSONS, person)


def test_the_kept_shapes_are_bounded_and_answer_after_they_are_dropped(make_staff: Any, make_person: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PersonCheck, "KEEP", 1)
    check = policy._IN_REACH
    check._plans.clear()
    person = make_person(municipality="297")
    managers = [make_staff(Role.MANAGER, area=area).user for area in ("kuopio", "kainuu", "kuopio", "kainuu")]
    for _round in range(2):
        assert [policy.allows(m, policy.Capability.VIEW_PERSONS, person) for m in managers] == [True, False] * 2
    # Each answer above was given after the other area's SQL had pushed its own out (one kept): made again, right.
    assert [len(kept) for kept in check._plans.values()] == [1]


@pytest.mark.parametrize(("build", "reason"), [
    (lambda shape, person_id: Person.objects.filter(pk__isnull=False), "does not filter on the person"),
    (lambda shape, person_id: Person.objects.filter(Q(pk=person_id) | Q(last_name=str(uuid.uuid4()))),
     "more than the person's key"),  # a value that changes from one build to the next
    (lambda shape, person_id: Person.objects.using("muu").filter(pk=person_id), "for database 'muu'"),
], ids=["no key", "a value of its build", "another database"])
def test_a_check_that_cannot_be_kept_is_refused(build: Any, reason: str) -> None:
    check = PersonCheck(build)
    with pytest.raises(TypeError, match=reason):
        check.exists("shape", uuid.uuid4())
    with pytest.raises(ValueError, match="no person"):
        check.exists("shape", None)  # type: ignore[arg-type]


def test_a_check_that_finds_no_one_answers_no(make_person: Any) -> None:
    person = make_person(municipality="297")
    check: PersonCheck[str] = PersonCheck(lambda shape, person_id: Person.objects.filter(pk=person_id).none())
    assert check.queryset("shape", person.pk).exists() is False
    assert check.exists("shape", person.pk) is False
    assert check.exists("shape", person.pk) is False  # kept as such


def test_the_next_day_is_a_new_shape(make_staff: Any, make_person: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client whose home in the area ends today is reached today and not tomorrow (same user, same process)."""
    today = timezone.localdate()
    person = make_person(municipality="297", since=date(2020, 1, 1))
    home = HomeMunicipalitySpell.objects.current().get(person=person)
    services.home_municipality_record(person=person, municipality_code="297", start_date=home.start_date,
                                      end_date=today, corrects=home, reason="muuttaa")
    services.home_municipality_record(person=person, municipality_code="091", start_date=today + timedelta(days=1))
    manager = make_staff(Role.MANAGER, area="kuopio").user
    answers = []
    for day in (today, today + timedelta(days=1), today):
        monkeypatch.setattr(timezone, "localdate", lambda day=day: day)
        scope_query = policy.persons_in_scope(manager, policy.Scope.AREA).filter(pk=person.pk).exists()
        manager = get_user_model().objects.get(pk=manager.pk)  # a new request: the area's codes read again
        answers.append((policy.allows(manager, policy.Capability.VIEW_PERSONS, person), scope_query))
    assert answers == [(True, True), (False, False), (True, True)]
