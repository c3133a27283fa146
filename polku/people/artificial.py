"""Artificial personal identity codes (individual number 900–999) for test and simulated data.

The Digital and Population Data Agency never issues 900–999 to real people, so such codes
cannot identify anyone. The check character is computed as for real codes.
"""

from __future__ import annotations

from datetime import date

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY_SIGNS = {1800: "+", 1900: "-", 2000: "A"}


def artificial_personal_id(birth: date, serial: int) -> str:
    """The code for ``birth`` with individual number ``serial`` (900–999; even = female)."""
    if not 900 <= serial <= 999:
        raise ValueError("artificial codes use individual numbers 900-999")
    body = f"{birth:%d%m%y}{serial:03d}"
    check = CHECK_CHARACTERS[int(body) % 31]
    sign = CENTURY_SIGNS[birth.year // 100 * 100]
    return f"{birth:%d%m%y}{sign}{serial:03d}{check}"
