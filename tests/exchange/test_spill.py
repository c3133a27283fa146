"""A record spilled to a partition file comes back equal, every field included (``Record.__reduce__``)."""

from __future__ import annotations

import pickle
import uuid
from dataclasses import fields
from datetime import date
from decimal import Decimal

from polku.exchange.rows import Record


def test_a_record_survives_the_spill_whole() -> None:
    record = Record("benefit_months", "etuudet.csv", 17, "ura", "b-1",
                    {"month": date(2021, 2, 1), "days": 20, "amount": Decimal("781.40"), "basis": "unemployment"},
                    person_ref=("id", "p-1"), person_system="ura", deleted=True, digest="d" * 32,
                    person_key=uuid.uuid4(), extra={"new": True, "encrypted": "x"})
    back = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes
    assert back == record
    assert [getattr(back, f.name) for f in fields(Record)] == [getattr(record, f.name) for f in fields(Record)]
    assert str(back.values["amount"]) == "781.40"
