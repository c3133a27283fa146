"""The demo's portal: two clients who sign in through the demo identity provider (``polku demo_identity_provider``),
free times for their counsellor, and — so that managers' figures show something — repeated self-assessments and
anonymous feedback for simulated clients of the Kuopio area. All synthetic."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from polku.access.demo_identity import DEMO_CLIENTS
from polku.casework import services as casework
from polku.casework.models import AppointmentSlot, CaseAssignment
from polku.casework.services import PlanInput
from polku.core.calendar import month_start
from polku.people import personal_id
from polku.people.models import Person
from polku.portal.catalogue import questionnaire
from polku.portal.models import FeedbackAnswer, FeedbackKind, SelfAssessment, SelfAssessmentAnswer
from polku.provision.models import Referral
from polku.timeline import services as timeline

DEMO_COUNSELLOR = "ohjaaja"


@transaction.atomic
def seed_portal(today: date | None = None, seed: int = 3) -> dict[str, int]:
    today = today or timezone.localdate()
    counsellor = get_user_model().objects.filter(username=DEMO_COUNSELLOR).first()
    if counsellor is None:
        return {}
    clients = 0
    for entry in DEMO_CLIENTS:
        person = Person.objects.filter(personal_id_hash=personal_id.keyed_hash(entry["hetu"])).first()
        if person is None:
            person = timeline.person_create(personal_id_code=entry["hetu"], first_names=entry["given_name"],
                                            last_name=entry["family_name"])
            timeline.home_municipality_record(person=person, municipality_code="297",
                                              start_date=today - timedelta(days=400))
            timeline.job_search_open(person=person, registered_on=today - timedelta(days=40))
            timeline.status_spell_record(person=person, status="unemployed", start_date=today - timedelta(days=40))
            clients += 1
        if not CaseAssignment.objects.filter(person=person, ended_at__isnull=True).exists():
            casework.assign(person=person, counsellor=counsellor, actor=counsellor)
        if casework.current_plan(person) is None:
            casework.plan_save(person=person, data=PlanInput(
                drawn_up_on=today - timedelta(days=30), valid_until=today + timedelta(days=150),
                agreed_actions="Päivitä CV ja lähetä se ohjaajalle\nHae vähintään neljää työpaikkaa kuukaudessa\n"
                               "Osallistu työnhakuvalmennukseen", applications_required=4,
                next_meeting_on=today + timedelta(days=14)), based_on_version=None, actor=counsellor)
    slots = _free_times(counsellor, today)
    assessments, answers = _figures(today, random.Random(seed))
    return {"asiakkaita": clients, "vapaita aikoja": slots, "itsearvioita": assessments, "palautteita": answers}


def _free_times(counsellor: Any, today: date) -> int:
    """Two free times a working day for the next two weeks (published once)."""
    made = 0
    for offset in range(1, 15):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for hour, channel in ((9, "face_to_face"), (13, "phone"), (14, "video")):
            starts = timezone.make_aware(datetime.combine(day, time(hour)))
            _, created = AppointmentSlot.objects.get_or_create(counsellor=counsellor, starts_at=starts,
                                                               defaults={"minutes": 45, "channel": channel})
            made += created
    return made


def _figures(today: date, rng: random.Random) -> tuple[int, int]:
    """Repeated self-assessments for clients referred to services, and anonymous feedback on those services."""
    if SelfAssessment.objects.exists():
        return 0, 0
    form = questionnaire()
    referrals = list(Referral.objects.filter(offering__area__code="kuopio").select_related(
        "offering__service_type", "person__team")[:160])
    assessed: set[Any] = set()
    made = answered = 0
    for referral in referrals:
        person = referral.person
        if person.pk not in assessed:
            assessed.add(person.pk)
            start = rng.randint(2, 6)
            for step in range(rng.randint(2, 3)):
                ability = min(10, start + step * rng.choice((0, 1, 1, 2)))
                at = timezone.make_aware(datetime.combine(today - timedelta(days=120 - 50 * step), time(10)))
                assessment = SelfAssessment.objects.create(person=person, questionnaire_version=form.version,
                                                           answered_at=at, work_ability=ability)
                SelfAssessmentAnswer.objects.bulk_create([
                    SelfAssessmentAnswer(assessment=assessment, item=item.code, domain=item.domain,
                                         value=max(1, min(5, 2 + step + rng.choice((-1, 0, 0, 1)))))
                    for item in form.items])
                made += 1
        team = person.team
        FeedbackAnswer.objects.create(kind=FeedbackKind.AFTER_SERVICE, service_type=referral.offering.service_type_id,
                                      team=team, area_id=referral.offering.area_id,
                                      month=month_start(today - timedelta(days=rng.randint(0, 330))),  # a year's worth
                                      satisfaction=rng.choice((3, 4, 4, 5, 5)), useful=rng.random() < 0.8)
        answered += 1
    return made, answered
