"""What the counsellor does in the client's portal path: a joint meeting (HVA) booked with all parties on a referral,
followed by the client and recorded once held; and the self-assessment filled together with the client."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from polku.access.models import AccessAction, AccessLog, Role
from polku.casework import booking
from polku.casework import services as casework
from polku.core.errors import ValidationFailed
from polku.portal import referrals, services
from polku.portal.models import AgencyReferral, Notification
from tests.portal.test_portal import _client_person, _portal_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def counsellor(make_staff: Any) -> Any:
    return make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _referred(make_person: Any, counsellor: Any) -> tuple[Any, AgencyReferral]:
    person = _client_person(make_person, counsellor)
    services.give_consent(person=person, purpose="share_plan", recipient="typ", actor=None)
    return person, referrals.refer(person=person, recipient="typ", reason="Monialainen arvio", actor=counsellor.user)


def _staff(user: Any) -> Client:
    staff = Client()
    staff.force_login(user)
    return staff


def test_a_joint_meeting_is_booked_with_all_parties_and_the_client_sees_it(make_person: Any, counsellor: Any) -> None:
    person, referral = _referred(make_person, counsellor)
    staff = _staff(counsellor.user)
    url = f"/asiakasportaali/ohjaukset/{referral.pk}/yhteistapaaminen/"
    page = staff.get(url)
    assert page.status_code == 200
    assert "Varaa tapaaminen kaikkien osapuolten kanssa" in page.content.decode()
    assert AccessLog.objects.filter(person_id=person.pk, action=AccessAction.AGENCY_REFERRAL).exists()
    # Kela is offered only once the client has consented to share the plan with it.
    assert 'value="kela"' not in page.content.decode()
    services.give_consent(person=person, purpose="share_plan", recipient="kela", actor=None)
    assert 'value="kela"' in staff.get(url).content.decode()
    starts = _at(7, 10)
    booked = staff.post(url, {"action": "book", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "minutes": "90",
                              "channel": "face_to_face", "place": "Työllisyyspalvelut, Kauppakatu 1",
                              "other_parties": ["kela"]})
    assert booked.status_code == 302
    saved = AgencyReferral.objects.get(pk=referral.pk)
    assert (saved.meeting_starts_at, saved.meeting_minutes, saved.meeting_parties) == (starts, 90, ["typ", "kela"])
    assert saved.events[-1]["kind"] == "meeting_booked"
    assert Notification.objects.filter(person=person, text=services.NEWS_TEXT).count() == 1  # no content
    client = _portal_client(person)
    home = client.get("/oma/").content.decode()
    assert "Yhteistapaaminen: Monialainen yhteispalvelu (TYP)" in home
    assert "Työllisyyspalvelut, Kauppakatu 1" in home
    assert "Kela" in home
    assert "Työllisyyspalvelut, Kauppakatu 1" in client.get("/oma/suunnitelma/").content.decode()
    record = staff.get(f"/henkilot/{person.pk}/").content.decode()
    assert "Varattu yhteistapaaminen" in record
    # Held: the tasks go into the plan and the booking is cleared (the events keep it).
    held = staff.post(url, {"action": "record", "held_on": timezone.localdate().isoformat(),
                            "agreed_tasks": "Hae kuntoutukseen"})
    assert held.status_code == 302
    plan = casework.current_plan(person)
    assert plan is not None
    assert "Hae kuntoutukseen" in plan.agreed_actions
    assert AgencyReferral.objects.get(pk=referral.pk).meeting_starts_at is not None  # held before its day: kept
    staff.post(url, {"action": "cancel"})
    cancelled = AgencyReferral.objects.get(pk=referral.pk)
    assert (cancelled.meeting_starts_at, cancelled.meeting_parties) == (None, [])
    assert [e["kind"] for e in cancelled.events][-1] == "meeting_cancelled"
    assert "Yhteistapaaminen: Monialainen" not in client.get("/oma/").content.decode()


def test_a_refused_booking_or_record_names_the_field_and_keeps_what_was_typed(make_person: Any,
                                                                              counsellor: Any) -> None:
    person, referral = _referred(make_person, counsellor)
    staff = _staff(counsellor.user)
    url = f"/asiakasportaali/ohjaukset/{referral.pk}/yhteistapaaminen/"
    past = staff.post(url, {"action": "book", "starts_at": _at(-1, 10).strftime("%Y-%m-%dT%H:%M"), "minutes": "5",
                            "channel": "", "place": ""})
    assert past.status_code == 400
    text = past.content.decode()
    for reason in ("Tapaamisen aika on jo mennyt.", "Kesto 15–240 minuuttia.", "Valitse asiointitapa.",
                   "Kerro paikka, puhelinnumero tai videolinkki."):
        assert reason in text
    # Kela without the client's consent is refused, named.
    forged = staff.post(url, {"action": "book", "starts_at": _at(3, 9).strftime("%Y-%m-%dT%H:%M"), "minutes": "60",
                              "channel": "video", "place": "Teams", "other_parties": ["kela"]})
    assert forged.status_code == 400
    assert AgencyReferral.objects.get(pk=referral.pk).meeting_starts_at is None
    # The client's own booked time clashes.
    slot = booking.publish_slot(counsellor=counsellor.user, starts_at=_at(4, 13), minutes=45, channel="phone")
    booking.book(person=person, slot_id=slot.pk, allowed_counsellor_ids=[counsellor.user.pk])
    clash = staff.post(url, {"action": "book", "starts_at": _at(4, 12).strftime("%Y-%m-%dT%H:%M"), "minutes": "90",
                             "channel": "video", "place": "Teams"})
    assert clash.status_code == 400
    assert "Asiakkaalla on jo varattu tapaaminen tähän aikaan." in clash.content.decode()
    # A refused record keeps the typed tasks on the page.
    typed = staff.post(url, {"action": "record", "held_on": "31.2.2026", "agreed_tasks": "Tapaa sosiaaliohjaaja"})
    assert typed.status_code == 400
    body = typed.content.decode()
    assert "Tapaa sosiaaliohjaaja" in body
    assert "Anna päivä muodossa pp.kk.vvvv." in body
    assert not Notification.objects.filter(person=person).exists()


def test_another_teams_counsellor_cannot_open_or_book_the_meeting(make_person: Any, counsellor: Any,
                                                                  make_staff: Any) -> None:
    _person, referral = _referred(make_person, counsellor)
    outsider = _staff(make_staff(Role.COUNSELLOR, area="kainuu", team="Muu").user)
    url = f"/asiakasportaali/ohjaukset/{referral.pk}/yhteistapaaminen/"
    assert outsider.get(url).status_code == 403
    refused = outsider.post(url, {"action": "book", "starts_at": _at(3, 9).strftime("%Y-%m-%dT%H:%M"),
                                  "minutes": "60", "channel": "video", "place": "Teams"})
    assert refused.status_code == 403
    assert AgencyReferral.objects.get(pk=referral.pk).meeting_starts_at is None


def _book(referral: AgencyReferral, counsellor: Any, *, days: int = 3, hour: int = 9, minutes: int = 60,
          other_parties: tuple[str, ...] = ()) -> AgencyReferral:
    return referrals.book_joint_meeting(referral=referral, starts_at=_at(days, hour), minutes=minutes, channel="video",
                                        place="Teams", other_parties=list(other_parties), actor=counsellor.user)


def test_an_ended_referral_calls_its_meeting_off_and_takes_no_booking(make_person: Any, counsellor: Any) -> None:
    person, referral = _referred(make_person, counsellor)
    _book(referral, counsellor)
    referrals.record_status(referral=referral, status="declined", note="Ei tarvetta", actor=counsellor.user)
    ended = AgencyReferral.objects.get(pk=referral.pk)
    assert (ended.meeting_starts_at, ended.events[-1]["kind"]) == (None, "meeting_cancelled")
    assert Notification.objects.filter(person=person, text=services.NEWS_TEXT).count() == 2  # booked, called off
    with pytest.raises(ValidationFailed, match="päättynyt"):
        _book(ended, counsellor)


def test_consents_are_checked_at_booking_and_a_withdrawal_takes_effect_on_the_meeting(make_person: Any,
                                                                                      counsellor: Any) -> None:
    """Every party needs the client's consent at booking (the form offers only those, the service checks again);
    withdrawing one removes that agency from the coming meeting, and withdrawing the referral's own calls it off."""
    person, referral = _referred(make_person, counsellor)
    with pytest.raises(ValidationFailed) as refused:
        _book(referral, counsellor, other_parties=("kela",))
    assert refused.value.errors[0].field == "other_parties"
    assert "Kela" in refused.value.errors[0].message
    kela = services.give_consent(person=person, purpose="share_plan", recipient="kela", actor=None)
    booked = _book(referral, counsellor, other_parties=("kela",))
    assert booked.meeting_parties == ["typ", "kela"]
    services.withdraw_consent(person=person, consent_id=kela.pk)
    without_kela = AgencyReferral.objects.get(pk=referral.pk)
    assert (without_kela.meeting_parties, without_kela.events[-1]["kind"]) == (["typ"], "meeting_party_removed")
    typ = services.consent_in_force(person, "share_plan", "typ")
    assert typ is not None
    services.withdraw_consent(person=person, consent_id=typ.pk)
    assert AgencyReferral.objects.get(pk=referral.pk).meeting_starts_at is None
    with pytest.raises(ValidationFailed, match="Monialainen"):  # the referral's own agency needs a consent too
        _book(referral, counsellor)


def test_a_counsellors_joint_meetings_and_the_clients_bookings_do_not_overlap(make_person: Any,
                                                                               counsellor: Any) -> None:
    person, referral = _referred(make_person, counsellor)
    other = _client_person(make_person, counsellor, last_name="Toinen")
    services.give_consent(person=other, purpose="share_plan", recipient="typ", actor=None)
    other_referral = referrals.refer(person=other, recipient="typ", reason="Arvio", actor=counsellor.user)
    _book(referral, counsellor, days=5, hour=10, minutes=90)
    with pytest.raises(ValidationFailed, match="Sinulla on jo toinen yhteistapaaminen"):
        _book(other_referral, counsellor, days=5, hour=11)
    # The client cannot book their counsellor's free time on top of the joint meeting.
    slot = booking.publish_slot(counsellor=counsellor.user, starts_at=_at(5, 11), minutes=45, channel="phone")
    client = _portal_client(person)
    refused = client.post("/oma/ajanvaraus/", {"slot": str(slot.pk)})
    assert refused.status_code == 400
    assert "Sinulla on silloin yhteistapaaminen" in refused.content.decode()
    assert booking.bookings_of(person).count() == 0
    # Nor can another client book it: the counsellor is in the joint meeting then.
    other_client = _portal_client(other)
    assert f'value="{slot.pk}"' not in other_client.get("/oma/ajanvaraus/").content.decode()
    assert other_client.post("/oma/ajanvaraus/", {"slot": str(slot.pk)}).status_code == 400
    assert booking.bookings_of(other).count() == 0


def test_the_counsellor_fills_the_self_assessment_with_the_client(make_person: Any, counsellor: Any,
                                                                  make_staff: Any) -> None:
    """Same questions, recorded as filled with the counsellor; each unanswered question is named and what was chosen
    stays; another team's counsellor is refused; the client sees the result in the portal."""
    from polku.portal.catalogue import questionnaire
    from polku.portal.models import SelfAssessment

    person = _client_person(make_person, counsellor)
    staff = _staff(counsellor.user)
    url = f"/asiakasportaali/henkilot/{person.pk}/itsearvio/"
    assert "Täytä itsearvio yhdessä asiakkaan kanssa" in staff.get(f"/henkilot/{person.pk}/").content.decode()
    page = staff.get(url)
    assert page.status_code == 200
    items = questionnaire().items
    partial = staff.post(url, {"work_ability": "6", items[0].code: "4"})
    assert partial.status_code == 400
    text = partial.content.decode()
    assert "Vastaa kysymykseen" in text
    assert f'value="4" name="{items[0].code}"' in text or f'name="{items[0].code}" value="4"' in text
    assert not SelfAssessment.objects.exists()
    answers = {item.code: "3" for item in items}
    assert staff.post(url, {"work_ability": "6", **answers}).status_code == 302
    saved = SelfAssessment.objects.get(person=person)
    assert (saved.filled_by, saved.recorded_by_id, saved.work_ability) == ("counsellor", counsellor.user.pk, 6)
    assert AccessLog.objects.filter(person_id=person.pk, user=counsellor.user,
                                    action=AccessAction.PORTAL_SELF_ASSESSMENT).exists()
    assert "ohjaajan kanssa" in staff.get(f"/henkilot/{person.pk}/").content.decode()
    own_page = _portal_client(person).get("/oma/itsearvio/").content.decode()
    assert '<td data-label="Työkyky (0–10)">6</td>' in own_page
    outsider = _staff(make_staff(Role.COUNSELLOR, area="kainuu", team="Muu").user)
    assert outsider.get(url).status_code == 403
    assert outsider.post(url, {"work_ability": "1", **answers}).status_code == 403
    assert SelfAssessment.objects.count() == 1


def test_without_a_text_message_gateway_the_portal_offers_e_mail_only(make_person: Any, counsellor: Any,
                                                                       settings: Any) -> None:
    from polku.portal import notifications

    settings.POLKU_SMS_BACKEND = "disabled"
    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    page = client.get("/oma/viestit/").content.decode()
    assert 'name="phone"' not in page
    assert "voimme kertoa siitä sähköpostilla." in page
    assert client.post("/oma/viestit/", {"lomake": "ilmoitukset", "by_email": "on", "email": "aino@example.org",
                                         "by_sms": "on", "phone": "040 123 4567"}).status_code == 302
    address = person.notification_address
    assert (address.by_email, address.by_sms, address.phone) == (True, False, "")
    with pytest.raises(Exception, match="tekstiviestinä"):
        notifications.set_address(person=person, email="", phone="0401234567", by_email=False, by_sms=True)


def test_a_typ_referral_carries_the_service_history_only_on_its_own_consent(make_person: Any, counsellor: Any,
                                                                            make_staff: Any) -> None:
    """"Let the TYP network see my service history": the services (which, when, how it went) and the meetings held
    (when, kind, channel — never their notes) go with a TYP referral only while that consent is in force."""
    from datetime import date

    from polku.provision import services as provision

    person = _client_person(make_person, counsellor)
    casework.meeting_record(person=person, held_on=date(2025, 1, 20), kind="initial_interview", channel="phone",
                            notes="Luottamuksellinen muistiinpano", actor=counsellor.user)
    provider = provision.provider_create(name="Historia Paja ry", kind="third_sector", area_code="kuopio",
                                         business_id="15728600")
    offering = provision.offering_create(provider=provider, service_type="work_trial", name="Työkokeilu",
                                         capacity=5, available_from=date(2025, 1, 1), available_to=date(2030, 12, 31))
    provision.referral_create(person=person, offering=offering, referred_on=date(2025, 2, 1),
                              actor=make_staff(Role.ADMIN, area=None).user)
    services.give_consent(person=person, purpose="share_plan", recipient="typ", actor=None)
    without = referrals.refer(person=person, recipient="typ", reason="Ensimmäinen", actor=counsellor.user)
    assert without.history_disclosure is None
    history = services.give_consent(person=person, purpose="share_history", recipient="typ", actor=None)
    carried = referrals.refer(person=person, recipient="typ", reason="Toinen", actor=counsellor.user)
    assert carried.history_disclosure is not None
    content = carried.history_disclosure.content
    assert [(s["service_type"], s["referred_on"]) for s in content["services"]] == [("work_trial", "2025-02-01")]
    assert content["meetings"] == [{"held_on": "2025-01-20", "kind": "initial_interview", "channel": "phone"}]
    assert "Luottamuksellinen" not in str(content)
    from polku.portal.catalogue import consent_catalogue

    went = consent_catalogue().category_names(["plan", "agreed_tasks", "services", "meetings"])
    assert went in _portal_client(person).get("/oma/suunnitelma/").content.decode()  # the client sees what went
    services.withdraw_consent(person=person, consent_id=history.pk)
    third = referrals.refer(person=person, recipient="typ", reason="Kolmas", actor=counsellor.user)
    assert third.history_disclosure is None
