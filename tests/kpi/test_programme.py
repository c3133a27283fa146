"""Programme files: import all or nothing, progress against the straight path, the shipped Sotkamo example."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from polku.core.errors import ValidationFailed
from polku.kpi.models import Programme
from polku.kpi.programme import path_value, programme_import, programme_progress, status

SOTKAMO = Path(__file__).resolve().parents[2] / "polku" / "kpi" / "data" / "programmes" / "sotkamo-2022-2025.json"


def test_straight_path_and_status() -> None:
    assert path_value(Decimal("63"), Decimal("25"), 2021, 2025, 2023) == Decimal("44")
    assert path_value(Decimal("63"), Decimal("25"), 2021, 2025, 2030) == Decimal("25")  # no path beyond the target
    # Decreasing goal, path at 44 in 2023, tolerance a quarter of the 38-person change (9.5).
    assert status(Decimal("44"), Decimal("63"), Decimal("25"), "decrease", Decimal("44"), Decimal("0.25")) == "on_track"
    assert status(Decimal("53"), Decimal("63"), Decimal("25"), "decrease", Decimal("44"), Decimal("0.25")) == "at_risk"
    assert status(Decimal("54"), Decimal("63"), Decimal("25"), "decrease", Decimal("44"), Decimal("0.25")) == "off_track"
    # Target only (no baseline): compared with the target itself.
    assert status(Decimal("14"), None, Decimal("15"), "increase", None, Decimal("0.25")) == "at_risk"
    # Direction only (no target): compared with the baseline.
    assert status(Decimal("9"), Decimal("8"), None, "increase", None, Decimal("0.25")) == "on_track"
    assert status(None, Decimal("8"), None, "increase", None, Decimal("0.25")) == "no_data"


def test_progress_rows_of_the_shipped_programme() -> None:
    document = json.loads(SOTKAMO.read_text(encoding="utf-8"))
    rows = programme_progress(document, {"long_term_unemployed": Decimal("40"), "activation_rate": Decimal("30")}, 2023)
    by_code = {r.indicator: r for r in rows}
    assert by_code["long_term_unemployed"].status == "on_track"  # 40 below the path's 44
    assert by_code["activation_rate"].status == "off_track"  # path 43.35, 13 short of it
    assert by_code["youth_unemployed"].status == "no_data"
    assert [r.status for r in rows if r.indicator is None] == []  # every goal is now computed from recorded data
    # The caseload and kuntalisä goals come from recorded assignments and decisions, none in this test.
    assert by_code["municipal_wage_supplement_committed"].status == "no_data"
    assert by_code["clients_per_counsellor"].status == "no_data"


@pytest.mark.django_db
def test_import_is_whole_or_nothing_and_names_every_problem() -> None:
    programme = programme_import(SOTKAMO.read_bytes())
    assert programme.scope == "765"
    assert Programme.objects.count() == 1
    broken = json.loads(SOTKAMO.read_text(encoding="utf-8"))
    broken["code"] = "rikki"
    broken["promises"][0]["goals"][0]["indicators"][0]["indicator"] = "no_such_kpi"
    broken["promises"][0]["goals"][1]["indicators"][0]["direction"] = "sideways"
    broken["promises"][1]["title"] = {"fi": "vain suomeksi"}
    with pytest.raises(ValidationFailed) as caught:
        programme_import(json.dumps(broken).encode())
    assert [e.field for e in caught.value.errors] == [
        "promises[0].goals[0].indicators[0].indicator", "promises[0].goals[1].indicators[0].direction",
        "promises[1].title",
    ]
    with pytest.raises(ValidationFailed) as not_json:
        programme_import(b"{")
    assert not_json.value.errors[0].field == "$"
    assert list(Programme.objects.values_list("code", flat=True)) == ["sotkamo-2022-2025"]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "expected"), [
    ({"code": "Ohjelma 2026"}, ["code"]),
    ({"code": "x" * 81}, ["code"]),
    ({"code": 7}, ["code"]),
    ({"promises": "lupaus"}, ["promises"]),
    ({"promises": ["lupaus"]}, ["promises[0]"]),
    ({"promises": None}, ["promises"]),
    ({"promises": []}, ["promises"]),
    ({"tolerance_share": "puolet"}, ["tolerance_share"]),
    ({"tolerance_share": 1.5}, ["tolerance_share"]),
    ({"tolerance_share": None}, ["tolerance_share"]),
])
def test_a_malformed_code_or_structure_is_listed_not_raised(change: dict[str, object], expected: list[str]) -> None:
    """A code must fit the page's address (a short slug); a promise that is not an object is a listed problem."""
    document = json.loads(SOTKAMO.read_text(encoding="utf-8")) | change
    with pytest.raises(ValidationFailed) as caught:
        programme_import(json.dumps(document).encode())
    assert [e.field for e in caught.value.errors] == expected
    assert not Programme.objects.exists()


@pytest.mark.django_db
def test_malformed_goals_actions_and_indicators_name_their_path() -> None:
    document = json.loads(SOTKAMO.read_text(encoding="utf-8"))
    document["promises"][0]["goals"] = {"not": "a list"}
    document["promises"][1]["goals"][0]["actions"] = "tee jotain"
    document["promises"][1]["goals"][0]["indicators"] = [3]
    with pytest.raises(ValidationFailed) as caught:
        programme_import(json.dumps(document).encode())
    assert [e.field for e in caught.value.errors] == [
        "promises[0].goals", "promises[1].goals[0].actions", "promises[1].goals[0].indicators[0]",
    ]


@pytest.mark.django_db
def test_nulls_both_kinds_of_indicator_bad_notes_and_non_numbers_are_listed() -> None:
    """Each of these once passed validation and then failed (or misled) when the programme page was drawn."""
    document = json.loads(SOTKAMO.read_text(encoding="utf-8"))
    goal = document["promises"][0]["goals"][0]
    goal["indicators"][0]["manual"] = {"fi": "Käsin", "sv": "Manuellt", "en": "By hand"}  # and a Polku indicator too
    goal["responsible"] = [None]
    document["promises"][1]["goals"][0]["indicators"] = None
    first = document["promises"][2]["goals"][0]["indicators"][0]
    first["note"] = "pelkkä teksti"
    first["target"] = "NOT-A-NUMBER"
    # Python's JSON reader admits NaN; a target that is not a number is refused.
    text = json.dumps(document).replace('"NOT-A-NUMBER"', "NaN")
    with pytest.raises(ValidationFailed) as caught:
        programme_import(text.encode())
    fields = [e.field for e in caught.value.errors]
    assert fields == [
        "promises[0].goals[0].responsible[0]", "promises[0].goals[0].indicators[0].indicator",
        "promises[1].goals[0].indicators", "promises[2].goals[0].indicators[0].target",
        "promises[2].goals[0].indicators[0].note",
    ]
    assert not Programme.objects.exists()
