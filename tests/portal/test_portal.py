"""Issue 18: the job seeker's own portal — strong identification through a local OpenID Connect test provider, the
client's pages, bad input named by field with nothing written, one client never reaching another's data, every client
action in the access log, and the staff side (free times, consent records, self-assessment change, feedback)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import oidc_provider_mock
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from polku.access import oidc, policy
from polku.access.models import AccessAction, AccessLog, ClientAccount, Role
from polku.casework import booking
from polku.casework import services as casework
from polku.casework.models import ApplicationReport, AppointmentSlot
from polku.casework.services import PlanInput
from polku.core.errors import ValidationFailed
from polku.people.models import Person
from polku.portal import selectors, services
from polku.portal.catalogue import questionnaire
from polku.portal.models import (
    Consent,
    Disclosure,
    FeedbackAnswer,
    FeedbackInvitation,
    Notification,
    NotificationAddress,
    ReportedApplication,
    SelfAssessment,
)
from polku.provision.models import Referral
from polku.timeline import services as timeline
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings: Any) -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        issuer = f"http://localhost:{server.server_port}"
        settings.POLKU_CLIENT_OIDC_ISSUER = issuer
        settings.POLKU_CLIENT_OIDC_CLIENT_SECRET = "testin-salaisuus"
        oidc.discovery.cache_clear()
        yield issuer
    oidc.discovery.cache_clear()


@pytest.fixture
def counsellor(make_staff: Any) -> Any:
    return make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")


def _client_person(make_person: Any, counsellor: Any, code: str | None = None, last_name: str = "Asiakas") -> Any:
    person = make_person(personal_id_code=code or next_artificial_id(), first_names="Aino", last_name=last_name,
                         municipality="297", since=date(2024, 1, 1))
    timeline.job_search_open(person=person, registered_on=date(2025, 1, 2))
    casework.assign(person=person, counsellor=counsellor.user, actor=counsellor.user)
    casework.plan_save(person=person, data=PlanInput(drawn_up_on=date(2025, 1, 10), valid_until=date(2030, 1, 10),
                                                     agreed_actions="Päivitä CV\nHae kolmea työpaikkaa",
                                                     applications_required=4), based_on_version=None,
                       actor=counsellor.user)
    return person


def _portal_client(person: Any) -> Client:
    """A signed-in client without the provider round (the round itself is tested below)."""
    user = get_user_model().objects.create_user(username=f"asiakas-{person.pk.hex[:12]}")
    ClientAccount.objects.create(user=user, person=person)
    client = Client()
    client.force_login(user)
    session = client.session
    session["_polku_portal_session"] = True
    session.save()
    return client


def _sign_in(client: Client, issuer: str, sub: str, **claims: Any) -> Any:
    assert httpx.put(f"{issuer}/users/{quote(sub)}", json=claims).status_code == 204
    started = client.get("/oma/tunnistus/?next=/oma/")
    assert started.status_code == 302
    assert "code_challenge=" in started["Location"]
    authorised = httpx.post(started["Location"], data={"sub": sub})
    back = urlsplit(authorised.headers["location"])
    assert back.path == "/oma/tunnistus/paluu/"
    return client.get(f"{back.path}?{back.query}")


def test_strong_identification_maps_the_identity_code_to_the_person(provider: str, make_person: Any,
                                                                     counsellor: Any) -> None:
    code = next_artificial_id(date(1990, 5, 5))
    person = _client_person(make_person, counsellor, code)
    client = Client()
    response = _sign_in(client, provider, "suomifi-1", hetu=code, given_name="Aino")
    assert response.status_code == 302
    assert response["Location"] == "/oma/"
    account = ClientAccount.objects.get(person=person)
    assert client.get("/oma/").status_code == 200
    assert policy.is_client(account.user)
    assert policy.staff_profile(account.user) is None
    assert AccessLog.objects.filter(person_id=person.pk, action=AccessAction.PORTAL_SIGN_IN).count() == 1
    assert not AccessLog.objects.filter(purpose__contains=code).exists()
    # Signing in again finds the same account
    client.logout()
    _sign_in(client, provider, "suomifi-1", hetu=code)
    assert ClientAccount.objects.filter(person=person).count() == 1


def test_production_second_factor_is_not_asked_of_a_strongly_identified_client(provider: str, make_person: Any,
                                                                               counsellor: Any, settings: Any) -> None:
    """Production asks password users for a Polku code; a client identified strongly is not one (a redirect to the
    staff code page would loop with the portal's confinement)."""
    settings.POLKU_REQUIRE_SECOND_FACTOR = True
    code = next_artificial_id(date(1991, 6, 6))
    _client_person(make_person, counsellor, code)
    client = Client()
    assert _sign_in(client, provider, "suomifi-2fa", hetu=code)["Location"] == "/oma/"
    assert client.get("/oma/").status_code == 200
    assert client.get("/oma/suunnitelma/").status_code == 200


def test_a_code_polku_does_not_know_gets_no_account(provider: str, db: Any) -> None:
    client = Client()
    response = _sign_in(client, provider, "suomifi-2", hetu=next_artificial_id(date(1970, 1, 1)))
    assert response["Location"] == "/oma/kirjaudu/?tunnistus=epaonnistui"
    assert not ClientAccount.objects.exists()
    assert "ei onnistunut" in client.get(response["Location"]).content.decode()


def test_staff_and_client_sign_in_stay_apart(provider: str, settings: Any, make_person: Any, counsellor: Any) -> None:
    """One provider for both (as in the demo): a job seeker's round through the staff sign-in gets no role and no
    client account; through the portal they get their own portal only, never a staff role."""
    settings.POLKU_OIDC_ISSUER = provider
    settings.OIDC_RP_CLIENT_SECRET = "testin-salaisuus"
    code = next_artificial_id(date(1991, 6, 6))
    person = _client_person(make_person, counsellor, code)
    assert httpx.put(f"{provider}/users/kansalainen", json={"hetu": code}).status_code == 204
    staff_round = Client()
    started = staff_round.get("/oidc/authenticate/")
    back = urlsplit(httpx.post(started["Location"], data={"sub": "kansalainen"}).headers["location"])
    assert staff_round.get(f"{back.path}?{back.query}")["Location"] == "/kirjaudu/?tunnistus=epaonnistui"
    assert not ClientAccount.objects.exists()
    portal = Client()
    assert _sign_in(portal, provider, "kansalainen", hetu=code)["Location"] == "/oma/"
    account = ClientAccount.objects.get(person=person)
    assert policy.staff_profile(account.user) is None
    assert portal.get("/mittarit/")["Location"] == "/oma/"


def test_a_client_sees_their_path_and_stays_in_the_portal(make_person: Any, counsellor: Any) -> None:
    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    home = client.get("/oma/").content.decode()
    assert "Hei, Aino" in home
    assert "0 / 4" in home
    plan = client.get("/oma/suunnitelma/").content.decode()
    assert "Päivitä CV" in plan
    assert "Hae kolmea työpaikkaa" in plan
    assert client.get("/henkilot/")["Location"] == "/oma/"  # staff pages are not for clients
    assert client.get("/asiakastyo/")["Location"] == "/oma/"
    assert AccessLog.objects.filter(person_id=person.pk, action=AccessAction.PORTAL_VIEW).count() == 2


def test_staff_are_sent_to_the_portal_sign_in(make_person: Any, counsellor: Any) -> None:
    client = Client()
    client.force_login(counsellor.user)
    assert client.get("/oma/")["Location"].startswith("/oma/kirjaudu/")
    assert Client().get("/oma/suunnitelma/")["Location"].startswith("/oma/kirjaudu/")


def test_reporting_an_application_updates_the_months_report(make_person: Any, counsellor: Any) -> None:
    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    today = timezone.localdate()
    response = client.post("/oma/hakemukset/", {"applied_on": today.isoformat(), "employer": "Savon Kone Oy",
                                                "job_title": "Varastotyöntekijä"})
    assert response.status_code == 302
    report = ApplicationReport.objects.get(person=person, superseded_at__isnull=True)
    assert (report.period_start, report.applications) == (today.replace(day=1), 1)
    assert AccessLog.objects.filter(person_id=person.pk, action=AccessAction.PORTAL_APPLICATION_REPORT).exists()


def test_a_future_application_date_is_refused_naming_the_field(make_person: Any, counsellor: Any) -> None:
    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post("/oma/hakemukset/", {"applied_on": tomorrow.isoformat(), "employer": "X Oy",
                                                "job_title": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Hakupäivä: Hakupäivä ei voi olla tulevaisuudessa" in page
    assert "Haettu tehtävä: Anna haettu tehtävä." in page
    assert not ReportedApplication.objects.exists()
    assert not ApplicationReport.objects.exists()


def test_self_assessment_all_or_nothing_and_repeatable(make_person: Any, counsellor: Any) -> None:
    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    empty = client.post("/oma/itsearvio/", {})
    assert empty.status_code == 400
    page = empty.content.decode()
    assert "Valitse työkykysi nyt" in page
    assert page.count("Vastaa kysymykseen") >= 2 * len(questionnaire().items)  # summary and field, every item
    assert not SelfAssessment.objects.exists()
    answers = {item.code: "3" for item in questionnaire().items}
    assert client.post("/oma/itsearvio/", {**answers, "work_ability": "4"}).status_code == 302
    assert client.post("/oma/itsearvio/", {**dict.fromkeys(answers, "4"), "work_ability": "7"}).status_code == 302
    history = selectors.assessment_history(person)
    assert [row.work_ability for row in history] == [4, 7]
    assert history[0].domains["mental"] == 3.0
    assert history[1].domains["everyday"] == 4.0
    assessment = SelfAssessment.objects.first()
    assert assessment is not None
    assert assessment.questionnaire_version == questionnaire().version
    # The counsellor sees it on the client record before the meeting, as a chart and a table
    staff = Client()
    staff.force_login(counsellor.user)
    record = staff.get(f"/henkilot/{person.pk}/").content.decode()
    assert "itsearvio-historia" in record
    assert "Työkyky nyt" in record


def test_the_client_fills_their_own_competence_profile_and_the_counsellor_sees_it(make_person: Any,
                                                                                   counsellor: Any) -> None:
    """The job-search profile is the client's (HE 108/2025): they suggest from their own words, choose, save; the
    counsellor sees who wrote it; neither overwrites the other unseen; a bad code is named; all access-logged."""
    from polku.employer_services.esco import catalogue
    from polku.employer_services.models import CompetenceProfile

    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    page = client.get("/oma/osaaminen/").content.decode()
    assert "Osaamisprofiiliasi ei ole vielä tehty" in page
    suggested = client.post("/oma/osaaminen/", {"cv_text": "Minulla on trukkikortti. Ajokorttia ei ole.",
                                                "ehdota": "1", "place_preference": "area", "hours_preference": "any"})
    html = suggested.content.decode()
    assert suggested.status_code == 200
    assert "ei: kielto" in html  # "no driving licence" is shown as a negation, not taken
    assert 'value="forklift_training" selected' in html
    assert not CompetenceProfile.objects.exists()  # suggesting is not saving
    forklift = next(c for c in catalogue().skills.values() if c.labels["en"] == "operate forklift")
    saved = client.post("/oma/osaaminen/", {"skills": [forklift.short], "licences": ["forklift_training"],
                                            "language_fi": "7", "place_preference": "area", "hours_preference": "full_time",
                                            "work_history": "Varastotyöntekijä; Oy Ab; 2019; 2024"})
    assert saved.status_code == 302
    profile = CompetenceProfile.objects.get(person=person)
    assert (profile.skills, profile.licences, profile.version) == ([forklift.code], ["forklift_training"], 1)
    assert profile.work_history[0]["title"] == "Varastotyöntekijä"
    assert AccessLog.objects.filter(person_id=person.pk, action=AccessAction.PORTAL_COMPETENCE_PROFILE).count() == 1
    assert "kuljettaa trukkia" in client.get("/oma/osaaminen/").content.decode()
    staff = Client()
    staff.force_login(counsellor.user)
    record = staff.get(f"/tyonantajapalvelut/osaamisprofiilit/{person.pk}/").content.decode()
    assert "Asiakas päivitti profiilia itse" in record
    # The counsellor completes it; the client's form, opened before, is not saved over the change.
    from polku.employer_services import services as profile_services

    profile_services.profile_save(actor=counsellor.user, person=person, expected_version=1,
                                  data=profile_services.ProfileInput(skills=(forklift.code,), education_level=3))
    stale = client.post("/oma/osaaminen/", {"skills": [], "place_preference": "area", "hours_preference": "any",
                                            "version": "1"})
    assert stale.status_code == 400
    assert "Profiilia on muutettu sillä välin" in stale.content.decode()
    assert CompetenceProfile.objects.get(person=person).skills == [forklift.code]
    bad = client.post("/oma/osaaminen/", {"licences": ["ei-tallainen"], "place_preference": "area",
                                          "hours_preference": "any", "version": "2"})
    assert bad.status_code == 400
    assert "Luvat ja kortit" in bad.content.decode()
    assert CompetenceProfile.objects.get(person=person).version == 2
    record = staff.get(f"/tyonantajapalvelut/osaamisprofiilit/{person.pk}/").content.decode()
    assert "Asiakas päivitti profiilia itse" not in record  # the counsellor changed it last


def test_a_first_profile_written_meanwhile_is_not_overwritten(make_person: Any, counsellor: Any) -> None:
    """The client opened the empty form (version 0); the counsellor wrote the first profile; the client's save is
    refused, not laid over it."""
    from polku.employer_services import services as profile_services
    from polku.employer_services.models import CompetenceProfile

    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    assert 'name="version" value="0"' in client.get("/oma/osaaminen/").content.decode()
    profile_services.profile_save(actor=counsellor.user, person=person, data=profile_services.ProfileInput(
        licences=("forklift_training",)), expected_version=0)
    stale = client.post("/oma/osaaminen/", {"place_preference": "area", "hours_preference": "any", "version": "0"})
    assert stale.status_code == 400
    assert "Profiilia on muutettu sillä välin" in stale.content.decode()
    assert CompetenceProfile.objects.get(person=person).licences == ["forklift_training"]


def test_staff_with_a_client_account_write_profiles_as_staff(make_person: Any, counsellor: Any,
                                                              make_staff: Any) -> None:
    """The portal's way of writing one's own profile is for clients only: a member of staff without the right to
    record person data, who is also a job seeker, cannot write their profile through the staff pages or the API."""
    from polku.core.errors import AccessDenied
    from polku.employer_services import services as profile_services

    person = _client_person(make_person, counsellor)
    official = make_staff(Role.ELECTED_OFFICIAL, area="kuopio")
    ClientAccount.objects.create(user=official.user, person=person)
    with pytest.raises(AccessDenied):
        profile_services.profile_save(actor=official.user, person=person, data=profile_services.ProfileInput())
    with pytest.raises(AccessDenied):
        profile_services.profile_save(actor=official.user, person=person, data=profile_services.ProfileInput(),
                                      by_client=True)
    assert not policy.wrote_as_client(official.user, person)


def test_the_client_chooses_whether_employers_may_be_shown_their_profile(make_person: Any, counsellor: Any) -> None:
    """A consent (purpose and recipient, with its text) given on the profile page; the candidate list asks for it at
    the moment of use and says so, and withdrawing it takes effect at once."""
    from polku.access import consents
    from polku.employer_services import services as profile_services
    from polku.employer_services.selectors import PRESENT_TO_EMPLOYERS

    person = _client_person(make_person, counsellor)
    profile_services.profile_save(actor=counsellor.user, person=person, data=profile_services.ProfileInput())
    client = _portal_client(person)
    page = client.get("/oma/osaaminen/").content.decode()
    assert "Annan luvan" in page
    assert consents.persons_with_consent([person.pk], *PRESENT_TO_EMPLOYERS) == set()
    given = client.post("/oma/suostumukset/", {"purpose": "share_profile", "recipient": "employers"})
    assert given.status_code == 302
    consent = Consent.objects.get(person=person, purpose="share_profile")
    assert consent.categories == ["competence_profile"]
    assert "nimeäni eikä yhteystietojani" in consent.agreed_text
    assert consents.persons_with_consent([person.pk], *PRESENT_TO_EMPLOYERS) == {person.pk}
    assert "Peru lupa" in client.get("/oma/osaaminen/").content.decode()
    assert client.post(f"/oma/suostumukset/{consent.pk}/peru/").status_code == 302
    assert consents.persons_with_consent([person.pk], *PRESENT_TO_EMPLOYERS) == set()  # at once
    assert client.post("/oma/suostumukset/", {"purpose": "share_profile", "recipient": "kela"}).status_code == 400


def test_booking_a_taken_slot_is_refused_and_moving_keeps_the_old_when_the_new_is_taken(
        make_person: Any, counsellor: Any) -> None:
    first = _client_person(make_person, counsellor)
    second = _client_person(make_person, counsellor, last_name="Toinen")
    start = timezone.now() + timedelta(days=3)
    slots = [booking.publish_slot(counsellor=counsellor.user, starts_at=start + timedelta(hours=h), minutes=45,
                                  channel="phone") for h in range(3)]
    one, two = _portal_client(first), _portal_client(second)
    assert one.post("/oma/ajanvaraus/", {"slot": slots[0].pk}).status_code == 302
    taken = two.post("/oma/ajanvaraus/", {"slot": slots[0].pk})
    assert taken.status_code == 400
    assert "Vapaa aika: Aika ehdittiin juuri varata toiselle" in taken.content.decode()
    assert AppointmentSlot.objects.get(pk=slots[0].pk).person_id == first.pk
    assert two.post("/oma/ajanvaraus/", {"slot": slots[1].pk}).status_code == 302
    # The first client tries to move onto the second's time: refused, their own booking stays
    moved = one.post("/oma/ajanvaraus/", {"slot": slots[1].pk, "move_from": slots[0].pk})
    assert moved.status_code == 400
    assert AppointmentSlot.objects.get(pk=slots[0].pk).person_id == first.pk
    assert one.post("/oma/ajanvaraus/", {"slot": slots[2].pk, "move_from": slots[0].pk}).status_code == 302
    assert AppointmentSlot.objects.get(pk=slots[0].pk).person_id is None
    assert AppointmentSlot.objects.get(pk=slots[2].pk).person_id == first.pk
    # The statutory cadence: the due day is shown, and a later time is marked
    due_by = booking.meeting_due_by(first)
    assert due_by is not None
    page = one.get("/oma/ajanvaraus/").content.decode()
    assert "pitäisi pitää viimeistään" in page
    # Cancelling another's booking by changing the id finds nothing
    assert two.post(f"/oma/ajanvaraus/{slots[2].pk}/peru/").status_code == 302
    assert AppointmentSlot.objects.get(pk=slots[2].pk).person_id == first.pk
    assert AccessLog.objects.filter(person_id=second.pk, action=AccessAction.ACCESS_REFUSED).exists()
    # The counsellor's worklist shows the booked meetings
    staff = Client()
    staff.force_login(counsellor.user)
    worklist = staff.get("/asiakastyo/").content.decode()
    assert "Varatut tapaamiset" in worklist
    assert first.last_name in worklist


def test_consent_needs_a_recipient_withdraws_at_once_and_is_checked_at_use(make_person: Any, counsellor: Any,
                                                                          make_staff: Any) -> None:
    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    missing = client.post("/oma/suostumukset/", {"purpose": "share_plan", "recipient": ""})
    assert missing.status_code == 400
    assert "Kenelle tiedot luovutetaan: Valitse vastaanottaja" in missing.content.decode()
    assert not Consent.objects.exists()
    assert client.post("/oma/suostumukset/", {"purpose": "share_plan", "recipient": "kela"}).status_code == 302
    consent = Consent.objects.get()
    assert consent.categories == ["plan", "agreed_tasks"]
    assert "Voin perua" in consent.agreed_text
    assert services.consent_in_force(person, "share_plan", "kela") is not None
    # The counsellor sends the plan to Kela: only the consented categories go, and the client sees it was used
    staff = Client()
    staff.force_login(counsellor.user)
    assert staff.post(f"/asiakasportaali/henkilot/{person.pk}/luovutus/", {"recipient": "kela"}).status_code == 302
    disclosure = Disclosure.objects.get(person=person)
    assert set(disclosure.content) == {"plan", "agreed_tasks"}
    assert disclosure.content["agreed_tasks"] == ["Päivitä CV", "Hae kolmea työpaikkaa"]
    assert "suostumuksen perusteella" in client.get("/oma/kuka-katsoi/").content.decode()
    assert client.post(f"/oma/suostumukset/{consent.pk}/peru/").status_code == 302
    assert services.consent_in_force(person, "share_plan", "kela") is None
    # Withdrawn: the next use is refused at that moment, nothing disclosed
    staff.post(f"/asiakasportaali/henkilot/{person.pk}/luovutus/", {"recipient": "kela"})
    assert Disclosure.objects.filter(person=person).count() == 1
    with pytest.raises(ValidationFailed) as refused:
        services.disclose_plan(person=person, recipient="kela", actor=counsellor.user)
    assert refused.value.errors[0].field == "recipient"
    # The data protection officer sees the record, withdrawn
    dpo = Client()
    dpo.force_login(make_staff(Role.DPO, area=None).user)
    records = dpo.get("/asiakasportaali/suostumukset/").content.decode()
    assert person.last_name in records
    assert "Kela" in records


def test_one_client_never_reaches_anothers_data(make_person: Any, counsellor: Any) -> None:
    mine = _client_person(make_person, counsellor, last_name="Minä")
    other = _client_person(make_person, counsellor, last_name="Toisenen")
    services.give_consent(person=other, purpose="share_plan", recipient="kela", actor=None)
    services.send_message(person=other, body="Salainen viesti toiselle", from_client=False, author=counsellor.user)
    other_consent = Consent.objects.get(person=other)
    client = _portal_client(mine)
    assert client.post(f"/oma/suostumukset/{other_consent.pk}/peru/").status_code == 302
    assert Consent.objects.get(pk=other_consent.pk).withdrawn_at is None
    invitation = FeedbackInvitation.objects.create(person=other, kind="half_year", subject="2026H2",
                                                   created_at=timezone.now())
    assert client.get(f"/oma/palaute/{invitation.pk}/")["Location"] == "/oma/"
    for url in ("/oma/", "/oma/suunnitelma/", "/oma/viestit/", "/oma/suostumukset/", "/oma/kuka-katsoi/", "/oma/osaaminen/",
                f"/oma/?person={other.pk}", f"/henkilot/{other.pk}/", f"/api/persons/{other.pk}"):
        page = client.get(url).content.decode()
        assert "Toisenen" not in page, url
        assert "Salainen viesti" not in page, url


def test_messages_and_notifications_carry_no_personal_data(make_person: Any, counsellor: Any) -> None:
    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    assert client.post("/oma/viestit/", {"body": ""}).status_code == 400
    assert client.post("/oma/viestit/", {"body": "Voinko siirtää tapaamista?"}).status_code == 302
    staff = Client()
    staff.force_login(counsellor.user)
    assert staff.post(f"/asiakasportaali/henkilot/{person.pk}/viesti/", {"body": "Toki, valitse uusi aika."}).status_code == 302
    notification = Notification.objects.get(person=person)
    assert "Aino" not in notification.text
    assert "Toki" not in notification.text
    assert "Toki, valitse uusi aika." in client.get("/oma/viestit/").content.decode()


def test_who_viewed_my_data_shows_role_and_organisation(make_person: Any, counsellor: Any) -> None:
    person = _client_person(make_person, counsellor)
    staff = Client()
    staff.force_login(counsellor.user)
    staff.get(f"/henkilot/{person.pk}/")
    client = _portal_client(person)
    page = client.get("/oma/kuka-katsoi/").content.decode()
    assert "Työllisyysohjaaja" in page
    assert "Alkupalvelu" in page
    assert client.post("/oma/kuka-katsoi/tarkastuspyynto/").status_code == 302
    assert "Pyysit tietojasi" in client.get("/oma/kuka-katsoi/").content.decode()
    # The client's own doing is not listed; a counsellor's action in the portal (a reply) is.
    from polku.portal.selectors import who_viewed

    AccessLog.objects.create(user=counsellor.user, person_id=person.pk, action=AccessAction.PORTAL_MESSAGE_REPLY,
                             channel="web", purpose="viesti asiakkaalle", actor=counsellor.user.get_username())
    actions = [row.action for row in who_viewed(person)]
    assert str(AccessAction.PORTAL_MESSAGE_REPLY.label) in actions
    assert str(AccessAction.PORTAL_VIEW.label) not in actions


def test_feedback_is_anonymous_and_figures_are_suppressed(make_person: Any, counsellor: Any, make_staff: Any) -> None:
    """Answers keep no person; figures count months that have ended only (one that moved during a visit would tell
    the answer), hide groups under five answers and, when one alone could be recovered from the total, another."""
    from polku.core.calendar import add_months, month_start

    plan = ["Työkokeilu"] * 5 + ["Kuntouttava"] * 6 + ["Valmennus"]
    persons = [_client_person(make_person, counsellor, last_name=f"Palaute{n}") for n in range(len(plan))]
    for n, (person, service) in enumerate(zip(persons, plan, strict=True)):
        invitation = FeedbackInvitation.objects.create(person=person, kind="after_service", subject=f"r{n}",
                                                       service_type=service, created_at=timezone.now())
        client = _portal_client(person)
        if n == 0:
            assert client.post(f"/oma/palaute/{invitation.pk}/", {}).status_code == 400
            assert not FeedbackAnswer.objects.exists()
        assert client.post(f"/oma/palaute/{invitation.pk}/", {"satisfaction": "4", "useful": "yes"}).status_code == 302
    assert not any(hasattr(FeedbackAnswer, name) for name in ("person", "person_id"))
    assert selectors.feedback_figures(FeedbackAnswer.objects.all(), "service") == []  # this month has not ended
    FeedbackAnswer.objects.update(month=add_months(month_start(timezone.localdate()), -1))
    rows = {r.group: r for r in selectors.feedback_figures(FeedbackAnswer.objects.all(), "service")}
    assert rows["Valmennus"].satisfaction == "< 5"
    # Valmennus's one answer would follow from the total less the others: the smaller of them is hidden too.
    assert rows["Työkokeilu"].answers == ".."
    assert (rows["Kuntouttava"].answers, rows["Kuntouttava"].satisfaction, rows["Kuntouttava"].useful_percent) == (
        6, 4, 100)
    manager = Client()
    manager.force_login(make_staff(Role.MANAGER, area="kuopio").user)
    page = manager.get("/asiakasportaali/vaikuttavuus/").content.decode()
    assert "Kuntouttava" in page
    assert "&lt; 5" in page


def test_feedback_is_asked_after_a_service_and_every_half_year(make_person: Any, counsellor: Any,
                                                                make_staff: Any) -> None:
    from polku.provision import services as provision

    person = _client_person(make_person, counsellor)
    provider = provision.provider_create(name="Palaute Paja ry", kind="third_sector", area_code="kuopio",
                                         business_id="15728600")
    offering = provision.offering_create(provider=provider, service_type="work_trial", name="Työkokeilu",
                                         capacity=5, available_from=date(2025, 1, 1), available_to=date(2030, 12, 31))
    referral = provision.referral_create(person=person, offering=offering, referred_on=timezone.localdate() - timedelta(days=40),
                                         actor=counsellor.user)
    Referral.objects.filter(pk=referral.pk).update(status="completed", ended_on=timezone.localdate() - timedelta(days=2),
                                                   participation_start=timezone.localdate() - timedelta(days=30))
    client = _portal_client(person)
    home = client.get("/oma/").content.decode()
    assert "Palaute päättyneestä palvelusta" in home
    assert "Puolivuosittainen palautekysely" in home
    client.get("/oma/")
    assert FeedbackInvitation.objects.filter(person=person).count() == 2  # asked once each


def test_portal_session_has_its_own_shorter_timeout(make_person: Any, counsellor: Any, settings: Any) -> None:
    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    session = client.session
    session["_polku_last_seen_at"] = int(timezone.now().timestamp()) - (settings.POLKU_PORTAL_SESSION_IDLE_MINUTES * 60 + 5)
    session.save()
    assert settings.POLKU_PORTAL_SESSION_IDLE_MINUTES < settings.POLKU_SESSION_IDLE_MINUTES
    response = client.get("/oma/")
    assert response.status_code == 302
    assert response["Location"].startswith("/oma/kirjaudu/")


def test_counsellor_publishes_free_times_and_bad_input_names_the_field(counsellor: Any) -> None:
    staff = Client()
    staff.force_login(counsellor.user)
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = staff.post("/asiakasportaali/vapaat-ajat/", {"starts_at": past, "minutes": "45", "channel": "phone"})
    assert refused.status_code == 400
    assert "menneisyydessä" in refused.content.decode()
    soon = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert staff.post("/asiakasportaali/vapaat-ajat/", {"starts_at": soon, "minutes": "45",
                                                        "channel": "video"}).status_code == 302
    assert AppointmentSlot.objects.filter(counsellor=counsellor.user).count() == 1


def test_demo_seeds_clients_free_times_and_figures(make_person: Any, make_staff: Any) -> None:
    from django.contrib.auth import get_user_model

    from polku.access.demo_identity import DEMO_CLIENTS
    from polku.access.services import staff_create
    from polku.portal.demo import seed_portal
    from polku.provision import services as provision

    staff_create(username="ohjaaja", password="salasana-123", role=Role.COUNSELLOR, area_code="kuopio",
                 team_name="Alkupalvelu")
    provider = provision.provider_create(name="Demo Paja ry", kind="third_sector", area_code="kuopio",
                                         business_id="15728600")
    offering = provision.offering_create(provider=provider, service_type="work_trial", name="Työkokeilu",
                                         capacity=20, available_from=date(2025, 1, 1), available_to=date(2030, 12, 31))
    admin = make_staff(Role.ADMIN, area=None)
    for n in range(6):
        person = make_person(municipality="297", last_name=f"Demo{n}")
        provision.referral_create(person=person, offering=offering, referred_on=date(2025, 6, 1), actor=admin.user)
    counts = seed_portal()
    assert counts["asiakkaita"] == len(DEMO_CLIENTS)
    assert counts["itsearvioita"] >= 12
    assert counts["palautteita"] == 6
    assert AppointmentSlot.objects.filter(counsellor=get_user_model().objects.get(username="ohjaaja")).count() > 0
    rows = selectors.change_per_service(Person.objects.all())
    assert [(r.service_type, r.persons) for r in rows] == [("työkokeilu", 6)]
    assert isinstance(rows[0].change, float | int)
    from django.utils import translation

    with translation.override("sv"):  # service names in the reader's language
        assert [r.service_type for r in selectors.change_per_service(Person.objects.all())] == ["arbetsprövning"]
        FeedbackAnswer.objects.create(kind="after_service", service_type="work_trial", month=date(2025, 1, 1),
                                      satisfaction=3, useful=True)
        assert [r.group for r in selectors.feedback_figures(FeedbackAnswer.objects.all(), "service")] == [
            "arbetsprövning"]
    assert seed_portal()["asiakkaita"] == 0  # idempotent


def test_feedback_named_its_service_by_the_finnish_name_before_and_by_its_code_now(make_person: Any,
                                                                                     counsellor: Any) -> None:
    """The data migration: older invitations and answers get the service type's code."""
    import importlib

    from django.apps import apps

    person = _client_person(make_person, counsellor)
    invitation = FeedbackInvitation.objects.create(person=person, kind="after_service", subject="r1",
                                                   service_type="työkokeilu", created_at=timezone.now())
    answer = FeedbackAnswer.objects.create(kind="after_service", service_type="työkokeilu", month=date(2025, 1, 1),
                                           satisfaction=4, useful=True)
    unknown = FeedbackAnswer.objects.create(kind="half_year", service_type="", month=date(2025, 1, 1),
                                            satisfaction=4, useful=True)
    migration = importlib.import_module("polku.portal.migrations.0006_feedback_service_codes")
    migration.names_to_codes(apps, None)
    invitation.refresh_from_db()
    answer.refresh_from_db()
    unknown.refresh_from_db()
    assert (invitation.service_type, answer.service_type, unknown.service_type) == ("work_trial", "work_trial", "")


@pytest.mark.parametrize(("language", "greeting", "question"), [
    ("sv", "Hej, Aino", "Jag har tillräckligt med ork för mina vanliga dagar."),
    ("en", "Hello, Aino", "I have enough energy for my ordinary days."),
])
def test_portal_speaks_swedish_and_english(make_person: Any, counsellor: Any, language: str, greeting: str,
                                           question: str) -> None:
    from django.conf import settings as django_settings

    client = _portal_client(_client_person(make_person, counsellor))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    assert greeting in client.get("/oma/").content.decode()
    page = client.get("/oma/itsearvio/").content.decode()
    assert question in page
    assert f'lang="{language}"' in page


def test_change_per_service_is_scoped_to_the_managers_area_and_refused_without_one(
        make_person: Any, make_staff: Any, counsellor: Any) -> None:
    """The portal's aggregates page counts the area's clients only; a staff login with no area sees nothing, not
    everyone's figures (it used to fall back to the whole register)."""
    person = _client_person(make_person, counsellor)
    ClientAccount.objects.create(user=get_user_model().objects.create_user(username="asiakas-alue"), person=person)
    kuopio, kainuu, no_area = (make_staff(Role.MANAGER, area=area) for area in ("kuopio", "kainuu", None))
    pages = {}
    for name, staff in (("kuopio", kuopio), ("kainuu", kainuu), ("none", no_area)):
        browser = Client()
        browser.force_login(staff.user)
        pages[name] = browser.get("/asiakasportaali/vaikuttavuus/")
    assert pages["kuopio"].status_code == pages["kainuu"].status_code == 200
    assert pages["kuopio"].context["counts"]["client_accounts"] == 1
    assert pages["kainuu"].context["counts"]["client_accounts"] == 0
    assert pages["none"].status_code == 403


def test_a_booking_can_be_cancelled_online_only_until_the_notice_before_its_time(
        make_person: Any, counsellor: Any, settings: Any) -> None:
    settings.POLKU_PORTAL_CANCEL_NOTICE_HOURS = 24
    person = _client_person(make_person, counsellor)
    soon, later = (booking.publish_slot(counsellor=counsellor.user, starts_at=timezone.now() + delay, minutes=45,
                                        channel="phone") for delay in (timedelta(hours=5), timedelta(days=3)))
    client = _portal_client(person)
    for slot in (soon, later):
        assert client.post("/oma/ajanvaraus/", {"slot": slot.pk}).status_code == 302
    page = client.get("/oma/ajanvaraus/").content.decode()
    assert page.count("/peru/") == 1  # only the later one offers cancelling
    assert "Alle 24 tuntia tapaamiseen" in page
    response = client.post(f"/oma/ajanvaraus/{soon.pk}/peru/", follow=True)
    assert "alle 24 tuntia" in response.content.decode()
    assert AppointmentSlot.objects.get(pk=soon.pk).person_id == person.pk  # still booked
    assert not AccessLog.objects.filter(person_id=person.pk, action=AccessAction.ACCESS_REFUSED).exists()
    with pytest.raises(ValidationFailed, match="alle 24 tuntia"):
        booking.move(person=person, from_slot_id=soon.pk, to_slot_id=None, allowed_counsellor_ids=[counsellor.user.pk])
    assert client.post(f"/oma/ajanvaraus/{later.pk}/peru/").status_code == 302
    assert AppointmentSlot.objects.get(pk=later.pk).person_id is None


def test_who_viewed_shows_the_role_the_reader_had_when_they_read(make_person: Any, counsellor: Any) -> None:
    from polku.access.models import StaffProfile
    from polku.portal.selectors import who_viewed

    person = _client_person(make_person, counsellor)
    staff = Client()
    staff.force_login(counsellor.user)
    staff.get(f"/henkilot/{person.pk}/")
    StaffProfile.objects.filter(user=counsellor.user).update(role=Role.MANAGER, team=None)  # promoted later
    rows = who_viewed(person)
    assert rows
    assert {row.role for row in rows} == {str(Role.COUNSELLOR.label)}
    assert all("Alkupalvelu" in row.organisation for row in rows)


def test_notifications_go_to_the_addresses_the_client_chose(make_person: Any, counsellor: Any,
                                                            mailoutbox: list[Any]) -> None:
    """The client chooses e-mail and/or a text message; the worker sends one notice per person with no content and
    no name, marks the outbox handled, and sends nothing where no address was chosen. Bad addresses are named."""
    from polku.portal import notifications, sms, tasks

    person = _client_person(make_person, counsellor)
    silent = _client_person(make_person, counsellor, last_name="Hiljainen")
    client = _portal_client(person)
    bad = client.post("/oma/viestit/", {"lomake": "ilmoitukset", "by_email": "on", "email": "ei-osoite",
                                        "by_sms": "on", "phone": "12"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Sähköpostiosoite: Tarkista sähköpostiosoite." in page
    assert "Matkapuhelinnumero: Anna matkapuhelinnumero muodossa" in page
    assert not NotificationAddress.objects.exists()
    saved = client.post("/oma/viestit/", {"lomake": "ilmoitukset", "by_email": "on", "email": "aino@example.org",
                                          "by_sms": "on", "phone": "040-123 4567"})
    assert saved.status_code == 302
    assert NotificationAddress.objects.get(person=person).phone == "+358401234567"
    assert AccessLog.objects.filter(person_id=person.pk, action=AccessAction.PORTAL_NOTIFICATION_ADDRESS).exists()
    for body in ("Ensimmäinen", "Toinen"):
        services.send_message(person=person, body=body, from_client=False, author=counsellor.user)
    services.send_message(person=silent, body="Hei", from_client=False, author=counsellor.user)
    from polku.jobs import schedule

    assert schedule.MINUTE_HOOKS["portal-notifications"] is tasks.scheduled_check  # the worker's minute hook
    assert tasks.scheduled_check() == "portal notifications"
    assert notifications.deliver_pending() == 1
    assert [m.to for m in mailoutbox] == [["aino@example.org"]]  # one notice for two messages
    assert sms.outbox == [("+358401234567", services.NOTIFICATION_TEXT)]
    for text in [mailoutbox[0].body, mailoutbox[0].subject, sms.outbox[0][1]]:
        assert not {"Ensimmäinen", "Aino", "Asiakas"} & set(text.replace(".", " ").split())
    assert set(Notification.objects.filter(person=person).values_list("channel", flat=True)) == {"email,sms"}
    unsent = Notification.objects.get(person=silent)
    assert (unsent.handled_at is not None, unsent.sent_at) == (True, None)  # nowhere to send: the message waits
    assert tasks.scheduled_check() is None
    assert notifications.deliver_pending() == 0


def test_a_referral_to_another_agency_carries_only_the_consented_data_and_its_joint_meeting_updates_the_plan(
        make_person: Any, counsellor: Any, make_staff: Any) -> None:
    """Multi-agency work: the counsellor refers the client to TYP with the client's consent to share the plan; the
    referral carries the consented categories only; its status is recorded as the agency reports and the client
    follows it; a joint meeting's agreed tasks go into the plan; without a consent, or from another team, nothing."""
    from polku.portal.models import AgencyReferral

    person = _client_person(make_person, counsellor)
    client = _portal_client(person)
    staff = Client()
    staff.force_login(counsellor.user)
    url = f"/asiakasportaali/henkilot/{person.pk}/ohjaus/"
    staff.post(url, {"recipient": "typ", "reason": "Monialainen palvelutarpeen arvio"})
    assert not AgencyReferral.objects.exists()  # no consent yet: nothing sent
    services.give_consent(person=person, purpose="share_plan", recipient="typ", actor=None)
    record = staff.get(f"/henkilot/{person.pk}/").content.decode()
    assert "Ohjaa toiseen palveluun asiakkaan suostumuksella" in record
    assert staff.post(url, {"recipient": "typ", "reason": ""}).status_code == 302
    assert not AgencyReferral.objects.exists()  # the reason is required
    assert staff.post(url, {"recipient": "typ", "reason": "Monialainen palvelutarpeen arvio"}).status_code == 302
    referral = AgencyReferral.objects.get(person=person)
    assert (referral.recipient, referral.status) == ("typ", "sent")
    assert set(referral.disclosure.content) == {"plan", "agreed_tasks"}
    assert AccessLog.objects.filter(person_id=person.pk, action=AccessAction.AGENCY_REFERRAL).exists()
    plan_page = client.get("/oma/suunnitelma/").content.decode()
    assert "Monialainen palvelutarpeen arvio" in plan_page
    assert "lähetetty" in plan_page
    # The agency declined? A reason is needed. Received: recorded, and the client sees it.
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/tila/", {"status": "declined", "note": ""})
    assert AgencyReferral.objects.get(pk=referral.pk).status == "sent"
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/tila/", {"status": "sent", "note": ""})
    assert AgencyReferral.objects.get(pk=referral.pk).events[-1]["status"] == "sent"  # not set back to sent
    assert len(AgencyReferral.objects.get(pk=referral.pk).events) == 1
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/tila/", {"status": "received", "note": "Aika sovittu"})
    followed = client.get("/oma/suunnitelma/").content.decode()
    assert "vastaanotettu: Aika sovittu" in followed
    before_referral = (timezone.localdate() - timedelta(days=400)).isoformat()
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/yhteistapaaminen/", {"held_on": before_referral,
                                                                               "agreed_tasks": "Ei kirjata"})
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/yhteistapaaminen/", {"held_on": "31.2.2026",
                                                                               "agreed_tasks": "Ei kirjata"})
    # A joint meeting: its tasks are added to the plan as a new version; a future date is refused.
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/yhteistapaaminen/", {"held_on": future,
                                                                               "agreed_tasks": "Ei kirjata"})
    before = casework.current_plan(person)
    assert before is not None
    assert "Ei kirjata" not in before.agreed_actions
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/yhteistapaaminen/", {
        "held_on": timezone.localdate().isoformat(), "agreed_tasks": "Hae kuntoutusselvitykseen\nTapaa TYP-sosiaaliohjaaja"})
    plan = casework.current_plan(person)
    assert plan is not None
    assert plan.agreed_actions.splitlines() == ["Päivitä CV", "Hae kolmea työpaikkaa", "Hae kuntoutusselvitykseen",
                                                "Tapaa TYP-sosiaaliohjaaja"]
    assert plan.version == 2
    updated = AgencyReferral.objects.get(pk=referral.pk)
    assert updated.status == "in_progress"
    assert [e["kind"] for e in updated.events] == ["status", "status", "joint_meeting", "status"]
    assert AccessLog.objects.filter(person_id=person.pk, action=AccessAction.PLAN_EDIT).exists()
    assert "Hae kuntoutusselvitykseen" in client.get("/oma/suunnitelma/").content.decode()
    # Another team's counsellor may not touch it.
    other = make_staff(Role.COUNSELLOR, area="kainuu", team="Muu")
    outsider = Client()
    outsider.force_login(other.user)
    assert outsider.post(f"/asiakasportaali/ohjaukset/{referral.pk}/tila/", {"status": "completed"}).status_code == 403
    assert AgencyReferral.objects.get(pk=referral.pk).status == "in_progress"
    # Completed: no more meetings on it (a new cooperation is a new referral).
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/tila/", {"status": "completed", "note": ""})
    staff.post(f"/asiakasportaali/ohjaukset/{referral.pk}/yhteistapaaminen/", {
        "held_on": timezone.localdate().isoformat(), "agreed_tasks": "Myöhäinen tehtävä"})
    latest = casework.current_plan(person)
    assert latest is not None
    assert "Myöhäinen tehtävä" not in latest.agreed_actions


class FailingSms:
    """A text-message gateway that is down."""

    def send(self, number: str, text: str) -> None:
        raise ConnectionError(f"gateway refused {number}")


def test_a_failing_gateway_never_repeats_a_notice_nor_holds_back_others(make_person: Any, counsellor: Any,
                                                                         mailoutbox: list[Any], settings: Any,
                                                                         caplog: Any) -> None:
    from polku.portal import notifications

    settings.POLKU_SMS_BACKEND = "tests.portal.test_portal.FailingSms"
    first = _client_person(make_person, counsellor, last_name="Ensimmäinen")
    second = _client_person(make_person, counsellor, last_name="Toinen")
    notifications.set_address(person=first, email="eka@example.org", phone="+358 040 123 4567", by_email=True,
                              by_sms=True)
    notifications.set_address(person=second, email="toka@example.org", phone="", by_email=True, by_sms=False)
    assert NotificationAddress.objects.get(person=first).phone == "+358401234567"  # the trunk 0 dropped
    for person in (first, second):
        services.send_message(person=person, body="Hei", from_client=False, author=counsellor.user)
    assert notifications.deliver_pending() == 2  # the first by e-mail only, the second as chosen
    assert sorted(m.to[0] for m in mailoutbox) == ["eka@example.org", "toka@example.org"]
    assert "+358401234567" not in caplog.text  # the failure is logged without the number
    assert "could not be sent" in caplog.text
    assert notifications.deliver_pending() == 0
    assert len(mailoutbox) == 2  # never sent again


def test_phone_numbers_are_taken_as_mobile_numbers_only() -> None:
    from polku.portal.notifications import normalised_phone

    assert normalised_phone("040-123 4567") == "+358401234567"
    assert normalised_phone("050 1234567") == "+358501234567"
    assert normalised_phone("+358 (0)40 123 4567") == "+358401234567"
    assert normalised_phone("+46 70 123 45 67") == "+46701234567"
    for bad in ("09 1234567", "12", "040 ١٢٣٤٥٦٧", "", "+358 9 1234567"):
        assert normalised_phone(bad) == "", bad


def test_retention_removes_notification_addresses_and_erases_persons_with_referrals(make_person: Any,
                                                                                     counsellor: Any) -> None:
    from polku.portal import notifications, referrals
    from polku.portal.models import AgencyReferral
    from polku.privacy import retention

    person = _client_person(make_person, counsellor)
    notifications.set_address(person=person, email="a@example.org", phone="", by_email=True, by_sms=False)
    services.give_consent(person=person, purpose="share_plan", recipient="typ", actor=None)
    referrals.refer(person=person, recipient="typ", reason="Arvio", actor=counsellor.user)
    retention.pseudonymise([person.pk], None)
    assert not NotificationAddress.objects.filter(person=person).exists()
    assert retention.erase([person.pk]) > 0
    assert not AgencyReferral.objects.exists()
    assert not Person.objects.filter(pk=person.pk).exists()
