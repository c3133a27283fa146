"""An import run says where its time went (``ExchangeRun.phase_seconds``): reading, checking, writing, finishing
(the indexes and the commit) and the refresh after it; the command line's JSON summary carries it.

The benchmark reads the writes' share from it, so each phase must hold the time spent in it: a test slows one step
down and finds the delay in that step's phase.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from polku.access.models import Role
from polku.exchange import importer, setbased
from polku.exchange.importer import PHASES
from polku.exchange.models import RunStatus
from tests.exchange.helpers import AINO, run_import, write
from tests.exchange.test_setbased import simulated_export

pytestmark = pytest.mark.django_db

DELAY = 1.0  # seconds: well above what any phase of these small imports takes


@pytest.fixture
def admin(make_staff: Any) -> Any:
    return make_staff(role=Role.ADMIN, area=None).user


def _slowed(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    original = getattr(owner, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(DELAY)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, slow)


def test_a_written_import_accounts_for_each_phase(tmp_path: Path, admin: Any) -> None:
    files = simulated_export(tmp_path, seed=5, persons=40)
    run = run_import(admin, files)
    assert run.status == RunStatus.DONE
    assert set(run.phase_seconds) == {*PHASES, "refresh"}
    assert all(seconds >= 0 for seconds in run.phase_seconds.values())
    assert run.phase_seconds["read"] > 0
    assert run.phase_seconds["write"] > 0
    # The run's duration holds the four phases (the refresh comes after the run is saved as done).
    assert run.duration_seconds is not None
    assert sum(run.phase_seconds[p] for p in PHASES) <= run.duration_seconds + 0.01
    run.refresh_from_db()
    assert set(run.phase_seconds) == {*PHASES, "refresh"}  # kept with the run


@pytest.mark.parametrize("step", [
    (importer.Importer, "check_partition", "check"),
    (importer.Importer, "write", "write"),
    (setbased.SetBased, "write", "write"),
    (importer, "_begin", "write"),
])
def test_a_slow_step_shows_in_its_own_phase(tmp_path: Path, admin: Any, monkeypatch: pytest.MonkeyPatch,
                                            step: tuple[Any, str, str]) -> None:
    owner, name, phase = step
    files = simulated_export(tmp_path, seed=6, persons=30)
    _slowed(monkeypatch, owner, name)
    run = run_import(admin, files)
    assert run.status == RunStatus.DONE
    assert run.phase_seconds[phase] >= DELAY
    others = {p: s for p, s in run.phase_seconds.items() if p != phase}
    assert all(seconds < DELAY for seconds in others.values()), others


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
    assert set(summary["phase_seconds"]) == {*PHASES, "refresh"}
    assert summary["counts"]["persons"]["new"] == 1


@pytest.mark.parametrize(("language", "heading", "labels"), [
    ("fi", "Vaiheiden kesto", ["tiedostojen luku", "tarkistus", "kirjoitus", "hakemistot ja tallennus",
                               "sen jälkeen näkymien päivitys"]),
    ("sv", "Fasernas längd", ["läsning av filerna", "kontroll", "skrivning", "index och sparande",
                              "därefter uppdatering av vyerna"]),
    ("en", "Time by phase", ["reading the files", "check", "writing", "indexes and saving",
                             "then updating the views"]),
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
    assert [label for label in labels if label in shown] == labels
    decimal = "." if language == "en" else ","  # the reader's number format
    assert len(re.findall(rf"\d\{decimal}\d s", shown)) == len(labels), shown

    dry = run_import(steward.user, [persons, home], scope_code="kuopio", dry_run=True)
    page = client.get(f"/tiedonsiirto/{dry.pk}/").content.decode()
    shown = page.split(heading, 1)[1].split("</dd>", 1)[0]
    assert [label for label in labels if label in shown] == labels[:2]  # reading and checking: a dry run writes nothing
