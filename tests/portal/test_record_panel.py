"""The portal panel of the client record first asks which of its lists the client has rows in, and reads only those:
for a client with any one list, with all and with none, it shows what reading every list shows, and it reads no table
of a list the client does not have."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from polku.access.models import Role, StaffProfile
from polku.casework import booking
from polku.casework.models import AppointmentSlot
from polku.people.models import Person
from polku.portal import presenters, referrals, services
from polku.portal.catalogue import questionnaire
from polku.portal.models import AgencyReferral, Consent, Message, ReportedApplication, SelfAssessment
from tests.portal.test_portal import _client_person
from tests.presence_support import reading_every_list

pytestmark = pytest.mark.django_db


def _consent(person: Person, counsellor: Any) -> None:
    services.give_consent(person=person, purpose="share_plan", recipient="kela", actor=None)


def _message(person: Person, counsellor: Any) -> None:
    services.send_message(person=person, body="Kysymys suunnitelmasta", from_client=True, author=None)


def _application(person: Person, counsellor: Any) -> None:
    services.report_application(person=person, applied_on=timezone.localdate(), employer="Oy Esimerkki Ab",
                                job_title="Myyjä", actor=None)


def _assessment(person: Person, counsellor: Any) -> None:
    services.submit_self_assessment(person=person, answers={item.code: 3 for item in questionnaire().items},
                                    work_ability=5, actor=None)


def _booking(person: Person, counsellor: Any) -> None:
    slot = booking.publish_slot(counsellor=counsellor.user, starts_at=timezone.now() + timedelta(days=2), minutes=45,
                                channel="phone")
    booking.book(person=person, slot_id=slot.pk, allowed_counsellor_ids=[counsellor.user.pk])


def _referral(person: Person, counsellor: Any) -> None:
    # A referral to another agency carries the plan on the client's consent, so the consent list has a row too.
    services.give_consent(person=person, purpose="share_plan", recipient="typ", actor=None)
    referrals.refer(person=person, recipient="typ", reason="Monialainen arvio", actor=counsellor.user)


LISTS: dict[str, tuple[Callable[[Person, Any], None], tuple[type[Any], ...]]] = {
    "consents": (_consent, (Consent,)),
    "messages": (_message, (Message,)),
    "applications": (_application, (ReportedApplication,)),
    "history": (_assessment, (SelfAssessment,)),
    "bookings": (_booking, (AppointmentSlot,)),
    "agency_referrals": (_referral, (AgencyReferral, Consent)),
}


def _every_list_read(monkeypatch: pytest.MonkeyPatch, person: Person) -> presenters.ClientPanel:
    """The panel as it was before it asked: every list read."""
    with reading_every_list(monkeypatch, presenters):
        return presenters.client_panel(person)


def _same(panel: presenters.ClientPanel, before: presenters.ClientPanel) -> None:
    for field in dataclasses.fields(panel):
        mine, theirs = getattr(panel, field.name), getattr(before, field.name)
        if field.name == "chart":
            assert str(mine) == str(theirs)  # the chart's spec: an object made anew each time
        else:
            assert mine == theirs, field.name


@pytest.mark.parametrize("lists", [[], *([name] for name in LISTS), list(LISTS)],
                         ids=lambda lists: "+".join(lists) or "none")
def test_the_panel_reads_only_the_clients_lists_and_shows_what_reading_every_list_shows(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile], monkeypatch: pytest.MonkeyPatch,
        lists: list[str]) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    person = _client_person(make_person, counsellor)  # with a plan, which a referral to another agency carries
    for name in lists:
        LISTS[name][0](person, counsellor)
    with CaptureQueriesContext(connection) as queries:
        panel = presenters.client_panel(person)
    _same(panel, _every_list_read(monkeypatch, person))
    shown = {*lists, *(["consents"] if "agency_referrals" in lists else [])}
    for name in LISTS:
        assert bool(getattr(panel, name)) == (name in shown), name
    # After the one question, no table is read but those of the client's lists.
    tables_read = {model._meta.db_table for model in presenters.PANEL_MODELS
                   if any(f'"{model._meta.db_table}"' in query["sql"] for query in queries.captured_queries[1:])}
    assert tables_read == {model._meta.db_table for name in lists for model in LISTS[name][1]}
    assert bool(panel.live_plan_recipients) == any(name in lists for name in ("consents", "agency_referrals"))


def test_the_plan_may_go_to_those_whose_consent_is_in_force_as_the_database_finds_them(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> None:
    """The panel reads the client's consents once and picks those in force among them: the same recipients, in the
    same order, as asking the database for the consents in force."""
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    person = _client_person(make_person, counsellor)
    for recipient in ("kela", "typ", "social_services"):
        services.give_consent(person=person, purpose=services.SHARE_PLAN, recipient=recipient, actor=None)
    services.give_consent(person=person, purpose=services.SHARE_HISTORY, recipient="typ", actor=None)
    withdrawn = Consent.objects.get(person=person, purpose=services.SHARE_PLAN, recipient="typ")
    services.withdraw_consent(person=person, consent_id=withdrawn.pk)
    with CaptureQueriesContext(connection) as queries:
        panel = presenters.client_panel(person)
    expected = [c.recipient for c in services.consents_in_force(person, services.SHARE_PLAN)]
    assert [recipient for recipient, _name in panel.live_plan_recipients] == expected
    assert sorted(expected) == ["kela", "social_services"]
    assert len(panel.consents) == 4  # the withdrawn one is listed, not offered
    # After the one question which lists the client has rows in, the consents are read once.
    consent_reads = [q for q in queries.captured_queries[1:] if f'FROM "{Consent._meta.db_table}"' in q["sql"]]
    assert len(consent_reads) == 1
