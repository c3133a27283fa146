"""``core.presence.models_with_rows`` names exactly the tables that hold a row of the person, and the record's panels
that ask it first show what they showed when they read every list (the portal and the provision panel)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polku.access.models import Role, StaffProfile
from polku.casework import booking
from polku.core.presence import models_with_rows
from polku.people.models import Person
from polku.portal import presenters as portal_presenters
from polku.portal import referrals, services
from polku.portal.catalogue import questionnaire
from polku.portal.models import Consent, Message, ReportedApplication, SelfAssessment
from polku.provision import presenters as provision_presenters
from polku.provision.models import Decision, Referral
from tests.portal.test_portal import _client_person

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_fixed_timezone(120))
ROW_MAKERS: dict[type[Any], Callable[[Person, int], Any]] = {
    ReportedApplication: lambda p, n: ReportedApplication.objects.create(
        person=p, applied_on=date(2026, 3, 1), employer="Oy Esimerkki Ab", job_title="Myyjä", reported_at=NOW),
    SelfAssessment: lambda p, n: SelfAssessment.objects.create(
        person=p, questionnaire_version="1", answered_at=NOW, work_ability=7),
    Consent: lambda p, n: Consent.objects.create(
        person=p, purpose="share_plan", recipient=("kela", "typ")[n], agreed_text="Suostun.", text_version="1", given_at=NOW),
    Message: lambda p, n: Message.objects.create(person=p, from_client=True, body="Hei", sent_at=NOW),
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.sets(st.sampled_from(sorted(ROW_MAKERS, key=lambda m: m.__name__))))
def test_the_tables_named_are_exactly_those_with_a_row_of_the_person(make_person: Callable[..., Person],
                                                                      chosen: set[type[Any]]) -> None:
    person, other = make_person(municipality=None), make_person(municipality=None)
    for model, make in ROW_MAKERS.items():
        make(other, 0)  # another person's rows are not the person's
        if model in chosen:
            make(person, 0)
            make(person, 1)  # two rows are one table
    models = list(ROW_MAKERS)
    with CaptureQueriesContext(connection) as queries:
        found = models_with_rows(models, "person", person.pk)
    assert found == frozenset(chosen)
    assert len(queries) == 1
    assert models_with_rows(models, "person", other.pk) == frozenset(models)
    assert models_with_rows([], "person", person.pk) == frozenset()


@pytest.fixture
def counsellor(make_staff: Callable[..., StaffProfile]) -> StaffProfile:
    return make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")


def _every_list_read(monkeypatch: pytest.MonkeyPatch, module: Any, make: Callable[[], Any]) -> Any:
    """The panel as it was before it asked: every list read."""
    with monkeypatch.context() as patched:
        patched.setattr(module, "models_with_rows", lambda models, field, value: frozenset(models))
        return make()


def _fields(panel: Any) -> dict[str, Any]:
    return {field.name: getattr(panel, field.name) for field in dataclasses.fields(panel)}


def test_the_portal_panel_shows_what_reading_every_list_shows(make_person: Callable[..., Person],
                                                             counsellor: StaffProfile,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    used = _client_person(make_person, counsellor)  # with a plan, which a referral carries
    services.give_consent(person=used, purpose="share_plan", recipient="typ", actor=None)
    services.give_consent(person=used, purpose="share_plan", recipient="kela", actor=None)
    referrals.refer(person=used, recipient="typ", reason="Monialainen arvio", actor=counsellor.user)
    services.send_message(person=used, body="Kysymys suunnitelmasta", from_client=True, author=None)
    services.report_application(person=used, applied_on=timezone.localdate(), employer="Oy Esimerkki Ab",
                                job_title="Myyjä", actor=None)
    services.submit_self_assessment(person=used, answers={item.code: 3 for item in questionnaire().items},
                                    work_ability=5, actor=None)
    slot = booking.publish_slot(counsellor=counsellor.user, starts_at=timezone.now() + timedelta(days=2), minutes=45,
                                channel="phone")
    booking.book(person=used, slot_id=slot.pk, allowed_counsellor_ids=[counsellor.user.pk])
    unused = make_person(municipality="297")

    for person, lists in ((used, 6), (unused, 0)):
        with CaptureQueriesContext(connection) as queries:
            panel = portal_presenters.client_panel(person)
        before = _every_list_read(monkeypatch, portal_presenters, partial(portal_presenters.client_panel, person))
        assert _fields(panel).keys() == _fields(before).keys()
        for name, value in _fields(before).items():
            assert str(_fields(panel)[name]) == str(value), name  # the chart's spec and the rows alike
        assert sum(bool(getattr(panel, name)) for name in (
            "history", "messages", "consents", "applications", "bookings", "agency_referrals")) == lists
        assert bool(panel.live_plan_recipients) == (person is used)
        if person is unused:
            assert len(queries) == 1  # the one question, and no list read


def test_the_provision_panel_reads_only_the_lists_the_client_has(make_person: Callable[..., Person],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    person = make_person(municipality="297")
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        panel = provision_presenters.client_panel(person, today)
    assert (panel.referrals, panel.decisions) == ([], [])
    assert len(queries) == 1
    before = _every_list_read(monkeypatch, provision_presenters,
                              lambda: provision_presenters.client_panel(person, today))
    assert _fields(before) == _fields(panel)
    assert models_with_rows((Referral, Decision), "person", person.pk) == frozenset()
