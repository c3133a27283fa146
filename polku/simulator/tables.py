"""From a batch's events to rows of the fact tables (people, spells, job searches, benefit months, TOE).

Column names are the database column names of ``polku.people`` and ``polku.timeline``; values
are numpy arrays (UUIDs as 16-byte rows, dates as datetime64[D] with NaT for "open"), and the
writers format them for SQLite, PostgreSQL or Parquet. Spells end the day before the person's
next event of the same kind, so they never overlap and ``end >= start`` holds by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polku.simulator import catalogue as c
from polku.simulator import identity
from polku.simulator.dynamics import BatchEvents
from polku.simulator.population import DAY

NAT = np.datetime64("NaT", "D")
TABLES = ("people_person", "timeline_homemunicipalityspell", "timeline_statusspell",
          "timeline_jobsearchperiod", "timeline_benefitmonth", "timeline_employmentconditionmet")
COUNT_NAMES = {
    "people_person": "persons", "timeline_homemunicipalityspell": "home_municipality_spells",
    "timeline_statusspell": "status_spells", "timeline_jobsearchperiod": "job_search_periods",
    "timeline_benefitmonth": "benefit_months", "timeline_employmentconditionmet": "employment_conditions_met",
}


@dataclass
class BatchTables:
    """Column arrays per table; ``person`` columns hold row indices into ``people_person``."""

    columns: dict[str, dict[str, np.ndarray]]

    def count(self, table: str) -> int:
        return len(next(iter(self.columns[table].values())))

    def counts(self) -> dict[str, int]:
        return {COUNT_NAMES[t]: self.count(t) for t in TABLES}


def _by_person(person: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order events by person and day; return order, next-day (NaT at a person's last) and same-next flag."""
    order = np.lexsort((day, person))
    p, d = person[order], day[order]
    same_next = np.r_[p[1:] == p[:-1], False]
    next_day = np.r_[d[1:], NAT]
    return order, np.where(same_next, next_day, NAT), same_next


def build_tables(events: BatchEvents, rng: np.random.Generator, allocator: identity.IdentityAllocator) -> BatchTables:
    pop = events.population
    n = len(pop)
    birth, serial = allocator.assign(pop.birth_date, pop.female)
    first_names, last_names = identity.draw_names(rng, pop.language, pop.female)
    person = {
        "id": identity.random_uuids(rng, n),
        "serial": serial,
        "first_names": first_names,
        "last_name": last_names,
        "birth_date": birth,
        "gender": np.where(pop.female, "F", "M"),
        "language": np.array(["fi", "sv", "other"])[pop.language],
        "education": np.array(["basic", "upper_secondary", "tertiary_lower", "tertiary_higher"])[pop.education],
        "immigrant_background": pop.immigrant,
    }

    # Status spells (GONE rows only close the previous spell).
    order, end_next, same_next = _by_person(events.status_person, events.status_day)
    who, start = events.status_person[order], events.status_day[order]
    state, service = events.status_state[order], events.status_service[order]
    keep = state != c.GONE
    status = {
        "person": who[keep], "start_date": start[keep], "end_date": (end_next - DAY)[keep],
        "status": state[keep], "service_type": service[keep],
    }

    # Job-search periods: maximal runs of registered states.
    registered = np.isin(state, c.REGISTERED_STATES)
    same_prev = np.r_[False, who[1:] == who[:-1]]
    prev_registered = np.r_[False, registered[:-1]] & same_prev
    next_registered = np.r_[registered[1:], False] & same_next
    run_start = registered & ~prev_registered
    run_end = registered & ~next_registered
    next_state = np.r_[state[1:], -1]
    closed = run_end & same_next
    startup = c.service_index("startup_grant")
    reason = np.select(
        [next_state == c.EMPLOYED, next_state == c.STUDYING, next_state == c.OUTSIDE, next_state == c.GONE],
        [np.where((state == c.IN_SERVICE) & (service == startup), c.END_REASONS.index("entrepreneurship"),
                  c.END_REASONS.index("open_market_job")),
         c.END_REASONS.index("studies"), c.END_REASONS.index("outside_labour_force"), c.END_REASONS.index("moved")],
        c.END_REASONS.index("other"),
    )
    ends = np.nonzero(run_end)[0]
    job_search = {
        "person": who[run_start],
        "registered_on": start[run_start],
        "ended_on": np.where(closed[ends], end_next[ends] - DAY, NAT),
        "end_reason": np.where(closed[ends], reason[ends], -1),
    }

    # Home-municipality spells.
    order, end_next, _ = _by_person(events.move_person, events.move_day)
    home = {
        "person": events.move_person[order], "start_date": events.move_day[order],
        "end_date": end_next - DAY, "municipality": events.move_municipality[order],
    }

    benefit = {
        "person": events.benefit_person, "month": events.benefit_month, "benefit_type": events.benefit_type,
        "basis": events.benefit_basis, "days": events.benefit_days, "amount_cents": events.benefit_cents,
    }
    toe = {"person": events.toe_person, "met_on": events.toe_day}
    columns = {"people_person": person, "timeline_statusspell": status, "timeline_jobsearchperiod": job_search,
               "timeline_homemunicipalityspell": home, "timeline_benefitmonth": benefit,
               "timeline_employmentconditionmet": toe}
    for table in TABLES[1:]:
        columns[table]["lineage"] = identity.random_uuids(rng, len(columns[table]["person"]))
    return BatchTables(columns)
