"""Economic impact of services, from the municipality's point of view: municipal income tax from the employment a
service adds, benefit-share savings under the rule in force, social-assistance savings, minus the service's cost;
each against a counterfactual of what the same people would have done without the service.

The counterfactual (``comparison_profiles``). The duration model's cells are duration class × age group. For every
participant who entered a service straight from an unemployment run, the comparison is the people of the same cell
on the calculation day before the service began who stayed unemployed past that day (did not start a service then):
their state on each of the ``follow_up`` calculation days after — in work, in a service, unemployed — is the
counterfactual profile; the participant's own states on the same days are the observed profile. The difference in
work months is the employment the service added; the differences in unemployed and service months price the
benefit share (``share_euros``: € per person-month by duration class, and per service month, under the rule in force).

Limits, shown on the page: the comparison matches only on duration and age. Counsellors choose who goes to a service,
so people with better (or worse) prospects may be over-represented among participants; the comparison group also
contains people who start a service later (which dilutes the difference). The effect is an association under this
matching, not a proven cause. Parameters (wage, tax rate, cost, …) are fixed; the interval (bootstrap over
participants and comparison people) covers only the sampling uncertainty of the profiles.

Money arithmetic (``ImpactFigures.of``), per participant, over the follow-up months:
tax = Δwork months × wage × taxable share × tax rate; share saving = Σ_m Δunemployed_m × €(class d+m) +
Δservice months × € per service month (a negative Δ is a cost); social assistance = Δwork months × saving per month;
cost = months in the service × cost per month; net = tax + share + social − cost; benefit/cost = (tax + share +
social) ÷ cost.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from polku.core import suppression
from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.forecast.duration import MAX_CLASS, calculation_days
from polku.forecast.history import History
from polku.forecast.share_euros import ShareEuros

DATA_FILE = Path(__file__).resolve().parent / "data" / "impact_parameters.json"
FOLLOW_UP = 12  # calculation days after the service start on which states are compared
MAX_FOLLOW_UP = FOLLOW_UP  # the profiles are built for FOLLOW_UP days; a shorter follow-up reads fewer of them
COMPARISON_CAP = 300  # comparison person-months kept per cell (a deterministic sample: enough for a mean profile)
BOOTSTRAP = 400
WORK, SERVICE, UNEMPLOYED = 0, 1, 2
ALL = "all"


def shipped_parameters() -> dict[str, Any]:
    """The parameter file shipped with Polku, or the one the ``POLKU_IMPACT_PARAMETERS_FILE`` setting names."""
    from django.conf import settings

    return _parameters(getattr(settings, "POLKU_IMPACT_PARAMETERS_FILE", None) or str(DATA_FILE))


@cache
def _parameters(path: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return document


def service_types() -> set[str]:
    """The service types the parameter file prices (the reference catalogue's codes)."""
    return set(shipped_parameters()["service_cost"]["by_service_type"])


@dataclass(frozen=True)
class Parameters:
    """The money side of the estimate; every field can be overridden per request."""

    tax_rate: float  # % of taxable income
    monthly_wage: float  # €/month
    taxable_share: float
    social_assistance_saving: float  # €/month of employment gained
    service_cost: dict[str, float]  # € per participant-month by service type
    follow_up: int = FOLLOW_UP

    @classmethod
    def for_area(cls, codes: tuple[str, ...] | set[str], data: dict[str, Any] | None = None) -> Parameters:
        """Defaults from the data file; the tax rate is the mean of the area's municipalities' rates."""
        data = data or shipped_parameters()
        tax = data["municipal_tax_rate"]
        rates = [float(tax["by_municipality"].get(code, tax["default"])) for code in sorted(codes)] or [tax["default"]]
        return cls(tax_rate=sum(rates) / len(rates), monthly_wage=float(data["monthly_wage"]["value"]),
                   taxable_share=float(data["taxable_share"]["value"]),
                   social_assistance_saving=float(data["social_assistance_saving"]["value"]),
                   service_cost={k: float(v["value"]) for k, v in data["service_cost"]["by_service_type"].items()})

    def with_overrides(self, values: dict[str, Any], *, service_type: str = ALL,
                       service_cost: float | None = None) -> Parameters:
        """A copy with the given values: ``tax_rate``, ``monthly_wage``, ``taxable_share``,
        ``social_assistance_saving``, ``follow_up`` and ``cost_<service type>`` (an unknown type is refused by
        ``errors`` naming it); ``service_cost`` is the cost of the chosen ``service_type`` (the page, the API and the
        command all offer one cost field, for the service they show)."""
        if service_type in service_types() and service_cost is not None:
            values = {**values, f"cost_{service_type}": service_cost}
        costs = dict(self.service_cost)
        simple: dict[str, Any] = {}
        for name, value in values.items():
            if value is None:
                continue
            if name.startswith("cost_"):
                costs[name.removeprefix("cost_")] = float(value)
            else:
                simple[name] = int(value) if name == "follow_up" else float(value)
        return replace(self, service_cost=costs, **simple)

    def errors(self, service_types: set[str]) -> list[FieldError]:
        found = []
        if not 0 <= self.tax_rate <= 30:
            found.append(FieldError("tax_rate", ErrorCode.INVALID, _("Veroprosentin on oltava 0–30.")))
        if not 0 <= self.monthly_wage <= 100_000:
            found.append(FieldError("monthly_wage", ErrorCode.INVALID, _("Kuukausipalkan on oltava 0–100 000 €.")))
        if not 0 <= self.taxable_share <= 1:
            found.append(FieldError("taxable_share", ErrorCode.INVALID, _("Verotettavan osuuden on oltava 0–1.")))
        if not 0 <= self.social_assistance_saving <= 10_000:
            found.append(FieldError("social_assistance_saving", ErrorCode.INVALID,
                                    _("Toimeentulotukisäästön on oltava 0–10 000 € kuukaudessa.")))
        for code, cost in sorted(self.service_cost.items()):
            if code not in service_types:
                found.append(FieldError("service_type", ErrorCode.UNKNOWN,
                                        _("Tuntematon palvelu: %(code)s.") % {"code": code}))
            elif not 0 <= cost <= 100_000:
                found.append(FieldError(f"cost_{code}", ErrorCode.INVALID,
                                        _("Kustannuksen on oltava 0–100 000 € osallistujakuukaudelta.")))
        if not 1 <= self.follow_up <= MAX_FOLLOW_UP:
            found.append(FieldError("follow_up", ErrorCode.INVALID,
                                    _("Seuranta-ajan on oltava 1–%(max)s kuukautta.") % {"max": MAX_FOLLOW_UP}))
        return found


@dataclass(frozen=True)
class Profiles:
    """Participants' observed states and their comparison cells' states on the follow-up days."""

    service_type: list[str]
    cell: list[tuple[int, str]]  # (duration class, age group) at the service start
    observed: np.ndarray  # participants × follow-up × 3 (work, service, unemployed), 0/1
    service_months: np.ndarray  # participants: months spent in the service itself (its days ÷ 30.44), within follow-up
    comparison: dict[tuple[int, str], np.ndarray]  # cell → people × follow-up × 3
    follow_up: int
    first_start: date | None
    last_start: date | None


def _state(history: History, person: Any, day: date, unemployed: dict[Any, list[tuple[date, date | None]]],
           served: dict[Any, list[tuple[date, date | None, bool]]]) -> int | None:
    """Work (including a service that is paid work: wage subsidy …), another service, unemployed, or none."""
    if history.in_work(person, day):
        return WORK
    for start, end, paid in served.get(person, ()):
        if start <= day and (end is None or day <= end):
            return WORK if paid else SERVICE
    if any(s <= day and (e is None or day <= e) for s, e in unemployed.get(person, ())):
        return UNEMPLOYED
    return None


def comparison_profiles(history: History, *, follow_up: int = FOLLOW_UP, seed: int = 1,
                        paid_work: frozenset[str] | None = None) -> Profiles:
    """Observed and counterfactual profiles from the history (only services whose follow-up the data covers).

    ``paid_work``: service types that are an employment relationship (wage subsidy, apprenticeship, …): their months
    count as work — the person earns a taxable wage and draws no unemployment benefit for them."""
    if paid_work is None:
        paid_work = frozenset(shipped_parameters()["paid_work_services"]["value"])
    calc = calculation_days(history.first_day, history.last_day)
    n = len(calc)
    unemployed: dict[Any, list[tuple[date, date | None]]] = defaultdict(list)
    for run in history.runs:
        unemployed[run.person].append((run.start, run.end))
    served: dict[Any, list[tuple[date, date | None, bool]]] = defaultdict(list)
    for spell in history.services:
        served[spell.person].append((spell.start, spell.end, spell.service_type in paid_work))

    def profile(person: Any, k: int) -> np.ndarray:
        out = np.zeros((follow_up, 3), dtype=np.int8)
        for m in range(follow_up):
            state = _state(history, person, calc[k + 1 + m], unemployed, served)
            if state is not None:
                out[m, state] = 1
        return out

    types, cells, observed, months, starts = [], [], [], [], []
    for spell in history.services:
        if spell.run_start is None or spell.person is None or spell.service_type is None:
            continue
        k = bisect_left(calc, spell.start) - 1  # the last calculation day strictly before the start
        if k < 0 or k + follow_up >= n:
            continue
        d = min(max(k - bisect_left(calc, spell.run_start), 0), MAX_CLASS)
        types.append(spell.service_type)
        cells.append((d, spell.group))
        observed.append(profile(spell.person, k))
        end = min(spell.end or history.last_day, calc[k + follow_up])
        months.append(((end - spell.start).days + 1) / 30.44)
        starts.append(spell.start)
    wanted = set(cells)
    first = min(starts, default=None)
    candidates: dict[tuple[int, str], list[tuple[Any, int]]] = defaultdict(list)
    if first is not None:
        k_first = bisect_right(calc, first) - 1
        for run in history.runs:
            i0 = bisect_left(calc, run.start)
            last = n - 1 if run.end is None else bisect_right(calc, run.end) - 1
            for k in range(max(i0, k_first), min(last, n - 1 - follow_up) + 1):
                d = min(k - i0, MAX_CLASS)
                if (d, run.group) in wanted and (k < last or run.end is None or run.destination != "service"):
                    candidates[(d, run.group)].append((run.person, k))
    rng = np.random.default_rng(seed)
    comparison = {}
    for cell, rows in candidates.items():
        chosen = rng.choice(len(rows), size=min(COMPARISON_CAP, len(rows)), replace=False)
        comparison[cell] = np.stack([profile(*rows[i]) for i in sorted(chosen)])
    return Profiles(service_type=types, cell=cells, observed=np.array(observed, dtype=np.int8).reshape(-1, follow_up, 3),
                    service_months=np.array(months), comparison=comparison, follow_up=follow_up,
                    first_start=first, last_start=max(starts, default=None))


@dataclass(frozen=True)
class ImpactFigures:
    """Euros per participant (over the follow-up) and the totals for the participants seen."""

    participants: int
    work_months_gained: float
    tax: float
    share_saving: float
    social_assistance: float
    cost: float

    @property
    def benefits(self) -> float:
        return self.tax + self.share_saving + self.social_assistance

    @property
    def net(self) -> float:
        return self.benefits - self.cost

    @property
    def ratio(self) -> float | None:
        return self.benefits / self.cost if self.cost > 0 else None


@dataclass(frozen=True)
class Interval:
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ServiceImpact:
    service_type: str
    figures: ImpactFigures  # per participant
    net_interval: Interval  # 95 % bootstrap interval of the net € per participant
    ratio_interval: Interval
    work_interval: Interval
    comparison_people: int


@dataclass(frozen=True)
class Impact:
    rule: str
    rule_verified: bool
    parameters: Parameters
    services: list[ServiceImpact]
    overall: ServiceImpact | None
    first_start: date | None
    last_start: date | None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def one(s: ServiceImpact) -> dict[str, Any]:
            f = s.figures
            return {"service_type": s.service_type, "participants": f.participants,
                    "comparison_people": s.comparison_people,
                    "per_participant": {"work_months_gained": round(f.work_months_gained, 3), "tax_eur": round(f.tax, 2),
                                        "share_saving_eur": round(f.share_saving, 2),
                                        "social_assistance_eur": round(f.social_assistance, 2),
                                        "cost_eur": round(f.cost, 2), "net_eur": round(f.net, 2)},
                    "total_net_eur": round(f.net * f.participants, 2),
                    "benefit_cost_ratio": None if f.ratio is None else round(f.ratio, 3),
                    "net_eur_95": [_r(s.net_interval.low), _r(s.net_interval.high)],
                    "benefit_cost_ratio_95": [_r(s.ratio_interval.low, 3), _r(s.ratio_interval.high, 3)],
                    "work_months_gained_95": [_r(s.work_interval.low, 3), _r(s.work_interval.high, 3)]}
        return {"rule": self.rule, "rule_verified": self.rule_verified,
                "service_starts": [None if d is None else d.isoformat() for d in (self.first_start, self.last_start)],
                "parameters": {"tax_rate_percent": round(self.parameters.tax_rate, 3),
                               "monthly_wage_eur": self.parameters.monthly_wage,
                               "taxable_share": self.parameters.taxable_share,
                               "social_assistance_saving_eur_per_month": self.parameters.social_assistance_saving,
                               "service_cost_eur_per_participant_month": self.parameters.service_cost,
                               "follow_up_months": self.parameters.follow_up},
                "services": [one(s) for s in self.services],
                "overall": None if self.overall is None else one(self.overall), "notes": self.notes}


def for_aggregate_roles(impact: Impact, small_cell: int) -> Impact:
    """The impact as roles that see aggregates only may see it: services with fewer than ``small_cell`` participants
    or comparison people are left out (with a note saying how many), and the period of starts is given by month,
    because a handful of participants' outcomes and start days can identify them. The overall figure adds the
    services up, so one service left out alone could be recovered from it by subtraction: the next smallest service is
    left out too (complementary suppression)."""
    def shown(s: ServiceImpact | None) -> bool:
        return s is not None and s.figures.participants >= small_cell and s.comparison_people >= small_cell

    overall = ""  # the overall figure's cell (no service type is empty)
    sizes: dict[str, int] = {s.service_type: s.figures.participants for s in impact.services}
    primary = {s.service_type for s in impact.services if not shown(s)} | (set() if shown(impact.overall) else {overall})
    hidden = suppression.complement(sizes, primary, [suppression.group(sizes, overall)])
    kept = [s for s in impact.services if s.service_type not in hidden]
    notes = list(impact.notes)
    if len(kept) < len(impact.services):
        notes.append(_("%(n)s palvelua piilotettu: alle %(k)s osallistujaa tai vertailuhenkilöä, tai jotta toisen "
                       "piilotetun luvut eivät selviäisi vähentämällä kokonaisluvusta.") % {
            "n": len(impact.services) - len(kept), "k": small_cell})
    return replace(impact, services=kept, overall=impact.overall if shown(impact.overall) else None, notes=notes,
                   first_start=impact.first_start.replace(day=1) if impact.first_start else None,
                   last_start=impact.last_start.replace(day=1) if impact.last_start else None)


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class _Parts:
    """The linear parts of the estimate, per participant (or per comparison cell): months in work, € of the benefit
    share in the unemployed months, months in a (non-work) service."""

    work: np.ndarray
    unemployed_eur: np.ndarray
    service: np.ndarray


def _figures(observed: _Parts, counterfactual: _Parts, cost: np.ndarray, eur_service: float,
             p: Parameters) -> tuple[np.ndarray, ...]:
    """Work months gained, tax, share saving, social assistance and cost: arrays over the last axis' mean."""
    work = (observed.work - counterfactual.work).mean(axis=-1)
    share = ((counterfactual.unemployed_eur - observed.unemployed_eur)
             + (counterfactual.service - observed.service) * eur_service).mean(axis=-1)
    tax = work * p.monthly_wage * p.taxable_share * p.tax_rate / 100
    return work, tax, share, work * p.social_assistance_saving, cost.mean(axis=-1)


def estimate(profiles: Profiles, euros: ShareEuros, rule: str, parameters: Parameters, *, only: str = ALL,
             seed: int = 1, bootstrap: int = BOOTSTRAP) -> Impact:
    """The impact per service type seen in ``profiles`` (or ``only`` one) and overall, under ``rule``'s euros.

    Everything is linear in the profiles and participants in one cell share its comparison profile and its € per
    unemployed month, so each bootstrap draw (participants resampled, each cell's comparison people resampled) is a
    few array sums."""
    mapping = euros.rules[rule]
    known = service_types()
    errors = parameters.errors(known)
    if only != ALL and only not in known:
        errors.append(FieldError("service_type", ErrorCode.UNKNOWN, _("Tuntematon palvelu: %(code)s.") % {"code": only}))
    if parameters.follow_up > profiles.follow_up:
        errors.append(FieldError("follow_up", ErrorCode.INVALID,
                                 _("Seuranta-ajan on oltava 1–%(max)s kuukautta.") % {"max": profiles.follow_up}))
    if errors:
        raise ValidationFailed(errors)
    f = parameters.follow_up
    rng = np.random.default_rng(seed)
    by_class = np.array(mapping.unemployed) * mapping.flow_factor
    eur_service = mapping.service * mapping.flow_factor
    cells = sorted(profiles.comparison)
    cell_index = {c: i for i, c in enumerate(cells)}
    keep = np.array([i for i, c in enumerate(profiles.cell) if c in cell_index], dtype=int)
    if len(keep) == 0:
        return Impact(rule=rule, rule_verified=mapping.verified, parameters=parameters, services=[], overall=None,
                      first_start=profiles.first_start, last_start=profiles.last_start)

    paths = np.array([[by_class[min(d + m + 1, MAX_CLASS)] for m in range(f)] for d in range(MAX_CLASS + 1)])

    def eur_path(d: int) -> np.ndarray:
        return paths[d]  # € of an unemployed month m + 1 months after the start, entering at class d

    # Comparison cells: the mean profile and ``bootstrap`` resampled mean profiles, reduced to the three parts.
    cf_mean, cf_boot = [], []
    for c in cells:
        rows = profiles.comparison[c][:, :f].astype(float)
        parts = np.stack([rows[:, :, WORK].sum(axis=1), rows[:, :, UNEMPLOYED] @ eur_path(c[0]),
                          rows[:, :, SERVICE].sum(axis=1)], axis=1)  # people × 3
        cf_mean.append(parts.mean(axis=0))
        cf_boot.append(parts[rng.integers(0, len(parts), (bootstrap, len(parts)))].mean(axis=1).T)  # 3 × bootstrap
    cf_mean_a, cf_boot_a = np.array(cf_mean), np.array(cf_boot)  # cells × 3, cells × 3 × bootstrap
    observed = profiles.observed[keep, :f].astype(float)
    ob = np.stack([observed[:, :, WORK].sum(axis=1),
                   (observed[:, :, UNEMPLOYED] * paths[[profiles.cell[i][0] for i in keep]]).sum(axis=1),
                   observed[:, :, SERVICE].sum(axis=1)])  # 3 × participants
    cell_of = np.array([cell_index[profiles.cell[i]] for i in keep])
    types = np.array([profiles.service_type[i] for i in keep])
    cost = np.array([parameters.service_cost.get(t, 0.0) for t in types]) * np.minimum(profiles.service_months[keep], f)

    def impact_of(members: np.ndarray, name: str) -> ServiceImpact | None:
        if len(members) == 0:
            return None
        point = _figures(_Parts(*ob[:, members]), _Parts(*cf_mean_a[cell_of[members]].T), cost[members],
                         eur_service, parameters)
        pick = members[rng.integers(0, len(members), (bootstrap, len(members)))]  # bootstrap × n
        b_index = np.arange(bootstrap)[:, None]
        cf = _Parts(*(cf_boot_a[cell_of[pick], k, b_index] for k in range(3)))
        work, tax, share, social, paid = _figures(_Parts(*ob[:, pick]), cf, cost[pick], eur_service, parameters)
        benefits = tax + share + social
        ratio = benefits[paid > 0] / paid[paid > 0]
        figures = ImpactFigures(participants=len(members), work_months_gained=float(point[0]), tax=float(point[1]),
                                share_saving=float(point[2]), social_assistance=float(point[3]), cost=float(point[4]))
        return ServiceImpact(service_type=name, figures=figures, net_interval=_interval(benefits - paid),
                             ratio_interval=_interval(ratio), work_interval=_interval(work),
                             comparison_people=int(sum(len(profiles.comparison[cells[c]])
                                                       for c in set(cell_of[members].tolist()))))

    wanted = sorted(set(types.tolist())) if only == ALL else [only]
    services = [s for t in wanted if (s := impact_of(np.flatnonzero(types == t), t)) is not None]
    overall = impact_of(np.flatnonzero((types == only) | (only == ALL)), ALL)
    return Impact(rule=rule, rule_verified=mapping.verified, parameters=parameters, services=services,
                  overall=overall, first_start=profiles.first_start, last_start=profiles.last_start)


def _interval(values: np.ndarray) -> Interval:
    if len(values) == 0:
        return Interval(None, None)
    low, high = np.percentile(values, [2.5, 97.5])
    return Interval(float(low), float(high))


@dataclass(frozen=True)
class ClaimTest:
    """Heinola's claim as a scenario on an area: raise the activation rate to the target and compare the share."""

    target: float
    month: int
    baseline_rate: float
    scenario_rate: float | None
    extra_service_rate: float | None
    rule_totals: dict[str, tuple[float, float]]  # rule → (baseline €, scenario €) over the first ``month`` months
    reached: bool = True  # False: even the largest lever value stays below the target (the result is for that)

    def change(self, rule: str) -> tuple[float, float | None]:
        base, scenario = self.rule_totals[rule]
        return scenario - base, 100 * (scenario - base) / base if base else None

    def as_dict(self) -> dict[str, Any]:
        return {"target_activation_percent": self.target, "month": self.month,
                "baseline_activation_percent": round(self.baseline_rate, 2),
                "scenario_activation_percent": _r(self.scenario_rate),
                "extra_service_rate": _r(self.extra_service_rate, 4), "target_reached": self.reached,
                "rules": {code: {"baseline_eur": round(b, 2), "scenario_eur": round(s, 2),
                                 "change_eur": round(s - b, 2), "change_percent": _r(self.change(code)[1])}
                          for code, (b, s) in self.rule_totals.items()}}


CLAIM_FROM, CLAIM_TO = 25.0, 40.0  # Heinola: activation rate from 25 % to over 40 %


def claim_target(baseline_rate: float) -> float:
    """Heinola's target on another area: 40 % if the area is well below it, otherwise the same rise (+15 points)."""
    return CLAIM_TO if baseline_rate <= CLAIM_TO - 5 else min(95.0, baseline_rate + CLAIM_TO - CLAIM_FROM)


def activation_claim(model: Any, euros: ShareEuros, *, target: float | None = None, month: int = 12,
                     paths: int = 1000, seed: int = 1) -> ClaimTest:
    """Raise the activation rate to ``target`` % by ``month`` (default ``claim_target``; more exits go to services:
    the lever ``extra_service_rate`` found on the mean path) and compare the municipal share of the first ``month``
    months with the baseline, under each rule, on the same Monte-Carlo paths (same seed)."""
    from polku.forecast.projection import (
        MAX_EXTRA_SERVICE_RATE,
        MAX_HORIZON,
        Scenario,
        extra_service_rate_for_activation,
        project,
    )

    errors = []
    if target is not None and not 0 < target < 100:
        errors.append(FieldError("target", ErrorCode.INVALID, _("Aktivointiasteen tavoitteen on oltava 0–100 %.")))
    if not 1 <= month <= MAX_HORIZON:
        errors.append(FieldError("month", ErrorCode.INVALID,
                                 _("Kuukauden on oltava ennustejaksolla 1–%(horizon)s.") % {"horizon": MAX_HORIZON}))
    if errors:
        raise ValidationFailed(errors)
    baseline = project(model, horizon=month, paths=paths, seed=seed, euros=euros)
    target = claim_target(baseline.series["activation_rate"].mean[-1]) if target is None else target
    found = extra_service_rate_for_activation(model, target, month=month)
    factor = MAX_EXTRA_SERVICE_RATE if found is None else found  # not reachable: as far as the lever goes
    scenario = project(model, horizon=month, paths=paths, seed=seed, euros=euros,
                       scenario=replace(Scenario(name="aktivointi"), extra_service_rate=factor))
    totals = {code: (baseline.year_total(code, month), scenario.year_total(code, month)) for code in euros.rules}
    return ClaimTest(target=target, month=month, baseline_rate=baseline.series["activation_rate"].mean[-1],
                     scenario_rate=scenario.series["activation_rate"].mean[-1], extra_service_rate=factor,
                     rule_totals=totals, reached=found is not None)


def rule_in_force(euros: ShareEuros, day: date) -> str:
    """The rule set in force on ``day`` (the benefit-share savings are priced with it)."""
    return euros.rule_in_force(day.replace(day=1)) or next(iter(euros.rules))

