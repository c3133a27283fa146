"""The due-items table gives the same worklists as the live computation: on the demo's simulated case work for every
scope, filter and order, and on random histories written through the services after the table was built (the
services refresh it in their transaction), and after an import (its refresh)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polku.access.models import Role, StaffProfile
from polku.casework import due_table, selectors, tasks
from polku.casework import services as casework
from polku.casework.demo import TeamPlan, simulate_casework
from polku.casework.due import DueItem, DueKind, DueState, state_on
from polku.casework.models import ClientDue, DueItemRow, Meeting
from polku.people.models import Person
from polku.simulator.writers import simulate_into_database
from polku.timeline import services
from polku.timeline.models import HomeMunicipalitySpell

pytestmark = pytest.mark.django_db

SORT_KEYS = list(selectors.SORTS)


def shape(result: selectors.Worklist) -> dict[str, Any]:
    """Everything a worklist shows, in order."""
    return {
        "rows": [(r.person_id, r.name, r.counsellor, r.team, r.phase, r.position, r.item.kind, r.item.due_on,
                  r.item.state, r.item.rule, r.item.rule_set, r.item.verified, r.item.source, dict(r.item.detail))
                 for r in result.rows],
        "counts": result.counts, "states": result.states, "clients": result.clients,
        "rule_set": result.rule_set_code, "today": result.today,
    }


def same(persons: QuerySet[Person], day: date, **options: Any) -> None:
    assert due_table.table_day() == day
    from_table = selectors.worklist(persons, day, **options)
    assert isinstance(from_table.rows, due_table.WorklistRows)  # really read from the table
    live = selectors.live_worklist(persons, day, **options)
    assert shape(from_table) == shape(live)


@pytest.mark.parametrize("listed", [500, 0])  # 0: every scope a large one (a subquery, not a list of ids)
def test_demo_worklists_from_the_table_equal_the_live_ones(listed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(due_table, "MAX_LISTED_CLIENTS", listed)
    today = timezone.localdate()
    simulate_into_database("sotkamo-2021", seed=5, persons=400, progress=False)
    simulate_casework("kainuu", municipalities=["765"], team_plan=TeamPlan(), fresh=5)
    counsellors = list(get_user_model().objects.filter(staff_profile__role=Role.COUNSELLOR))
    assert len(counsellors) >= 2
    scopes: list[QuerySet[Person]] = [Person.objects.all()]
    for user in counsellors[:3]:
        scopes += [selectors.scope_persons(user, selectors.Scope.MINE), selectors.scope_persons(user, selectors.Scope.TEAM)]
    days = [today, today - timedelta(days=40), today + timedelta(days=9)]
    current: list[date] = []

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(scope=st.sampled_from(range(len(scopes))), sort=st.sampled_from(SORT_KEYS),
           kinds=st.lists(st.sampled_from([str(k) for k in DueKind]), max_size=2),
           states=st.lists(st.sampled_from([str(s) for s in DueState]), max_size=2),
           by_counsellor=st.booleans())
    def check(scope: int, sort: str, kinds: list[str], states: list[str], by_counsellor: bool) -> None:
        counsellor_id = counsellors[0].pk if by_counsellor else None
        same(scopes[scope], current[-1], sort=sort, kinds=kinds, states=states, counsellor_id=counsellor_id)

    for day in days:
        clients = due_table.rebuild(day)
        assert clients == selectors.live_worklist(Person.objects.all(), day).clients > 20
        assert DueItemRow.objects.count() == len(selectors.live_worklist(Person.objects.all(), day).rows)
        current.append(day)
        check()
        for sort in SORT_KEYS:  # every order on the whole register, whatever hypothesis drew
            same(Person.objects.all(), day, sort=sort)


def test_page_slices_are_the_live_rows(make_staff: Callable[..., StaffProfile]) -> None:
    today = timezone.localdate()
    simulate_into_database("sotkamo-2021", seed=6, persons=200, progress=False)
    simulate_casework("kainuu", municipalities=["765"], team_plan=TeamPlan(), fresh=3)
    due_table.rebuild(today)
    table = selectors.worklist(Person.objects.all(), today, sort="name")
    live = selectors.live_worklist(Person.objects.all(), today, sort="name")
    assert len(table.rows) == len(live.rows) > 10
    assert [r.item for r in table.rows[5:10]] == [r.item for r in live.rows[5:10]]
    assert table.rows[3] == live.rows[3]


def test_a_stale_table_is_not_read_and_its_rebuild_is_queued_once() -> None:
    today = timezone.localdate()
    due_table.rebuild(today - timedelta(days=1))
    result = selectors.worklist(Person.objects.all(), today)
    assert isinstance(result.rows, list)  # computed live
    assert tasks.queue_rebuild(today) is False  # the worklist queued it already
    tasks.rebuild_due_items.call(today.isoformat())
    assert due_table.table_day() == today


# --- kept current by the services -------------------------------------------------------------------------------

MEETING_KINDS = ["initial_interview", "job_search_conversation", "supplementary_conversation", "other"]


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A few clients: registration, status, meetings, a plan and reports, some written after the table was built."""
    clients = []
    for _ in range(draw(st.integers(1, 3))):
        registered_ago = draw(st.integers(0, 500))
        clients.append({
            "registered_ago": registered_ago,
            "status": draw(st.sampled_from(["unemployed", "laid_off_full", "part_time_employed", "studying",
                                            "laid_off_partial"])),
            "unemployed_before": draw(st.integers(0, 400)),
            "meetings": draw(st.lists(st.tuples(st.integers(0, registered_ago), st.sampled_from(MEETING_KINDS)),
                                      max_size=4)),
            "plan": draw(st.none() | st.tuples(st.integers(0, registered_ago), st.integers(10, 200), st.integers(0, 4))),
            "reports": draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=2)),
            "late": draw(st.booleans()),  # its case work is recorded after the table is built
            "end": draw(st.booleans()),  # the job search ends today (after the table is built)
        })
    return clients


def _record(person: Person, client: dict[str, Any], today: date) -> None:
    registered_on = today - timedelta(days=client["registered_ago"])
    for ago, kind in client["meetings"]:
        casework.meeting_record(person=person, held_on=today - timedelta(days=ago), kind=kind, channel="phone")
    if client["plan"] is not None:
        ago, valid_days, applications = client["plan"]
        drawn_up = max(registered_on, today - timedelta(days=ago))
        casework.plan_save(person=person, based_on_version=None, data=casework.PlanInput(
            drawn_up_on=drawn_up, valid_until=drawn_up + timedelta(days=valid_days), agreed_actions="Hakee töitä.",
            applications_required=applications))
    for months_ago, applications in client["reports"]:
        start = date(today.year, today.month, 1)
        for _ in range(months_ago):
            start = date(start.year - (start.month == 1), 12 if start.month == 1 else start.month - 1, 1)
        if start >= date(registered_on.year, registered_on.month, 1):
            casework.application_report_record(person=person, period_start=start, applications=applications)


def test_writes_through_the_services_keep_the_table_equal_to_the_live_worklist(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> None:
    today = timezone.localdate()
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    other = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    due_table.rebuild(today)

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(histories())
    def check(clients: list[dict[str, Any]]) -> None:
        persons = []
        for client in clients:
            person = make_person(municipality="297", since=date(2000, 1, 1), team_id=counsellor.team_id)
            registered_on = today - timedelta(days=client["registered_ago"])
            status_start = registered_on - timedelta(days=client["unemployed_before"])
            services.status_spell_record(person=person, status=client["status"], start_date=status_start)
            services.job_search_open(person=person, registered_on=registered_on)
            casework.assign(person=person, counsellor=counsellor.user, valid_from=registered_on)
            if not client["late"]:
                _record(person, client, today)
            persons.append(person)
        for person, client in zip(persons, clients, strict=True):
            if client["late"]:
                _record(person, client, today)
                casework.assign(person=person, counsellor=other.user, reason="tasaus")
            if client["end"]:
                casework.job_search_close(person=person, ended_on=today, end_reason="open_market_job")
        scope = Person.objects.filter(pk__in=[p.pk for p in persons])
        for sort in SORT_KEYS:
            same(scope, today, sort=sort)
        same(scope, today, counsellor_id=other.user.pk)
        assert ClientDue.objects.filter(pk__in=[p.pk for p in persons]).count() == sum(not c["end"] for c in clients)

    check()


def test_a_retraction_refreshes_the_client(make_person: Callable[..., Person]) -> None:
    today = timezone.localdate()
    person = make_person(municipality="297", since=date(2000, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=today - timedelta(days=30))
    services.job_search_open(person=person, registered_on=today - timedelta(days=30))
    due_table.rebuild(today)
    meeting = casework.meeting_record(person=person, held_on=today - timedelta(days=20), kind="initial_interview",
                                      channel="phone")
    scope = Person.objects.filter(pk=person.pk)
    same(scope, today)
    assert "initial_interview" not in {r.item.kind for r in selectors.worklist(scope, today).rows}
    services.fact_retract(fact=Meeting.objects.get(pk=meeting.pk), reason="kirjattu väärälle")
    same(scope, today)
    assert "initial_interview" in {r.item.kind for r in selectors.worklist(scope, today).rows}


def test_the_refresh_after_a_bulk_write_finds_the_persons_written(make_person: Callable[..., Person]) -> None:
    today = timezone.localdate()
    person = make_person(municipality="297", since=date(2000, 1, 1))
    due_table.rebuild(today)
    began = timezone.now()
    # A bulk writer (the import) writes rows itself, without the services: the table does not know yet …
    from polku.timeline.models import JobSearchPeriod

    JobSearchPeriod.objects.create(person=person, registered_on=today - timedelta(days=3))
    assert not ClientDue.objects.filter(pk=person.pk).exists()
    # … until its refresh after the commit.
    assert due_table.refresh_changed_since(began) == 1
    same(Person.objects.filter(pk=person.pk), today)
    assert ClientDue.objects.get(pk=person.pk).next_kind == "initial_interview"


def test_the_worker_schedule_queues_the_new_days_table_once() -> None:
    from django_tasks_db.models import DBTaskResult

    from polku.jobs import schedule

    due_table.rebuild(timezone.localdate() - timedelta(days=1))
    assert any(line.startswith("due-items") for line in schedule.run_due())
    assert not any(line.startswith("due-items") for line in schedule.run_due())  # queued already
    assert DBTaskResult.objects.filter(task_path__endswith="rebuild_due_items").count() == 1


def test_an_import_refreshes_the_persons_it_wrote(make_staff: Callable[..., StaffProfile]) -> None:
    from pathlib import Path

    from polku.exchange.models import RunStatus
    from tests.exchange.helpers import run_import

    today = timezone.localdate()
    due_table.rebuild(today)
    steward = make_staff(Role.DATA_STEWARD, area="kuopio")
    samples = Path(__file__).resolve().parents[2] / "polku" / "exchange" / "samples"
    run = run_import(steward.user, sorted(samples.glob("*.csv")), scope_code="kuopio")
    assert run.status == RunStatus.DONE
    imported = selectors.live_worklist(Person.objects.all(), today)
    assert imported.clients > 0  # the samples' open job searches …
    for sort in SORT_KEYS:  # … are in the table as the import left them
        same(Person.objects.all(), today, sort=sort)


# --- a worklist's scope read from the table's own columns --------------------------------------------------------

HOMES = ["297", "749", "765"]  # two of the Kuopio area's municipalities, and Sotkamo outside it


@st.composite
def residents(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Clients living in or out of the area, on a team or none, assigned to a counsellor or none; some move after
    the table was built (today, or tomorrow: not yet)."""
    return [{"home": draw(st.sampled_from(HOMES)), "team": draw(st.sampled_from([0, 1, None])),
             "counsellor": draw(st.sampled_from([0, 1, None])),
             "moves_to": draw(st.none() | st.sampled_from(HOMES)), "moves_in_days": draw(st.sampled_from([0, 1]))}
            for _ in range(draw(st.integers(1, 6)))]


@pytest.mark.parametrize("listed", [due_table.MAX_LISTED_CLIENTS, 0], ids=["ids-listed", "scope-joined"])
def test_a_scope_read_from_the_tables_columns_is_the_policys_scope(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile], monkeypatch: pytest.MonkeyPatch,
        listed: int) -> None:
    """``selectors.scope_rows`` (the table's copy of each client's home today and team) lets through exactly the
    clients ``selectors.scope_persons`` (the access policy over the home spells) does, for every role and scope,
    also after moves written once the table was built; and the worklists read both ways are the same — both where a
    scope's clients are read as a list of ids and, as for a team's or an area's thousands, where the scope's
    conditions are joined to the page's query (``listed`` 0: every scope is "large")."""
    monkeypatch.setattr(due_table, "MAX_LISTED_CLIENTS", listed)
    today = timezone.localdate()
    counsellors = [make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu"),
                   make_staff(Role.COUNSELLOR, area="kuopio", team="Palveluohjaus")]
    teams = [c.team_id for c in counsellors]
    users = [*counsellors, make_staff(Role.TEAM_LEAD, area="kuopio", team="Alkupalvelu"),
             make_staff(Role.MANAGER, area="kuopio"), make_staff(Role.ADMIN, area=None)]
    due_table.rebuild(today)

    def unbuilt() -> Any:
        raise AssertionError("the table serves this scope by its own columns: no query of persons is needed")

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(residents())
    def check(drawn: list[dict[str, Any]]) -> None:
        persons = []
        for resident in drawn:
            team_id = teams[resident["team"]] if resident["team"] is not None else None
            person = make_person(municipality=resident["home"], since=date(2015, 1, 1), team_id=team_id)
            services.status_spell_record(person=person, status="unemployed", start_date=today - timedelta(days=90))
            services.job_search_open(person=person, registered_on=today - timedelta(days=60))
            if resident["counsellor"] is not None and resident["home"] != "765":  # a counsellor within the area
                casework.assign(person=person, counsellor=counsellors[resident["counsellor"]].user,
                                valid_from=today - timedelta(days=60))
            persons.append(person)
        for person, resident in zip(persons, drawn, strict=True):
            if resident["moves_to"] is not None:
                moved_on = today + timedelta(days=resident["moves_in_days"])
                home = HomeMunicipalitySpell.objects.current().get(person=person)
                services.home_municipality_record(person=person, municipality_code=home.municipality_id,
                                                  start_date=home.start_date, end_date=moved_on - timedelta(days=1),
                                                  corrects=home, reason="muutto")
                services.home_municipality_record(person=person, municipality_code=resident["moves_to"],
                                                  start_date=moved_on)
        ours = {p.pk for p in persons}
        for profile in users:
            for scope in selectors.scopes_for(profile.user):
                rows = selectors.scope_rows(profile.user, scope)
                persons_in_scope = selectors.scope_persons(profile.user, scope)
                if rows is None:
                    continue
                by_columns = set(ClientDue.objects.filter(rows, computed_for=today).values_list("person_id", flat=True))
                by_policy = set(persons_in_scope.filter(pk__in=ours).values_list("pk", flat=True))
                assert by_columns & ours == by_policy, (profile.role, scope)
                fast = selectors.worklist(persons_in_scope, today, rows=rows)
                assert shape(fast) == shape(selectors.worklist(persons_in_scope, today)), (profile.role, scope)
                for counsellor in counsellors:  # a scope narrowed to one counsellor's clients, as the page's filter
                    assert shape(selectors.worklist(persons_in_scope, today, rows=rows, counsellor_id=counsellor.user.pk)
                                 ) == shape(selectors.worklist(persons_in_scope, today,
                                                               counsellor_id=counsellor.user.pk)), (profile.role, scope)
                # Given as a function, the persons are not built when the table serves the scope by its columns
                # (as the worklist page gives them), and are when the day is not the table's.
                assert shape(selectors.worklist(unbuilt, today, rows=rows)) == shape(fast), (profile.role, scope)
                tomorrow = today + timedelta(days=1)
                later = functools.partial(selectors.scope_persons, profile.user, scope)
                assert shape(selectors.worklist(later, tomorrow, rows=rows)) == shape(
                    selectors.worklist(persons_in_scope, tomorrow)), (profile.role, scope)

    check()


@pytest.mark.parametrize("listed", [due_table.MAX_LISTED_CLIENTS, 0], ids=["ids-listed", "scope-joined"])
def test_a_stale_counsellor_copy_never_shows_a_client_the_user_may_not_see(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile], monkeypatch: pytest.MonkeyPatch,
        listed: int) -> None:
    """An import commits assignments before the table is refreshed: until then the table's counsellor copy may name
    the previous counsellor. Whom a user may see is read live, so the previous counsellor (of another team) does not
    see the moved client; the new one may miss them until the refresh, never the other way round (also where the
    scope is joined to the page's query, ``listed`` 0)."""
    monkeypatch.setattr(due_table, "MAX_LISTED_CLIENTS", listed)
    today = timezone.localdate()
    before = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    after = make_staff(Role.COUNSELLOR, area="kuopio", team="Palveluohjaus")
    person = make_person(municipality="297", since=date(2015, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=today - timedelta(days=90))
    services.job_search_open(person=person, registered_on=today - timedelta(days=60))
    casework.assign(person=person, counsellor=before.user, valid_from=today - timedelta(days=60))
    due_table.rebuild(today)
    assert ClientDue.objects.get(person=person).counsellor_id == before.user.pk
    casework.assign(person=person, counsellor=after.user, valid_from=today)
    ClientDue.objects.filter(person=person).update(counsellor=before.user, team=before.team)  # as if not yet refreshed
    for scope in selectors.scopes_for(before.user):
        rows = selectors.scope_rows(before.user, scope)
        assert not ClientDue.objects.filter(rows, person=person).exists(), scope
        shown = selectors.worklist(selectors.scope_persons(before.user, scope), today, rows=rows)
        assert person.pk not in {row.person_id for row in shown.rows}, scope


# --- the client rows' kinds by state ------------------------------------------------------------------------------


@given(st.sets(st.sampled_from([str(k) for k in DueKind])))
def test_a_kind_mask_holds_exactly_its_kinds(kinds: set[str]) -> None:
    mask = due_table.kind_mask(kinds)
    assert sorted(due_table.mask_kinds(mask)) == sorted(kinds)
    assert mask < 1 << len(DueKind)


def test_the_client_rows_keep_the_kinds_of_their_items_by_state() -> None:
    today = timezone.localdate()
    simulate_into_database("sotkamo-2021", seed=9, persons=200, progress=False)
    simulate_casework("kainuu", municipalities=["765"], team_plan=TeamPlan(), fresh=3)
    due_table.rebuild(today)
    rows = list(ClientDue.objects.all())
    assert len(rows) > 20
    kinds_seen = set()
    for client in rows:
        items = DueItemRow.objects.filter(client=client)
        for state, field in due_table.STATE_FIELDS.items():
            expected = sorted(i.kind for i in items if state_on(i.due_on, today) == state)
            assert sorted(due_table.mask_kinds(getattr(client, field))) == expected
            kinds_seen.update(expected)
    assert len(kinds_seen) >= 3  # the comparison covered several kinds, not one


def test_two_items_of_one_kind_are_refused_not_miscounted() -> None:
    today = timezone.localdate()
    item = DueItem(kind=DueKind.CONVERSATION, due_on=today, state=DueState.THIS_WEEK, rule="r", rule_set="s",
                   verified=True, source="")
    with pytest.raises(ValueError, match="two due items of one kind"):
        due_table._kinds_by_state([item, item])


def test_a_table_written_in_another_form_is_computed_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    today = timezone.localdate()
    due_table.rebuild(today)
    assert due_table.table_day() == today
    monkeypatch.setattr(due_table, "TABLE_FORM", due_table.TABLE_FORM + "+1")
    assert due_table.table_day() is None  # read live until rebuilt
