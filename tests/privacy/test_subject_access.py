"""Subject access (GDPR art. 15): everything about one person and the access log about them, nothing of anyone else;
only the data protection officer and administrators; the identity code never in an address or a log."""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from polku.access.models import AccessAction, AccessLog, Role
from polku.access.services import log_person_reads
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clients(client_with_history: Any) -> tuple[Any, Any, str]:
    code = next_artificial_id(date(1979, 5, 6))
    subject = client_with_history(ended=date(2020, 6, 30), last_name="Tarkastettava", code=code)
    other = client_with_history(ended=None, last_name="Sivullinen")
    return subject, other, code


def _dpo_client(make_staff: Any) -> tuple[Client, Any]:
    dpo = make_staff(Role.DPO, area=None)
    client = Client()
    client.force_login(dpo.user)
    return client, dpo.user


def test_export_holds_the_person_and_their_access_log_and_no_one_else(two_clients: Any, make_staff: Any) -> None:
    subject, other, _code = two_clients
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu-trial").user
    log_person_reads(user=counsellor, person_ids=[subject.pk, other.pk], action=AccessAction.PERSON_LIST,
                     purpose="asiakastyö", channel="web")
    client, _dpo = _dpo_client(make_staff)
    page = client.get(f"/tietosuoja/rekisteroity/{subject.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tarkastettava" in html
    assert "Muistiinpano Tarkastettava" in html
    assert "Sivullinen" not in html
    assert str(other.pk) not in html
    download = client.get(f"/tietosuoja/rekisteroity/{subject.pk}/tiedot.json")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    data = json.loads(download.content)
    text = json.dumps(data, ensure_ascii=False)
    assert "Sivullinen" not in text
    assert str(other.pk) not in text
    sections = {s["key"]: s for s in data["sections"]}
    assert sections["people.person"]["rows"][0]["last_name"] == "Tarkastettava"
    assert len(sections["timeline.benefitmonth"]["rows"]) == 2
    # The ended job search: both versions, the correction history included.
    assert len(sections["timeline.jobsearchperiod"]["rows"]) == 2
    assert sections["casework.meeting"]["rows"][0]["notes"] == "Muistiinpano Tarkastettava"
    log = sections["access.accesslog"]["rows"]
    assert {row["action"] for row in log} >= {"person_list", "subject_access", "subject_access_download"}
    assert any(row["actor"] == counsellor.get_username() for row in log)
    assert set(AccessLog.objects.filter(action__startswith="subject_access").values_list("person_id", flat=True)) == {
        subject.pk}


def test_every_person_model_is_a_section(two_clients: Any, make_staff: Any) -> None:
    from polku.privacy.registry import person_models

    client, _dpo = _dpo_client(make_staff)
    data = json.loads(client.get(f"/tietosuoja/rekisteroity/{two_clients[0].pk}/tiedot.json").content)
    assert {s["key"] for s in data["sections"]} == {m.key for m in person_models()} | {"access.accesslog"}


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.TEAM_LEAD, Role.MANAGER, Role.ANALYST, Role.ELECTED_OFFICIAL,
                                  Role.DATA_STEWARD])
def test_other_roles_are_refused_and_the_attempt_logged(two_clients: Any, make_staff: Any, role: str) -> None:
    subject, _other, code = two_clients
    user = make_staff(role, area="kainuu-trial").user
    client = Client()
    client.force_login(user)
    for url in (f"/tietosuoja/rekisteroity/{subject.pk}/", f"/tietosuoja/rekisteroity/{subject.pk}/tiedot.json"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Tarkastettava" not in response.content.decode()
    assert client.post("/tietosuoja/", {"personal_id": code}).status_code == 403
    for url in ("/tietosuoja/", "/tietosuoja/sailytysajat/", "/tietosuoja/seloste/", "/tietosuoja/seloste/seloste.json"):
        assert client.get(url).status_code == 403
    refused = AccessLog.objects.filter(person_id=subject.pk, user=user)
    assert set(refused.values_list("action", flat=True)) == {AccessAction.ACCESS_REFUSED}
    assert refused.count() == 3


def test_lookup_by_identity_code_is_posted_and_never_in_an_address_or_log(two_clients: Any, make_staff: Any) -> None:
    subject, _other, code = two_clients
    client, _dpo = _dpo_client(make_staff)
    response = client.post("/tietosuoja/", {"personal_id": code})
    assert response.status_code == 302
    assert response["Location"] == f"/tietosuoja/rekisteroity/{subject.pk}/"
    page = client.get(response["Location"])
    assert code not in page.content.decode()
    wrong = client.post("/tietosuoja/", {"personal_id": code[:-1] + ("X" if code[-1] != "X" else "Y")})
    assert wrong.status_code == 400
    assert code[:-1] not in wrong.content.decode()
    for row in AccessLog.objects.all():
        assert code not in f"{row.actor} {row.purpose}"
        assert code[:6] not in row.purpose


def test_the_command_reads_the_code_from_stdin_and_logs(two_clients: Any, make_staff: Any, tmp_path: Path,
                                                        monkeypatch: Any) -> None:
    subject, _other, code = two_clients
    dpo = make_staff(Role.DPO, area=None).user
    monkeypatch.setattr(sys, "stdin", io.StringIO(code + "\n"))
    out = tmp_path / "rekisteroity.json"
    call_command("subject_access", "-", "--user", dpo.get_username(), "--out", str(out), stdout=io.StringIO())
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["person_id"] == str(subject.pk)
    assert (out.stat().st_mode & 0o777) == 0o600
    row = AccessLog.objects.get(action=AccessAction.CLI_SUBJECT_ACCESS)
    assert (row.person_id, row.channel) == (subject.pk, "cli")
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu-trial").user
    with pytest.raises(CommandError):
        call_command("subject_access", str(subject.pk), "--user", counsellor.get_username(), "--out",
                     str(tmp_path / "ei.json"), stdout=io.StringIO())
    assert not (tmp_path / "ei.json").exists()
    assert AccessLog.objects.filter(user=counsellor, person_id=subject.pk, action=AccessAction.ACCESS_REFUSED).exists()
    for row in AccessLog.objects.all():
        assert code not in f"{row.actor} {row.purpose}"


def test_the_due_table_row_names_its_kinds_in_words(make_person: Any) -> None:
    """The client's row of the due-items table keeps its items' kinds as bits; the export names them as the
    worklist does, never the stored numbers or codes."""
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.translation import override

    from polku.casework import due_table
    from polku.casework.labels import KIND_LABELS
    from polku.casework.models import DueItemRow
    from polku.privacy.subject_access import collect
    from polku.timeline import services

    today = timezone.localdate()
    person = make_person(municipality="297", since=date(2000, 1, 1))
    services.status_spell_record(person=person, status="unemployed", start_date=today - timedelta(days=300))
    services.job_search_open(person=person, registered_on=today - timedelta(days=200))  # no interview, no plan
    due_table.rebuild(today)
    overdue = [kind.value for kind in due_table.KIND_BITS
               if DueItemRow.objects.filter(client_id=person.pk, kind=kind, due_on__lt=today).exists()]
    assert {"initial_interview", "no_plan"} <= set(overdue)
    with override("fi"):
        section = next(s for s in collect(person, produced_by="test").sections if s.key == "casework.clientdue")
        shown = dict(zip([name for name, _label in section.columns], section.rows[0], strict=True))
        assert shown["overdue_kinds"] == ", ".join(str(KIND_LABELS[kind]) for kind in overdue)
        assert shown["overdue_kinds"].startswith("Alkuhaastattelu, Ei työllistymissuunnitelmaa")
        assert shown["next_kind"] in {str(KIND_LABELS[kind]) for kind in overdue}
    assert section.records[0]["overdue_kinds"] == overdue  # the machine-readable export: the kinds' codes
