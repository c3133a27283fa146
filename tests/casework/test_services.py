"""Case-work writes: validation naming the field, nothing half-written, optimistic locking of the plan,
assignments and handover, and the worklist leaving an item once the duty is done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone

from polku.access.models import Role, StaffProfile
from polku.casework import selectors, services
from polku.casework.models import ApplicationReport, CaseAssignment, EmploymentPlan, Meeting
from polku.core.errors import ValidationFailed
from polku.people.models import Person
from polku.timeline import services as timeline
from polku.timeline.models import HomeMunicipalitySpell, JobSearchPeriod, StatusSpell
from tests.casework.conftest import Office, unemployed_client

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _fields(refused: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {error.field for error in refused.value.errors}


def _plan(**overrides: object) -> services.PlanInput:
    values: dict = {"drawn_up_on": TODAY, "valid_until": TODAY + timedelta(days=90), "agreed_actions": "Hakee 4 työpaikkaa",
                    "applications_required": 4, "obligation_basis": "standard", "next_meeting_on": TODAY + timedelta(days=14)}
    values.update(overrides)
    return services.PlanInput(**values)


def test_meeting_in_the_future_marked_held_is_refused(office: Office) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.meeting_record(person=office.client, held_on=TODAY + timedelta(days=1), kind="initial_interview",
                                channel="phone")
    assert _fields(refused) == {"held_on"}
    with pytest.raises(ValidationFailed) as refused:
        services.meeting_record(person=office.client, held_on=TODAY, kind="", channel="carrier_pigeon")
    assert _fields(refused) == {"kind", "channel"}
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"applications_required": 5}, "applications_required"),
    ({"applications_required": -1}, "applications_required"),
    ({"obligation_basis": "partly_laid_off", "applications_required": 2}, "applications_required"),
    ({"obligation_basis": "holiday"}, "obligation_basis"),
    ({"valid_until": TODAY - timedelta(days=1)}, "valid_until"),
    ({"agreed_actions": "  "}, "agreed_actions"),
    ({"drawn_up_on": TODAY + timedelta(days=3)}, "drawn_up_on"),
])
def test_bad_plans_are_refused_naming_the_field(office: Office, overrides: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.plan_save(person=office.client, data=_plan(**overrides), based_on_version=None)
    assert field in _fields(refused)
    assert not EmploymentPlan.objects.exists()


def test_reduced_obligation_sets_the_reporting_period(office: Office) -> None:
    plan = services.plan_save(person=office.client, data=_plan(obligation_basis="partly_laid_off", applications_required=1),
                              based_on_version=None)
    assert (plan.applications_required, plan.reporting_period_months) == (1, 3)


def test_second_save_on_the_same_version_is_refused_and_nothing_is_lost(office: Office) -> None:
    # Both counsellors opened the form when there was no plan yet (version None).
    first = services.plan_save(person=office.client, data=_plan(agreed_actions="Ensimmäisen ohjaajan teksti"),
                               based_on_version=None, actor=office.counsellor.user)
    with pytest.raises(ValidationFailed) as refused:
        services.plan_save(person=office.client, data=_plan(agreed_actions="Toisen ohjaajan teksti"),
                           based_on_version=None, actor=office.colleague.user)
    assert refused.value.errors[0].code == "conflict"
    assert office.counsellor.user.get_username() in refused.value.errors[0].message
    current = EmploymentPlan.objects.get(person=office.client, superseded_at__isnull=True)
    assert (current.pk, current.agreed_actions) == (first.pk, "Ensimmäisen ohjaajan teksti")
    # Based on the version now in force, the second counsellor's save goes through as version 2.
    second = services.plan_save(person=office.client, data=_plan(agreed_actions="Yhdistetty teksti"), based_on_version=1,
                                actor=office.colleague.user)
    first.refresh_from_db()
    assert (second.version, second.lineage, first.superseded_at is not None) == (2, first.lineage, True)
    assert EmploymentPlan.objects.filter(person=office.client).count() == 2


def test_application_report_for_the_same_period_corrects_the_first(office: Office) -> None:
    month = office.registered_on
    services.application_report_record(person=office.client, period_start=month, applications=2)
    services.application_report_record(person=office.client, period_start=month, applications=4)
    rows = ApplicationReport.objects.filter(person=office.client)
    assert sorted((r.applications, r.superseded_at is None) for r in rows) == [(2, False), (4, True)]
    with pytest.raises(ValidationFailed) as refused:
        services.application_report_record(person=office.client, period_start=month, applications=-3)
    assert _fields(refused) == {"applications"}
    with pytest.raises(ValidationFailed) as refused:  # a month before the job search began
        services.application_report_record(person=office.client, period_start=office.registered_on - timedelta(days=40),
                                            applications=4)
    assert _fields(refused) == {"period_start"}


def test_reassignment_keeps_history_and_refuses_a_counsellor_of_another_team(office: Office) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.assign(person=office.client, counsellor=office.other_team.user, team_id=office.counsellor.team_id)
    assert _fields(refused) == {"counsellor"}
    services.assign(person=office.client, counsellor=office.colleague.user, reason="lomat")
    rows = CaseAssignment.objects.filter(person=office.client).order_by("started_at")
    assert [(r.counsellor_id, r.ended_at is None) for r in rows] == [(office.counsellor.user_id, False),
                                                                     (office.colleague.user_id, True)]


def test_handover_moves_the_client_to_the_chosen_team(office: Office) -> None:
    services.handover(person=office.client, team_id=office.other_team.team_id, counsellor=office.other_team.user)
    office.client.refresh_from_db()
    assert office.client.team_id == office.other_team.team_id
    assignment = services.current_assignment(office.client)
    assert assignment is not None
    assert assignment.phase == "personal_coaching"
    with pytest.raises(ValidationFailed) as refused:
        services.handover(person=office.client, team_id=office.other_team.team_id)
    assert _fields(refused) == {"phase"}
    with pytest.raises(ValidationFailed) as refused:
        services.handover(person=office.outsider, team_id=None)
    assert _fields(refused) == {"team"}


def test_ending_the_job_search_needs_a_reason(office: Office) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.job_search_close(person=office.client, ended_on=TODAY, end_reason="")
    assert _fields(refused) == {"end_reason"}
    assert JobSearchPeriod.objects.get(person=office.client, superseded_at__isnull=True).ended_on is None
    services.job_search_close(person=office.client, ended_on=TODAY, end_reason="open_market_job")
    assert JobSearchPeriod.objects.get(person=office.client, superseded_at__isnull=True).end_reason == "open_market_job"
    assert services.current_assignment(office.client) is None
    # The job seeker's unemployment ends that day and work begins the next.
    statuses = StatusSpell.objects.filter(person=office.client, superseded_at__isnull=True).order_by("start_date")
    assert [(s.status_id, s.start_date, s.end_date) for s in statuses] == [
        ("unemployed", office.registered_on, TODAY), ("employed", TODAY + timedelta(days=1), None)]


def test_worklist_item_leaves_when_the_interview_is_held(office: Office) -> None:
    mine = selectors.scope_persons(office.counsellor.user, "mine")
    before = selectors.worklist(mine, TODAY)
    overdue = [(r.person_id, r.item.kind) for r in before.rows if r.item.state == "overdue"]
    assert (office.client.pk, "initial_interview") in overdue
    assert office.outsider.pk not in {r.person_id for r in before.rows}
    assert before.counts["initial_interview"] == 1
    services.meeting_record(person=office.client, held_on=TODAY, kind="initial_interview", channel="face_to_face")
    services.plan_save(person=office.client, data=_plan(), based_on_version=None)
    after = selectors.worklist(mine, TODAY)
    assert "initial_interview" not in {r.item.kind for r in after.rows}
    assert "no_plan" not in {r.item.kind for r in after.rows}
    assert {r.item.kind for r in after.rows} >= {"job_search_conversation"}


def test_team_and_area_scopes_and_filters(office: Office) -> None:
    team = selectors.worklist(selectors.scope_persons(office.colleague.user, "team"), TODAY, kinds=["initial_interview"])
    assert {r.person_id for r in team.rows} == {office.client.pk}
    area = selectors.worklist(selectors.scope_persons(office.manager.user, "area"), TODAY, states=["overdue"], sort="name")
    assert {r.person_id for r in area.rows} == {office.client.pk, office.outsider.pk}
    assert [r.name for r in area.rows] == sorted(r.name for r in area.rows)
    assert selectors.scopes_for(office.manager.user) == ["area"]


def test_caseload_counts_open_job_searches(office: Office) -> None:
    rows = {r.counsellor: r for r in selectors.caseload(selectors.scope_persons(office.manager.user, "area"), TODAY)}
    assert rows[office.counsellor.user.get_username()].clients == 1
    assert rows[office.other_team.user.get_username()].clients == 1
    assert rows[office.counsellor.user.get_username()].target is None  # Kuopio has no programme target
    services.assign(person=office.client, counsellor=None, reason="ohjaaja lopetti")
    unassigned = selectors.caseload(selectors.scope_persons(office.manager.user, "area"), TODAY)[-1]
    assert (unassigned.counsellor_id, unassigned.clients) == (None, 1)


def test_caseload_groups_by_counsellor_with_the_target_where_most_clients_live(
        make_staff: Callable[..., StaffProfile], make_person: Callable[..., Person]) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo")

    def client_in(code: str, *, assigned: bool = True) -> Person:
        client = unemployed_client(make_person, team_id=counsellor.team_id, registered_on=date(2026, 1, 5))
        home = HomeMunicipalitySpell.objects.get(person=client)
        timeline.home_municipality_record(person=client, municipality_code=code, start_date=home.start_date,
                                          corrects=home, reason="muutto")
        if assigned:
            services.assign(person=client, counsellor=counsellor.user)
        return client

    for code in ("765", "765", "205"):
        client_in(code)
    client_in("205", assigned=False)  # no counsellor yet
    rows = selectors.caseload(selectors.scope_persons(counsellor.user, "team"), TODAY)
    assert [(r.counsellor_id, r.clients, r.target, r.team) for r in rows] == [
        (counsellor.user.pk, 3, 80, "Sotkamo"), (None, 1, None, "")]  # most live in Sotkamo: its target
    client_in("205")
    client_in("205")
    rows = selectors.caseload(selectors.scope_persons(counsellor.user, "team"), TODAY)
    assert [(r.clients, r.target) for r in rows] == [(5, None), (1, None)]  # most now live in Kajaani: no target


def test_sotkamo_caseload_target_is_80(make_staff: Callable[..., StaffProfile], make_person: Callable[..., Person]) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo")
    client = unemployed_client(make_person, team_id=counsellor.team_id, registered_on=date(2026, 1, 5))
    home = HomeMunicipalitySpell.objects.get(person=client)
    timeline.home_municipality_record(person=client, municipality_code="765", start_date=home.start_date, corrects=home,
                                      reason="muutto")
    services.assign(person=client, counsellor=counsellor.user)
    rows = selectors.caseload(selectors.scope_persons(counsellor.user, "team"), TODAY)
    assert [(r.clients, r.target) for r in rows] == [(1, 80)]
