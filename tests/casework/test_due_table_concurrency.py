"""A counsellor's write refreshing a client's due items while the daily rebuild runs (PostgreSQL: two connections).

The refresh holds the table's state row until its transaction ends, so a refresh that starts while the rebuild for
the new day is being written waits for it and then computes for the new day: the counsellor's write does not fail on
the client's row (which the rebuild wrote meanwhile), and no row is left for the old day.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from polku.casework import due_table
from polku.casework.models import ClientDue
from polku.people.models import Person
from polku.timeline import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refresh_and_a_rebuild_for_the_next_day_do_not_interleave(make_person: Callable[..., Person]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the interleaving needs two PostgreSQL connections")
    today = timezone.localdate()
    person = make_person(municipality="297", since=date(2000, 1, 1))
    services.job_search_open(person=person, registered_on=today - timedelta(days=3))
    due_table.rebuild(today)
    rebuilt, release, refreshed = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def daily_rebuild() -> None:
        try:
            with transaction.atomic():  # the rebuild's transaction, held open before it commits
                due_table.rebuild(today + timedelta(days=1))
                rebuilt.set()
                release.wait(20)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def counsellor() -> None:
        try:
            with transaction.atomic():  # a write's transaction refreshing its client
                due_table.refresh_persons([person.pk])
            refreshed.set()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    rebuilder = threading.Thread(target=daily_rebuild)
    rebuilder.start()
    assert rebuilt.wait(20)
    writer = threading.Thread(target=counsellor)
    writer.start()
    assert not refreshed.wait(1.0)  # the refresh waits for the rebuild to end …
    release.set()
    rebuilder.join(20)
    writer.join(20)
    assert not errors  # … and does not then fail on the client's row (the rebuild wrote it meanwhile)
    # The client's rows are for the new day, as everyone's.
    assert set(ClientDue.objects.values_list("computed_for", flat=True)) == {today + timedelta(days=1)}
    state = due_table.table_state()
    assert state is not None
    assert state.computed_for == today + timedelta(days=1)
