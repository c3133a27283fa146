"""Two writers at once: the person lock (and the database guard) let exactly one overlapping spell in."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from polku.core.errors import ValidationFailed
from polku.timeline import services
from polku.timeline.models import StatusSpell


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_writes(make_person) -> None:
    person = make_person()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(status: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.status_spell_record(person=person, status=status, start_date=date(2024, 1, 1))
            outcomes.append("ok")
        except ValidationFailed as failure:
            outcomes.append(failure.errors[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(s,)) for s in ("unemployed", "employed")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok", "overlap"]
    assert StatusSpell.objects.filter(person=person, superseded_at__isnull=True).count() == 1
