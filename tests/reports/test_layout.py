"""How the report writes its numbers: a change of a percentage is in percentage points, in each language."""

from __future__ import annotations

import pytest
from django.utils import translation

from polku.reports.layout import signed


@pytest.mark.parametrize(("language", "expected"), [("fi", "+1,2\u00a0%-yks."), ("sv", "+1,2\u00a0%-enh."),
                                                    ("en", "+1.2\u00a0pp")])
def test_a_change_of_a_percentage_is_in_percentage_points(language: str, expected: str) -> None:
    with translation.override(language):
        assert signed("1.2", "percent") == expected
        assert signed("-1.2", "percent") == "−" + expected[1:]


def test_other_changes_keep_their_unit() -> None:
    with translation.override("fi"):
        assert signed("-1500", "eur") == "−1\u00a0500\u00a0€"
        assert signed("12", "persons") == "+12"
        assert signed(None, "persons") == "–"
