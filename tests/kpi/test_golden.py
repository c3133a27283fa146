"""Golden tests: every shipped indicator on hand-built timelines, values stated by hand (tests/kpi/cases.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from polku.core.calendar import iter_months
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import IndicatorValue, Request, assemble
from polku.kpi.reference_evaluator import reference_measure_table
from tests.kpi.cases import KAJAANI, SOTKAMO, VOCABULARY, persons


def evaluate(code: str, first: date, last: date, *, municipality: str = SOTKAMO, horizon: date = date(2021, 12, 31),
             dimension: str | None = None, by_year: bool = False, suppress: bool = False,
             labour_force: dict[tuple[str, int], int] | None = None) -> list[IndicatorValue]:
    definition = shipped_definitions().get(code)
    months = tuple(iter_months(first, last))
    request = Request((definition,), months, horizon, (municipality,), dimension)
    table = reference_measure_table(request, persons(), VOCABULARY, labour_force=labour_force)
    groups = {k[3] for k in table if k[0] == definition.numerator.key} if dimension else {""}
    return assemble(definition, table, list(months), {municipality: lambda _m: {municipality}},
                    groups=groups or {""}, by_year=by_year, suppress=suppress)


def one(code: str, month: date, **kwargs: object) -> Decimal | None:
    values = evaluate(code, month, month, **kwargs)  # type: ignore[arg-type]
    assert len(values) == 1
    return values[0].value


DEC_2021, NOV_2021, JUN_2021, MAY_2021 = date(2021, 12, 1), date(2021, 11, 1), date(2021, 6, 1), date(2021, 5, 1)


def test_unemployed_on_the_calculation_day_by_home_on_that_day() -> None:
    assert one("unemployed_jobseekers", DEC_2021) == 4
    assert one("unemployed_jobseekers", MAY_2021) == 4  # the mover still lived in Sotkamo on 31.5.
    assert one("unemployed_jobseekers", JUN_2021) == 3  # moved on 16.6.: counted in Kajaani on 30.6.
    assert one("unemployed_jobseekers", JUN_2021, municipality=KAJAANI) == 1


def test_month_ending_on_a_weekend_counts_on_its_last_working_day() -> None:
    december_2022 = date(2022, 12, 1)
    # 30.12.2022 (Fri) is the calculation day: the spell ending that day counts, the one starting 31.12. does not.
    assert one("unemployed_jobseekers", december_2022, horizon=date(2022, 12, 31)) == 5
    assert one("job_searches_ended", december_2022, horizon=date(2022, 12, 31)) == 1


def test_one_day_service_breaks_a_long_term_run() -> None:
    assert one("long_term_unemployed", DEC_2021) == 1  # only the one unemployed since 2019
    # 16.3.2021 + 12 months: long-term again in 2022.
    assert one("long_term_unemployed", date(2022, 12, 1), horizon=date(2022, 12, 31)) == 4
    groups = {v.group: v.value for v in evaluate("structural_unemployed", DEC_2021, DEC_2021, dimension="structural")}
    assert groups == {"long_term": 1, "comparable": 1, "from_service": 1}


def test_structural_components_in_june() -> None:
    groups = {v.group: v.value for v in evaluate("structural_unemployed", JUN_2021, JUN_2021, dimension="structural")}
    assert groups == {"long_term": 1, "comparable": 1, "service_to_service": 1}
    assert one("structural_unemployed", JUN_2021) == 3


def test_turning_25_mid_month() -> None:
    assert one("youth_unemployed", NOV_2021) == 2
    assert one("youth_unemployed", DEC_2021) == 1  # 25 on 15.12.: no longer under 25 on 31.12.
    ages = {v.group: v.value for v in evaluate("unemployed_jobseekers", DEC_2021, DEC_2021, dimension="age_group")}
    assert ages == {"-24": 1, "25-29": 1, "40-49": 1, "50-59": 1}


def test_activation_rate_counts_the_seven_services_only() -> None:
    assert one("persons_in_services", JUN_2021) == 1  # the start-up grant is not one of the seven
    assert one("activation_rate", JUN_2021) == Decimal("25.0")
    assert one("youth_activation_rate", JUN_2021) == Decimal("50.0")
    assert one("activation_rate", DEC_2021) == Decimal("0.0")


def test_flow_into_over_three_months_leaves_out_runs_not_yet_known() -> None:
    assert one("flow_into_over_3_months", date(2021, 1, 1)) == Decimal("50.0")  # 1 over, 1 within
    year = evaluate("flow_into_over_3_months", date(2021, 1, 1), DEC_2021, by_year=True)
    assert (year[0].numerator, year[0].denominator, year[0].value) == (3, 4, Decimal("75.0"))
    assert one("flow_into_over_3_months", NOV_2021) is None  # the only run begun in November is 61 days old


def test_events_by_outcome_and_yearly_aggregations() -> None:
    outcomes = {v.group: v.value for v in evaluate("job_searches_ended", MAY_2021, MAY_2021, dimension="outcome")}
    assert outcomes == {"subsidised_job": 1, "entrepreneurship": 1}
    [year] = evaluate("job_searches_ended", date(2021, 1, 1), DEC_2021, by_year=True)
    assert year.value == 2
    [average] = evaluate("job_searches_ended_to_work_or_study", date(2021, 1, 1), DEC_2021, by_year=True)
    assert average.value == Decimal("0.2")  # 2 in a year: 0.17 a month
    assert evaluate("wage_subsidy_starts", date(2021, 1, 1), DEC_2021, by_year=True)[0].value == 1
    assert evaluate("start_up_grant_starts", date(2021, 1, 1), DEC_2021, by_year=True)[0].value == 1


def test_yearly_average_of_a_stock() -> None:
    [year] = evaluate("long_term_unemployed", date(2021, 1, 1), DEC_2021, by_year=True)
    # 12 months of the one unemployed since 2019, plus January and February of the run begun 1.1.2020
    # (12 months old on 29.1. and 26.2.) before the one-day service broke it: 14 / 12.
    assert year.value == Decimal("1.2")
    assert year.months == 12
    assert year.numerator == Decimal("1.17")


def test_share_of_labour_force_uses_the_lagged_year_and_refuses_to_guess() -> None:
    assert one("unemployed_share_of_labour_force", DEC_2021, labour_force={(SOTKAMO, 2019): 80}) == Decimal("5.0")
    missing = evaluate("unemployed_share_of_labour_force", DEC_2021, DEC_2021, labour_force={(SOTKAMO, 2021): 80})
    assert missing[0].value is None
    assert missing[0].note == "denominator_missing"


def test_small_cells_are_suppressed_for_officials() -> None:
    [hidden] = evaluate("unemployed_jobseekers", DEC_2021, DEC_2021, suppress=True)
    assert hidden.suppressed
    assert hidden.value is None
    assert hidden.numerator is None
    [shown] = evaluate("unemployed_jobseekers", DEC_2021, DEC_2021)
    assert not shown.suppressed
    assert shown.value == 4


@pytest.mark.parametrize("code", shipped_definitions().codes)
def test_every_shipped_indicator_has_a_golden_case(code: str) -> None:
    """Every definition evaluates on the cases; those with relations outside stock/events are tested elsewhere."""
    definition = shipped_definitions().get(code)
    if definition.numerator.relation in ("share",):
        pytest.skip("share indicators: tests/kpi/test_engines.py (municipal-share relation)")
    if definition.numerator.relation in ("decisions", "caseload"):
        pytest.skip("decision and caseload indicators: tests/kpi/test_decisions.py (recorded case work)")
    if definition.numerator.relation == "service_places":
        pytest.skip("service fill rate: tests/kpi/test_service_fill.py (the area's service catalogue)")
    if definition.numerator.relation in ("job_offers", "competence_profiles", "employer_contacts"):
        pytest.skip("employer services: tests/employer_services/test_kpi_indicators.py (offers, profiles, contacts)")
    if definition.numerator.relation == "client_feedback":
        pytest.skip("clients' feedback: tests/portal/test_feedback_indicators.py (anonymous answers)")
    values = evaluate(code, date(2021, 1, 1), DEC_2021, by_year=True, labour_force={(SOTKAMO, 2019): 100})
    assert values[0].value is not None
