"""Log filter that masks anything shaped like a Finnish personal identity code.

Defence in depth: code never logs identity codes on purpose, but an exception message or a
third-party library might echo user input. The filter rewrites the final message.
"""

from __future__ import annotations

import logging
import re

# Like ``\b`` but with the underscore as a separator: ``\b`` counts ``_`` as part of a word, so ``_010190-900P`` (a
# field or column name glued to the code with an underscore) had no word boundary and slipped through unmasked.
# A letter or digit right before or after still stops a match, so hexadecimal keys (UUIDs) are not taken for codes.
PERSONAL_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{6}[-+ABCDEFUVWXY]\d{3}[0-9A-Y](?![0-9A-Za-z])", re.IGNORECASE)
# What a mistyped identity code looks like: five to seven digits (a birth date, a digit short or over), a separator
# of any kind (a dash of any width or two, a minus sign, a space, a dot, a slash, an underscore, a letter) or none,
# and two to four digits, with or without the check character; or nine to eleven digits in a row. Search boxes never
# put such a query in an address or echo it. A business ID (seven digits, a hyphen, one digit), a VAT number (FI and
# eight digits), a year or a date written with dots (1.1.1990) does not match; a ten-digit phone number does, which
# only keeps it out of the address.
CODE_LIKE_PATTERN = re.compile(
    r"(?<!\d)(?:\d{5,7}\s?(?:[-\u2010-\u2015\u2212]{1,2}|[+./_\sA-Za-z])\s?\d{2,4}|\d{9,11})(?!\d)")


def looks_like_personal_id(text: str) -> bool:
    """An identity code, or what a mistyped one looks like."""
    return bool(PERSONAL_ID_PATTERN.search(text) or CODE_LIKE_PATTERN.search(text))


def mask_personal_ids(text: str) -> str:
    """Replace every identity-code-shaped substring with a fixed mask."""
    return PERSONAL_ID_PATTERN.sub("[henkilötunnus]", text)


class MaskPersonalIds(logging.Filter):
    """Masks the message, and any traceback text, of every record passing through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_ids(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_ids(record.stack_info)
        return True
