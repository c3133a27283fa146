"""The demo's synthetic case work: every open job seeker gets one counsellor, histories follow the rules and stay
in the past, counsellors carry about 75 clients, and a second run changes nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from polku.casework import selectors
from polku.casework.demo import CLIENTS_PER_COUNSELLOR, TeamPlan, simulate_casework
from polku.casework.models import CaseAssignment, EmploymentPlan, Meeting
from polku.people.models import Person
from polku.simulator.writers import simulate_into_database

pytestmark = pytest.mark.django_db


def test_sotkamo_case_work() -> None:
    today = timezone.localdate()
    simulate_into_database("sotkamo-2021", seed=3, persons=300, progress=False)
    counts = simulate_casework("kainuu", municipalities=["765"], team_plan=TeamPlan(single_team="Sotkamo"), fresh=3,
                               first_counsellor="ohjaaja.demo")
    open_ids = set(selectors.open_job_seekers(Person.objects.all(), today).values_list("person_id", flat=True))
    assigned = Counter(CaseAssignment.objects.filter(ended_at__isnull=True).values_list("person_id", flat=True))
    assert counts["assignments"] == len(open_ids) > 3
    assert set(assigned) == open_ids
    assert max(assigned.values()) == 1
    per_counsellor = Counter(CaseAssignment.objects.values_list("counsellor_id", flat=True))
    assert max(per_counsellor.values()) <= CLIENTS_PER_COUNSELLOR
    assert Meeting.objects.aggregate(last=Max("held_on"))["last"] <= today
    assert EmploymentPlan.objects.count() > counts["assignments"] // 2
    worklist = selectors.worklist(Person.objects.all(), today)
    assert worklist.counts["initial_interview"] >= 1  # the fresh registrations wait for their interview
    # Need to know: the demo counsellor sees their own clients and their team's, so the worklist is not empty.
    demo_counsellor = get_user_model().objects.get(username="ohjaaja.demo")
    mine = selectors.scope_persons(demo_counsellor, selectors.Scope.MINE)
    assert 0 < mine.count() <= CLIENTS_PER_COUNSELLOR
    assert selectors.worklist(selectors.scope_persons(demo_counsellor, selectors.Scope.TEAM), today).rows
    assert simulate_casework("kainuu", municipalities=["765"], team_plan=TeamPlan(single_team="Sotkamo")) == {"skipped": 1}
