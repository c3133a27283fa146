"""The demo's residents per municipality: the share page and the monthly report divide the municipal share by them.

The figures are synthetic (the demo is simulated at the municipalities' size), so every row says so in its source;
they must cover every municipality and year the demo profiles simulate, or a page shows "no population" for some.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from polku.cli.management.commands.demo_setup import DEMO_PROFILES
from polku.reference.models import ResidentPopulation
from polku.reference.services import population_import
from polku.simulator.profiles import get_profile

FILE = Path(__file__).resolve().parents[2] / "polku" / "simulator" / "data" / "resident_population_synthetic.csv"


@pytest.mark.django_db
def test_demo_populations_cover_every_simulated_municipality_and_year() -> None:
    written = population_import(FILE.read_bytes())
    held = set(ResidentPopulation.objects.values_list("municipality_id", "year"))
    assert written == len(held)
    for name in DEMO_PROFILES:
        profile = get_profile(name)
        wanted = {(code, year) for code in profile.municipalities for year in range(profile.start.year,
                                                                                   profile.end.year + 1)}
        assert wanted <= held, sorted(wanted - held)[:5]
    assert all(source.startswith("Synteettinen") for source in ResidentPopulation.objects.values_list("source",
                                                                                                      flat=True))
