"""Identity codes: validation, artificial range, hashing, masking, and keeping them out of logs."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.fi import hetu

from polku.core.errors import ErrorCode, ValidationFailed
from polku.core.logging import MaskPersonalIds, looks_like_personal_id, mask_personal_ids
from polku.people import personal_id
from polku.people.artificial import artificial_personal_id


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)), st.integers(900, 999))
def test_artificial_codes_are_valid_and_decode(birth: date, serial: int) -> None:
    code = artificial_personal_id(birth, serial)
    assert hetu.validate(code, allow_temporary=True) == code  # 900–999 are 'temporary' to stdnum
    assert personal_id.birth_date(code) == birth
    assert personal_id.is_female(code) == (serial % 2 == 0)


@given(st.text(alphabet=st.sampled_from("0123456789-+ABCDEFUVWXYabcdefuvwxy `'\u2010\u2013\u00a0\u02bc"), max_size=14))
def test_normalise_is_stdnums_compact_form(code: str) -> None:
    """The ASCII short cut gives exactly stdnum's compact form, look-alike characters and backticks included."""
    assert personal_id.normalise(code) == hetu.compact(code)


@pytest.mark.parametrize("character", [chr(n) for n in range(128)])
def test_normalise_is_stdnums_compact_form_for_every_ascii_character(character: str) -> None:
    code = f" 131052{character}308t "
    assert personal_id.normalise(code) == hetu.compact(code)
    assert personal_id.normalise(character) == hetu.compact(character)


def test_the_backtick_is_the_one_ascii_character_stdnum_rewrites() -> None:
    """Why the short cut leaves codes with a backtick to stdnum."""
    assert [chr(n) for n in range(128) if hetu.compact(chr(n)) != chr(n).upper().strip()] == ["`"]


def test_known_code_golden() -> None:
    # Worked example of the check character: 131052-308T is the Digital and Population Data Agency's example.
    assert personal_id.validate("131052-308T") == "131052-308T"
    # 010190900 mod 31 = 22 -> "P" (worked by hand); 2000s use the century sign A.
    assert artificial_personal_id(date(1990, 1, 1), 900) == "010190-900P"
    assert artificial_personal_id(date(2004, 2, 29), 999).startswith("290204A999")


def test_checksum_error_names_field_and_hides_code() -> None:
    good = artificial_personal_id(date(1990, 5, 17), 921)
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    with pytest.raises(ValidationFailed) as caught:
        personal_id.validate(bad)
    [error] = caught.value.errors
    assert error.field == "personal_id"
    assert error.code == ErrorCode.INVALID_CHECKSUM
    assert bad not in str(caught.value)


def test_real_range_refused_for_test_data() -> None:
    with pytest.raises(ValidationFailed) as caught:
        personal_id.validate("131052-308T", require_artificial=True)
    assert caught.value.errors[0].code == ErrorCode.NOT_ARTIFICIAL


def test_keyed_hash_is_stable_and_not_the_code(settings) -> None:
    code = artificial_personal_id(date(1980, 1, 2), 950)
    first = personal_id.keyed_hash(code)
    assert first == personal_id.keyed_hash(code.lower())
    assert code not in first
    settings.PERSONAL_ID_KEY = "another-key"
    assert personal_id.keyed_hash(code) != first  # a stolen table is useless without the key


def test_encryption_round_trip_and_mask() -> None:
    code = artificial_personal_id(date(2001, 3, 4), 933)
    token = personal_id.encrypt(code)
    assert code not in token
    assert personal_id.decrypt(token) == code
    assert personal_id.mask(code) == "040301A****"


def test_log_filter_masks_codes() -> None:
    code = artificial_personal_id(date(1975, 6, 30), 911)
    assert code not in mask_personal_ids(f"lookup failed for {code} in import")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "bad code %s", (code,), None)
    MaskPersonalIds().filter(record)
    assert code not in record.getMessage()


def test_django_request_and_server_logs_are_masked() -> None:
    """Every handler of Django's own loggers masks codes, in the message and in the traceback."""
    code = artificial_personal_id(date(1988, 8, 8), 944)
    for name in ("django.request", "django.server", "django", "polku"):
        handlers = logging.getLogger(name).handlers
        assert handlers, name
        try:
            raise ValueError(f"no person {code}")
        except ValueError:
            import sys

            record = logging.LogRecord(name, logging.ERROR, __file__, 1, "GET /henkilot/?q=%s", (code,), sys.exc_info())
        for handler in handlers:
            assert handler.filter(record)
            text = handler.format(record)
            assert "ValueError" in text  # the traceback is kept …
            assert code not in text  # … with the code masked


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2023, 12, 31)), st.integers(min_value=900, max_value=999),
       st.sampled_from(["keep", "no separator", "space", "en dash", "no check character", "dot", "slash",
                        "underscore", "digit missing", "digit too many", "spaced dash", "minus sign",
                        "double hyphen"]))
def test_codes_and_their_mistypings_look_like_codes(birth: date, serial: int, mistyping: str) -> None:
    code = artificial_personal_id(birth, serial)
    typed = {"keep": code, "no separator": code[:6] + code[7:], "space": code[:6] + " " + code[7:],
             "en dash": code[:6] + "\u2013" + code[7:], "no check character": code[:-1],
             "dot": code[:6] + "." + code[7:], "slash": code[:6] + "/" + code[7:], "underscore": code[:6] + "_" + code[7:],
             "digit missing": code[:5] + code[6:], "digit too many": code[:6] + "9" + code[6:],
             "spaced dash": code[:6] + " - " + code[7:], "minus sign": code[:6] + "\u2212" + code[7:],
             "double hyphen": code[:6] + "--" + code[7:]}[mistyping]
    assert looks_like_personal_id(f"hae {typed} nyt")


@pytest.mark.parametrize("text", ["1234567-8", "Hitsaamo", "0101", "2025", "12345", "FI12345678",
                                  "1.1.1990", "01.01.1990", "2025-12-31", "12345678"])
def test_business_ids_names_and_years_do_not_look_like_codes(text: str) -> None:
    assert not looks_like_personal_id(text)
