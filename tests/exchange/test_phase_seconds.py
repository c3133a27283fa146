"""An import run says where its time went (``ExchangeRun.phase_seconds``): reading, checking, writing, finishing
(the indexes, the constraints and the commit) and the refresh after it; the command line's JSON summary and the API
carry it, and the run's page shows it.

The benchmark reads the writes' share from it, so each phase must hold the time spent in it: a test makes one step
take a long while (on a stopwatch clock it drives, without sleeping) and finds that time in that step's phase only.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from polku.access.models import Role
from polku.exchange import importer, phases, services, setbased, staging
from polku.exchange.models import RunStatus
from polku.exchange.phases import PHASES, REFRESH
from tests.exchange.helpers import AINO, run_import, write
from tests.exchange.test_setbased import simulated_export

pytestmark = pytest.mark.django_db

LONG = 1000.0  # seconds a slowed step takes on the stopwatch's clock: far above any real phase of these imports


@pytest.fixture(autouse=True)
def _no_language_left_active() -> Iterator[None]:
    """A page asked in Swedish or English leaves that language active in the thread (the locale middleware activates
    it, and nothing deactivates it after the test client's request): the next test starts with none, as a request,
    a command or a job does."""
    yield
    translation.deactivate()


@pytest.fixture
def admin(make_staff: Any) -> Any:
    return make_staff(role=Role.ADMIN, area=None).user


class _Clock:
    """The stopwatch's clock: the real one, plus what the slowed steps added."""

    def __init__(self) -> None:
        self.added = 0.0

    def __call__(self) -> float:
        return time.perf_counter() + self.added

    def slow(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
        original = getattr(owner, name)

        def slowed(*args: Any, **kwargs: Any) -> Any:
            self.added += LONG
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, slowed)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    driven = _Clock()
    monkeypatch.setattr(phases, "clock", driven)
    return driven


def test_a_written_import_accounts_for_each_phase(tmp_path: Path, admin: Any) -> None:
    files = simulated_export(tmp_path, seed=5, persons=40)
    run = run_import(admin, files)
    assert run.status == RunStatus.DONE
    assert set(run.phase_seconds) == {*PHASES, REFRESH}
    assert all(seconds >= 0 for seconds in run.phase_seconds.values())
    assert run.phase_seconds["read"] > 0
    assert run.phase_seconds["write"] > 0
    # The run's duration holds the four phases (the refresh comes after the run is saved as done).
    assert run.duration_seconds is not None
    assert sum(run.phase_seconds[p] for p in PHASES) <= run.duration_seconds + 0.01
    run.refresh_from_db()
    assert set(run.phase_seconds) == {*PHASES, REFRESH}  # kept with the run


def _finish_slowed(clock: _Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The end of the import's transaction (indexes built again, constraints, commit) takes long."""
    begin = importer._begin

    def begin_then_slow_end(stack: ExitStack, *args: Any) -> None:
        begin(stack, *args)
        stack.callback(lambda: setattr(clock, "added", clock.added + LONG))  # runs as the transaction ends

    monkeypatch.setattr(importer, "_begin", begin_then_slow_end)


STEPS = {
    "files read": (staging.Stager, "stage", "read"),
    "row path checked": (importer.Importer, "check_partition", "check"),
    "set-based plan": (setbased.SetBased, "_plan", "check"),
    "row path written": (importer.Importer, "write", "write"),
    "set-based written": (setbased.SetBased, "write", "write"),
    "transaction opened": (importer, "_begin", "write"),
}


@pytest.mark.parametrize("case", [(step, partitioned) for step in [*STEPS, "transaction ended"]
                                  for partitioned in (False, True)],
                         ids=lambda case: f"{case[0]}, {'partitions' if case[1] else 'one partition'}")
def test_a_slow_step_shows_in_its_own_phase(tmp_path: Path, admin: Any, monkeypatch: pytest.MonkeyPatch,
                                            clock: _Clock, case: tuple[str, bool]) -> None:
    step, partitioned = case
    files = simulated_export(tmp_path, seed=6, persons=30)
    if partitioned:
        monkeypatch.setattr(staging, "PARTITION_ROWS", 20)
    if step == "transaction ended":
        _finish_slowed(clock, monkeypatch)
        phase = "finish"
    else:
        owner, name, phase = STEPS[step]
        clock.slow(monkeypatch, owner, name)
    run = run_import(admin, files)
    assert run.status == RunStatus.DONE
    assert run.phase_seconds[phase] >= LONG
    others = {p: s for p, s in run.phase_seconds.items() if p != phase}
    assert all(seconds < LONG for seconds in others.values()), others


def test_a_dry_run_and_a_refused_run_write_nothing_and_say_so(tmp_path: Path, admin: Any) -> None:
    persons = write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;Ahola\n")
    dry = run_import(admin, [persons], dry_run=True)
    assert dry.status == RunStatus.DONE
    assert set(dry.phase_seconds) == set(PHASES)  # no refresh after a dry run
    assert dry.phase_seconds["write"] == 0
    bad = write(tmp_path, "homes.csv", "source_id;person_id;municipality;start_date\nh1;nobody;297;1.1.2024\n")
    refused = run_import(admin, [persons, bad])
    assert refused.status == RunStatus.REFUSED
    assert set(refused.phase_seconds) == set(PHASES)
    assert refused.phase_seconds["write"] == 0


def test_the_json_summary_gives_the_phases(tmp_path: Path, admin: Any) -> None:
    persons = write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;Ahola\n")
    out = io.StringIO()
    call_command("import", "run", str(persons), "--user", admin.username, "--no-progress", "--json", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(summary["phase_seconds"]) == {*PHASES, REFRESH}
    assert summary["counts"]["persons"]["new"] == 1


@pytest.mark.parametrize(("language", "heading", "labels"), [
    ("fi", "Vaiheiden kesto", ["tiedostojen luku", "tarkistus", "kirjoitus", "indeksit ja tallennus",
                               "ajon jälkeen (ei sisälly kestoon) sivujen tietojen päivitys"]),
    ("sv", "Tid per fas", ["läsning av filerna", "kontroll", "skrivning", "index och lagring",
                           "efter körningen (ingår inte i längden) uppdatering av sidornas uppgifter"]),
    ("en", "Time by phase", ["reading the files", "checking", "writing", "indexes and saving",
                             "after the run (not in its duration) refreshing what the pages show"]),
])
def test_the_run_page_shows_the_phases_in_the_readers_language(tmp_path: Path, make_staff: Any, language: str,
                                                                heading: str, labels: list[str]) -> None:
    steward = make_staff(role=Role.DATA_STEWARD, area="kuopio")
    persons = write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;Ahola\n")
    home = write(tmp_path, "homes.csv", "source_id;person_id;municipality;start_date\nk1;p1;297;1.1.2020\n")
    run = run_import(steward.user, [persons, home], scope_code="kuopio")
    assert run.status == RunStatus.DONE, list(run.problems.values_list("message", flat=True))
    client = Client(headers={"accept-language": language})
    client.force_login(steward.user)
    page = client.get(f"/tiedonsiirto/{run.pk}/").content.decode()
    assert heading in page
    shown = page.split(heading, 1)[1].split("</dd>", 1)[0]
    assert sorted(labels, key=shown.index) == labels  # each phase named, in the order they run
    decimal = "." if language == "en" else ","  # the reader's number format
    assert len(re.findall(rf"\d\{decimal}\d s", shown)) == len(labels), shown

    dry = run_import(steward.user, [persons, home], scope_code="kuopio", dry_run=True)
    page = client.get(f"/tiedonsiirto/{dry.pk}/").content.decode()
    shown = page.split(heading, 1)[1].split("</dd>", 1)[0]
    assert [label for label in labels if label in shown] == labels[:2]  # reading and checking: a dry run writes nothing
    api = client.get(f"/api/exchange/imports/{dry.pk}")  # the system-to-system API carries them too
    assert api.status_code == 200, api.content[:300]
    assert set(api.json()["phase_seconds"]) == set(PHASES)


def test_a_retried_run_that_fails_keeps_no_earlier_attempts_phases(tmp_path: Path, admin: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    persons = write(tmp_path, "persons.csv", f"source_id;personal_id;first_names;last_name\np1;{AINO};Aino;Ahola\n")
    run = run_import(admin, [persons], dry_run=True)
    assert run.phase_seconds

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "carry_out", broken)
    with pytest.raises(RuntimeError):
        services.execute_import(run, [(persons, persons.name)])
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.phase_seconds == {}  # not the earlier attempt's figures
