"""Issue 19, item 2: need to know, and break-glass.

A counsellor reaches their own clients (a current assignment) and their team's, not every resident of the area;
a person outside that scope opens only through the break-glass step — a stated reason, a grant for one person for a
limited time, a ``break_glass`` row in the access log and a line in the data protection officer's flagged list.
Analysts and the data protection officer get no named worklist; only the roles that may change a forecast refit it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from polku.access import policy
from polku.access.models import AccessAction, AccessLog, BreakGlassGrant, Role, StaffProfile
from polku.casework.models import CaseAssignment
from polku.people.models import Person
from tests.api_helpers import client_for
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db

REASON = "Asiakas soitti päivystykseen, oma ohjaaja on lomalla; tarkistan työnhaun tilan."


@pytest.fixture
def counsellor(make_staff: Any) -> StaffProfile:
    return make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")


@pytest.fixture
def resident(make_person: Any) -> Person:
    """A Kuopio resident on no one's team and no one's caseload (employed, say)."""
    return make_person(first_names="Ulla", last_name="Ulkopuolinen", municipality="297")


def login(profile: StaffProfile) -> Client:
    return client_for(profile)


def test_counsellor_sees_own_and_team_clients_not_the_area(counsellor: StaffProfile, make_person: Any,
                                                           resident: Person) -> None:
    team_client = make_person(municipality="297", team_id=counsellor.team_id)
    own_client = make_person(municipality="749")  # on another team's books, but assigned to this counsellor
    CaseAssignment.objects.create(person=own_client, counsellor=counsellor.user, valid_from=date(2025, 1, 1),
                                  started_at=timezone.now())
    visible = set(policy.persons_visible_to(counsellor.user).values_list("pk", flat=True))
    assert visible == {team_client.pk, own_client.pk}
    assert resident.pk not in visible
    assert policy.allows(counsellor.user, policy.Capability.VIEW_PERSONS, own_client)
    assert not policy.allows(counsellor.user, policy.Capability.VIEW_PERSONS, resident)


def test_team_lead_sees_the_team_and_manager_the_area(make_staff: Any, make_person: Any, resident: Person) -> None:
    lead = make_staff(Role.TEAM_LEAD, area="kuopio", team="Alkupalvelu")
    team_client = make_person(municipality="297", team_id=lead.team_id)
    assert set(policy.persons_visible_to(lead.user).values_list("pk", flat=True)) == {team_client.pk}
    manager = make_staff(Role.MANAGER, area="kuopio")
    assert {team_client.pk, resident.pk} <= set(policy.persons_visible_to(manager.user).values_list("pk", flat=True))


def test_counsellor_is_refused_a_resident_outside_scope(counsellor: StaffProfile, resident: Person) -> None:
    client = login(counsellor)
    response = client.get(f"/henkilot/{resident.pk}/")
    assert response.status_code == 403
    assert resident.last_name not in response.content.decode()
    assert f"/henkilot/{resident.pk}/poikkeuksellinen-paasy/" in response.content.decode()  # the way in is offered
    assert list(AccessLog.objects.filter(person_id=resident.pk).values_list("action", flat=True)) == [
        AccessAction.ACCESS_REFUSED]
    assert f"/henkilot/{resident.pk}/" not in client.get("/henkilot/", {"q": "Ulkopuolinen"}).content.decode()


def test_break_glass_without_a_reason_is_refused(counsellor: StaffProfile, resident: Person) -> None:
    client = login(counsellor)
    url = f"/henkilot/{resident.pk}/poikkeuksellinen-paasy/"
    form = client.get(url)
    assert form.status_code == 200
    assert resident.last_name not in form.content.decode()  # the form names no one before access
    for reason in ("", "   ", "tarve"):
        response = client.post(url, {"reason": reason})
        assert response.status_code == 400
        assert 'class="error-summary"' in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert client.get(f"/henkilot/{resident.pk}/").status_code == 403
    actions = list(AccessLog.objects.filter(person_id=resident.pk).values_list("action", "purpose"))
    assert {action for action, _ in actions} == {AccessAction.ACCESS_REFUSED}
    assert any(purpose.startswith("break_glass:") for _, purpose in actions)


def test_break_glass_with_a_reason_opens_one_person_for_a_limited_time(counsellor: StaffProfile, resident: Person,
                                                                      make_person: Any) -> None:
    client = login(counsellor)
    code = next_artificial_id(date(1985, 5, 5))
    response = client.post(f"/henkilot/{resident.pk}/poikkeuksellinen-paasy/", {"reason": f"{REASON} {code}"})
    assert response.status_code == 302
    assert response["Location"] == f"/henkilot/{resident.pk}/"
    page = client.get(f"/henkilot/{resident.pk}/")
    assert page.status_code == 200
    assert "Ulkopuolinen" in page.content.decode()
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.person_id) == (counsellor.user, resident.pk)
    assert code not in grant.reason
    assert "[henkilötunnus]" in grant.reason
    assert timedelta(minutes=59) < grant.expires_at - grant.granted_at <= policy.BREAK_GLASS_DURATION
    logged = AccessLog.objects.get(person_id=resident.pk, action=AccessAction.BREAK_GLASS)
    assert logged.purpose.startswith(REASON[:50])
    assert code not in logged.purpose
    # One person only: a second resident stays closed, and the first is not added to lists or worklists.
    other = make_person(municipality="297")
    assert client.get(f"/henkilot/{other.pk}/").status_code == 403
    assert not policy.persons_visible_to(counsellor.user).filter(pk=resident.pk).exists()
    # Reads only: recording facts for the person still needs the person in scope.
    assert not policy.allows(counsellor.user, policy.Capability.RECORD_PERSON_DATA, resident)
    # When the grant lapses, the person is closed again.
    BreakGlassGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/henkilot/{resident.pk}/").status_code == 403


def test_break_glass_is_for_person_level_roles_only(make_staff: Any, resident: Person) -> None:
    for role in (Role.ANALYST, Role.ELECTED_OFFICIAL, Role.DATA_STEWARD):
        client = login(make_staff(role, area="kuopio"))
        response = client.post(f"/henkilot/{resident.pk}/poikkeuksellinen-paasy/", {"reason": REASON})
        assert response.status_code == 403, role
    assert not BreakGlassGrant.objects.exists()
    assert set(AccessLog.objects.filter(person_id=resident.pk).values_list("action", flat=True)) == {
        AccessAction.ACCESS_REFUSED}


def test_the_data_protection_officer_sees_the_flagged_access(counsellor: StaffProfile, resident: Person,
                                                             make_staff: Any) -> None:
    login(counsellor).post(f"/henkilot/{resident.pk}/poikkeuksellinen-paasy/", {"reason": REASON})
    dpo = login(make_staff(Role.DPO, area=None))
    page = dpo.get("/tietosuoja/poikkeukselliset-paasyt/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ulkopuolinen, Ulla" in text  # whom, by name
    assert f'href="/henkilot/{resident.pk}/"' in text  # with a link to the record
    assert counsellor.user.get_username() in text  # who
    assert REASON in text  # why
    assert "voimassa" in text  # until when
    # The flagged list is the data protection officer's (and administrators'): not the counsellor's.
    assert login(counsellor).get("/tietosuoja/poikkeukselliset-paasyt/").status_code == 403
    # The access log names the action in the reader's language, not its code.
    log_page = dpo.get("/tietosuoja/lokit/", {"action": AccessAction.BREAK_GLASS.value}).content.decode()
    assert "Poikkeuksellinen pääsy perustellen" in log_page


def test_analysts_and_the_data_protection_officer_get_no_named_worklist(make_staff: Any) -> None:
    for role, area in ((Role.ANALYST, "kuopio"), (Role.DPO, None)):
        client = login(make_staff(role, area=area))
        assert client.get("/asiakastyo/").status_code == 403, role
        assert client.get("/api/casework/worklist").status_code == 403, role
    analyst = login(make_staff(Role.ANALYST, area="kuopio"))
    assert analyst.get("/asiakastyo/asiakasmaarat/").status_code == 200  # caseloads are counts, not names


def test_only_roles_that_change_forecasts_refit_them(make_staff: Any) -> None:
    for role in (Role.COUNSELLOR, Role.TEAM_LEAD, Role.DPO, Role.DATA_STEWARD, Role.ELECTED_OFFICIAL):
        assert not policy.may_refit_forecast(make_staff(role, area="kuopio").user), role
    for role in (Role.MANAGER, Role.ANALYST, Role.ADMIN):
        assert policy.may_refit_forecast(make_staff(role, area="kuopio").user), role
    client = login(make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu"))
    assert client.post("/ennusteet/sovita/", {"alue": "kuopio"}).status_code == 403


# --- break-glass by identity code: the way to a person who is in none of the user's lists --------------------------

LOOKUP = "/henkilot/poikkeuksellinen-paasy/"


def test_break_glass_by_identity_code_opens_a_person_outside_scope(counsellor: StaffProfile,
                                                                   make_person: Any) -> None:
    code = next_artificial_id(date(1979, 3, 3))
    resident = make_person(first_names="Ulla", last_name="Ulkopuolinen", municipality="297", personal_id_code=code)
    client = login(counsellor)
    assert LOOKUP in client.get("/henkilot/").content.decode()  # offered beside the searches
    response = client.post(LOOKUP, {"personal_id": code, "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == f"/henkilot/{resident.pk}/"
    assert code not in response["Location"]
    assert client.get(response["Location"]).status_code == 200
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.person_id) == (counsellor.user, resident.pk)
    logged = AccessLog.objects.get(person_id=resident.pk, action=AccessAction.BREAK_GLASS)
    assert logged.purpose.startswith(REASON[:50])
    assert not AccessLog.objects.filter(purpose__contains=code).exists()


def test_break_glass_by_identity_code_tells_nothing_before_the_reason(counsellor: StaffProfile,
                                                                      make_person: Any) -> None:
    code = next_artificial_id(date(1979, 3, 4))
    make_person(last_name="Ulkopuolinen", municipality="297", personal_id_code=code)
    unknown = next_artificial_id(date(1979, 3, 5))
    client = login(counsellor)
    answers = []
    for tried in (code, unknown):
        response = client.post(LOOKUP, {"personal_id": tried, "reason": ""})
        assert response.status_code == 400
        page = response.content.decode()
        assert tried not in page  # never echoed back
        assert "Ulkopuolinen" not in page
        answers.append(page.replace(str(response.context["csrf_token"]), ""))
    assert answers[0].count("Kirjoita perustelu") == answers[1].count("Kirjoita perustelu") > 0
    assert not BreakGlassGrant.objects.exists()
    refused = list(AccessLog.objects.filter(action=AccessAction.ACCESS_REFUSED).values_list("person_id", "purpose"))
    assert len(refused) == 2
    assert all(person is None for person, _ in refused)


def test_break_glass_by_identity_code_of_no_one_is_logged_and_says_so(counsellor: StaffProfile) -> None:
    unknown = next_artificial_id(date(1979, 3, 6))
    response = login(counsellor).post(LOOKUP, {"personal_id": unknown, "reason": REASON})
    assert response.status_code == 400
    assert "Henkilötunnuksella ei löytynyt henkilöä." in response.content.decode()
    assert unknown not in response.content.decode()
    row = AccessLog.objects.get(action=AccessAction.ACCESS_REFUSED)
    assert row.person_id is None
    assert unknown not in row.purpose
    assert REASON[:40] in row.purpose
    assert not BreakGlassGrant.objects.exists()


def test_break_glass_by_identity_code_of_an_own_client_is_a_plain_lookup(counsellor: StaffProfile,
                                                                         make_person: Any) -> None:
    code = next_artificial_id(date(1979, 3, 7))
    own = make_person(municipality="297", team_id=counsellor.team_id, personal_id_code=code)
    response = login(counsellor).post(LOOKUP, {"personal_id": code, "reason": REASON})
    assert response["Location"] == f"/henkilot/{own.pk}/"
    assert not BreakGlassGrant.objects.exists()
    assert AccessLog.objects.filter(person_id=own.pk, action=AccessAction.PERSON_LOOKUP).count() == 1


def test_break_glass_by_identity_code_is_for_person_level_roles_only(make_staff: Any, make_person: Any) -> None:
    code = next_artificial_id(date(1979, 3, 8))
    make_person(municipality="297", personal_id_code=code)
    for role in (Role.ANALYST, Role.ELECTED_OFFICIAL, Role.DATA_STEWARD, Role.JOB_AGENT):
        client = login(make_staff(role, area="kuopio"))
        assert LOOKUP not in client.get("/henkilot/").content.decode()
        assert client.post(LOOKUP, {"personal_id": code, "reason": REASON}).status_code == 403, role
    assert not BreakGlassGrant.objects.exists()
