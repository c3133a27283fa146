"""Who the simulated persons are and when they first register: drawn once per person.

Attributes follow the profile's ``PopulationMix``; the entry month follows ``Inflow``
(a stock registered before the first simulated day, then seasonal monthly inflow with
year factors). All draws come from the batch's generator, so a seed fixes everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from polku.simulator import catalogue as c
from polku.simulator.profiles import Profile

DAY = np.timedelta64(1, "D")
ADULT_YEARS = 17  # youngest age at registration


def month_starts(profile: Profile) -> np.ndarray:
    """First day of every simulated month (datetime64[D]), plus the day after the last month."""
    first = np.datetime64(profile.start, "M")
    return (first + np.arange(profile.months + 1)).astype("datetime64[D]")


@dataclass
class Population:
    """Per-person attributes of one batch (arrays of equal length)."""

    entry_month: np.ndarray  # int: month index of first registration (0 = in the stock)
    entry_day: np.ndarray  # datetime64[D]: first day of the first status spell
    entry_state: np.ndarray  # int8 state code
    entry_service: np.ndarray  # int8 service index or -1
    entry_service_months: np.ndarray  # int16 months left in the entry service
    prior_months: np.ndarray  # int16 months already unemployed when the simulation starts (stock)
    earlier_subsidy_days: np.ndarray  # int32 labour market subsidy days from earlier spells (``history.py``)
    birth_date: np.ndarray  # datetime64[D]
    female: np.ndarray  # bool
    language: np.ndarray  # int8: 0 fi, 1 sv, 2 other
    immigrant: np.ndarray  # bool
    education: np.ndarray  # int8: basic, upper secondary, tertiary lower, tertiary higher
    municipality: np.ndarray  # int16 index into profile.municipalities
    work_history: np.ndarray  # bool
    fund_member: np.ndarray  # bool
    takes_benefit: np.ndarray  # bool
    frailty: np.ndarray  # float: multiplies exit-to-work hazards
    earnings_factor: np.ndarray  # float: person's earnings-related daily amount / yearly mean
    residence_since: np.ndarray  # datetime64[D]: start of the first home-municipality spell

    def __len__(self) -> int:
        return len(self.entry_month)


def draw_population(profile: Profile, n: int, rng: np.random.Generator,
                    choose_service: Callable[[np.ndarray, np.ndarray], np.ndarray],
                    service_length: Callable[[np.ndarray], np.ndarray]) -> Population:
    """Draw ``n`` persons; ``choose_service(age, unemployed_months)`` and ``service_length(service)``
    are the engine's own, so that the stock's services follow the same rules as later service starts."""
    mix, inflow = profile.population, profile.inflow
    starts = month_starts(profile)
    months = profile.months

    # Entry month: the stock at month 0, the rest spread by season and year factors.
    years = starts[:-1].astype("datetime64[Y]").astype(int) + 1970
    month_of_year = starts[:-1].astype("datetime64[M]").astype(int) % 12
    weights = np.array([inflow.seasonal[m] * inflow.by_year.get(int(y), 1.0) for m, y in zip(month_of_year, years,
                                                                                            strict=True)])
    in_stock = rng.random(n) < inflow.initial_stock_share
    entry_month = np.where(in_stock, 0, rng.choice(months, size=n, p=weights / weights.sum())).astype(np.int32)
    days_in_month = (starts[1:] - starts[:-1]).astype(int)
    entry_day = starts[entry_month] + (rng.random(n) * days_in_month[entry_month]).astype(int) * DAY

    # State at entry; the stock has a history before the first simulated day.
    entry_state = rng.choice([c.UNEMPLOYED, c.LAID_OFF_FULL, c.LAID_OFF_PARTIAL], size=n,
                             p=np.array(inflow.entry_states) / sum(inflow.entry_states)).astype(np.int8)
    stock_state = rng.choice([c.UNEMPLOYED, c.LAID_OFF_FULL, c.LAID_OFF_PARTIAL, c.IN_SERVICE, c.PART_TIME], size=n,
                             p=np.array(inflow.stock_states) / sum(inflow.stock_states)).astype(np.int8)
    entry_state = np.where(in_stock, stock_state, entry_state).astype(np.int8)
    raw_prior = rng.geometric(1.0 / max(inflow.stock_mean_duration_months, 1.0), size=n) - 1
    prior = np.where(in_stock & (entry_state == c.UNEMPLOYED), np.minimum(raw_prior, 120), 0)
    # Other stock states started a few months before the first day.
    short_prior = np.where(in_stock & (entry_state != c.UNEMPLOYED), rng.integers(0, 4, size=n), 0)
    back = (prior + short_prior) * 30 + rng.integers(1, 29, size=n)
    entry_day = np.where(in_stock, starts[0] - back * DAY, entry_day)

    # Age on the reference day (the first simulated day for the stock, else the entry day), and
    # never younger than 17 on the entry day (the stock's spell may have begun years earlier).
    bins = np.array(mix.age_bins, dtype=float)
    which = rng.choice(len(bins), size=n, p=bins[:, 2] / bins[:, 2].sum())
    age_years = bins[which, 0] + rng.random(n) * (bins[which, 1] - bins[which, 0])
    reference = np.maximum(entry_day, starts[0])
    birth = np.minimum(reference - (age_years * 365.25).astype(int) * DAY,
                       entry_day - int(ADULT_YEARS * 365.25 + 1) * DAY)
    age_at_entry = (entry_day - birth).astype(int) / 365.25
    young = age_at_entry < 25

    # The stock's service: chosen like the engine chooses (age rules, e.g. self-motivated study 25+,
    # wage_subsidy_55 55+), by the unemployment behind it; months left of a service of full length.
    entry_service = np.full(n, -1, dtype=np.int8)
    serving = np.nonzero(entry_state == c.IN_SERVICE)[0]
    entry_service[serving] = choose_service(age_at_entry[serving], raw_prior[serving])
    service_months = np.zeros(n, dtype=np.int16)
    service_months[serving] = np.maximum(service_length(entry_service[serving]) - short_prior[serving], 1)

    female = rng.random(n) < mix.female_share
    language = rng.choice(3, size=n, p=np.array(mix.language_shares) / sum(mix.language_shares)).astype(np.int8)
    immigrant = rng.random(n) < np.array(mix.immigrant_given_language)[language]
    education = np.where(
        young,
        rng.choice(4, size=n, p=np.array(mix.education_young) / sum(mix.education_young)),
        rng.choice(4, size=n, p=np.array(mix.education_adult) / sum(mix.education_adult)),
    ).astype(np.int8)
    muni_w = np.array(list(profile.municipalities.values()), dtype=float)
    municipality = rng.choice(len(muni_w), size=n, p=muni_w / muni_w.sum()).astype(np.int16)
    work_history = rng.random(n) < np.where(young, mix.work_history_young, mix.work_history_adult)
    # Membership only matters once the person has a work history (also one earned later).
    fund_member = rng.random(n) < mix.fund_member
    takes_benefit = rng.random(n) < mix.benefit_take_up
    frailty = rng.lognormal(-0.5 * profile.dynamics.frailty_sigma ** 2, profile.dynamics.frailty_sigma, size=n)
    earnings_factor = rng.lognormal(-0.5 * mix.earnings_sigma ** 2, mix.earnings_sigma, size=n)
    # Subsidy days from earlier spells, before the simulation (those without a work history live on the
    # subsidy); ``history.py`` writes them as benefit months. The stock's current spell comes on top.
    earlier = rng.exponential(inflow.prior_subsidy_days_mean, size=n) * (~work_history & ~young)
    # Lived in the municipality for 0-15 years before registering, but not before birth.
    residence = entry_day - rng.integers(0, 15 * 365, size=n) * DAY
    residence = np.maximum(residence, birth)

    return Population(
        entry_month=entry_month, entry_day=entry_day, entry_state=entry_state, entry_service=entry_service,
        entry_service_months=service_months, prior_months=prior.astype(np.int16),
        earlier_subsidy_days=earlier.astype(np.int32), birth_date=birth,
        female=female, language=language, immigrant=immigrant, education=education, municipality=municipality,
        work_history=work_history, fund_member=fund_member, takes_benefit=takes_benefit,
        frailty=frailty, earnings_factor=earnings_factor, residence_since=residence,
    )
