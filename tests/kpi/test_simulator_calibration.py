"""The simulated Sotkamo against the seed's 2021 job-seeker figures, measured by the KPI engine over the facts.

The simulator reports nothing itself here: the figures come from ``polku.kpi`` reading the status
spells written to the database, with the same definitions the views and the API use (an unemployment
run is broken by any other status, long-term means a run begun at least 12 months before the
calculation day). Seed 000 (Sotkamo 2021) gives the targets in ``TARGETS``; with seed 1 each must be
within ±10 %. At this scale another seed moves a yearly figure by up to ±15 % (see the profile).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from polku.kpi.definitions import shipped_definitions
from polku.kpi.selectors import indicator_values, scope_for
from polku.simulator.profiles import TARGETS
from polku.simulator.writers import simulate_into_database

SOTKAMO = "765"
TOLERANCE = Decimal("0.10")

# target key -> (indicator code, first month, last month, by_year)
FIGURES: dict[str, tuple[str, date, date, bool]] = {
    "unemployed_2021_12": ("unemployed_jobseekers", date(2021, 12, 1), date(2021, 12, 1), False),
    "activation_rate_2021": ("activation_rate", date(2021, 1, 1), date(2021, 12, 1), True),
    "long_term_avg_2021": ("long_term_unemployed", date(2021, 1, 1), date(2021, 12, 1), True),
    "youth_avg_2021": ("youth_unemployed", date(2021, 1, 1), date(2021, 12, 1), True),
    "over_3_months_share_2021": ("flow_into_over_3_months", date(2021, 1, 1), date(2021, 12, 1), True),
}


def measured(key: str) -> Decimal:
    code, first, last, by_year = FIGURES[key]
    definition = shipped_definitions().get(code)
    values = indicator_values(definition, scope_for(SOTKAMO), first, last, by_year=by_year)
    assert len(values) == 1, values
    assert values[0].value is not None, values[0]
    return values[0].value


@pytest.mark.django_db
def test_sotkamo_2021_job_seeker_figures_are_within_10_percent_of_the_seed():
    simulate_into_database("sotkamo-2021", seed=1, progress=False)
    targets = TARGETS["sotkamo-2021"]
    actual = {key: measured(key) for key in FIGURES}
    report = ", ".join(f"{key} {actual[key]:.1f} (target {targets[key]})" for key in FIGURES)
    outside = [key for key in FIGURES
               if abs(actual[key] - Decimal(str(targets[key]))) > TOLERANCE * Decimal(str(targets[key]))]
    assert not outside, f"outside ±10 %: {', '.join(outside)}; measured: {report}"
