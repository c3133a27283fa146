"""Reads of service provision: a person's referrals and decisions, offerings with their fill, the kuntalisä budget.

Person-level reads here do not check access or log: the caller (page, API) does that through
``polku.access.services.person_access`` before calling them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from polku.people.models import Person
from polku.provision.models import Decision, KuntalisaBudget, Referral, ReferralStatus, ServiceOffering
from polku.provision.services import PLACE_HOLDING, kuntalisa_committed, places_in_use


def referrals_for(person: Person) -> QuerySet[Referral]:
    """The person's referrals and participations, newest first."""
    return (Referral.objects.filter(person=person)
            .select_related("offering", "offering__provider", "offering__service_type", "created_by"))


def decisions_for(person: Person) -> QuerySet[Decision]:
    """The person's decisions (wage subsidy, start-up grant, kuntalisä), newest first."""
    return Decision.objects.filter(person=person).select_related("employer", "municipality", "decided_by")


@dataclass(frozen=True)
class OfferingFill:
    """An offering on a day: places in use (reserved by referrals or taken by participations) and the fill rate.

    ``fill_rate`` is active participations / capacity; ``in_use`` also counts referred persons, who hold a place.
    """

    offering: ServiceOffering
    on_date: date
    capacity: int
    in_use: int
    participating: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.in_use, 0)

    @property
    def fill_rate(self) -> float:
        return self.participating / self.capacity if self.capacity else 0.0


def offerings_with_fill(area_id: int | None, on_date: date) -> list[OfferingFill]:
    """The offerings available on ``on_date`` (in the area, or everywhere with ``None``), each with its fill."""
    offerings = ServiceOffering.objects.filter(available_from__lte=on_date).filter(
        Q(available_to__isnull=True) | Q(available_to__gte=on_date),
    ).select_related("provider", "service_type", "area").prefetch_related("capacity_changes").order_by("name", "pk")
    if area_id is not None:
        offerings = offerings.filter(area_id=area_id)
    listed = list(offerings)
    by_offering: dict[int, list[Referral]] = {o.pk: [] for o in listed}
    for referral in Referral.objects.filter(offering__in=listed, status__in=PLACE_HOLDING):
        by_offering[referral.offering_id].append(referral)
    result = []
    for offering in listed:
        referrals = by_offering[offering.pk]
        holding = [i for r in referrals if (i := r.place_interval()) is not None]
        participating = [i for r in referrals if r.status != ReferralStatus.REFERRED and (i := r.place_interval())]
        result.append(OfferingFill(offering=offering, on_date=on_date, capacity=offering.capacity_on(on_date),
                                   in_use=places_in_use(holding, on_date),
                                   participating=places_in_use(participating, on_date)))
    return result


@dataclass(frozen=True)
class BudgetStatus:
    """A municipality's kuntalisä budget for a year: set, committed by decisions, still available."""

    municipality_code: str
    year: int
    amount: Decimal | None  # None: no budget set
    committed: Decimal

    @property
    def available(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.committed


def budget_status(municipality_code: str, year: int) -> BudgetStatus:
    budget = KuntalisaBudget.objects.filter(municipality_id=municipality_code, year=year).first()
    return BudgetStatus(municipality_code=municipality_code, year=year, amount=budget.amount if budget else None,
                        committed=kuntalisa_committed(municipality_code, year))
