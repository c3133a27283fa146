"""The exchange tests' fixtures: imports in one partition (as a small import runs) or in many (as a large one does)."""

from __future__ import annotations

import pytest

from polku.exchange import staging


@pytest.fixture(params=["one partition", "many partitions"])
def partitioning(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test twice: as the import runs by default here, and with partitions of a few rows, so that every
    rule is also proved where a person's records meet only in their own partition and a snapshot's vanished persons
    are found by the final sweep."""
    if request.param == "many partitions":
        monkeypatch.setattr(staging, "PARTITION_ROWS", 1)
    return str(request.param)
