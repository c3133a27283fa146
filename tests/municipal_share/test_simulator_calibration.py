"""The simulated Sotkamo against the seed, measured by the real engine over the facts in the database.

The simulator keeps no share rule of its own: whatever it knows about a person's benefit history
(earlier subsidy spells, the stock's months before 2015, employment conditions met) must be in
the facts, or the engine cannot see it. Seed 000: Sotkamo paid about 440 000 € in 2021.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from polku.municipal_share import selectors, services
from polku.simulator.profiles import TARGETS
from polku.simulator.writers import simulate_into_database

SOTKAMO = "765"


def municipal_eur(year: int) -> tuple[Decimal, set[str]]:
    rows = selectors.share_rows(services.current_rule_book(), municipality_codes=[SOTKAMO],
                                first_month=date(year, 1, 1), last_month=date(year, 12, 1))
    return sum((r.municipal_eur for r in rows), Decimal(0)), {r.rule_set for r in rows}


@pytest.mark.django_db
def test_sotkamo_2021_old_rule_share_is_within_15_percent_of_the_seed():
    counts = simulate_into_database("sotkamo-2021", seed=1, progress=False)
    assert counts["employment_conditions_met"] > 0
    target = Decimal(TARGETS["sotkamo-2021"]["old_rule_share_eur_2021"])

    share_2021, rule_sets = municipal_eur(2021)
    assert rule_sets == {"tmt-2015"}
    assert abs(share_2021 - target) <= Decimal("0.15") * target, share_2021

    # The 2025 model costs more than the old one (nationally about +45 %, domain-rules §2.1). Without
    # TOE facts the counters never reset and it came out near x4; with them seed 1 gives about x2.3
    # (wage-subsidised jobs begun before 2.9.2024 meet TOE too, which lowers the old-rule years more),
    # still above the national figure (open: see the simulator's notes), so this only guards the x4 failure.
    share_2024, _ = municipal_eur(2024)
    share_2025, rule_sets_2025 = municipal_eur(2025)
    assert rule_sets_2025 == {"tyottomyysetuudet-2025"}
    assert Decimal("1.1") <= share_2025 / share_2024 <= Decimal("3.0"), (share_2024, share_2025)
