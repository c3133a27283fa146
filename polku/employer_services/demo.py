"""Demo data for employer services in the Kuopio area: employers with contacts and recruitment needs, vacancies,
competence profiles for some of today's job seekers (drawn from the ESCO subset's occupations), and job offers
with outcomes, so that the job agent's worklist, the candidate lists and the figures show something. Written through
the services as the demo's job agent and manager. Safe to run again (does nothing the second time).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from polku.access import policy
from polku.employer_services import services
from polku.employer_services.esco import catalogue
from polku.employer_services.models import CompetenceProfile, OfferOutcome, OfferResponse, Vacancy
from polku.provision.models import Employer
from polku.timeline.models import JobSearchPeriod

# Business IDs are artificial (9000007-…), valid by checksum only. (name, business id, kind, municipality, TOL)
EMPLOYERS = [
    ("Savon Varastologistiikka Oy", "9000007-0", "company", "297", "H", "medium"),
    ("Kuopion Ravintolapalvelut Oy", "9000008-9", "company", "297", "I", "small"),
    ("Siilinjärven Siivouspalvelu Oy", "9000009-7", "company", "749", "N", "small"),
    ("Kuopion kaupunki, hyvinvointipalvelut", "9000011-8", "municipality", "297", "Q", "large"),
    ("Suonenjoen Rakennus Oy", "9000012-6", "company", "778", "F", "micro"),
    ("Kuopion Seudun Kotiapu ry", "9000013-4", "association", "297", "Q", "micro"),
]
# (employer index, title, occupation, required skills, wished skills, licences, description)
VACANCIES = [
    (0, "Trukinkuljettaja", "forklift operator", ["operate forklift", "perform loading and unloading operations"],
     ["pick orders for dispatching"], ["forklift_training"], "Kaksivuorotyö varastolla. Trukkikortti vaaditaan."),
    (0, "Varastotyöntekijä", "warehouse worker", ["pick orders for dispatching", "pack goods"], ["operate forklift"],
     [], "Keräilyä ja pakkaamista, perehdytys annetaan."),
    (1, "Kokki", "cook", ["use cooking techniques", "comply with food safety and hygiene"], ["plan menus"],
     ["hygiene_passport"], "Lounasravintolan kokki, hygieniapassi vaaditaan."),
    (2, "Siistijä", "cleaners and helpers in offices, hotels and other establishments",
     ["perform cleaning duties", "clean surfaces"], ["operate floor cleaning equipment"], [],
     "Toimistojen ylläpitosiivousta aamuisin."),
    (3, "Lähihoitaja, kotihoito", "home care aide", ["apply nursing care in long-term care", "monitor patients' medication"],
     ["drive vehicles"], ["driving_b"], "Kotihoidon lähihoitaja, B-ajokortti vaaditaan."),
]


def _uri(english: str) -> str:
    table = catalogue()
    return next(c.code for c in [*table.skills.values(), *table.occupations.values()] if c.labels["en"] == english)


def _licence_for(occupation_en: str) -> list[str]:
    return {"forklift operator": ["forklift_training"], "cook": ["hygiene_passport"], "kitchen assistant":
            ["hygiene_passport"], "home care aide": ["driving_b"], "security guard": ["security_guard_card"]}.get(
        occupation_en, [])


def seed_employer_services(*, job_agent_username: str = "duuniagentti", manager_username: str = "paallikko",
                           profiles: int = 400, seed: int = 17) -> dict[str, int]:
    """Employers, vacancies, profiles and offers of the Kuopio area (nothing when the first employer exists)."""
    if Employer.objects.filter(business_id=EMPLOYERS[0][1]).exists():
        return {}
    rng = random.Random(seed)
    users = get_user_model().objects
    agent, manager = users.get(username=job_agent_username), users.get(username=manager_username)
    today = timezone.localdate()
    employers = []
    for index, (name, business_id, kind, municipality, industry, size) in enumerate(EMPLOYERS):
        existing = Employer.objects.filter(business_id=business_id).first()
        employer = existing or services.employer_register(
            actor=agent, name=name, business_id=business_id, kind=kind, municipality_code=municipality,
            details=services.EmployerDetails(industry=industry, size=size, consent_to_contact=index % 3 != 2),
            today=today)
        employers.append(employer)
        if index % 2 == 0:  # every other one was contacted lately; the rest wait on the worklist
            services.contact_record(actor=agent, employer=employer, kind=rng.choice(["visit", "call", "event"]),
                                    contacted_on=today - timedelta(days=rng.randint(5, 120)), today=today)
        for months_ago in range(2, 12, 3):
            services.contact_record(actor=agent, employer=employer, kind="call", today=today,
                                    contacted_on=today - timedelta(days=30 * months_ago + rng.randint(0, 20)))
    services.contact_person_add(actor=agent, employer=employers[0], name="Maija Esimerkki", title="Varastopäällikkö",
                                phone="017 000 0000")
    services.need_record(actor=agent, employer=employers[4], description="Kaksi rakennusmiestä keväällä, "
                         "työturvallisuuskortti tarpeen", positions=2, hidden=True, noted_on=today - timedelta(days=9))
    services.need_record(actor=agent, employer=employers[5], description="Kotiavustaja osa-aikaiseksi",
                         positions=1, hidden=True, noted_on=today - timedelta(days=3))
    vacancies: list[Vacancy] = []
    for employer_index, title, occupation, required, wished, licences, description in VACANCIES:
        vacancies.append(services.vacancy_create(actor=agent, employer=employers[employer_index], data=services.VacancyInput(
            title=title, municipality_code=employers[employer_index].municipality_id, description=description,
            occupation=_uri(occupation), required_skills=tuple(_uri(s) for s in required),
            wished_skills=tuple(_uri(s) for s in wished), licences=tuple(licences),
            languages=({"code": "fi", "level": 4},), starts_on=today + timedelta(days=14))))
    count = _profiles(manager, rng, today, profiles)
    offers = _offers(agent, vacancies, rng, today)
    return {"työnantajia": len(employers), "työpaikkoja": len(vacancies), "osaamisprofiileja": count,
            "työtarjouksia": offers}


def _profiles(manager: Any, rng: random.Random, today: date, wanted: int) -> int:
    """Profiles for some of the Kuopio area's open job seekers, as a counsellor would record them."""
    table = catalogue()
    occupations = list(table.occupations.values())
    open_search = JobSearchPeriod.objects.filter(superseded_at__isnull=True, registered_on__lte=today).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)).values("person_id")
    persons = list(policy.persons_in_scope(manager, policy.Scope.AREA).filter(pk__in=open_search)
                   .exclude(pk__in=CompetenceProfile.objects.values("person_id")).order_by("pk")[:wanted])
    for person in persons:
        occupation = rng.choice(occupations)
        skills = [s for s in occupation.typical_skills if rng.random() < 0.8]
        licences = [code for code in _licence_for(occupation.labels["en"]) if rng.random() < 0.75]
        if rng.random() < 0.5 and "driving_b" not in licences:
            licences.append("driving_b")
        services.profile_save(actor=manager, person=person, data=services.ProfileInput(
            occupations=(occupation.code,), skills=tuple(skills), licences=tuple(licences),
            languages=({"code": "fi", "level": 7},) if rng.random() < 0.9 else ({"code": "fi", "level": 3},
                                                                                  {"code": "en", "level": 4}),
            education_level=rng.choice([2, 3, 3, 3, 5, 6]), place_preference=rng.choice(["home", "area", "area"]),
            hours_preference=rng.choice(["any", "any", "full_time", "part_time"]),
            work_history=({"title": occupation.labels["fi"], "employer": "", "start": "2019", "end": "2024"},)))
    return len(persons)


def _offers(agent: Any, vacancies: list[Vacancy], rng: random.Random, today: date) -> int:
    """A few offers per vacancy to its best candidates over the past months, most with an outcome."""
    from polku.employer_services.selectors import candidates

    sent = 0
    for vacancy in vacancies:
        for candidate in candidates(agent, vacancy, today, limit=4)[:3]:
            offered_on = today - timedelta(days=rng.randint(1, 200))
            offer = services.offer_send(actor=agent, vacancy=vacancy, person=candidate.person,
                                        binding=rng.random() < 0.4, offered_on=offered_on)
            sent += 1
            if offered_on > today - timedelta(days=10):
                continue  # still waiting for the answer
            outcome = rng.choice([OfferOutcome.HIRED, OfferOutcome.NOT_HIRED, OfferOutcome.INTERVIEW,
                                  OfferOutcome.REFUSED, OfferOutcome.DID_NOT_APPLY])
            response = OfferResponse.REFUSED if outcome == OfferOutcome.REFUSED else OfferResponse.ACCEPTED
            services.offer_record(actor=agent, offer=offer, response=response, outcome=outcome,
                                  outcome_on=offered_on + timedelta(days=7),
                                  refusal_reason="Työmatka liian pitkä" if outcome == OfferOutcome.REFUSED else "",
                                  today=today)
    return sent
