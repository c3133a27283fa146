"""``core.lookups.through``: a filter of a table asked along a relation lets through the rows whose related row the
filter lets through — the same rows as ``relation IN (the filtered table)`` — for and/or/not and subquery values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from polku.access.models import Role, StaffProfile
from polku.casework import due_table
from polku.casework import services as casework
from polku.casework.models import ClientDue, DueItemRow
from polku.core.lookups import through
from polku.people.models import Person
from polku.timeline import services

pytestmark = pytest.mark.django_db


def test_a_filter_moved_along_a_relation_keeps_its_rows(make_person: Callable[..., Person],
                                                        make_staff: Callable[..., StaffProfile]) -> None:
    today = timezone.localdate()
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    persons = []
    for i, home in enumerate(["297", "297", "686", "749", "297"]):
        person = make_person(municipality=home, since=date(2015, 1, 1), team_id=counsellor.team_id if i % 2 else None)
        services.status_spell_record(person=person, status="unemployed", start_date=today - timedelta(days=90))
        services.job_search_open(person=person, registered_on=today - timedelta(days=60 + i))
        if i in (0, 3):
            casework.assign(person=person, counsellor=counsellor.user, valid_from=today - timedelta(days=30))
        persons.append(person)
    due_table.rebuild(today)
    filters: list[Any] = [
        Q(home_municipality="297"),
        Q(home_municipality__in=["297", "686"]) & Q(person__team_id=counsellor.team_id),
        Q(home_municipality="297") | ~Q(person__team_id=counsellor.team_id),
        Q(person_id__in=Person.objects.filter(pk__in=[persons[1].pk, persons[2].pk]).values("pk"))
        | Q(counsellor_id=counsellor.user.pk),  # persons 1 and 2, or 0 and 3: or-ed, four; and-ed, none
        ~(Q(home_municipality="749") | Q(person_id=persons[4].pk)),
        Q(),
    ]
    everything = set(DueItemRow.objects.values_list("pk", flat=True))
    for q in filters:
        expected = set(DueItemRow.objects.filter(client__in=ClientDue.objects.filter(q)).values_list("pk", flat=True))
        moved = set(DueItemRow.objects.filter(through(q, "client")).values_list("pk", flat=True))
        assert moved == expected, q
        # Each filter but the empty one keeps some rows and leaves some, so a lost condition would show.
        assert expected, q
        assert expected < everything or not q, q
    assert len(DueItemRow.objects.filter(through(filters[3], "client")).values("client").distinct()) == 4


def test_a_filter_of_another_kind_is_refused_rather_than_moved_wrong() -> None:
    with pytest.raises(TypeError, match="cannot move"):
        through(Q(Exists(Person.objects.filter(pk=OuterRef("person_id")))), "client")
    with pytest.raises(TypeError, match="cannot move"):  # F() would name the outer table's field
        through(Q(registered_on=F("computed_for")), "client")
