"""Each role's start page ("today") at ``/``: what it shows, what it never shows (another role's panels, persons
to roles that see none), that persons shown are access-logged, and the public landing for visitors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from polku import kpi as kpi_data
from polku.access.models import AccessAction, AccessChannel, AccessLog, Role, StaffProfile
from polku.access.services import log_refused
from polku.exchange.models import ExchangeRun, RunKind, RunStatus
from tests.casework.conftest import Office

pytestmark = pytest.mark.django_db

# One heading of each role's page: none may appear on another role's page.
ROLE_MARKS: dict[str, str] = {
    Role.COUNSELLOR: "Uudet asiakkaat",
    Role.TEAM_LEAD: "Asiakasmäärät ohjaajittain</h2>",
    Role.MANAGER: "Työllisyysohjelman tilanne",
    Role.ANALYST: "Tietojen tuoreus",
    Role.ELECTED_OFFICIAL: "Tunnusluvut:",
    Role.DPO: "Estettyjä pääsyjä",
    Role.DATA_STEWARD: "Viimeisimmät tuonnit",
    Role.ADMIN: 'id="yllapito"',
}


def _page(client: Any, profile: StaffProfile) -> str:
    client.force_login(profile.user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response.content.decode()


def _only_own_marks(html: str, role: str) -> None:
    assert ROLE_MARKS[role] in html
    for other, mark in ROLE_MARKS.items():
        if other != role:
            assert mark not in html, (role, other)


def test_visitor_gets_the_public_landing(client: Any) -> None:
    html = client.get("/").content.decode()
    assert reverse("web:login") in html
    assert reverse("open_data:index") in html
    assert "Tulossa" not in html  # nothing built is announced as coming
    assert "Ennusteet, skenaariot ja palvelujen talousvaikutukset." in html
    for mark in ROLE_MARKS.values():
        assert mark not in html


def test_counsellor_sees_own_overdue_items_and_new_clients_logged(client: Any, office: Office) -> None:
    html = _page(client, office.counsellor)
    _only_own_marks(html, Role.COUNSELLOR)
    assert "Asiakas, Aino" in html  # the initial interview is overdue: five working days passed
    assert "Alkuhaastattelu" in html
    assert "Muu, Aino" not in html  # another team's client
    assert reverse("web:person_detail", kwargs={"person_id": office.client.pk}) in html
    logged = AccessLog.objects.filter(user=office.counsellor.user, action=AccessAction.WORKLIST)
    assert list(logged.values_list("person_id", flat=True)) == [office.client.pk]


def test_colleague_without_clients_sees_none_and_logs_nothing(client: Any, office: Office) -> None:
    html = _page(client, office.colleague)
    assert "Asiakas, Aino" not in html
    assert "Ei myöhässä olevia tehtäviä." in html
    assert not AccessLog.objects.filter(user=office.colleague.user).exists()


def test_team_lead_sees_caseloads_and_overdue_by_counsellor_as_counts(
        client: Any, office: Office, make_staff: Callable[..., StaffProfile]) -> None:
    lead = make_staff(Role.TEAM_LEAD, area="kuopio", team="Alkupalvelu")
    html = _page(client, lead)
    _only_own_marks(html, Role.TEAM_LEAD)
    assert office.counsellor.user.get_username() in html
    assert "Asiakas, Aino" not in html  # counts only: no client is named
    assert f'{reverse("casework:worklist")}?rajaus=team' in html
    assert not AccessLog.objects.filter(user=lead.user).exists()


def test_manager_sees_programme_status_or_its_link_and_alerts(client: Any, office: Office) -> None:
    html = _page(client, office.manager)
    _only_own_marks(html, Role.MANAGER)
    assert reverse("municipal_share:warnings") in html
    assert reverse("kpi:programme") in html
    assert "Asiakas, Aino" not in html


def test_manager_sees_goals_once_the_programme_page_has_computed_them(
        client: Any, make_staff: Callable[..., StaffProfile]) -> None:
    from polku.core import precomputed
    from polku.kpi.programme import programme_import
    from polku.kpi.programme_figures import PROGRAMME_YEARS, years_request

    programme = programme_import((Path(kpi_data.__file__).parent / "data/programmes/sotkamo-2022-2025.json").read_bytes())
    manager = make_staff(Role.MANAGER, area="kainuu-trial")
    assert "lasketaan ohjelman sivulla" in _page(client, manager)
    # As the worker does when the programme page has asked for the figures.
    precomputed.compute_now(PROGRAMME_YEARS, **years_request(programme, timezone.localdate().year, as_of=None,
                                                            suppress=False))
    html = _page(client, manager)
    assert "lasketaan ohjelman sivulla" not in html
    assert "kpi-status--" in html


def test_manager_sees_the_employer_services_figures_once_computed(client: Any, office: Office,
                                                                  django_capture_on_commit_callbacks: Any) -> None:
    """Profile coverage, employer contacts, job offers and offers leading to work: links to their indicator pages
    until the page has computed them, then the latest month."""
    html = _page(client, office.manager)
    for code in ("competence_profile_coverage", "employer_contacts", "job_offers", "job_offers_to_work_share"):
        assert reverse("kpi:indicator", kwargs={"code": code}) in html
    assert reverse("employer_services:figures") in html
    assert html.count("avaa mittari nähdäksesi luvut") == 6  # and the two feedback figures of the area
    client.get(reverse("kpi:indicator", kwargs={"code": "employer_contacts"}))  # computes and caches
    assert client.get("/").content.decode().count("avaa mittari nähdäksesi luvut") == 5
    from polku.core import precomputed

    with django_capture_on_commit_callbacks(execute=True):  # an offer or contact recorded somewhere
        precomputed.new_named_generation(precomputed.RECORDED_FACTS)
    # The page shows the last figure computed meanwhile, not a link in its place.
    assert client.get("/").content.decode().count("avaa mittari nähdäksesi luvut") == 5


def test_manager_sees_the_areas_client_feedback(client: Any, office: Office) -> None:
    """Sotkamo's "client experiences are positive": the area's share of positive answers and of those who found the
    service useful, linked to their indicator pages for the area, and to the figures per service and team."""
    from polku.kpi.presenters import scopes_for

    html = _page(client, office.manager)
    area = next(s for s in scopes_for(office.manager.user) if s.kind == "area")
    for code in ("client_feedback_positive_share", "client_feedback_useful_share"):
        assert f'{reverse("kpi:indicator", kwargs={"code": code})}?scope={area.code}' in html
    assert reverse("portal_staff:service_change") in html
    assert f"Asiakaspalaute: {area.name}" in html
    # Once the indicator page has computed it: the latest ended month's figure (this month's is never counted).
    from polku.access.models import Team
    from polku.core.calendar import add_months, month_start
    from polku.portal.models import FeedbackAnswer

    team = Team.objects.filter(area__code=area.code).first()
    last_month = add_months(month_start(timezone.localdate()), -1)
    for month, answers in ((last_month, (True, True, True, True, True, False)), (add_months(last_month, -1), (True,))):
        for useful in answers:
            FeedbackAnswer.objects.create(kind="half_year", team=team, area_id=team.area_id if team else None,
                                          month=month, satisfaction=5, useful=useful)
    indicator = client.get(reverse("kpi:indicator", kwargs={"code": "client_feedback_useful_share"}),
                           {"scope": area.code}).content.decode()
    assert "&lt; 5" in indicator  # the month of one answer: hidden from the manager too, and said so
    assert "None" not in indicator
    html = client.get("/").content.decode()
    assert f"<strong>83,3</strong> % ({last_month.month}/{last_month.year})" in html


def test_analyst_sees_data_freshness_and_model_fit(client: Any, make_staff: Callable[..., StaffProfile]) -> None:
    ExchangeRun.objects.create(kind=RunKind.IMPORT, status=RunStatus.DONE, profile="polku")
    html = _page(client, make_staff(Role.ANALYST, area="kuopio"))
    _only_own_marks(html, Role.ANALYST)
    assert "Viimeisin tuonti" in html
    assert "valmis" in html
    assert "Alueellesi ei ole vielä tallennettu ennustemallin sovitusta." in html
    assert reverse("forecast:forecast") in html


def test_elected_official_sees_headline_kpis_as_aggregates(client: Any, office: Office) -> None:
    html = _page(client, office.elected)
    _only_own_marks(html, Role.ELECTED_OFFICIAL)
    assert reverse("kpi:indicator", kwargs={"code": "unemployed_jobseekers"}) in html
    assert "avaa mittari nähdäksesi luvut" in html  # not computed lately: a link, never an engine run
    assert "Asiakas, Aino" not in html
    assert reverse("web:person_list") not in html
    client.get(reverse("kpi:indicator", kwargs={"code": "unemployed_jobseekers"}))  # computes and caches
    html = client.get("/").content.decode()
    assert "piilotettu (pieni luku)" in html or "<strong>" in html


def test_dpo_sees_refused_accesses(client: Any, office: Office, make_staff: Callable[..., StaffProfile]) -> None:
    log_refused(user=office.other_team.user, person_ids=[office.client.pk], action=AccessAction.PERSON_TIMELINE,
                purpose="asiakastyö", channel=AccessChannel.WEB)
    html = _page(client, make_staff(Role.DPO, area=None))
    _only_own_marks(html, Role.DPO)
    assert office.other_team.user.get_username() in html
    assert reverse("web:access_log") + "?action=access_refused" in html
    assert reverse("privacy:index") in html


def test_data_steward_sees_import_status(client: Any, make_staff: Callable[..., StaffProfile]) -> None:
    run = ExchangeRun.objects.create(kind=RunKind.IMPORT, status=RunStatus.FAILED, profile="polku")
    ExchangeRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=1))
    html = _page(client, make_staff(Role.DATA_STEWARD, area="kuopio"))
    _only_own_marks(html, Role.DATA_STEWARD)
    assert reverse("exchange:run", kwargs={"run_id": run.pk}) in html
    assert "keskeytyi virheeseen" in html
    assert reverse("exchange:imports") in html


def test_admin_gets_administration_links(client: Any, make_staff: Callable[..., StaffProfile]) -> None:
    html = _page(client, make_staff(Role.ADMIN, area=None))
    _only_own_marks(html, Role.ADMIN)
    assert reverse("admin:index") in html


@pytest.mark.parametrize("language", ["sv", "en"])
def test_start_pages_are_translated(client: Any, office: Office, language: str) -> None:
    client.force_login(office.counsellor.user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = client.get("/").content.decode()
    assert "Tänään" not in html
    assert "Uudet asiakkaat" not in html


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.TEAM_LEAD, Role.MANAGER, Role.ANALYST, Role.ELECTED_OFFICIAL,
                                  Role.DPO, Role.DATA_STEWARD, Role.ADMIN])
def test_start_page_reads_a_bounded_number_of_queries(client: Any, office: Office, role: str,
                                                      make_staff: Callable[..., StaffProfile],
                                                      django_assert_max_num_queries: Any) -> None:
    """A start page is a handful of queries, never one per client or per row (no engine runs)."""
    profile = office.counsellor if role == Role.COUNSELLOR else make_staff(role, area="kuopio", team="Alkupalvelu")
    client.force_login(profile.user)
    with django_assert_max_num_queries(35):  # the manager's: programmes, two sets of headline figures, alerts
        assert client.get("/").status_code == 200


@pytest.mark.django_db(transaction=True)  # the worker runs its jobs in transactions
def test_headline_figures_come_from_the_worker_without_anyone_opening_an_indicator(
        client: Any, office: Office, settings: Any) -> None:
    """With the product's default (the worker computes the indicator pages' values), the first visit of a start page
    queues its headline figures instead of only linking to them; once the worker has run they are shown."""
    from django_tasks_db.models import DBTaskResult

    from polku.core.precomputed import REFRESH_PRIORITY
    from polku.jobs.worker import run_worker

    settings.POLKU_KPI_PAGE_WORKER = True
    html = _page(client, office.elected)
    linked = html.count("avaa mittari nähdäksesi luvut")
    assert linked >= 4  # nothing computed yet: a link each, never an engine run in the page
    assert DBTaskResult.objects.count() >= 4  # … and the worker's jobs queued, once each …
    assert set(DBTaskResult.objects.values_list("priority", flat=True)) == {REFRESH_PRIORITY}  # … behind readers'
    queued = DBTaskResult.objects.count()
    _page(client, office.elected)
    assert DBTaskResult.objects.count() == queued
    run_worker()
    html = client.get("/").content.decode()
    assert html.count("avaa mittari nähdäksesi luvut") < linked
    assert "piilotettu (pieni luku)" in html or "<strong>" in html
    if "<strong>" in html:  # a figure's month as the pages write one ("12/2026"), not the API's "2026-12"
        assert re.search(r"</strong>(?: %)? \(\d{1,2}/\d{4}\)", html)
        assert not re.search(r"</strong>(?: %)? \(\d{4}-\d{2}\)", html)
