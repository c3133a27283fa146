"""Case work through the pages, the API and the CLI: same rules, same errors, access checked and logged."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from polku.access.models import AccessLog, StaffProfile
from polku.casework import services
from polku.casework.models import EmploymentPlan, Meeting
from polku.timeline.models import JobSearchPeriod
from tests.casework.conftest import Office

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def login(client: Any, profile: StaffProfile) -> None:
    client.force_login(profile.user)  # the login form itself, with its lockout, is tested in tests/access


def _plan_post(**overrides: Any) -> dict[str, Any]:
    data = {"drawn_up_on": TODAY.isoformat(), "valid_until": (TODAY + timedelta(days=90)).isoformat(),
            "agreed_actions": "Hakee neljää työpaikkaa kuukaudessa", "obligation_basis": "standard",
            "applications_required": "4", "next_meeting_on": (TODAY + timedelta(days=14)).isoformat(), "version": ""}
    data.update(overrides)
    return data


# --- pages ------------------------------------------------------------------------------------------------------


def test_worklist_page_lists_my_overdue_initial_interview_and_logs_it(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    page = client.get("/asiakastyo/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Asiakas, Aino" in text
    assert "Alkuhaastattelu" in text
    assert "Muu, Aino" not in text  # another team's client
    assert AccessLog.objects.filter(person_id=office.client.pk, action="worklist").count() == 1
    filtered = client.get("/asiakastyo/", {"laji": "plan_expiring"}).content.decode()
    assert "Asiakas, Aino" not in filtered
    # Another day is computed live, from the access policy's persons (built only then): the same team's clients.
    tomorrow = client.get("/asiakastyo/", {"paiva": (TODAY + timedelta(days=1)).isoformat(), "rajaus": "team"})
    assert tomorrow.status_code == 200
    assert "Asiakas, Aino" in tomorrow.content.decode()
    assert "Muu, Aino" not in tomorrow.content.decode()


def test_the_worklist_names_the_counsellor_as_people_do(client: Any, office: Office) -> None:
    """The "Ohjaaja" column shows the counsellor's name, as the start pages do; the login name only where no name is
    recorded. The API keeps the login name."""
    user = office.counsellor.user
    user.first_name, user.last_name = "Maija", "Virtanen"
    user.save(update_fields=["first_name", "last_name"])
    login(client, office.counsellor)
    text = client.get("/asiakastyo/").content.decode()
    assert "Maija Virtanen" in text
    assert f">{user.get_username()}<" not in text
    assert client.get("/api/casework/worklist").json()["items"][0]["counsellor"] == user.get_username()
    login(client, office.other_team)  # no name recorded: the login name
    assert f">{office.other_team.user.get_username()} <" in client.get("/asiakastyo/").content.decode()


def test_elected_official_gets_no_worklist(client: Any, office: Office) -> None:
    login(client, office.elected)
    assert client.get("/asiakastyo/").status_code == 403
    assert client.get(f"/asiakastyo/henkilot/{office.client.pk}/tapaaminen/").status_code == 403


def test_counsellor_of_another_team_cannot_record(client: Any, office: Office) -> None:
    login(client, office.other_team)
    response = client.post(f"/asiakastyo/henkilot/{office.client.pk}/tapaaminen/",
                           {"held_on": TODAY.isoformat(), "kind": "initial_interview", "channel": "phone"})
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_meeting_form_refuses_future_held_meeting_then_records(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    url = f"/asiakastyo/henkilot/{office.client.pk}/tapaaminen/"
    refused = client.post(url, {"held_on": (TODAY + timedelta(days=2)).isoformat(), "kind": "initial_interview",
                                "channel": "video", "notes": "Sovittu etukäteen"})
    assert refused.status_code == 400
    assert "tulevaisuudessa" in refused.content.decode()
    assert "Sovittu etukäteen" in refused.content.decode()  # the typed notes are kept
    assert not Meeting.objects.exists()
    done = client.post(url, {"held_on": TODAY.isoformat(), "kind": "initial_interview", "channel": "video"})
    assert done.status_code == 302
    assert Meeting.objects.get().kind == "initial_interview"
    record = client.get(f"/henkilot/{office.client.pk}/").content.decode()
    assert "Tapaaminen kirjattu." in record
    assert "alkuhaastattelu" in record
    # The rule's source in the reader's language, marked with it (a source the rule book has in Finnish only would
    # be marked Finnish on a Swedish or English page, for a screen reader).
    sources = {language: re.findall(rf'data-label="{label}"><span lang="(\w+)">(\w+)',
                                    client.get(f"/henkilot/{office.client.pk}/",
                                               HTTP_ACCEPT_LANGUAGE=language).content.decode())
               for language, label in (("fi", "Peruste"), ("sv", "Grund"), ("en", "Basis"))}
    assert sources["fi"]
    assert len(sources["fi"]) == len(sources["sv"]) == len(sources["en"])
    for language, cited in sources.items():
        assert {marked for marked, _word in cited} == {language}
    first_words = {language: [word for _marked, word in cited] for language, cited in sources.items()}
    assert len({tuple(words) for words in first_words.values()}) == 3  # not one text marked as another language


def test_plan_form_obligation_out_of_range_names_the_field(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    response = client.post(f"/asiakastyo/henkilot/{office.client.pk}/suunnitelma/", _plan_post(applications_required="7"))
    assert response.status_code == 400
    assert "Hakuvelvollisuus on 0–4" in response.content.decode()
    assert not EmploymentPlan.objects.exists()


def test_plan_edited_by_two_counsellors_second_is_told_and_keeps_text(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    url = f"/asiakastyo/henkilot/{office.client.pk}/suunnitelma/"
    assert client.get(url).status_code == 200
    # Meanwhile a colleague saves the first version.
    services.plan_save(person=office.client, based_on_version=None, actor=office.colleague.user, data=services.PlanInput(
        drawn_up_on=TODAY, valid_until=TODAY + timedelta(days=60), agreed_actions="Kollegan versio",
        applications_required=3))
    conflict = client.post(url, _plan_post(agreed_actions="Oma versioni"))
    text = conflict.content.decode()
    assert conflict.status_code == 400
    assert "muutettu sillä välin" in text
    assert "Oma versioni" in text
    assert "Kollegan versio" in text
    assert EmploymentPlan.objects.get(superseded_at__isnull=True).agreed_actions == "Kollegan versio"
    # The re-rendered form now carries version 1: saving again goes through.
    assert 'name="version" value="1"' in text
    again = client.post(url, _plan_post(agreed_actions="Yhdistetty versio", version="1"))
    assert again.status_code == 302
    assert EmploymentPlan.objects.get(superseded_at__isnull=True).version == 2


def test_end_job_search_form_requires_a_reason(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    url = f"/asiakastyo/henkilot/{office.client.pk}/tyonhaun-paattaminen/"
    refused = client.post(url, {"ended_on": TODAY.isoformat(), "end_reason": ""})
    assert refused.status_code == 400
    assert "Valitse työnhaun päättymisen syy" in refused.content.decode()
    assert client.post(url, {"ended_on": TODAY.isoformat(), "end_reason": "studies"}).status_code == 302
    assert JobSearchPeriod.objects.get(person=office.client, superseded_at__isnull=True).end_reason == "studies"


def test_reassign_and_handover_pages(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    response = client.post(f"/asiakastyo/henkilot/{office.client.pk}/vastuuohjaaja/",
                           {"counsellor": str(office.colleague.user_id), "reason": "työkierto"})
    assert response.status_code == 302
    assert services.current_assignment(office.client).counsellor_id == office.colleague.user_id  # type: ignore[union-attr]
    handed = client.post(f"/asiakastyo/henkilot/{office.client.pk}/siirto/", {"team": "", "counsellor": ""})
    assert handed.status_code == 400
    assert "Valitse omavalmennustiimi" in handed.content.decode()


def test_caseload_page(client: Any, office: Office) -> None:
    login(client, office.manager)
    text = client.get("/asiakastyo/asiakasmaarat/").content.decode()
    assert office.counsellor.user.get_username() in text


# --- API ------------------------------------------------------------------------------------------------------------


def test_api_worklist_and_due_items(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    body = client.get("/api/casework/worklist", {"on": TODAY.isoformat()}).json()
    assert body["clients"] == 1
    assert body["counts"]["initial_interview"] == 1
    item = next(i for i in body["items"] if i["kind"] == "initial_interview")
    assert (item["state"], item["person_id"]) == ("overdue", str(office.client.pk))
    due = client.get(f"/api/casework/persons/{office.client.pk}/due").json()
    assert due["open_job_search"] is True
    assert {m["key"] for m in due["milestones"]} >= {"initial_interview_deadline", "intensive_period_ends"}
    bad = client.get("/api/casework/worklist", {"kind": "coffee"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "kind"


def test_api_meeting_and_plan_conflict(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    base = f"/api/casework/persons/{office.client.pk}"
    future = client.post(f"{base}/meetings", {"held_on": (TODAY + timedelta(days=1)).isoformat(), "kind": "initial_interview",
                                              "channel": "phone"}, content_type="application/json")
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "held_on"
    assert client.post(f"{base}/meetings", {"held_on": TODAY.isoformat(), "kind": "initial_interview", "channel": "phone"},
                       content_type="application/json").status_code == 201
    plan = {"drawn_up_on": TODAY.isoformat(), "valid_until": (TODAY + timedelta(days=30)).isoformat(),
            "agreed_actions": "API-suunnitelma", "applications_required": 4, "version": None}
    first = client.put(f"{base}/plan", plan, content_type="application/json")
    assert (first.status_code, first.json()["version"]) == (200, 1)
    stale = client.put(f"{base}/plan", plan, content_type="application/json")
    assert stale.status_code == 422
    assert stale.json()["errors"][0]["code"] == "conflict"
    record = client.get(f"{base}/record").json()
    assert record["plan"]["version"] == 1
    assert record["assignment"]["counsellor"] == office.counsellor.user.get_username()


def test_api_refuses_other_team_and_aggregate_roles(client: Any, office: Office) -> None:
    login(client, office.other_team)
    assert client.get(f"/api/casework/persons/{office.client.pk}/record").status_code == 403
    client.logout()
    login(client, office.elected)
    assert client.get("/api/casework/worklist").status_code == 403


def test_api_rules_document_sources_and_verification(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    rule_sets = {rs["code"]: rs for rs in client.get("/api/casework/rules").json()}
    assert rule_sets["pohjoismainen-2022"]["verified"] is True
    assert rule_sets["he-108-2025"]["rules"]["initial_interview"]["verified"] is False
    assert rule_sets["pohjoismainen-2022"]["rules"]["initial_interview"]["working_days"] == 5


# --- CLI ---------------------------------------------------------------------------------------------------------------


def test_cli_worklist_json(office: Office) -> None:
    out = StringIO()
    call_command("worklist", counsellor=office.counsellor.user.get_username(), date=TODAY.isoformat(), json=True, stdout=out)
    body = json.loads(out.getvalue())
    assert next(i["kind"] for i in body["items"] if i["person_id"] == str(office.client.pk)) == "initial_interview"
    assert AccessLog.objects.filter(person_id=office.client.pk, action="worklist", channel="cli").exists()
    with pytest.raises(CommandError, match="--date"):
        call_command("worklist", counsellor=office.counsellor.user.get_username(), date="31.12.2026")
    with pytest.raises(CommandError, match="--counsellor"):
        call_command("worklist", counsellor="nobody")


def test_team_lead_balances_caseloads(client: Any, office: Office, make_staff: Any) -> None:
    from polku.access.models import Role

    lead = make_staff(Role.TEAM_LEAD, area="kuopio", team="Alkupalvelu")
    login(client, office.counsellor)
    form = {"from_counsellor": str(office.counsellor.user_id), "to_counsellor": str(office.colleague.user_id), "count": "1"}
    assert client.post("/asiakastyo/asiakasmaarat/", form).status_code == 403
    client.logout()
    login(client, lead)
    same = client.post("/asiakastyo/asiakasmaarat/", {**form, "to_counsellor": str(office.counsellor.user_id)})
    assert same.status_code == 400
    assert "Siirto samalle ohjaajalle" in same.content.decode()
    preview = client.post("/asiakastyo/asiakasmaarat/", form)
    assert preview.status_code == 200
    moved = client.post("/asiakastyo/asiakasmaarat/", {**form, "vahvista": "1",
                                                       "esikatselu": preview.context["preview"].token})
    assert moved.status_code == 302
    assignment = services.current_assignment(office.client)
    assert assignment is not None
    assert (assignment.counsellor_id, assignment.reason) == (office.colleague.user_id, "asiakasmäärien tasaus")
    assert AccessLog.objects.filter(person_id=office.client.pk, action="assignment", user=lead.user).exists()


def test_worklist_of_one_counsellor_from_the_caseload(client: Any, office: Office) -> None:
    login(client, office.manager)
    page = client.get("/asiakastyo/", {"rajaus": "area", "ohjaaja": office.other_team.user_id}).content.decode()
    assert "Muu, Aino" in page
    assert "Asiakas, Aino" not in page
    assert f"Ohjaajan {office.other_team.user.get_username()} asiakkaat." in page


def test_refusals_come_in_the_users_language(client: Any, office: Office) -> None:
    login(client, office.counsellor)
    url = f"/asiakastyo/henkilot/{office.client.pk}/suunnitelma/"
    english = client.post(url, _plan_post(applications_required="7"), HTTP_ACCEPT_LANGUAGE="en")
    assert "The application obligation is 0–4 job opportunities a month; given 7." in english.content.decode()
    swedish = client.post(f"/asiakastyo/henkilot/{office.client.pk}/tyonhaun-paattaminen/",
                          {"ended_on": TODAY.isoformat(), "end_reason": ""}, HTTP_ACCEPT_LANGUAGE="sv")
    assert "Välj orsaken till att arbetssökandet avslutas." in swedish.content.decode()


def test_a_team_lead_without_own_clients_opens_the_worklist_on_the_team(client: Any, office: Office,
                                                                       make_staff: Any) -> None:
    from polku.access.models import Role

    lead = make_staff(Role.TEAM_LEAD, area="kuopio", team="Alkupalvelu")
    login(client, lead)
    page = client.get("/asiakastyo/")
    assert page.status_code == 200
    assert page.context["query"]["rajaus"] == "team"
    client.logout()
    login(client, office.counsellor)  # a counsellor with clients opens on their own
    assert client.get("/asiakastyo/").context["query"]["rajaus"] == "mine"


def test_caseload_transfer_is_previewed_confirmed_and_undone(client: Any, office: Office, make_staff: Any) -> None:
    """A team lead first sees who would move and the caseloads after; only the confirmation moves them, exactly
    those previewed; the transfer can be undone, and each step is access-logged."""
    from polku.access.models import Role
    from polku.casework.models import CaseloadTransfer

    lead = make_staff(Role.TEAM_LEAD, area="kuopio", team="Alkupalvelu")
    login(client, lead)
    form = {"from_counsellor": str(office.counsellor.user_id), "to_counsellor": str(office.colleague.user_id),
            "count": "1", "reason": "tasaus"}
    preview = client.post("/asiakastyo/asiakasmaarat/", form)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert office.client.last_name in page
    assert "Asiakasmäärät siirron jälkeen" in page
    assert services.current_assignment(office.client).counsellor_id == office.counsellor.user_id  # type: ignore[union-attr]
    assert AccessLog.objects.filter(person_id=office.client.pk, action="assignment", user=lead.user).exists()
    token = preview.context["preview"].token
    # A confirmation without the preview's token (or with one tampered) moves no one
    refused = client.post("/asiakastyo/asiakasmaarat/", {**form, "vahvista": "1", "esikatselu": token + "x"})
    assert refused.status_code == 400
    assert not CaseloadTransfer.objects.exists()
    moved = client.post("/asiakastyo/asiakasmaarat/", {**form, "vahvista": "1", "esikatselu": token})
    assert moved.status_code == 302
    transfer = CaseloadTransfer.objects.get()
    assert services.current_assignment(office.client).counsellor_id == office.colleague.user_id  # type: ignore[union-attr]
    assert "Peru siirto" in client.get("/asiakastyo/asiakasmaarat/").content.decode()
    # The same preview cannot be confirmed twice: the client is no longer the sender's
    again = client.post("/asiakastyo/asiakasmaarat/", {**form, "vahvista": "1", "esikatselu": token})
    assert again.status_code == 400
    undone = client.post(f"/asiakastyo/asiakasmaarat/siirrot/{transfer.pk}/peru/")
    assert undone.status_code == 302
    assert services.current_assignment(office.client).counsellor_id == office.counsellor.user_id  # type: ignore[union-attr]
    transfer.refresh_from_db()
    assert transfer.undone_at is not None
    assert client.post(f"/asiakastyo/asiakasmaarat/siirrot/{transfer.pk}/peru/").status_code == 302  # told: undone
    assert services.current_assignment(office.client).counsellor_id == office.counsellor.user_id  # type: ignore[union-attr]
    # A counsellor may not undo
    client.logout()
    login(client, office.counsellor)
    assert client.post(f"/asiakastyo/asiakasmaarat/siirrot/{transfer.pk}/peru/").status_code == 403
