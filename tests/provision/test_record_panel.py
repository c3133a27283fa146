"""The provision panel of the client record reads only the lists the client has rows in (referrals, decisions) and
shows what reading both shows: for a client with neither, either one, and both."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from polku.access.models import Role, StaffProfile
from polku.people.models import Person
from polku.provision import presenters, services
from polku.provision.models import Decision, Referral
from tests.presence_support import reading_every_list

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lists", [(), ("referrals",), ("decisions",), ("referrals", "decisions")],
                         ids=lambda lists: "+".join(lists) or "none")
def test_the_panel_reads_only_the_clients_lists(make_person: Callable[..., Person],
                                                make_staff: Callable[..., StaffProfile],
                                                monkeypatch: pytest.MonkeyPatch, lists: tuple[str, ...]) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo")
    person = make_person(municipality="765", since=date(2020, 1, 1), team_id=counsellor.team_id)
    if "referrals" in lists:
        provider = services.provider_create(name="Kainuun Valmennus Oy", kind="private", area_code="kainuu")
        offering = services.offering_create(provider=provider, service_type="work_trial", name="Työkokeilu",
                                            capacity=5, available_from=date(2025, 1, 1),
                                            available_to=date(2030, 12, 31))
        services.referral_create(person=person, offering=offering, referred_on=date(2025, 6, 1),
                                 actor=counsellor.user)
    if "decisions" in lists:
        employer = services.employer_create(name="Sotkamon Kone Oy", business_id="0112038-9",
                                            municipality_code="765")
        services.decision_create(person=person, kind="wage_subsidy", employer=employer, percent=50,
                                 monthly_amount=Decimal("1260.00"), months=10, start_date=date(2022, 3, 1),
                                 decided_on=date(2022, 2, 15), actor=counsellor.user)
    today = date(2026, 3, 2)
    with CaptureQueriesContext(connection) as queries:
        panel = presenters.client_panel(person, today)
    with reading_every_list(monkeypatch, presenters):
        before = presenters.client_panel(person, today)
    assert dataclasses.asdict(panel) == dataclasses.asdict(before)
    assert (bool(panel.referrals), bool(panel.decisions)) == ("referrals" in lists, "decisions" in lists)
    names = {Referral: "referrals", Decision: "decisions"}
    read = {names[model] for model in names
            if any(f'FROM "{model._meta.db_table}"' in query["sql"] for query in queries.captured_queries[1:])}
    assert read == set(lists)
