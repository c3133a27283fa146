"""Hand-built timelines whose indicator values are stated by hand (golden cases), shared by the tests."""

from __future__ import annotations

from datetime import date

from polku.kpi.reference_evaluator import HomeFact, KpiPerson, SearchFact, StatusFact
from polku.kpi.relations import Vocabulary

VOCABULARY = Vocabulary(
    unemployed_statuses=("laid_off_full", "unemployed"),
    service_status="in_service",
    activation_services=("coaching", "job_alternation_substitute", "labour_market_training", "rehabilitative_work",
                         "self_motivated_study", "wage_subsidy", "wage_subsidy_55", "work_trial"),
)
SOTKAMO, KAJAANI = "765", "205"


def home(code: str = SOTKAMO, start: date = date(2015, 1, 1), end: date | None = None) -> HomeFact:
    return HomeFact(start, end, code)


def persons() -> list[KpiPerson]:
    """Eight persons, each carrying one edge case (named in ``person_id``)."""
    return [
        # Unemployed since 2019: long-term all of 2021.
        KpiPerson("long_term", date(1970, 5, 5), "M", spells=[StatusFact(date(2019, 6, 1), None, "unemployed")],
                  homes=[home()]),
        # A one-day coaching on 15.3.2021 breaks a run begun in 2020: long-term again only from 16.3.2022;
        # in December 2021 "comparable" (≥ 365 unemployed days in the last 16 months).
        KpiPerson("one_day_service", date(1980, 1, 1), "F", spells=[
            StatusFact(date(2020, 1, 1), date(2021, 3, 14), "unemployed"),
            StatusFact(date(2021, 3, 15), date(2021, 3, 15), "in_service", "coaching"),
            StatusFact(date(2021, 3, 16), None, "unemployed"),
        ], homes=[home()]),
        # Moves from Sotkamo to Kajaani on 16.6.2021: counted in Kajaani from June.
        KpiPerson("mover", date(1990, 2, 2), "F", language="sv", spells=[StatusFact(date(2021, 1, 4), None, "unemployed")],
                  homes=[home(end=date(2021, 6, 15)), home(KAJAANI, date(2021, 6, 16))]),
        # Turns 25 on 15.12.2021: under 25 in November, not in December.
        KpiPerson("turns_25", date(1996, 12, 15), "M", spells=[StatusFact(date(2021, 2, 1), None, "laid_off_full")],
                  homes=[home()]),
        # Unemployed until Friday 30.12.2022 (the last working day of December 2022), employed from 31.12.
        KpiPerson("december_weekend", date(1985, 3, 3), "F", spells=[
            StatusFact(date(2022, 10, 3), date(2022, 12, 30), "unemployed"),
            StatusFact(date(2022, 12, 31), None, "employed"),
        ], homes=[home()], searches=[SearchFact(date(2022, 10, 3), date(2022, 12, 30), "open_market_job")]),
        # Starts unemployment on Saturday 31.12.2022: not in December's stock (counted on 30.12.).
        KpiPerson("starts_on_new_years_eve", date(1985, 3, 3), "F",
                  spells=[StatusFact(date(2022, 12, 31), None, "unemployed")], homes=[home()]),
        # Two short runs and one long: flow into over 3 months; wage subsidy straight after training.
        KpiPerson("flows", date(1999, 7, 1), "M", spells=[
            StatusFact(date(2021, 1, 4), date(2021, 3, 4), "unemployed"),  # 60 days: within 3 months
            StatusFact(date(2021, 3, 5), date(2021, 4, 30), "in_service", "labour_market_training"),
            StatusFact(date(2021, 5, 1), date(2021, 10, 31), "in_service", "wage_subsidy"),  # service to service
            StatusFact(date(2021, 11, 1), None, "unemployed"),  # open, 61 days by 31.12.2021: not known yet
        ], homes=[home()], searches=[SearchFact(date(2021, 1, 4), date(2021, 5, 1), "subsidised_job"),
                                     SearchFact(date(2021, 11, 1))]),
        # A start-up grant is a service but not one of the seven counted in the activation rate.
        KpiPerson("entrepreneur", date(1975, 9, 9), "M", spells=[
            StatusFact(date(2020, 5, 4), date(2021, 4, 30), "unemployed"),  # 362 days: over 3 months
            StatusFact(date(2021, 5, 1), date(2021, 12, 31), "in_service", "startup_grant"),
        ], homes=[home()], searches=[SearchFact(date(2020, 5, 4), date(2021, 5, 1), "entrepreneurship")]),
    ]
