"""The Finnish personal identity code (henkilötunnus): validation, keyed hash, encryption.

The code is validated with python-stdnum (date and checksum). It is stored only encrypted;
look-ups use an HMAC keyed with ``settings.PERSONAL_ID_KEY`` so that the database alone does
not reveal who is who. Error messages never repeat the code.

Encryption keys rotate (``polku rotate-keys``, ``polku.people.key_rotation``): the setting
``POLKU_PERSONAL_ID_ENCRYPTION_KEYS`` lists secrets newest first; the first encrypts, every one decrypts
(``MultiFernet``). Unset, the one key is ``POLKU_PERSONAL_ID_KEY``, as before rotation existed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from stdnum import exceptions as stdnum_errors
from stdnum.fi import hetu

from polku.core.errors import ErrorCode, ValidationFailed

ARTIFICIAL_SERIAL_RANGE = range(900, 1000)  # reserved for test data by the Digital and Population Data Agency


def normalise(code: str) -> str:
    """python-stdnum's compact form (upper case, no surrounding space). A code of plain ASCII without a backtick — every
    code a register export holds — has no look-alike character for stdnum to map, so its compact form is computed
    directly: stdnum does it a character at a time, and an import normalises each person's code four times over."""
    if code.isascii() and "`" not in code:
        return code.upper().strip()
    return str(hetu.compact(code))


def validate(code: str, *, field: str = "personal_id", require_artificial: bool = False) -> str:
    """Return the compact code, or refuse it naming ``field`` (never echoing the code)."""
    try:
        compact = hetu.validate(code, allow_temporary=True)
    except stdnum_errors.InvalidChecksum:
        raise ValidationFailed.single(
            field, ErrorCode.INVALID_CHECKSUM, "Henkilötunnuksen tarkistusmerkki ei täsmää.",
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationFailed.single(
            field, ErrorCode.INVALID, "Henkilötunnus ei ole oikeaa muotoa (PPKKVV-NNNT).",
        ) from None
    if require_artificial and int(compact[7:10]) not in ARTIFICIAL_SERIAL_RANGE:
        raise ValidationFailed.single(
            field, ErrorCode.NOT_ARTIFICIAL, "Testiaineistossa sallitaan vain keinotekoiset tunnukset (900–999).",
        )
    return str(compact)


CENTURIES = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900,
             "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000}


def birth_date(code: str) -> date:
    """Birth date encoded in a (valid) code: DDMMYY plus the century sign."""
    compact = normalise(code)
    return date(CENTURIES[compact[6]] + int(compact[4:6]), int(compact[2:4]), int(compact[0:2]))


def is_female(code: str) -> bool:
    """The individual number is even for women and odd for men."""
    return int(normalise(code)[7:10]) % 2 == 0


def keyed_hash(code: str) -> str:
    """HMAC-SHA256 of the compact code: the only form used for look-ups and joins."""
    key = settings.PERSONAL_ID_KEY.encode()
    return hmac.new(key, normalise(code).encode(), hashlib.sha256).hexdigest()


def encryption_keys() -> tuple[str, ...]:
    """The secrets identity codes are encrypted with, newest (the one that encrypts) first."""
    return tuple(settings.PERSONAL_ID_ENCRYPTION_KEYS) or (settings.PERSONAL_ID_KEY,)


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    return tuple(Fernet(base64.urlsafe_b64encode(
        hashlib.sha256(b"polku-personal-id-encryption:" + key.encode()).digest())) for key in keys)


def _fernet() -> MultiFernet:
    return MultiFernet(list(_fernets(encryption_keys())))


def encrypt(code: str) -> str:
    return _fernet().encrypt(normalise(code).encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


# What the retention job (polku.privacy.retention) puts in place of a pseudonymised person's identity code.
PSEUDONYM_PREFIX = "PSEUDONYYMI-"


def is_pseudonym(code: str) -> bool:
    """True for the random token of a pseudonymised person: no real identity code, nothing to hand on."""
    return code.startswith(PSEUDONYM_PREFIX)


def under_current_key(token: str) -> bool:
    """True if the newest encryption key decrypts ``token`` (nothing left to rotate)."""
    try:
        _fernets(encryption_keys())[0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def mask(code: str) -> str:
    """Display form that shows the birth date but hides the individual number: ``010190-****``."""
    compact = normalise(code)
    return f"{compact[:7]}****"
