"""What the provision pages show: the catalogue with its fill, the kuntalisä budgets of an area, and the
client record's panel of referrals and decisions. Plain data for the templates; no access checks here
(the views check, and log person reads, before calling these).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from polku.access import policy
from polku.access.policy import staff_profile
from polku.core.presence import models_with_rows
from polku.people.models import Person
from polku.provision import selectors
from polku.provision.models import Decision, DecisionKind, KuntalisaBudget, Referral, ReferralStatus, ServiceProvider
from polku.reference.models import EmploymentArea, EmploymentAreaMembership, Municipality

BAR_WIDTH_PX = 120  # the fill bar at 100 %


# --- scope of the aggregate pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The part of the catalogue a user works in: their employment area, or every area (administrators,
    the data protection officer) when ``area`` is ``None`` and ``everywhere`` is set."""

    area: EmploymentArea | None
    everywhere: bool

    @property
    def area_id(self) -> int | None:
        return self.area.pk if self.area is not None else None


def scope_for(user: Any) -> Scope | None:
    """The user's scope, or ``None`` when they have no staff role or no area to see."""
    profile = staff_profile(user)
    if profile is None:
        return None
    if profile.area is not None:
        return Scope(area=profile.area, everywhere=False)
    if policy.scope_of(user, policy.Capability.VIEW_SERVICE_CATALOGUE) == policy.Scope.EVERYONE:
        return Scope(area=None, everywhere=True)
    return None


def municipalities_in(scope: Scope) -> list[Municipality]:
    """The municipalities of the scope's area (in any period, so past years stay reachable)."""
    municipalities = Municipality.objects.order_by("name_fi")
    if scope.everywhere:
        return list(municipalities)
    codes = EmploymentAreaMembership.objects.filter(area_id=scope.area_id).values("municipality_id")
    return list(municipalities.filter(code__in=codes))


def providers_in(scope: Scope) -> QuerySet[ServiceProvider]:
    providers = ServiceProvider.objects.select_related("area").annotate(offering_count=Count("offerings"))
    return providers if scope.everywhere else providers.filter(area_id=scope.area_id)


# --- catalogue ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueRow:
    """One offering on the chosen day, with its fill as a percentage and a bar width."""

    fill: selectors.OfferingFill

    @property
    def offering(self) -> Any:
        return self.fill.offering

    @property
    def percent(self) -> int:
        return round(self.fill.fill_rate * 100)

    @property
    def bar_px(self) -> int:
        return round(min(self.fill.fill_rate, 1.0) * BAR_WIDTH_PX)

    @property
    def state(self) -> str:
        """``full`` (no free place), ``few`` (at most a tenth, or one, free) or ``free``."""
        if self.fill.free == 0:
            return "full"
        if self.fill.free <= max(1, self.fill.capacity // 10):
            return "few"
        return "free"


@dataclass(frozen=True)
class Catalogue:
    on_date: date
    rows: list[CatalogueRow]

    @property
    def capacity(self) -> int:
        return sum(row.fill.capacity for row in self.rows)

    @property
    def in_use(self) -> int:
        return sum(row.fill.in_use for row in self.rows)

    @property
    def participating(self) -> int:
        return sum(row.fill.participating for row in self.rows)

    @property
    def free(self) -> int:
        return sum(row.fill.free for row in self.rows)

    @property
    def percent(self) -> int:
        return round(100 * self.participating / self.capacity) if self.capacity else 0


def catalogue(scope: Scope, on_date: date) -> Catalogue:
    return Catalogue(on_date=on_date, rows=[CatalogueRow(f) for f in selectors.offerings_with_fill(scope.area_id, on_date)])


def offering_label(fill: selectors.OfferingFill) -> str:
    """How an offering reads in the referral form's list: name, provider, and free places."""
    offering = fill.offering
    return _("%(name)s (%(provider)s, %(service)s): vapaana %(free)s/%(capacity)s") % {
        "name": offering.name, "provider": offering.provider.name, "service": offering.service_type.name,
        "free": fill.free, "capacity": fill.capacity}


# --- kuntalisä -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetRow:
    municipality: Municipality
    status: selectors.BudgetStatus
    decisions: int

    @property
    def percent(self) -> int | None:
        """Committed as a percentage of the budget (``None`` without a budget)."""
        amount = self.status.amount
        if amount is None:
            return None
        if amount == 0:
            return 100 if self.status.committed else 0
        return round(100 * self.status.committed / amount)

    @property
    def bar_px(self) -> int:
        return round(min(self.percent or 0, 100) / 100 * BAR_WIDTH_PX)

    @property
    def over(self) -> bool:
        available = self.status.available
        return available is not None and available < 0


@dataclass(frozen=True)
class KuntalisaPage:
    """The kuntalisä budgets of the chosen municipalities for a year, and the decisions charged to them.

    Aggregate: the decisions are listed without the persons they concern.
    """

    year: int
    rows: list[BudgetRow]  # municipalities with a budget or decisions that year
    without_budget: list[Municipality]  # the other municipalities: nothing set, nothing decided
    decisions: list[Decision]

    @property
    def amount(self) -> Decimal:
        return sum((row.status.amount or Decimal(0) for row in self.rows), Decimal("0.00"))

    @property
    def committed(self) -> Decimal:
        return sum((row.status.committed for row in self.rows), Decimal("0.00"))

    @property
    def available(self) -> Decimal:
        return sum((row.status.available or Decimal(0) for row in self.rows), Decimal("0.00"))


def kuntalisa_page(municipalities: list[Municipality], year: int) -> KuntalisaPage:
    """Budgets and commitments in two queries: the year's kuntalisä decisions (which are what
    ``services.kuntalisa_committed`` sums) and the budget rows."""
    codes = [m.code for m in municipalities]
    decisions = list(
        Decision.objects.filter(kind=DecisionKind.MUNICIPAL_WAGE_SUPPLEMENT, municipality_id__in=codes,
                                decided_on__year=year)
        .select_related("employer", "municipality").order_by("-decided_on", "-id"),
    )
    counts: dict[str, int] = {}
    committed: dict[str, Decimal] = {}
    for decision in decisions:
        code = str(decision.municipality_id)
        counts[code] = counts.get(code, 0) + 1
        committed[code] = committed.get(code, Decimal("0.00")) + decision.total
    budgets = dict(KuntalisaBudget.objects.filter(municipality_id__in=codes, year=year)
                   .values_list("municipality_id", "amount"))
    rows, without = [], []
    for municipality in municipalities:
        code = municipality.code
        if code not in budgets and code not in counts:
            without.append(municipality)
            continue
        status = selectors.BudgetStatus(municipality_code=code, year=year, amount=budgets.get(code),
                                        committed=committed.get(code, Decimal("0.00")))
        rows.append(BudgetRow(municipality=municipality, status=status, decisions=counts.get(code, 0)))
    return KuntalisaPage(year=year, rows=rows, without_budget=without, decisions=decisions)


# --- the client record's panel ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral

    @property
    def can_start(self) -> bool:
        return self.referral.status == ReferralStatus.REFERRED

    @property
    def can_close(self) -> bool:
        return self.referral.status == ReferralStatus.REFERRED

    @property
    def can_end(self) -> bool:
        return self.referral.status == ReferralStatus.STARTED

    @property
    def badge(self) -> str:
        """The badge modifier of the status (a class of the shared stylesheet)."""
        return {ReferralStatus.STARTED: "ok", ReferralStatus.REFERRED: "warning"}.get(
            ReferralStatus(self.referral.status), "upcoming")


@dataclass(frozen=True)
class ProvisionPanel:
    """The provision part of the client record: the person's referrals (with participation) and decisions."""

    today: date
    referrals: list[ReferralRow]
    decisions: list[Decision]

    @property
    def active_referrals(self) -> int:
        return sum(1 for row in self.referrals if row.can_start or row.can_end)


def client_panel(person: Person, today: date) -> ProvisionPanel:
    """The client's referrals and decisions on their record; lists the client has no rows in are not read
    (``polku.core.presence``)."""
    used = models_with_rows((Referral, Decision), "person", person.pk)
    return ProvisionPanel(
        today=today,
        referrals=[ReferralRow(r) for r in selectors.referrals_for(person)] if Referral in used else [],
        decisions=list(selectors.decisions_for(person)) if Decision in used else [],
    )


def timeline_events(panel: ProvisionPanel) -> list[tuple[date, str, str]]:
    """Referrals and decisions as (day, kind label, text) for the client's timeline chart."""
    events = [(row.referral.referred_on, str(_("Ohjaus palveluun")), row.referral.offering.name) for row in panel.referrals]
    events += [(decision.decided_on, str(_("Päätös")), decision.get_kind_display()) for decision in panel.decisions]
    return events
