"""Codes the simulator works with: labour-market states, service types, municipalities, benefit types.

The engine works on small integers (numpy arrays); this module is the one place that maps
those integers to the codes of the reference catalogue (``polku/reference/data``) and of
the timeline models, so that writers and tests translate through the same tables.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REFERENCE_DATA = Path(__file__).resolve().parent.parent / "reference" / "data"
DATA_DIR = Path(__file__).resolve().parent / "data"

# Labour-market states, in the order of reference/data/labour_market_statuses.csv.
UNEMPLOYED = 0
LAID_OFF_FULL = 1
LAID_OFF_PARTIAL = 2
IN_SERVICE = 3
EMPLOYED = 4
PART_TIME = 5
STUDYING = 6
OUTSIDE = 7
# Internal only: the person moved out of the simulated area; no status spell is written for it,
# it only closes the previous spell (and the job search, with end reason "moved").
GONE = 8
NOT_ENTERED = -1

STATUS_CODES = (
    "unemployed", "laid_off_full", "laid_off_partial", "in_service",
    "employed", "part_time_employed", "studying", "outside",
)
N_STATES = len(STATUS_CODES)

# Registered job seekers (an open job-search period): TEM counts these states as job seekers.
REGISTERED_STATES = (UNEMPLOYED, LAID_OFF_FULL, LAID_OFF_PARTIAL, IN_SERVICE, PART_TIME)
# Counted as unemployed job seekers on the calculation date (fully laid-off included, domain-rules §3).
UNEMPLOYED_STATES = (UNEMPLOYED, LAID_OFF_FULL)

BENEFIT_TYPES = ("labour_market_subsidy", "basic_allowance", "earnings_related_allowance")
LMS, BASIC, EARNINGS_RELATED = 0, 1, 2
BENEFIT_BASES = ("unemployment", "service")
BASIS_UNEMPLOYMENT, BASIS_SERVICE = 0, 1

END_REASONS = (
    "open_market_job", "subsidised_job", "entrepreneurship", "studies",
    "other_service", "moved", "outside_labour_force", "other",
)


@dataclass(frozen=True)
class ServiceType:
    code: str
    counts_in_activation: bool
    employment_promoting: bool
    typical_min_months: int
    typical_max_months: int


@cache
def service_types() -> tuple[ServiceType, ...]:
    """The service catalogue in file order; the engine's service index is the position here."""
    with (REFERENCE_DATA / "service_types.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(
            ServiceType(
                code=row["code"],
                counts_in_activation=row["counts_in_activation"] == "true",
                employment_promoting=row["employment_promoting"] == "true",
                typical_min_months=int(row["typical_min_months"]),
                typical_max_months=int(row["typical_max_months"]),
            )
            for row in csv.DictReader(handle)
        )


def service_index(code: str) -> int:
    return [s.code for s in service_types()].index(code)


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    current: bool


@cache
def municipalities() -> tuple[Municipality, ...]:
    with (REFERENCE_DATA / "municipalities.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(
            Municipality(code=row["code"], name=row["name_fi"], current=not row["valid_to"])
            for row in csv.DictReader(handle)
        )


def current_municipality_codes() -> list[str]:
    return [m.code for m in municipalities() if m.current]


@cache
def size_proxy() -> dict[str, float]:
    """Rough inhabitants (thousands) of the largest municipalities; see the data file's header."""
    with (DATA_DIR / "municipality_size_proxy.csv").open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {row["code"]: float(row["weight"]) for row in csv.DictReader(lines)}
