"""``polku rotate-keys``: identity codes written under the old key still decrypt once a new key is first, the rotation
re-encrypts every row in batches, after it the old key can be removed, and a new look-up (HMAC) key re-hashes every
person (and the Kela invoice lines linked to them) so that look-ups by identity code find them again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError

from polku.cli import main
from polku.municipal_share.models import KelaInvoice, KelaInvoiceLine
from polku.people import key_rotation, personal_id
from polku.people.models import Person
from polku.timeline.services import person_find_by_personal_id
from tests.conftest import next_artificial_id

pytestmark = [pytest.mark.django_db]
NEW_KEY = "uusi-salausavain-" + "x" * 32
NEWER_HASH_KEY = "uusi-hakuavain-" + "y" * 32


@pytest.fixture
def persons(make_person: Any) -> dict[str, str]:
    """Five persons written under the installation's original key: code → person id."""
    codes = [next_artificial_id() for _ in range(5)]
    return {code: str(make_person(personal_id_code=code).pk) for code in codes}


def _invoice_line(person: Person | None, digest: str) -> KelaInvoiceLine:
    invoice = KelaInvoice.objects.create(
        municipality_id="297", invoice_month=date(2025, 3, 1), rule_set="tyottomyysetuudet-2025",
        sha256=digest[:60] + str(KelaInvoice.objects.count()).zfill(4), encoding="utf-8", line_count=1,
        total_paid_days=20, total_paid_eur=Decimal("700.00"), total_municipal_eur=Decimal("70.00"))
    return KelaInvoiceLine.objects.create(
        invoice=invoice, line_number=2, person=person, personal_id_hash=digest, month=date(2025, 3, 1),
        benefit_type="basic_allowance", paid_days=20, paid_eur=Decimal("700.00"), municipal_eur=Decimal("70.00"),
        municipality="297")


def _codes() -> dict[str, str]:
    return {personal_id.decrypt(token): str(pk) for pk, token in Person.objects.values_list(
        "pk", "personal_id_encrypted")}


def test_old_rows_decrypt_after_rotation_and_the_old_key_can_then_be_removed(
        persons: dict[str, str], settings: Any, make_person: Any) -> None:
    old_key = settings.PERSONAL_ID_KEY
    settings.PERSONAL_ID_ENCRYPTION_KEYS = [NEW_KEY, old_key]  # the new key first; the old one still decrypts
    assert _codes() == persons  # no downtime: rows written under the old key read as before
    later = next_artificial_id()
    newer = make_person(personal_id_code=later)  # written under the new key
    assert personal_id.under_current_key(newer.personal_id_encrypted)
    assert key_rotation.status().under_old_key == len(persons)

    call_command("rotate_keys", batch_size=2)  # three batches of at most two persons, one transaction each

    assert key_rotation.status().done
    settings.PERSONAL_ID_ENCRYPTION_KEYS = [NEW_KEY]  # the old key removed
    assert _codes() == {**persons, later: str(newer.pk)}
    for code, pk in persons.items():
        found = person_find_by_personal_id(code)
        assert found is not None
        assert str(found.pk) == pk
    # Running it again changes nothing.
    assert key_rotation.rotate().changed == 0


def test_without_the_rotation_removing_the_old_key_loses_the_codes_and_the_command_says_so(
        persons: dict[str, str], settings: Any) -> None:
    settings.PERSONAL_ID_ENCRYPTION_KEYS = [NEW_KEY]
    token = Person.objects.values_list("personal_id_encrypted", flat=True).first()
    assert token is not None
    with pytest.raises(InvalidToken):
        personal_id.decrypt(token)
    with pytest.raises(CommandError, match="POLKU_PERSONAL_ID_ENCRYPTION_KEYS"):
        call_command("rotate_keys")
    assert Person.objects.values_list("personal_id_encrypted", flat=True).first() == token  # nothing written


def test_a_new_lookup_key_rehashes_every_person_and_their_invoice_lines(
        persons: dict[str, str], settings: Any, capsys: Any) -> None:
    old_key = settings.PERSONAL_ID_KEY
    code, pk = next(iter(persons.items()))
    person = Person.objects.get(pk=pk)
    linked = _invoice_line(person, person.personal_id_hash)
    unknown = _invoice_line(None, personal_id.keyed_hash(next_artificial_id()))

    settings.PERSONAL_ID_ENCRYPTION_KEYS = [NEW_KEY, old_key]
    settings.PERSONAL_ID_KEY = NEWER_HASH_KEY
    assert person_find_by_personal_id(code) is None  # before the re-hash the new key finds nobody
    status = key_rotation.status()
    assert status.stale_hash == len(persons)
    assert status.unlinked_invoice_lines == 1

    call_command("rotate_keys", batch_size=3)
    out = capsys.readouterr().out
    assert "hakutunniste laskettu uudelleen 5" in out
    assert "Kelan laskurivejä ilman henkilöä 1" in out

    settings.PERSONAL_ID_ENCRYPTION_KEYS = [NEW_KEY]
    for each_code, each_pk in persons.items():
        found = person_find_by_personal_id(each_code)
        assert found is not None
        assert str(found.pk) == each_pk
    linked.refresh_from_db()
    assert linked.personal_id_hash == personal_id.keyed_hash(code)
    before = unknown.personal_id_hash
    unknown.refresh_from_db()
    assert unknown.personal_id_hash == before  # its code was never stored: left as it was
    assert key_rotation.status().done


def test_the_command_is_spelt_with_a_hyphen_too(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    main(["rotate-keys", "--check"])
    main(["serve-production"])
    assert seen == [["polku", "rotate_keys", "--check"], ["polku", "serve_production"]]
