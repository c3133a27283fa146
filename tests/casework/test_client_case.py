"""One client's case is the same however it is read: from the database for one client (``client_case``), in a batch
of clients (``client_cases``, as the worklists read), or from the rows the client record has read already
(``client_case_of``, which reads nothing again)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from polku.casework import presenters, selectors
from polku.casework import services as casework
from polku.casework.demo import TeamPlan, simulate_casework
from polku.casework.models import ApplicationReport, CaseAssignment, EmploymentPlan, Meeting
from polku.people.models import Person
from polku.simulator.writers import simulate_into_database
from polku.timeline import services
from polku.timeline.selectors import person_timeline

pytestmark = pytest.mark.django_db


def case_of_rows(person: Person, day: date) -> selectors.ClientCase | None:
    """The case from the rows as the client record reads them (newest first)."""
    return selectors.client_case_of(
        person_timeline(person), day,
        meetings=list(Meeting.objects.current().filter(person=person).order_by("-held_on", "-recorded_at")),
        plans=list(EmploymentPlan.objects.filter(person=person).order_by("-recorded_at")),
        reports=list(ApplicationReport.objects.current().filter(person=person).order_by("-period_start")),
        assignments=list(CaseAssignment.objects.filter(person=person).order_by("-started_at")))


def test_a_timeline_of_a_past_moment_makes_no_case(make_person: Callable[..., Person]) -> None:
    person = make_person(municipality="297", since=date(2000, 1, 1))
    with pytest.raises(ValueError, match="current facts"):
        selectors.client_case_of(person_timeline(person, known_at=timezone.now()), timezone.localdate(),
                                 meetings=[], plans=[], reports=[], assignments=[])


def test_the_three_reads_of_a_case_agree_on_the_simulated_case_work() -> None:
    today = timezone.localdate()
    simulate_into_database("sotkamo-2021", seed=8, persons=300, progress=False)
    simulate_casework("kainuu", municipalities=["765"], team_plan=TeamPlan(), fresh=5)
    persons = list(Person.objects.all())
    for day in (today, today - timedelta(days=40), today + timedelta(days=9)):
        batch = selectors.client_cases(Person.objects.all(), day)
        assert len(batch) > 20
        with_facts = 0
        for person in persons:
            single = selectors.client_case(person, day)
            assert batch.get(person.pk) == single
            assert case_of_rows(person, day) == single
            with_facts += single is not None and bool(single.meetings) and single.plan is not None
        assert with_facts > 5  # the comparison covered meetings and plans, not only bare registrations


def test_a_meeting_before_this_job_search_counts_in_no_read(make_person: Callable[..., Person]) -> None:
    """A batch reads meetings from the earliest registration among its clients; a client who registered later does
    not get the meetings held before their own registration (as their own page never did)."""
    today = timezone.localdate()
    early = make_person(municipality="297", since=date(2000, 1, 1))
    late = make_person(municipality="297", since=date(2000, 1, 1))
    services.status_spell_record(person=early, status="unemployed", start_date=today - timedelta(days=900))
    services.status_spell_record(person=late, status="unemployed", start_date=today - timedelta(days=900))
    services.job_search_open(person=early, registered_on=today - timedelta(days=400))
    casework.meeting_record(person=late, held_on=today - timedelta(days=200), kind="job_search_conversation",
                            channel="phone")
    services.job_search_open(person=late, registered_on=today - timedelta(days=100))
    batch = selectors.client_cases(Person.objects.filter(pk__in=[early.pk, late.pk]), today)
    single = selectors.client_case(late, today)
    assert single is not None
    assert single.meetings == ()
    assert batch[late.pk] == single == case_of_rows(late, today)


def test_the_record_reads_the_case_rows_once(make_person: Callable[..., Person]) -> None:
    today = timezone.localdate()
    person = make_person(municipality="297", since=date(2000, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=today - timedelta(days=50))
    services.job_search_open(person=person, registered_on=today - timedelta(days=30))
    casework.meeting_record(person=person, held_on=today - timedelta(days=20), kind="initial_interview",
                            channel="phone")
    casework.meeting_record(person=person, held_on=today - timedelta(days=5), kind="job_search_conversation",
                            channel="phone")
    timeline = person_timeline(person)
    with CaptureQueriesContext(connection) as queries:
        panel = presenters.client_panel(timeline, today)
    # The same case, meetings in the same order, though the record reads them newest first.
    assert [m.held_on for m in panel.meetings] == [today - timedelta(days=5), today - timedelta(days=20)]
    assert panel.case == selectors.client_case(person, today)
    assert panel.case is not None
    assert [m.held_on for m in panel.case.meetings] == [today - timedelta(days=20), today - timedelta(days=5)]
    tables = [q["sql"].split(" FROM ", 1)[1].split()[0] for q in queries.captured_queries]
    assert len(tables) == len(set(tables)), tables  # no table read twice
    assert not any("jobsearchperiod" in t or "statusspell" in t for t in tables), tables  # the timeline's rows
