"""Resident population import: both encodings and separators, all-or-nothing with every bad line named."""

from __future__ import annotations

import pytest

from polku.core.errors import ValidationFailed
from polku.reference.models import ResidentPopulation
from polku.reference.services import population_import

pytestmark = pytest.mark.django_db


def test_semicolon_cp1252_file() -> None:
    data = "municipality;year;residents;source\n765;2021;10 300;Tilastokeskus (esimerkki)\n297;2021;121000;Esimerkki Ä\n"
    assert population_import(data.encode("cp1252")) == 2
    assert ResidentPopulation.objects.get(municipality_id="765", year=2021).residents == 10300
    assert ResidentPopulation.objects.get(municipality_id="297").source == "Esimerkki Ä"


def test_bad_lines_refuse_whole_file() -> None:
    data = ("municipality,year,residents,source\n765,2021,10300,x\n000,2021,5,x\n765,20x1,5,x\n765,2022,9000,\n")
    with pytest.raises(ValidationFailed) as caught:
        population_import(data.encode())
    assert [e.field for e in caught.value.errors] == ["rivi 3: municipality", "rivi 4: year/residents", "rivi 5: source"]
    assert ResidentPopulation.objects.count() == 0
