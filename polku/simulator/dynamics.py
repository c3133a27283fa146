"""The dynamics engine: steps a batch of persons month by month through labour-market states.

Pure numpy, vectorised over persons, driven by one ``numpy.random.Generator``. Each month:

1. persons whose first registration falls in the month enter (the stock enters in month 0
   with a history reaching back before the first simulated day);
2. every other active person makes at most one transition, on a random day of the month,
   with monthly hazards from the profile (exits from unemployment decline with duration);
3. paid benefit days are counted from the weekdays spent in benefit-paid states, so they can
   never exceed five per calendar week (``polku.core.calendar.max_benefit_days_in_month``);
4. indicators are taken on the last weekday of the month (TEM's calculation date).

Before the first month, the history before the first simulated day is emitted as events too
(``history.py``): the stock's months in its entry state and earlier subsidy spells, so that the
facts carry every day the benefit counters depend on. Whenever six (``Dynamics.toe_months``)
months of work meet the employment condition, the counters reset and a TOE event is emitted.

The engine only emits events (status changes, moves, benefit months, TOE dates); ``tables.py``
turns them into the fact tables. At most one status transition and one move per person and month
keeps every spell at least one day long, so spells cannot overlap by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from polku.simulator import benefits, history
from polku.simulator import catalogue as c
from polku.simulator.population import DAY, Population, draw_population, month_starts
from polku.simulator.profiles import AGE_GROUPS, Profile

BENEFIT_FROM_AGE = 17  # no unemployment benefit before this age
# Pay-subsidised work accrued the employment condition (TOE) until 1.9.2024; from 2.9.2024 it no
# longer does (HE 13/2024, domain-rules §5). Its exception (partially fit for work / 60+ long-term
# unemployed: 75 % after 10 months) is not modelled.
WAGE_SUBSIDY_TOE_UNTIL = np.datetime64("2024-09-02")
N_DEST = c.GONE + 1  # destination columns: the eight states and "moved out of the area"
STAY = N_DEST


@dataclass
class Indicators:
    """Monthly aggregates on the calculation date, summed over batches (for calibration)."""

    months: int
    n_municipalities: int
    unemployed: np.ndarray = field(init=False)
    in_activation_services: np.ndarray = field(init=False)
    long_term_unemployed: np.ndarray = field(init=False)
    youth_unemployed: np.ndarray = field(init=False)
    jobseekers: np.ndarray = field(init=False)
    laid_off: np.ndarray = field(init=False)
    jobseekers_under_30: np.ndarray = field(init=False)
    jobseekers_over_50: np.ndarray = field(init=False)
    jobseekers_basic_education: np.ndarray = field(init=False)
    new_unemployment_spells: np.ndarray = field(init=False)
    spells_over_3_months: np.ndarray = field(init=False)
    jobseekers_by_municipality: np.ndarray = field(init=False)
    unemployed_by_municipality: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        for name in self.series_names():
            setattr(self, name, np.zeros(self.months, dtype=np.float64))
        self.jobseekers_by_municipality = np.zeros((self.months, self.n_municipalities))
        self.unemployed_by_municipality = np.zeros((self.months, self.n_municipalities))

    @staticmethod
    def series_names() -> list[str]:
        return ["unemployed", "in_activation_services", "long_term_unemployed", "youth_unemployed", "jobseekers",
                "laid_off", "jobseekers_under_30", "jobseekers_over_50", "jobseekers_basic_education",
                "new_unemployment_spells", "spells_over_3_months"]

    def add(self, other: Indicators) -> None:
        for name in [*self.series_names(), "jobseekers_by_municipality", "unemployed_by_municipality"]:
            getattr(self, name).__iadd__(getattr(other, name))


@dataclass
class BatchEvents:
    """Everything one batch produced; person indices are positions within the batch."""

    population: Population
    status_person: np.ndarray
    status_day: np.ndarray  # datetime64[D], start of the new state
    status_state: np.ndarray  # int8 state code (GONE closes the previous spell only)
    status_service: np.ndarray  # int8 service index or -1
    move_person: np.ndarray
    move_day: np.ndarray
    move_municipality: np.ndarray  # index into catalogue.municipalities()
    benefit_person: np.ndarray
    benefit_month: np.ndarray  # datetime64[D], first day of month
    benefit_type: np.ndarray  # int8
    benefit_basis: np.ndarray  # int8
    benefit_days: np.ndarray  # int16
    benefit_cents: np.ndarray  # int64
    toe_person: np.ndarray
    toe_day: np.ndarray  # datetime64[D], the day the employment condition was met
    indicators: Indicators


class _Collector:
    """Appends event arrays month by month and concatenates them once at the end."""

    def __init__(self, *names: str) -> None:
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in names}

    def add(self, **arrays: np.ndarray) -> None:
        for name, values in arrays.items():
            self.parts[name].append(np.asarray(values))

    def result(self, dtypes: dict[str, Any]) -> dict[str, np.ndarray]:
        return {name: (np.concatenate(chunks) if chunks else np.empty(0, dtype=dtypes[name])).astype(dtypes[name])
                for name, chunks in self.parts.items()}


def _age_group(age_years: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(np.array(AGE_GROUPS[1:-1]), age_years, side="right"), 0, len(AGE_GROUPS) - 2)


class Engine:
    """Simulates one batch; construct per batch with the batch's generator."""

    def __init__(self, profile: Profile, rng: np.random.Generator) -> None:
        self.profile = profile
        self.rng = rng
        self.dyn = profile.dynamics
        services = c.service_types()
        self.service_codes = [s.code for s in services]
        self.service_min = np.array([s.typical_min_months for s in services])
        self.service_max = np.array([s.typical_max_months for s in services])
        self.service_alp = np.array([s.counts_in_activation for s in services])
        self.service_weights = np.array([self.dyn.service_weights.get(code, 0.0) for code in self.service_codes])
        self.service_exit = np.array([self.dyn.service_exits.get(code, (0.2, 0.7, 0.05, 0.05, 0.0))
                                      for code in self.service_codes])
        self.service_exit /= self.service_exit.sum(axis=1, keepdims=True)
        benefit = [self.dyn.service_benefit.get(code, (0.0, "service")) for code in self.service_codes]
        self.service_paid_share = np.array([share for share, _ in benefit])
        self.service_basis = np.array([c.BENEFIT_BASES.index(basis) for _, basis in benefit], dtype=np.int8)
        self.idx = {code: i for i, code in enumerate(self.service_codes)}
        self.toe_service = np.isin(self.service_codes, ("apprenticeship", "job_alternation_substitute"))
        self.subsidised = np.isin(self.service_codes, ("wage_subsidy", "wage_subsidy_55"))

        all_codes = [m.code for m in c.municipalities()]
        self.area_global = np.array([all_codes.index(code) for code in profile.municipalities])
        self.area_weights = np.array(list(profile.municipalities.values()), dtype=float)
        self.area_weights /= self.area_weights.sum()
        area = set(profile.municipalities)
        proxy = c.size_proxy()
        outside = [i for i, m in enumerate(c.municipalities()) if m.current and m.code not in area]
        self.out_global = np.array(outside)
        out_w = np.array([proxy.get(c.municipalities()[i].code, 6.0) for i in outside])
        self.out_weights = out_w / out_w.sum()

    # -- helpers -------------------------------------------------------------------------------

    def _choose_service(self, age: np.ndarray, unemployed_months: np.ndarray) -> np.ndarray:
        """Service type for persons starting a service, by age and unemployment duration."""
        w = np.tile(self.service_weights, (len(age), 1))
        young, old = age < 25, age >= 55
        i = self.idx
        w[:, i["self_motivated_study"]] *= np.where(young, 0.0, 1.0)  # only 25+ (domain-rules §5)
        w[:, i["coaching"]] *= np.where(young, 2.0, 1.0)
        w[:, i["apprenticeship"]] *= np.where(young, 3.0, 1.0)
        w[:, i["wage_subsidy_55"]] *= np.where(old & (unemployed_months >= 12), 6.0, 0.0)
        long_term = unemployed_months >= 12
        w[:, i["rehabilitative_work"]] *= np.where(long_term, 2.5, np.where(unemployed_months < 6, 0.3, 1.0))
        w[:, i["activity_centre"]] *= np.where(long_term, 2.0, 0.5)
        w[:, i["job_alternation_substitute"]] *= np.where(long_term, 0.3, 1.0)
        cum = np.cumsum(w, axis=1)
        u = self.rng.random(len(age)) * cum[:, -1]
        return (u[:, None] >= cum).sum(axis=1).astype(np.int8)

    def _service_months(self, service: np.ndarray) -> np.ndarray:
        lo, hi = self.service_min[service], self.service_max[service]
        return (lo + (self.rng.random(len(service)) * (hi - lo + 1)).astype(int)).astype(np.int16)

    def _paid(self, state: np.ndarray, service: np.ndarray, first: np.ndarray, last: np.ndarray,
              birth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Paid benefit days and basis for a segment [first, last] spent in ``state``.

        Only days from the 17th birthday to the day before the ``retirement_age`` birthday are paid
        (old-age pension from then on). Work in a service (wage subsidy, 55+ support, start-up grant,
        apprenticeship, job alternation substitute) pays no unemployment benefit: ``service_benefit``
        lists the services during which the benefit continues (basis "service").
        """
        first = np.maximum(first, _months_later(birth, BENEFIT_FROM_AGE * 12))
        last = np.minimum(last, _months_later(birth, self.dyn.retirement_age * 12) - DAY)
        weekdays = np.maximum(np.busday_count(first, last + DAY), 0)
        share = np.select(
            [np.isin(state, c.UNEMPLOYED_STATES), state == c.LAID_OFF_PARTIAL, state == c.PART_TIME,
             state == c.IN_SERVICE],
            [1.0, self.dyn.paid_share_laid_off_partial, self.dyn.paid_share_part_time,
             self.service_paid_share[np.maximum(service, 0)]],
            0.0,
        )
        basis = np.where(state == c.IN_SERVICE, self.service_basis[np.maximum(service, 0)], c.BASIS_UNEMPLOYMENT)
        return np.floor(weekdays * share + 1e-9).astype(np.int16), basis.astype(np.int8)

    def _history(self, pop: Population, start: np.datetime64, status: _Collector, paid: _Collector,
                 ) -> np.ndarray:
        """Emit the history before ``start`` (see ``history.py``); returns allowance days already used."""
        earlier = history.earlier_spells(pop, start, self.rng)
        status.add(person=earlier.status_person, day=earlier.status_day, state=earlier.status_state,
                   service=np.full(len(earlier.status_person), -1))
        paid.add(person=earlier.benefit_person, month=earlier.benefit_month,
                 type=np.full(len(earlier.benefit_person), c.LMS), basis=np.full(len(earlier.benefit_person),
                                                                               c.BASIS_UNEMPLOYMENT),
                 days=earlier.benefit_days, cents=earlier.benefit_cents)
        before = np.isnat(earlier.first_day) | (pop.residence_since <= earlier.first_day)
        pop.residence_since = np.where(before, pop.residence_since, earlier.first_day)

        # The stock's current spell before the first day, month by month, paid like a simulated month.
        owner, month, first, last = history.current_spell_months(pop.entry_day, start)
        takes = pop.takes_benefit[owner]
        owner, month, first, last = owner[takes], month[takes], first[takes], last[takes]
        days, basis = self._paid(pop.entry_state[owner], pop.entry_service[owner], first, last,
                                 pop.birth_date[owner])
        nonzero = days > 0
        owner, month, days, basis = owner[nonzero], month[nonzero], days[nonzero], basis[nonzero]
        used_before = history.group_cumsum(owner, days) - days  # rows are by person, then month
        kind = benefits.benefit_type(pop.work_history[owner], pop.fund_member[owner], used_before,
                                     self.dyn.earnings_related_max_days)
        years = month.astype("datetime64[Y]").astype(int) + 1970
        cents = np.zeros(len(owner), dtype=np.int64)
        for year in np.unique(years):
            here = years == year
            cents[here] = days[here] * benefits.daily_amount_cents(kind[here], int(year),
                                                                   pop.earnings_factor[owner[here]])
        paid.add(person=owner, month=month, type=kind, basis=basis, days=days, cents=cents)
        allowance = kind != c.LMS
        return np.bincount(owner[allowance], weights=days[allowance], minlength=len(pop)).astype(np.int32)

    # -- the run -------------------------------------------------------------------------------

    def run(self, n: int, on_month: Any = None) -> BatchEvents:  # noqa: PLR0915 - one month's step reads best whole
        p, dyn, rng = self.profile, self.dyn, self.rng
        pop = draw_population(p, n, rng, self._choose_service, self._service_months)
        starts = month_starts(p)
        months = p.months
        ind = Indicators(months, len(p.municipalities))

        state = np.full(n, c.NOT_ENTERED, dtype=np.int8)
        service = np.full(n, -1, dtype=np.int8)
        service_left = np.zeros(n, dtype=np.int16)
        duration = np.zeros(n, dtype=np.int16)  # months in the current state
        unemployed_months = np.zeros(n, dtype=np.int16)  # continuous unemployment (incl. full lay-off)
        spell_start = np.full(n, -1, dtype=np.int32)  # month a new unemployment spell began (-1: before)
        allowance_days = np.zeros(n, dtype=np.int32)  # basic/earnings-related days since last TOE
        since = pop.entry_day.copy()  # first day of the current state
        retired = np.zeros(n, dtype=bool)
        work_history = pop.work_history.copy()
        municipality = pop.municipality.copy()  # index into the profile's municipalities
        status = _Collector("person", "day", "state", "service")
        moves = _Collector("person", "day", "municipality")
        paid = _Collector("person", "month", "type", "basis", "days", "cents")
        toes = _Collector("person", "day")
        prior_allowance_days = self._history(pop, starts[0], status, paid)

        order = np.argsort(pop.entry_month, kind="stable")
        bounds = np.searchsorted(pop.entry_month[order], np.arange(months + 1))
        moves.add(person=np.arange(n), day=pop.residence_since, municipality=self.area_global[municipality])

        for m in range(months):
            first, next_first = starts[m], starts[m + 1]
            last = next_first - DAY
            year = int(str(first)[:4])
            month_of_year = int(str(first)[5:7])
            calc_day = np.busday_offset(last, 0, roll="backward")  # last weekday of the month
            age = (first - pop.birth_date).astype(int) / 365.25
            before = state.copy()

            # 1. Entrants.
            entrants = order[bounds[m]:bounds[m + 1]]
            state[entrants] = pop.entry_state[entrants]
            service[entrants] = pop.entry_service[entrants]
            service_left[entrants] = pop.entry_service_months[entrants]
            unemployed_months[entrants] = pop.prior_months[entrants]
            allowance_days[entrants] = prior_allowance_days[entrants]
            status.add(person=entrants, day=pop.entry_day[entrants], state=state[entrants],
                       service=service[entrants])

            # 2. Transitions of those already present.
            active = np.nonzero((before >= 0) & (before < c.GONE) & ~retired)[0]
            s = before[active]
            a = age[active]
            d = unemployed_months[active].astype(float)
            prob = np.zeros((len(active), N_DEST))
            work_factor = dyn.work_factor_by_year.get(year, 1.0)
            layoff_factor = dyn.layoff_factor_by_year.get(year, 1.0)
            person_mult = (np.array(dyn.work_by_age)[_age_group(a)]
                           * np.array(dyn.work_by_education)[pop.education[active]]
                           * np.where(pop.immigrant[active], dyn.work_immigrant, 1.0))
            decline = (1.0 + d) ** -dyn.work_decay

            u = s == c.UNEMPLOYED
            young = a < 25
            prob[u, c.EMPLOYED] = (dyn.work * decline * person_mult * pop.frailty[active] * work_factor)[u]
            prob[u, c.PART_TIME] = (dyn.part_time * decline * person_mult)[u]
            study_season = 3.0 if month_of_year == 8 else 0.8
            prob[u, c.STUDYING] = np.where(young, dyn.study_young, dyn.study)[u] * study_season
            prob[u, c.OUTSIDE] = np.where(a >= 60, dyn.outside_old, dyn.outside)[u]
            prob[u, c.IN_SERVICE] = (np.minimum(dyn.service_cap, dyn.service + dyn.service_per_month_unemployed
                                                * np.minimum(d, 36))
                                     * np.where(young, dyn.service_young_factor, 1.0))[u]

            lf = s == c.LAID_OFF_FULL
            prob[lf, c.EMPLOYED] = dyn.laid_off_full_return * work_factor
            prob[lf, c.UNEMPLOYED] = dyn.laid_off_full_to_unemployed
            lp = s == c.LAID_OFF_PARTIAL
            prob[lp, c.EMPLOYED] = dyn.laid_off_partial_return * work_factor
            prob[lp, c.LAID_OFF_FULL] = dyn.laid_off_partial_to_full
            prob[lp, c.UNEMPLOYED] = dyn.laid_off_full_to_unemployed / 2

            sv = s == c.IN_SERVICE
            ending = sv & (service_left[active] <= 0)
            running = sv & ~ending
            prob[running, c.UNEMPLOYED] = dyn.service_dropout
            exits = self.service_exit[np.maximum(service[active], 0)]
            for column, dest in enumerate((c.EMPLOYED, c.UNEMPLOYED, c.STUDYING, c.OUTSIDE, c.IN_SERVICE)):
                prob[ending, dest] = exits[ending, column]
            prob[ending, c.EMPLOYED] *= min(work_factor, 1.2)

            e = s == c.EMPLOYED
            tenure = duration[active].astype(float)
            prob[e, c.UNEMPLOYED] = (dyn.separation * (1.0 + tenure) ** -dyn.separation_decay)[e]
            prob[e, c.LAID_OFF_FULL] = dyn.layoff_full * layoff_factor
            prob[e, c.LAID_OFF_PARTIAL] = dyn.layoff_partial * layoff_factor
            prob[e, c.OUTSIDE] = dyn.employed_to_outside
            prob[e, c.STUDYING] = dyn.employed_to_study

            pt = s == c.PART_TIME
            prob[pt, c.EMPLOYED] = dyn.part_time_to_employed * work_factor
            prob[pt, c.UNEMPLOYED] = dyn.part_time_to_unemployed
            prob[pt, c.OUTSIDE] = dyn.part_time_to_outside
            st = s == c.STUDYING
            graduation = 4.0 if month_of_year == 6 else 0.75
            prob[st, c.UNEMPLOYED] = dyn.study_to_unemployed * graduation
            prob[st, c.EMPLOYED] = dyn.study_to_employed * graduation
            prob[st, c.OUTSIDE] = dyn.study_to_outside
            o = s == c.OUTSIDE
            prob[o, c.UNEMPLOYED] = dyn.outside_to_unemployed
            prob[o, c.EMPLOYED] = dyn.outside_to_employed

            # Moving out of the area (the national profile has no outside: emigration is not modelled).
            prob[~ending, c.GONE] = dyn.move_out_of_area if len(self.out_global) else 0.0
            # Reaching retirement age (on the birthday, at the latest): out of the labour force for good.
            pension_day = _months_later(pop.birth_date[active], dyn.retirement_age * 12)
            old_age = pension_day <= last
            retiring = old_age & (s != c.OUTSIDE)
            prob[old_age] = 0.0  # those already outside stay there
            prob[retiring, c.OUTSIDE] = 1.0
            retired[active[old_age]] = True

            total = prob.sum(axis=1)
            scale = np.where(total > 0.97, 0.97 / np.maximum(total, 1e-12), 1.0)
            scale[ending | retiring] = 1.0  # forced exits keep their full distribution
            prob *= scale[:, None]
            draw = rng.random(len(active))
            dest = (draw[:, None] >= np.cumsum(prob, axis=1)).sum(axis=1)
            dest[(ending | retiring) & (dest == STAY)] = c.UNEMPLOYED  # rounding guard for forced exits

            moved = dest != STAY
            movers = active[moved]
            new_state = dest[moved].astype(np.int8)
            days_in_month = int((next_first - first).astype(int))
            day = first + rng.integers(0, days_in_month, size=len(movers)) * DAY
            pensioners = retiring[moved]
            day[pensioners] = np.maximum(pension_day[moved][pensioners], first)
            new_service = np.full(len(movers), -1, dtype=np.int8)
            to_service = new_state == c.IN_SERVICE
            new_service[to_service] = self._choose_service(age[movers[to_service]],
                                                           unemployed_months[movers[to_service]])
            service_left[movers[to_service]] = self._service_months(new_service[to_service])
            status.add(person=movers, day=day, state=new_state, service=new_service)
            gone = movers[new_state == c.GONE]
            if len(gone):
                target = rng.choice(self.out_global, size=len(gone), p=self.out_weights)
                moves.add(person=gone, day=day[new_state == c.GONE], municipality=target)

            # Moves within the area (no change of labour-market state).
            if len(self.area_global) > 1:
                stayers = active[(~moved | (dest != c.GONE)) & (rng.random(len(active)) < dyn.move_within_area)]
                stayers = stayers[~np.isin(stayers, gone)]
                target = rng.choice(len(self.area_global), size=len(stayers), p=self.area_weights).astype(np.int16)
                change = target != municipality[stayers]
                stayers, target = stayers[change], target[change]
                municipality[stayers] = target
                moves.add(person=stayers, day=first + rng.integers(0, days_in_month, size=len(stayers)) * DAY,
                          municipality=self.area_global[target])

            previous_service = service.copy()
            state[movers] = new_state
            service[movers] = new_service
            since[movers] = day
            service_left[active[~moved & sv]] -= 1
            duration[active[~moved]] += 1
            duration[movers] = 0
            duration[entrants] = 0

            # 3. Paid benefit days: up to two segments per person (before and after the transition).
            seg_person = np.concatenate([active, entrants])
            seg_state = np.concatenate([s, state[entrants]])
            seg_service = np.concatenate([previous_service[active], service[entrants]])
            seg_first = np.concatenate([np.full(len(active), first), np.maximum(pop.entry_day[entrants], first)])
            end_active = np.full(len(active), last)
            end_active[moved] = day - DAY
            seg_last = np.concatenate([end_active, np.full(len(entrants), last)])
            stays = new_state != c.GONE
            seg_person = np.concatenate([seg_person, movers[stays]])
            seg_state = np.concatenate([seg_state, new_state[stays]])
            seg_service = np.concatenate([seg_service, new_service[stays]])
            seg_first = np.concatenate([seg_first, day[stays]])
            seg_last = np.concatenate([seg_last, np.full(int(stays.sum()), last)])
            keep = pop.takes_benefit[seg_person] & (seg_last >= seg_first)
            days, basis = self._paid(seg_state[keep], seg_service[keep], seg_first[keep], seg_last[keep],
                                     pop.birth_date[seg_person[keep]])
            who = seg_person[keep]
            nonzero = days > 0
            who, days, basis = who[nonzero], days[nonzero], basis[nonzero]
            key, inverse = np.unique(who.astype(np.int64) * 2 + basis, return_inverse=True)
            days = np.bincount(inverse, weights=days).astype(np.int16)
            who, basis = (key // 2).astype(np.int32), (key % 2).astype(np.int8)
            kind = benefits.benefit_type(work_history[who], pop.fund_member[who], allowance_days[who],
                                         dyn.earnings_related_max_days)
            cents = days * benefits.daily_amount_cents(kind, year, pop.earnings_factor[who])
            paid.add(person=who, month=np.full(len(who), first), type=kind, basis=basis, days=days, cents=cents)
            allowance = kind != c.LMS
            np.add.at(allowance_days, who[allowance], days[allowance])

            # Work condition met (once per job, this month): counters reset, a work history from now on.
            # Work in a service counts when it is an employment: apprenticeship and job alternation
            # substitutes always, pay-subsidised work only if it began before 2.9.2024.
            working = (state == c.EMPLOYED) | ((state == c.IN_SERVICE) & (
                self.toe_service[np.maximum(service, 0)]
                | (self.subsidised[np.maximum(service, 0)] & (since < WAGE_SUBSIDY_TOE_UNTIL))))
            toe = np.nonzero(working & (duration == dyn.toe_months))[0]
            work_history[toe] = True
            allowance_days[toe] = 0
            toes.add(person=toe, day=_months_later(since[toe], dyn.toe_months))

            # Unemployment spells: continuity (laid off fully counts as unemployed) and the >3 months flow.
            now_unemployed = np.isin(state, c.UNEMPLOYED_STATES)
            was_unemployed = np.isin(before, c.UNEMPLOYED_STATES)
            continuing = now_unemployed & was_unemployed
            unemployed_months[continuing] += 1
            new_spell = now_unemployed & ~was_unemployed
            new_spell[entrants[pop.prior_months[entrants] > 0]] = False
            unemployed_months[new_spell] = 0
            spell_start[new_spell] = m
            spell_start[~now_unemployed] = -1
            ind.new_unemployment_spells[m] += new_spell.sum()
            reached = continuing & (unemployed_months == 3) & (spell_start >= 0)
            np.add.at(ind.spells_over_3_months, spell_start[reached], 1)

            # 4. Indicators on the calculation date (transitions after it count next month).
            on_calc = state.copy()
            late = movers[day > calc_day]
            on_calc[late] = before[late]
            late_entrants = entrants[pop.entry_day[entrants] > calc_day]
            on_calc[late_entrants] = c.NOT_ENTERED
            calc_service = service.copy()
            calc_service[late] = previous_service[late]
            age_calc = (calc_day - pop.birth_date).astype(int) / 365.25
            unemployed = np.isin(on_calc, c.UNEMPLOYED_STATES)
            seekers = np.isin(on_calc, c.REGISTERED_STATES)
            ind.unemployed[m] = unemployed.sum()
            ind.in_activation_services[m] = ((on_calc == c.IN_SERVICE)
                                             & self.service_alp[np.maximum(calc_service, 0)]).sum()
            ind.long_term_unemployed[m] = (unemployed & (unemployed_months >= 12)).sum()
            ind.youth_unemployed[m] = (unemployed & (age_calc < 25)).sum()
            ind.jobseekers[m] = seekers.sum()
            ind.laid_off[m] = np.isin(on_calc, (c.LAID_OFF_FULL, c.LAID_OFF_PARTIAL)).sum()
            ind.jobseekers_under_30[m] = (seekers & (age_calc < 30)).sum()
            ind.jobseekers_over_50[m] = (seekers & (age_calc >= 50)).sum()
            ind.jobseekers_basic_education[m] = (seekers & (pop.education == 0)).sum()
            ind.jobseekers_by_municipality[m] = np.bincount(municipality[seekers], minlength=len(self.area_global))
            ind.unemployed_by_municipality[m] = np.bincount(municipality[unemployed], minlength=len(self.area_global))
            if on_month is not None:
                on_month()

        st = status.result({"person": np.int32, "day": "datetime64[D]", "state": np.int8, "service": np.int8})
        mv = moves.result({"person": np.int32, "day": "datetime64[D]", "municipality": np.int16})
        bn = paid.result({"person": np.int32, "month": "datetime64[D]", "type": np.int8, "basis": np.int8,
                          "days": np.int16, "cents": np.int64})
        te = toes.result({"person": np.int32, "day": "datetime64[D]"})
        return BatchEvents(
            population=pop,
            status_person=st["person"], status_day=st["day"], status_state=st["state"], status_service=st["service"],
            move_person=mv["person"], move_day=mv["day"], move_municipality=mv["municipality"],
            benefit_person=bn["person"], benefit_month=bn["month"], benefit_type=bn["type"],
            benefit_basis=bn["basis"], benefit_days=bn["days"], benefit_cents=bn["cents"],
            toe_person=te["person"], toe_day=te["day"], indicators=ind,
        )


def _months_later(day: np.ndarray, months: int) -> np.ndarray:
    """The same day of the month ``months`` later (the month's last day if it is shorter)."""
    month = day.astype("datetime64[M]")
    target = month + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(int)
    return target.astype("datetime64[D]") + np.minimum((day - month.astype("datetime64[D]")).astype(int), length - 1) * DAY


def batch_sizes(profile: Profile) -> list[int]:
    full, rest = divmod(profile.persons, profile.batch_size)
    return [profile.batch_size] * full + ([rest] if rest else [])


def batch_generators(seed: int, count: int) -> list[np.random.Generator]:
    """Independent generators per batch from one seed: batches can run (and be dropped) one at a time."""
    return [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(count)]
