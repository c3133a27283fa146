"""Referrals and participation: capacity, availability, scope, and the status spells written to the timeline."""

from __future__ import annotations

from datetime import date

import pytest

from polku.access.models import Role
from polku.core.errors import AccessDenied, ValidationFailed
from polku.provision import selectors, services
from polku.provision.models import Referral, ReferralStatus
from polku.timeline import services as timeline
from polku.timeline.models import StatusSpell

pytestmark = pytest.mark.django_db


def fields(failure: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, str(e.code)) for e in failure.value.errors}


def current_spells(person) -> list[tuple[str, str | None, date, date | None]]:
    return [(s.status_id, s.service_type_id, s.start_date, s.end_date)
            for s in StatusSpell.objects.filter(person=person, superseded_at__isnull=True).order_by("start_date")]


def test_full_offering_refused_naming_the_field(scene, team_client) -> None:
    offering = services.offering_create(provider=scene.provider, service_type="coaching", name="Valmennus",
                                        capacity=12, available_from=date(2026, 1, 1))
    actor = scene.counsellor.user
    for _ in range(12):
        services.referral_create(person=team_client(), offering=offering, referred_on=date(2026, 3, 1), actor=actor)
    with pytest.raises(ValidationFailed) as caught:
        services.referral_create(person=scene.client, offering=offering, referred_on=date(2026, 3, 1), actor=actor)
    assert fields(caught) == {("offering", "invalid")}
    assert caught.value.errors[0].message == "Palvelu on täynnä: 12/12 paikkaa käytössä 1.3.2026."
    assert Referral.objects.filter(offering=offering).count() == 12
    assert not Referral.objects.filter(person=scene.client).exists()


def test_a_later_reservation_counts_from_its_day(scene, team_client) -> None:
    """Referred persons hold a place from their referral on: an earlier referral cannot take it from them."""
    actor = scene.counsellor.user
    services.referral_create(person=team_client(), offering=scene.offering, referred_on=date(2026, 2, 1), actor=actor)
    services.referral_create(person=team_client(), offering=scene.offering, referred_on=date(2026, 4, 1), actor=actor)
    with pytest.raises(ValidationFailed) as caught:
        services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 3, 1), actor=actor)
    assert caught.value.errors[0].message == "Palvelu on täynnä: 2/2 paikkaa käytössä 1.4.2026."


def test_declined_referral_frees_its_place(scene, team_client) -> None:
    actor = scene.counsellor.user
    first = services.referral_create(person=team_client(), offering=scene.offering, referred_on=date(2026, 2, 1),
                                     actor=actor)
    services.referral_create(person=team_client(), offering=scene.offering, referred_on=date(2026, 2, 1), actor=actor)
    services.referral_close(referral=first, outcome="declined", actor=actor, expected_version=1)
    referral = services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 2, 1),
                                        actor=actor)
    assert referral.status == ReferralStatus.REFERRED
    with pytest.raises(ValidationFailed) as caught:
        services.referral_close(referral=first, outcome="cancelled", actor=actor)
    assert fields(caught) == {("status", "invalid")}


def test_offering_not_available_and_duplicate_refused(scene) -> None:
    actor = scene.counsellor.user
    with pytest.raises(ValidationFailed) as caught:
        services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2025, 12, 31), actor=actor)
    assert fields(caught) == {("referred_on", "invalid")}
    assert "ei ole saatavilla 31.12.2025" in caught.value.errors[0].message
    services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 1, 5), actor=actor)
    with pytest.raises(ValidationFailed) as caught:
        services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 1, 6), actor=actor)
    assert fields(caught) == {("offering", "duplicate")}


def test_person_outside_scope_refused(scene, make_staff) -> None:
    for outsider in (scene.other_area_manager, make_staff(Role.COUNSELLOR, area="kuopio", team="Muut"),
                     make_staff(Role.ANALYST, area="kuopio")):
        with pytest.raises(AccessDenied):
            services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 2, 1),
                                     actor=outsider.user)
    assert not Referral.objects.exists()


def test_participation_corrects_the_open_spell_and_records_in_service(scene) -> None:
    actor = scene.counsellor.user
    person = scene.client
    timeline.status_spell_record(person=person, status="employed", start_date=date(2025, 6, 1), end_date=date(2025, 12, 31))
    unemployed = timeline.status_spell_record(person=person, status="unemployed", start_date=date(2026, 1, 5))
    referral = services.referral_create(person=person, offering=scene.offering, referred_on=date(2026, 2, 15),
                                        actor=actor)

    started = services.participation_start(referral=referral, start_date=date(2026, 3, 1), planned_end=date(2026, 5, 31),
                                           actor=actor, expected_version=1)

    assert (started.status, started.version) == (ReferralStatus.STARTED, 2)
    assert (started.participation_start, started.participation_end) == (date(2026, 3, 1), date(2026, 5, 31))
    assert current_spells(person) == [
        ("employed", None, date(2025, 6, 1), date(2025, 12, 31)),
        ("unemployed", None, date(2026, 1, 5), date(2026, 2, 28)),
        ("in_service", "work_trial", date(2026, 3, 1), date(2026, 5, 31)),
    ]
    unemployed.refresh_from_db()
    assert unemployed.superseded_at is not None
    assert unemployed.correction_reason == "Palvelu Työkokeilu, puutyö alkoi 1.3.2026."
    corrected = StatusSpell.objects.get(lineage=unemployed.lineage, superseded_at__isnull=True)
    assert corrected.recorded_at == unemployed.superseded_at
    assert corrected.recorded_by == actor
    assert started.status_spell_lineage is not None
    in_service = StatusSpell.objects.get(lineage=started.status_spell_lineage)
    assert in_service.service_type_id == "work_trial"

    ended = services.participation_end(referral=started, end_date=date(2026, 4, 15), actor=actor, expected_version=2)
    assert (ended.status, ended.ended_on, ended.version) == (ReferralStatus.COMPLETED, date(2026, 4, 15), 3)
    assert current_spells(person)[-1] == ("in_service", "work_trial", date(2026, 3, 1), date(2026, 4, 15))
    assert StatusSpell.objects.filter(lineage=started.status_spell_lineage).count() == 2


def test_participation_without_an_open_spell_and_ending_as_planned(scene) -> None:
    actor = scene.counsellor.user
    referral = services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 2, 1),
                                        actor=actor)
    started = services.participation_start(referral=referral, start_date=date(2026, 2, 2), planned_end=date(2026, 3, 31),
                                           actor=actor)
    services.participation_end(referral=started, end_date=date(2026, 3, 31), actor=actor)
    assert current_spells(scene.client) == [("in_service", "work_trial", date(2026, 2, 2), date(2026, 3, 31))]
    assert StatusSpell.objects.filter(person=scene.client).count() == 1  # nothing to correct


def test_participation_refused_by_the_timeline_writes_nothing(scene) -> None:
    """The open spell's correction and the referral's change roll back with the refused in-service spell."""
    actor = scene.counsellor.user
    person = scene.client
    timeline.status_spell_record(person=person, status="unemployed", start_date=date(2026, 1, 5))
    referral = services.referral_create(person=person, offering=scene.offering, referred_on=date(2026, 1, 10),
                                        actor=actor)
    # A later spell already recorded (the person found work in April): the planned participation would overlap it.
    open_spell = StatusSpell.objects.get(person=person)
    timeline.status_spell_record(person=person, status="unemployed", start_date=date(2026, 1, 5),
                                 end_date=date(2026, 3, 31), corrects=open_spell, reason="työllistyi")
    timeline.status_spell_record(person=person, status="employed", start_date=date(2026, 4, 1))
    before = current_spells(person)
    with pytest.raises(ValidationFailed) as caught:
        services.participation_start(referral=referral, start_date=date(2026, 3, 1), planned_end=date(2026, 5, 31),
                                     actor=actor)
    assert fields(caught) == {("start_date", "overlap")}
    assert current_spells(person) == before
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.participation_start) == (ReferralStatus.REFERRED, 1, None)


def test_participation_field_errors(scene) -> None:
    actor = scene.counsellor.user
    referral = services.referral_create(person=scene.client, offering=scene.offering, referred_on=date(2026, 2, 1),
                                        actor=actor)
    with pytest.raises(ValidationFailed) as caught:
        services.participation_start(referral=referral, start_date=date(2026, 1, 20), planned_end=date(2027, 1, 31),
                                     actor=actor, expected_version=7)
    assert fields(caught) == {("version", "not_current"), ("start_date", "invalid"), ("planned_end", "invalid")}
    with pytest.raises(ValidationFailed) as caught:
        services.participation_start(referral=referral, start_date=date(2026, 3, 1), planned_end=date(2026, 2, 1),
                                     actor=actor)
    assert fields(caught) == {("planned_end", "end_before_start")}
    with pytest.raises(ValidationFailed) as caught:
        services.participation_end(referral=referral, end_date=date(2026, 3, 1), actor=actor)
    assert fields(caught) == {("status", "invalid")}
    started = services.participation_start(referral=referral, start_date=date(2026, 3, 1), planned_end=date(2026, 4, 30),
                                           actor=actor)
    with pytest.raises(ValidationFailed) as caught:
        services.participation_end(referral=started, end_date=date(2026, 5, 1), actor=actor)
    assert fields(caught) == {("end_date", "invalid")}
    with pytest.raises(ValidationFailed) as caught:
        services.participation_end(referral=started, end_date=date(2026, 2, 28), actor=actor)
    assert fields(caught) == {("end_date", "end_before_start")}


def test_fill_rate_on_a_date(scene, team_client) -> None:
    actor = scene.counsellor.user
    offering = services.offering_create(provider=scene.provider, service_type="coaching", name="Valmennus", capacity=4,
                                        available_from=date(2026, 1, 1))
    services.offering_create(provider=scene.provider, service_type="coaching", name="Päättynyt", capacity=1,
                             available_from=date(2025, 1, 1), available_to=date(2025, 12, 31))
    done = services.referral_create(person=team_client(), offering=offering, referred_on=date(2026, 1, 2), actor=actor)
    done = services.participation_start(referral=done, start_date=date(2026, 1, 5), planned_end=date(2026, 2, 28),
                                        actor=actor)
    services.participation_end(referral=done, end_date=date(2026, 2, 15), actor=actor)
    active = services.referral_create(person=team_client(), offering=offering, referred_on=date(2026, 2, 1), actor=actor)
    services.participation_start(referral=active, start_date=date(2026, 3, 1), planned_end=date(2026, 6, 30), actor=actor)
    services.referral_create(person=team_client(), offering=offering, referred_on=date(2026, 3, 10), actor=actor)
    declined = services.referral_create(person=scene.client, offering=offering, referred_on=date(2026, 3, 1), actor=actor)
    services.referral_close(referral=declined, outcome="declined", actor=actor)

    area_id = scene.offering.area_id
    fills = {f.offering.name: f for f in selectors.offerings_with_fill(area_id, date(2026, 3, 15))}
    assert set(fills) == {"Valmennus", "Työkokeilu, puutyö"}
    fill = fills["Valmennus"]
    assert (fill.capacity, fill.in_use, fill.participating, fill.free, fill.fill_rate) == (4, 2, 1, 2, 0.25)
    early = {f.offering.name: f for f in selectors.offerings_with_fill(area_id, date(2026, 2, 10))}["Valmennus"]
    # The completed participation; the referral that started later holds its place from its start only.
    assert (early.in_use, early.participating, early.fill_rate) == (1, 1, 0.25)
    after = {f.offering.name: f for f in selectors.offerings_with_fill(area_id, date(2026, 2, 20))}["Valmennus"]
    assert (after.in_use, after.participating, after.fill_rate) == (0, 0, 0.0)
    assert selectors.offerings_with_fill(None, date(2025, 6, 1))[0].offering.name == "Päättynyt"
    assert [r.status for r in selectors.referrals_for(scene.client)] == [ReferralStatus.DECLINED]
