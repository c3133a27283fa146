"""``polku backup`` and ``polku restore``: a round trip gives back every table, row by row, on SQLite and PostgreSQL.

The database is filled by the simulator (persons, their facts, case work, decisions, staff, an access log), backed up,
emptied, restored and compared table by table: row counts and every column of every row, in primary-key order.
"""

from __future__ import annotations

import gzip
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from polku.casework.demo import simulate_casework
from polku.core.backup import (
    BackupError,
    backed_up_models,
    backup_to_file,
    columns,
    empty_tables,
    nonempty_tables,
    read_header,
    restore_from_file,
)
from polku.people import personal_id
from polku.people.models import Person
from polku.provision.models import EmployerKind
from polku.provision.services import budget_set, employer_create
from polku.reference.loader import load_reference_data
from polku.simulator.writers import simulate_into_database

pytestmark = [pytest.mark.django_db]


def _tables() -> dict[str, list[tuple[Any, ...]]]:
    return {m._meta.label_lower: list(m._base_manager.order_by("pk").values_list(*[f.attname for f in columns(m)]))
            for m in backed_up_models()}


@pytest.fixture
def filled(make_staff: Any) -> dict[str, list[tuple[Any, ...]]]:
    simulate_into_database("kuopio-area-2023", seed=3, persons=120, progress=False)
    simulate_casework("kuopio", today=date(2025, 6, 2))
    admin = make_staff(role="admin", area=None).user
    group = Group.objects.create(name="pääkäyttäjät")  # the many-to-many tables too
    group.permissions.add(*Permission.objects.filter(codename__startswith="view_")[:3])
    admin.groups.add(group)
    employer_create(name="Yhdistys ry", business_id="0737546-2", kind=EmployerKind.ASSOCIATION)
    budget_set(municipality_code="297", year=2025, amount=Decimal("100000.50"))
    tables = _tables()
    filled = [label for label, rows in tables.items() if rows]
    assert len(filled) >= 25, filled  # the round trip is about something
    return tables


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch, settings: Any, django_user_model: Any) -> str:
    """The named system account a nightly backup runs as (``--user`` from ``$POLKU_USER``); made before the tables
    are read, so that it is in what the test compares."""
    django_user_model.objects.create_user(username="varmuuskopio", password=None)
    settings.POLKU_SYSTEM_ACCOUNTS = frozenset({"varmuuskopio"})
    monkeypatch.setenv("POLKU_USER", "varmuuskopio")
    return "varmuuskopio"


def test_round_trip_gives_back_every_table(filled: dict[str, list[tuple[Any, ...]]], tmp_path: Path) -> None:
    path = tmp_path / "polku.json.gz"
    counts = backup_to_file(path)
    assert counts == {label: len(rows) for label, rows in filled.items()}
    assert path.stat().st_mode & 0o077 == 0, "a backup of personal data is readable by its owner only"
    header = read_header(path)
    assert header["vendor"] == connection.vendor
    assert header["migrations"]

    empty_tables()
    assert not any(_tables().values())
    report = restore_from_file(path)
    connection.check_constraints()  # every foreign key resolves (the test's transaction never commits)

    after = _tables()
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in filled.items()}
    for label, rows in filled.items():
        assert after[label] == rows, label
    assert report.rows == sum(len(v) for v in filled.values())
    # The identity codes still decrypt and their look-up hash still matches.
    person = Person.objects.first()
    assert person is not None
    assert personal_id.keyed_hash(personal_id.decrypt(person.personal_id_encrypted)) == person.personal_id_hash
    # Sequences continue after the restored ids (PostgreSQL): a new row gets a fresh id.
    employer_create(name="Uusi Oy", business_id="1572860-0", kind=EmployerKind.COMPANY)


def test_restore_refuses_a_database_with_data_unless_told_to_replace(
        operator: str, filled: dict[str, list[tuple[Any, ...]]], tmp_path: Path, make_person: Any) -> None:
    path = tmp_path / "polku.json.gz"
    call_command("backup", str(path))
    with pytest.raises(CommandError, match="--replace"):
        call_command("restore", str(path))
    make_person(last_name="Myöhempi")  # written after the backup: the replace removes it
    call_command("restore", str(path), replace=True)
    assert _tables() == filled


def test_a_migrated_empty_database_counts_as_empty(tmp_path: Path, make_person: Any) -> None:
    """What the migrations seed (reference data, content types, permissions) is not data a restore would lose."""
    make_person()
    path = tmp_path / "one.json.gz"
    backup_to_file(path)
    before = _tables()
    empty_tables()
    load_reference_data()  # as a fresh database after `polku migrate`
    call_command("migrate", verbosity=0)  # nothing to apply; content types and permissions come back
    assert nonempty_tables() == []
    restore_from_file(path)
    assert _tables() == before


def test_a_truncated_or_foreign_file_is_refused_and_changes_nothing(
        operator: str, filled: dict[str, list[tuple[Any, ...]]], tmp_path: Path) -> None:
    path = tmp_path / "polku.json.gz"
    backup_to_file(path)
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(gzip.compress(b"".join(lines[:-1])))  # the trailer is missing
    with pytest.raises(BackupError, match="katkennut"):
        restore_from_file(cut, replace=True)
    assert _tables() == filled
    foreign = tmp_path / "foreign.json.gz"
    foreign.write_bytes(gzip.compress(b'{"hello": 1}\n'))
    with pytest.raises(CommandError, match="ei ole Polun varmuuskopio"):
        call_command("restore", str(foreign), replace=True)
    with pytest.raises(CommandError, match="on jo olemassa"):
        call_command("backup", str(path))


def test_a_backup_from_a_newer_polku_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.json.gz"
    backup_to_file(path)
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    import json

    header = json.loads(lines[0])
    header["migrations"].append(["people", "9999_from_the_future"])
    newer = tmp_path / "newer.json.gz"
    newer.write_bytes(gzip.compress(json.dumps(header).encode() + b"\n" + b"".join(lines[1:])))
    with pytest.raises(BackupError, match="uudemmalla"):
        restore_from_file(newer, replace=True)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_backup_reads_a_snapshot_and_the_restore_commits(
        operator: str, tmp_path: Path, make_person: Any) -> None:
    """As the commands run in production: the backup opens its own read snapshot, the restore its own transaction."""
    make_person(last_name="Ensimmäinen")
    before = _tables()
    path = tmp_path / "polku.json.gz"
    call_command("backup", str(path))
    make_person(last_name="Toinen")
    call_command("restore", str(path), replace=True)
    assert _tables() == before
