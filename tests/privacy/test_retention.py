"""The retention job on a reference date: exactly the persons past the schedule are erased or pseudonymised, a dry run
changes nothing, a run is all or nothing, and pseudonymised facts keep counting in the indicators."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polku.access.models import AccessAction, AccessLog, Role
from polku.casework.models import Meeting
from polku.kpi.definitions import shipped_definitions
from polku.kpi.selectors import indicator_values, scope_for
from polku.people import personal_id
from polku.people.artificial import artificial_personal_id
from polku.people.models import Person
from polku.privacy import retention
from polku.privacy.models import Pseudonymisation, RetentionRun, RunStatus
from polku.privacy.schedule import add_years, load_schedule
from polku.timeline.models import BenefitMonth, JobSearchPeriod, StatusSpell
from polku.timeline.services import person_find_by_personal_id

pytestmark = pytest.mark.django_db

REFERENCE = date(2026, 12, 1)
CODE = artificial_personal_id(date(1970, 1, 1), 977)


def snapshot() -> dict[str, Any]:
    return {
        "persons": sorted((str(p.pk), p.last_name, p.first_names, p.personal_id_hash) for p in Person.objects.all()),
        "benefits": BenefitMonth.objects.count(), "spells": StatusSpell.objects.count(),
        "searches": JobSearchPeriod.objects.count(), "notes": sorted(Meeting.objects.values_list("notes", flat=True)),
        "pseudonyms": Pseudonymisation.objects.count(),
    }


@pytest.fixture
def register(client_with_history: Any) -> dict[str, Any]:
    """Past ten years (erased), past five (pseudonymised), within five (kept), and an open job search (kept)."""
    return {
        "erased": client_with_history(ended=date(2014, 3, 31), start=date(2012, 1, 2), last_name="Vanha"),
        "pseudonymised": client_with_history(ended=date(2020, 6, 30), start=date(2019, 1, 2), last_name="Keski",
                                             code=CODE),
        "kept": client_with_history(ended=date(2023, 1, 31), start=date(2022, 1, 3), last_name="Tuore"),
        "open": client_with_history(ended=None, start=date(2012, 1, 2), last_name="Avoin"),
    }


def run(user: Any, *, dry_run: bool, reference: date = REFERENCE) -> RetentionRun:
    new = retention.new_run(user=user, reference_date=reference, dry_run=dry_run, channel="cli", actor="testi")
    return retention.execute(new, user=user)


def test_the_schedule_marks_every_period_unverified() -> None:
    schedule = load_schedule()
    assert not schedule.verified
    assert {k.key for k in schedule.kinds} == {"case_texts", "identifiers", "facts", "access_log"}
    assert all(not k.verified and k.source and k.action in {"erase", "pseudonymise"} for k in schedule.kinds)


def test_a_dry_run_changes_nothing_and_reports_what_it_would_do(register: dict[str, Any], make_staff: Any) -> None:
    dpo = make_staff(Role.DPO, area=None).user
    before = snapshot()
    done = run(dpo, dry_run=True)
    assert snapshot() == before
    assert done.status == RunStatus.DONE
    kinds = done.report["kinds"]
    assert kinds["facts"]["persons"] == 1
    assert kinds["identifiers"]["persons"] == 1
    assert kinds["case_texts"]["persons"] == 1  # the erased person's texts go with the person
    assert done.report["ended_relationships"] == 3
    assert "Vanha" not in json.dumps(done.report)


def test_a_run_erases_and_pseudonymises_exactly_the_persons_past_the_schedule(register: dict[str, Any],
                                                                              make_staff: Any) -> None:
    dpo = make_staff(Role.DPO, area=None).user
    done = run(dpo, dry_run=False)
    assert done.status == RunStatus.DONE
    assert not Person.objects.filter(pk=register["erased"].pk).exists()
    assert not BenefitMonth.objects.filter(person_id=register["erased"].pk).exists()
    pseudonym = Person.objects.get(pk=register["pseudonymised"].pk)
    assert (pseudonym.first_names, pseudonym.last_name) == ("", "Pseudonyymi")
    assert person_find_by_personal_id(CODE) is None
    assert personal_id.decrypt(pseudonym.personal_id_encrypted).startswith(retention.PSEUDONYM_PREFIX)
    assert BenefitMonth.objects.filter(person=pseudonym).count() == 2  # the facts stay under the pseudonym
    assert list(Meeting.objects.filter(person=pseudonym).values_list("notes", flat=True)) == [""]
    for name in ("kept", "open"):
        person = Person.objects.get(pk=register[name].pk)
        assert person.last_name in {"Tuore", "Avoin"}
        assert Meeting.objects.get(person=person).notes.startswith("Muistiinpano")
    logged = AccessLog.objects.filter(action=AccessAction.RETENTION_PERSON)
    assert set(logged.values_list("person_id", flat=True)) == {register["erased"].pk, register["pseudonymised"].pk}
    # Again on the same day: nothing more to do.
    again = run(dpo, dry_run=False)
    assert again.report["kinds"]["identifiers"]["persons"] == 0
    assert again.report["kinds"]["facts"]["persons"] == 0


def test_a_run_is_all_or_nothing(register: dict[str, Any], make_staff: Any, monkeypatch: Any) -> None:
    dpo = make_staff(Role.DPO, area=None).user
    before = snapshot()

    def broken(person_ids: list[Any]) -> int:
        raise RuntimeError("levy täynnä")

    monkeypatch.setattr(retention, "erase", broken)
    new = retention.new_run(user=dpo, reference_date=REFERENCE, dry_run=False, channel="cli", actor="testi")
    with pytest.raises(RuntimeError):
        retention.execute(new, user=dpo)
    assert snapshot() == before  # the pseudonymisation and the text erasure before the failure were rolled back
    new.refresh_from_db()
    assert new.status == RunStatus.FAILED
    assert not AccessLog.objects.filter(action=AccessAction.RETENTION_PERSON).exists()


def test_pseudonymised_facts_keep_counting_in_the_indicators(register: dict[str, Any], make_staff: Any) -> None:
    book = shipped_definitions()
    months = (date(2019, 1, 1), date(2020, 12, 1))

    def figures() -> list[Any]:
        return [(code, v.period, v.value) for code in ("unemployed_jobseekers", "job_searches_ended")
                for v in indicator_values(book.get(code), scope_for("765"), *months)]

    before = figures()
    assert any(value for _, _, value in before)
    pseudonymised = register["pseudonymised"].pk
    retention.pseudonymise([pseudonymised], None)
    assert Pseudonymisation.objects.filter(person_id=pseudonymised).exists()
    assert figures() == before


def test_old_access_log_rows_are_erased_by_their_own_age(make_staff: Any) -> None:
    dpo = make_staff(Role.DPO, area=None).user
    old = AccessLog.objects.create(actor="vanha", action=AccessAction.PERSON_LIST, purpose="x", channel="web")
    AccessLog.objects.filter(pk=old.pk).update(at=old.at.replace(year=2015))
    recent = AccessLog.objects.create(actor="uusi", action=AccessAction.PERSON_LIST, purpose="x", channel="web")
    done = run(dpo, dry_run=False)
    assert done.report["kinds"]["access_log"]["rows"] == 1
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert AccessLog.objects.filter(pk=recent.pk).exists()


def test_relationship_end() -> None:
    assert retention.relationship_end([]) is None
    assert retention.relationship_end([date(2020, 1, 1), None]) is None
    assert retention.relationship_end([date(2020, 1, 1)], [date(2021, 5, 1), None]) == date(2021, 5, 1)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=st.lists(st.integers(min_value=-400, max_value=400), min_size=1, max_size=5))
def test_exactly_the_persons_before_the_cutoff_are_past_it(offsets: list[int], client_with_history: Any) -> None:
    """Persons whose relationship ended some days before or after the five-year cutoff: the plan picks exactly those
    before it (the ten-year erasure is not reached)."""
    identifiers = load_schedule().kind("identifiers")
    assert identifiers is not None
    cutoff = add_years(REFERENCE, -identifiers.years)
    with transaction.atomic():
        ends = {}
        for offset in offsets:
            end = cutoff + timedelta(days=offset)
            person = client_with_history(ended=end, start=end - timedelta(days=40))
            ends[person.pk] = end
        due = retention.plan(load_schedule(), REFERENCE)
        assert set(due.due["identifiers"]) == {pk for pk, end in ends.items() if end < cutoff}
        assert due.due["facts"] == []
        transaction.set_rollback(True)


def test_the_command_runs_dry_and_refuses_other_roles(register: dict[str, Any], make_staff: Any) -> None:
    dpo = make_staff(Role.DPO, area=None).user
    out = io.StringIO()
    before = snapshot()
    call_command("retention_run", "--dry-run", "--date", REFERENCE.isoformat(), "--user", dpo.get_username(),
                 stdout=out)
    assert snapshot() == before
    assert "Kuivaharjoitus" in out.getvalue()
    assert "vahvistamaton" in out.getvalue()
    manager = make_staff(Role.MANAGER, area="kainuu-trial").user
    with pytest.raises(CommandError):
        call_command("retention_run", "--user", manager.get_username(), stdout=io.StringIO())
    assert AccessLog.objects.filter(user=manager, action=AccessAction.ACCESS_REFUSED).exists()
    assert RetentionRun.objects.count() == 1


def test_the_pages_show_the_schedule_and_a_run_report(register: dict[str, Any], make_staff: Any) -> None:
    dpo = make_staff(Role.DPO, area=None).user
    client = Client()
    client.force_login(dpo)
    page = client.get("/tietosuoja/sailytysajat/")
    assert page.status_code == 200
    assert "vahvistamaton" in page.content.decode()
    done = run(dpo, dry_run=True)
    report = client.get(f"/tietosuoja/sailytysajat/ajot/{done.pk}/")
    assert report.status_code == 200
    text = report.content.decode()
    assert "Vanha" not in text
    assert "Keski" not in text


def test_pseudonymised_persons_survive_a_key_rotation(register: dict[str, Any], settings: Any) -> None:
    """The pseudonym token is encrypted and hashed like a code, so rotating keys re-encrypts and re-hashes it too."""
    from polku.people.key_rotation import rotate

    retention.pseudonymise([register["pseudonymised"].pk, register["kept"].pk], None)
    settings.PERSONAL_ID_ENCRYPTION_KEYS = ["uusi-avain-joka-on-tarpeeksi-pitka-0123456789", settings.PERSONAL_ID_KEY]
    settings.PERSONAL_ID_KEY = "uusi-hakuavain-joka-on-tarpeeksi-pitka-0123456789"
    report = rotate()
    assert report.persons == Person.objects.count()
    for pk in (register["pseudonymised"].pk, register["kept"].pk):
        person = Person.objects.get(pk=pk)
        token = personal_id.decrypt(person.personal_id_encrypted)
        assert token.startswith(retention.PSEUDONYM_PREFIX)
        assert person.personal_id_hash == personal_id.keyed_hash(token)


def test_the_schedule_file_is_configurable(register: dict[str, Any], settings: Any, tmp_path: Any) -> None:
    """An unverified period is data: a municipality's own file (the setting) changes who is past it, no code change."""
    from polku.privacy.schedule import DEFAULT_FILE

    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    for kind in data["kinds"]:
        if kind["key"] == "identifiers":
            kind["years"] = 1
    own = tmp_path / "sailytysajat.json"
    own.write_text(json.dumps(data), encoding="utf-8")
    settings.POLKU_RETENTION_SCHEDULE_FILE = str(own)
    due = retention.plan(load_schedule(), REFERENCE)
    assert set(due.due["identifiers"]) == {register["pseudonymised"].pk, register["kept"].pk}


def test_an_export_leaves_pseudonymised_persons_out_with_their_facts(register: dict[str, Any], make_staff: Any,
                                                                     tmp_path: Any) -> None:
    """A pseudonym is no identity code: exporting it would hand another system a person it cannot be, and importing
    the file back would fail on the code."""
    import csv

    from polku.exchange.exporter import export_files

    run(make_staff(Role.DPO, area=None).user, dry_run=False)
    written = {f.entity: f for f in export_files(tmp_path, municipalities=None)}
    persons = list(csv.DictReader(written["persons"].path.open(encoding="utf-8"), delimiter=";"))
    assert sorted(row["last_name"] for row in persons) == ["Avoin", "Tuore"]
    assert not any(personal_id.is_pseudonym(row["personal_id"]) for row in persons)
    exported_ids = {row["source_id"] for row in persons}
    benefits = list(csv.DictReader(written["benefit_months"].path.open(encoding="utf-8"), delimiter=";"))
    assert benefits
    assert {row["person_id"] for row in benefits} <= exported_ids
    assert str(register["pseudonymised"].pk) not in {row["person_id"] for row in benefits}


def test_pseudonymising_clears_the_portal_and_profile_words_and_ends_the_portal_sign_in(register: dict[str, Any],
                                                                                       make_staff: Any) -> None:
    """What the client wrote in the portal, their work history, and the sign-in link from the identity provider's
    subject to the person go with the identifiers."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from polku.access.models import ClientAccount, ExternalIdentity
    from polku.employer_services.models import CompetenceProfile
    from polku.portal.models import Message, ReportedApplication

    person = register["pseudonymised"]
    user = get_user_model().objects.create_user(username="asiakas-keski")
    ClientAccount.objects.create(user=user, person=person)
    ExternalIdentity.objects.create(user=user, issuer="https://tunnistus.example", subject="sub-keski")
    Message.objects.create(person=person, from_client=True, author=user, body="Olen ollut sairaana.",
                           sent_at=timezone.now())
    ReportedApplication.objects.create(person=person, applied_on=date(2020, 5, 4), employer="Kauppa Oy",
                                       job_title="Myyjä", reported_at=timezone.now(), reported_by=user)
    CompetenceProfile.objects.create(person=person, education="Merkonomi",
                                     work_history=[{"title": "Myyjä", "employer": "Kauppa Oy"}])
    run(make_staff(Role.DPO, area=None).user, dry_run=False)
    assert Message.objects.get(person=person).body == ""
    assert ReportedApplication.objects.filter(person=person, employer="", job_title="").count() == 1
    profile = CompetenceProfile.objects.get(person=person)
    assert (profile.education, profile.work_history) == ("", [])
    assert not ClientAccount.objects.filter(person=person).exists()
    assert not ExternalIdentity.objects.filter(subject="sub-keski").exists()
    user.refresh_from_db()
    assert not user.is_active
