"""Rotation of the identity-code keys (``polku rotate-keys``), while the server and the worker keep running.

**Encryption key.** ``POLKU_PERSONAL_ID_ENCRYPTION_KEYS`` lists secrets newest first: the first encrypts, every one
decrypts (``cryptography``'s ``MultiFernet``). With the new key first and the old ones after it, every process reads
old and new rows alike; :func:`rotate` re-encrypts every row still under an old key, a batch of persons per
transaction; when :func:`status` finds none left, the old keys can be removed from the setting.

**Look-up key (HMAC).** ``POLKU_PERSONAL_ID_KEY`` keys the hash every look-up by identity code goes through. After it
changes, :func:`rotate` recomputes each person's hash from the decrypted code (and the hash of each Kela invoice line
linked to a person), in the same batches and transactions. Until it has finished a look-up by identity code misses the
persons not yet re-hashed, so this part is done in a maintenance break (README, "Operations"). Invoice lines of persons
not in Polku keep their old hash: the code itself was never stored, so it cannot be hashed again.

The command can be run again at any time: rows already under the newest key and hash are left alone, and a row that a
concurrent save wrote back under an old key is caught by the next pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import InvalidToken
from django.db import transaction
from django.db.models import Model, OuterRef, Subquery

from polku.people import personal_id
from polku.people.models import Person

BATCH_SIZE = 1000

# Models outside ``people`` whose rows keep a copy of a person's look-up hash beside a nullable ``person`` link: Kela's
# invoice lines. Their app registers them when Django starts (``polku.municipal_share.apps``), since ``people`` sits
# below the packages that link to persons and imports none of them (README, "Code layout").
hash_copies: list[type[Model]] = []


def register_hash_copy(model: type[Model]) -> None:
    """Re-hash ``model``'s rows linked to a person with the person's own hash; count its unlinked rows in ``status``."""
    if model not in hash_copies:
        hash_copies.append(model)


class RotationError(Exception):
    """A stored code no configured key decrypts (the message names the person's id and what to do)."""


@dataclass
class RotationReport:
    persons: int = 0
    reencrypted: int = 0
    rehashed: int = 0
    invoice_lines_rehashed: int = 0
    batches: int = 0

    @property
    def changed(self) -> int:
        return self.reencrypted + self.rehashed


@dataclass
class KeyStatus:
    persons: int = 0
    under_old_key: int = 0
    stale_hash: int = 0
    unlinked_invoice_lines: int = 0

    @property
    def done(self) -> bool:
        return not self.under_old_key and not self.stale_hash


def _code(pk: object, token: str) -> str:
    try:
        return personal_id.decrypt(token)
    except InvalidToken:
        raise RotationError(
            f"henkilön {pk} henkilötunnusta ei pura mikään avain: lisää vanha avain "
            "POLKU_PERSONAL_ID_ENCRYPTION_KEYS-listan loppuun") from None


def _batches(batch_size: int) -> Iterator[list[Any]]:
    last = None
    while True:
        rows = Person.objects.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        pks = list(rows.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return
        yield pks
        last = pks[-1]


def _rotate_batch(pks: list[Any], report: RotationReport) -> None:
    with transaction.atomic():
        persons = list(Person.objects.select_for_update().filter(pk__in=pks)
                       .only("pk", "personal_id_encrypted", "personal_id_hash"))
        changed: list[Person] = []
        rehashed: list[Any] = []
        for person in persons:
            code = _code(person.pk, person.personal_id_encrypted)
            dirty = False
            if not personal_id.under_current_key(person.personal_id_encrypted):
                person.personal_id_encrypted = personal_id.encrypt(code)
                report.reencrypted += 1
                dirty = True
            digest = personal_id.keyed_hash(code)
            if digest != person.personal_id_hash:
                person.personal_id_hash = digest
                rehashed.append(person.pk)
                dirty = True
            if dirty:
                changed.append(person)
        if changed:
            Person.objects.bulk_update(changed, ["personal_id_encrypted", "personal_id_hash"])
        if rehashed:
            report.rehashed += len(rehashed)
            own_hash = Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("personal_id_hash")[:1])
            report.invoice_lines_rehashed += sum(
                model._default_manager.filter(person_id__in=rehashed).update(personal_id_hash=own_hash)
                for model in hash_copies)
        report.persons += len(persons)
        report.batches += 1


def rotate(*, batch_size: int = BATCH_SIZE, progress: Callable[[RotationReport], None] | None = None) -> RotationReport:
    """Re-encrypt under the newest key and re-hash under the current look-up key every person that needs it."""
    report = RotationReport()
    for pks in _batches(batch_size):
        _rotate_batch(pks, report)
        if progress:
            progress(report)
    return report


def status(*, batch_size: int = BATCH_SIZE) -> KeyStatus:
    """What a rotation would still change (reads and decrypts every code; writes nothing)."""
    result = KeyStatus(unlinked_invoice_lines=sum(
        model._default_manager.filter(person__isnull=True).count() for model in hash_copies))
    for pks in _batches(batch_size):
        for pk, token, digest in Person.objects.filter(pk__in=pks).values_list(
                "pk", "personal_id_encrypted", "personal_id_hash"):
            code = _code(pk, token)
            result.persons += 1
            result.under_old_key += not personal_id.under_current_key(token)
            result.stale_hash += personal_id.keyed_hash(code) != digest
    return result
