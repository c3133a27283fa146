"""Demo catalogue and decisions: providers and offerings for the Kuopio and Kainuu areas, employers, the
kuntalisä budgets (Sotkamo 2022: 50 000 €, seed 000) and a few referrals and decisions for today's clients,
so that the fill rates and the budget page show something. Safe to run again (does nothing the second time).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from polku.core.errors import ValidationFailed
from polku.people.models import Person
from polku.provision import services
from polku.provision.models import Employer, OfferingCapacity, Referral, ReferralStatus, ServiceOffering, ServiceProvider
from polku.timeline.models import HomeMunicipalitySpell, JobSearchPeriod, StatusSpell

# (area, provider, kind, business id, [(service type, offering name, places, description)]). The descriptions say in
# plain words what an offering gives: the matching pages link a job seeker's missing skills and cards to them.
CATALOGUE = [
    ("kuopio", "Kuopion kaupungin työllisyyspalvelut", "municipal", "9000001-1", [
        ("work_trial", "Työkokeilu kaupungin yksiköissä", 40,
         "Työkokeilu keittiöissä, siivouksessa ja kiinteistöhuollossa. Hygieniapassin koulutus ja testi kuuluvat "
         "keittiöiden jaksoon."),
        ("coaching", "Työnhakuvalmennus", 30, "Asiakaspalvelu ja työnhaku: hakemukset, haastattelut, ensiapukortti EA1."),
        ("rehabilitative_work", "Kuntouttava työtoiminta, Petosen paja", 25, "Puutyöt ja käsityökalujen käyttö.")]),
    ("kuopio", "Kuopion Seudun Työttömät ry", "third_sector", "", [
        ("rehabilitative_work", "Työpaja Tahko", 15, "Siivous ja pintojen puhdistus, pesuaineiden käyttö."),
        ("coaching", "Nuorten polkuvalmennus", 12, "Työnhaku ja B-ajokortin teoriaopetus.")]),
    ("kuopio", "Savon ammattiopisto (tilauskoulutus)", "private", "", [
        ("labour_market_training", "Logistiikan työvoimakoulutus", 18,
         "Trukkikortti ja trukin kuljettaminen, keräily, pakkaus, lastaus ja varastonhallinta, "
         "työturvallisuuskortti.")]),
    ("kainuu", "Sotkamon kunta, työllisyyspalvelut", "municipal", "9000003-8", [
        ("work_trial", "Työkokeilu kunnan yksiköissä", 12, "Työkokeilu keittiössä ja siivouksessa; hygieniapassi."),
        ("coaching", "Sotkamon työnhakuklinikka", 10, "Työnhaku ja asiakaspalvelu."),
        ("rehabilitative_work", "Kuntouttava työtoiminta, Nuottasaaren paja", 8, "Puutyöt ja pienet korjaustyöt.")]),
]
# Business IDs are artificial (9000001-…), valid by checksum only.
EMPLOYERS = [("Sotkamon Mökkihuolto Oy", "9000004-6", "765"), ("Vuokatin Matkailupalvelut Oy", "9000005-4", "765"),
             ("Kuopion Kone ja Huolto Oy", "9000006-2", "297")]
BUDGETS = [("765", 2022, Decimal(50_000)), ("765", 2025, Decimal(50_000)), ("765", 2026, Decimal(60_000))]


def _open_job_seekers(municipality: str, today: date) -> list[Person]:
    residents = HomeMunicipalitySpell.objects.current().filter(
        municipality_id=municipality, start_date__lte=today,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).values("person_id")
    open_ids = JobSearchPeriod.objects.current().filter(ended_on__isnull=True,
                                              person_id__in=residents).values("person_id")
    return list(Person.objects.filter(pk__in=open_ids).order_by("last_name", "first_names", "id")[:40])


@transaction.atomic
def seed_provision(today: date | None = None, seed: int = 1) -> dict[str, int]:
    if ServiceProvider.objects.exists():
        return {"skipped": 1}
    today = today or timezone.localdate()
    rng = random.Random(seed)
    admin = get_user_model().objects.filter(username="admin").first()
    offerings: dict[str, list[ServiceOffering]] = {}
    for area, name, kind, business_id, rows in CATALOGUE:
        provider = services.provider_create(name=name, kind=kind, area_code=area, business_id=business_id)
        for service_type, title, places, description in rows:
            offerings.setdefault(area, []).append(services.offering_create(
                provider=provider, service_type=service_type, name=title, capacity=places,
                available_from=date(today.year - 1, 1, 1), description=description))
    employers = [services.employer_create(name=n, business_id=b, municipality_code=m) for n, b, m in EMPLOYERS]
    for municipality, year, amount in BUDGETS:
        services.budget_set(municipality_code=municipality, year=year, amount=amount)
    referrals = decisions = 0
    for area, municipality in (("kuopio", "297"), ("kainuu", "765")):
        for person in _open_job_seekers(municipality, today)[:25]:
            offering = rng.choice(offerings[area])
            try:
                services.referral_create(person=person, offering=offering, referred_on=today - timedelta(days=rng.randint(0, 20)),
                                         actor=admin)
                referrals += 1
            except ValidationFailed:
                continue  # a full offering: the demo just skips
    sotkamo_employers = [e for e in employers if e.municipality_id == "765"] or list(Employer.objects.all())
    for person in _open_job_seekers("765", today)[25:33]:
        try:
            services.decision_create(person=person, kind="municipal_wage_supplement", monthly_amount=Decimal(500),
                                     months=rng.choice([6, 10]), start_date=today, decided_on=today, actor=admin,
                                     employer=rng.choice(sotkamo_employers))
            decisions += 1
        except ValidationFailed:
            continue
    return {"providers": ServiceProvider.objects.count(), "offerings": ServiceOffering.objects.count(),
            "referrals": referrals, "decisions": decisions}


# Participations begun over the last months, so that the fill rate (palvelujen täyttöaste) has a history: per area,
# (persons, earliest start in days ago). One capacity change per area shows the capacity history.
PARTICIPATIONS = {"kuopio": ("297", 60, 300), "kainuu": ("765", 24, 300)}


@transaction.atomic
def seed_participations(today: date | None = None, seed: int = 2) -> dict[str, int]:
    """Started participations in the demo catalogue (safe to run again: nothing happens once any has started).

    Open job seekers whose current open status spell began over a year ago start in an offering of their area on a
    day in the last ten months, planned to run past today; their timeline gets the service spell as in real use."""
    if Referral.objects.filter(status=ReferralStatus.STARTED).exists() or not ServiceOffering.objects.exists():
        return {"skipped": 1}
    today = today or timezone.localdate()
    rng = random.Random(seed)
    admin = get_user_model().objects.filter(username="admin").first()
    started = changed = 0
    for area, (municipality, count, earliest) in PARTICIPATIONS.items():
        offerings = list(ServiceOffering.objects.filter(area__code=area).order_by("pk"))
        if not offerings:
            continue
        first = offerings[0]
        if not OfferingCapacity.objects.filter(offering=first).exists():
            services.offering_capacity_change(offering=first, capacity=first.capacity + 4,
                                              valid_from=today - timedelta(days=120), actor=admin)
            changed += 1
        residents = HomeMunicipalitySpell.objects.current().filter(
            municipality_id=municipality, start_date__lte=today - timedelta(days=earliest),
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).values("person_id")
        long_open = StatusSpell.objects.current().filter(end_date__isnull=True, status_id="unemployed",
                                               start_date__lt=today - timedelta(days=earliest + 1),
                                               person_id__in=residents).values("person_id")
        busy = Referral.objects.values("person_id")
        people = Person.objects.filter(pk__in=long_open).exclude(pk__in=busy).order_by("id")[: count * 2]
        done = 0
        for person in people:
            if done >= count:
                break
            start = today - timedelta(days=rng.randint(5, earliest))
            offering = offerings[done % len(offerings)]
            try:
                with transaction.atomic():  # a refused start must not leave its referral holding a place
                    referral = services.referral_create(person=person, offering=offering, referred_on=start,
                                                        actor=admin)
                    services.participation_start(referral=referral, start_date=start,
                                                 planned_end=today + timedelta(days=rng.randint(20, 160)), actor=admin)
            except ValidationFailed:
                continue  # full on that day, or the timeline refuses: the demo just skips
            done += 1
        started += done
    return {"participations": started, "capacity_changes": changed}
