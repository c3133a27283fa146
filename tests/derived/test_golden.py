"""Golden cases of the derived definitions, stated by hand."""

from __future__ import annotations

from datetime import date

from polku.derived import ages, runs
from polku.derived.calendar import calculation_day, weekdays
from polku.derived.membership import members_on
from polku.derived.vocabulary import status_vocabulary

UNEMPLOYED = status_vocabulary().unemployed
S = runs.StatusFact


def test_vocabulary_classes() -> None:
    vocabulary = status_vocabulary()
    assert vocabulary.unemployed == {"unemployed", "laid_off_full"}  # TEM: fully laid off count (S20, S21)
    assert vocabulary.part_time == {"part_time_employed", "laid_off_partial"}
    assert vocabulary.statuses("in_services") == {"in_service"}
    assert vocabulary.statuses("outside_labour_force") == {"outside"}
    assert vocabulary.class_of("laid_off_full") == "unemployed"
    assert vocabulary.class_of(None) is None


def test_runs_join_adjacent_unemployed_spells_and_break_on_anything_else() -> None:
    spells = [
        S(date(2024, 1, 1), date(2024, 1, 31), "unemployed"),
        S(date(2024, 2, 1), date(2024, 3, 31), "laid_off_full"),  # the next day: same run
        S(date(2024, 4, 1), date(2024, 4, 1), "in_service", "coaching"),  # a one-day service breaks it
        S(date(2024, 4, 2), date(2024, 5, 31), "unemployed"),
        S(date(2024, 6, 2), None, "unemployed"),  # a one-day gap breaks it too
    ]
    annotated = runs.annotate(spells, UNEMPLOYED, date(2024, 12, 31))
    found = runs.runs(annotated)
    assert [(r.start, r.end) for r in found] == [
        (date(2024, 1, 1), date(2024, 3, 31)), (date(2024, 4, 2), date(2024, 5, 31)), (date(2024, 6, 2), None)]
    assert runs.run_length_on(annotated, date(2024, 3, 31)) == 91  # 31 + 29 + 31 days of 2024
    assert runs.run_length_on(annotated, date(2024, 4, 1)) == 0  # in a service that day
    assert runs.status_and_run_start(annotated, date(2024, 3, 1)) == ("laid_off_full", date(2024, 1, 1))
    assert runs.status_and_run_start(annotated, date(2024, 6, 1)) == (None, None)  # no status recorded
    assert found[2].length_on(date(2024, 12, 31)) == 213


def test_facts_after_the_reference_date_are_not_known_yet() -> None:
    spells = [S(date(2024, 1, 1), date(2024, 6, 30), "unemployed"), S(date(2024, 7, 1), None, "employed")]
    annotated = runs.annotate(spells, UNEMPLOYED, date(2024, 3, 31))
    assert [(s.start, s.end) for s in annotated] == [(date(2024, 1, 1), None)]  # ends later: still open then
    assert [(r.start, r.end) for r in runs.runs(annotated)] == [(date(2024, 1, 1), None)]


def test_age_schemes() -> None:
    kpi = ages.age_scheme(ages.EMPLOYMENT_STATISTICS)
    assert kpi.labels == ("-24", "25-29", "30-39", "40-49", "50-59", "60-")
    assert kpi.group_of(date(2000, 2, 29), date(2025, 2, 28)) == "-24"  # turns 25 on 1 March in a common year
    assert kpi.group_of(date(2000, 2, 29), date(2025, 3, 1)) == "25-29"
    assert ages.age_scheme(ages.DURATION_MODEL).group_of(date(1974, 6, 1), date(2024, 6, 1)) == "50-"
    share = ages.age_scheme(ages.MUNICIPAL_SHARE)
    assert share.group_of(date(1969, 12, 31), date(2024, 12, 31)) == "55+"
    assert share.group_of(date(1970, 1, 1), date(2024, 12, 31)) == "25–54"


def test_calculation_days_weekdays_and_membership() -> None:
    assert calculation_day(date(2024, 12, 1)) == date(2024, 12, 31)  # New Year's Eve is a working day
    assert calculation_day(date(2022, 12, 1)) == date(2022, 12, 30)  # 31.12.2022 was a Saturday
    assert calculation_day(date(2023, 6, 15)) == date(2023, 6, 30)
    assert weekdays(date(2024, 2, 1)) == 21
    memberships = (("205", date(2023, 1, 1), None), ("765", date(2023, 1, 1), date(2024, 12, 31)))
    assert members_on(memberships, date(2024, 12, 31)) == {"205", "765"}
    assert members_on(memberships, date(2025, 1, 1)) == {"205"}
