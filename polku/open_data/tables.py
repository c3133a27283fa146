"""The open tables as data: which indicators each publishes, and how their measures add up.

A table is one PxWeb table with the variables Alue (employment areas and their municipalities), Kuukausi (months as
Statistics Finland writes them, ``2024M01``) and Tiedot (indicators). Its figures come from the indicator catalogue
(``polku/kpi/data/indicators.json``); nothing is computed here.

Complementary suppression must know every sum a reader can form. Besides the municipalities of an area adding up to
the area (which ``cube`` derives from the reference data), indicators share measures: the activation rate's
denominator is the unemployed plus those in services, the long-term unemployed are part of the unemployed, and so
on. Each such relation is an *identity*: a total measure and parts that add up to it, one of which may be implied
(not published itself, but obtainable by subtraction, e.g. the unemployed who are not long-term unemployed). An
implied part is written as a measure of the indicator catalogue's shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A measure reference: "<indicator code>.numerator", "<indicator code>.denominator", or an implied measure (a dict in
# the catalogue's measure shape: relation, aggregate, where).
MeasureRef = str | dict[str, Any]


@dataclass(frozen=True)
class Identity:
    total: MeasureRef
    parts: tuple[MeasureRef, ...]


@dataclass(frozen=True)
class OpenTable:
    id: str  # the PxWeb table id, ending in .px as Statistics Finland's do
    slug: str  # the page's download address
    title: dict[str, str]  # fi, sv, en
    description: dict[str, str]
    indicators: tuple[str, ...]
    identities: tuple[Identity, ...] = ()
    paid_benefits: bool = False  # euros Kela has paid: the table ends at the latest month paid


def _stock(*where: list[Any]) -> dict[str, Any]:
    return {"relation": "stock", "aggregate": "count", "where": list(where)}


TABLES: tuple[OpenTable, ...] = (
    OpenTable(
        id="polku_tyonhakijat.px", slug="tyonhakijat",
        title={"fi": "Työttömät työnhakijat ja palveluissa olevat kuukauden laskentapäivänä",
               "sv": "Arbetslösa arbetssökande och personer i tjänster på månadens beräkningsdag",
               "en": "Unemployed job seekers and persons in services on the month's calculation day"},
        description={"fi": "Henkilömäärät ja osuudet kunnittain ja työllisyysalueittain.",
                     "sv": "Antal personer och andelar per kommun och sysselsättningsområde.",
                     "en": "Numbers of persons and shares by municipality and employment area."},
        indicators=("unemployed_jobseekers", "long_term_unemployed", "youth_unemployed", "persons_in_services",
                    "activation_rate", "unemployed_share_of_labour_force"),
        identities=(
            # unemployed or in services = unemployed + in services (the activation rate's denominator)
            Identity("activation_rate.denominator", ("unemployed_jobseekers.numerator", "activation_rate.numerator")),
            Identity("unemployed_jobseekers.numerator",
                     ("long_term_unemployed.numerator", _stock(["unemployed", "=", True], ["long_term", "=", False]))),
            Identity("unemployed_jobseekers.numerator",
                     ("youth_unemployed.numerator", _stock(["unemployed", "=", True], ["under_25", "=", False]))),
        ),
    ),
    OpenTable(
        id="polku_tyonhaut.px", slug="tyonhaut",
        title={"fi": "Päättyneet työnhaut ja virta yli 3 kuukauden työttömyyteen",
               "sv": "Avslutade arbetssökningar och flödet till arbetslöshet över 3 månader",
               "en": "Job searches ended and the flow into unemployment over 3 months"},
        description={"fi": "Kuukauden aikana päättyneet työnhaut ja alkaneiden työttömyysjaksojen pitkittyminen.",
                     "sv": "Arbetssökningar som avslutats under månaden och hur nya arbetslöshetsperioder förlängs.",
                     "en": "Job searches ended during the month and how new unemployment spells lengthen."},
        indicators=("job_searches_ended", "job_searches_ended_to_work_or_study", "flow_into_over_3_months"),
        identities=(
            Identity("job_searches_ended.numerator", (
                "job_searches_ended_to_work_or_study.numerator",
                {"relation": "events", "aggregate": "count",
                 "where": [["kind", "=", "job_search_ended"],
                           ["detail", "not in", ["open_market_job", "subsidised_job", "entrepreneurship", "studies"]]]},
            )),
            Identity("flow_into_over_3_months.denominator", (
                "flow_into_over_3_months.numerator",
                {"relation": "events", "aggregate": "count",
                 "where": [["kind", "=", "unemployment_began"], ["detail", "=", "within_3_months"]]},
            )),
        ),
    ),
    OpenTable(
        id="polku_kuntaosuus.px", slug="kuntaosuus",
        title={"fi": "Työttömyysetuuksien kuntaosuus",
               "sv": "Kommunandelen av arbetslöshetsförmånerna",
               "en": "The municipal share of unemployment benefits"},
        description={"fi": "Kunnan Kelalle maksama osuus euroina kuukaudessa.",
                     "sv": "Kommunens andel till FPA i euro per månad.",
                     "en": "The municipality's share paid to Kela, euros per month."},
        indicators=("labour_market_subsidy_municipal_share", "municipal_share_all_benefits"),
        paid_benefits=True,
        identities=(
            Identity("municipal_share_all_benefits.numerator", (
                "labour_market_subsidy_municipal_share.numerator",
                {"relation": "share", "aggregate": "sum", "where": [["benefit_type", "!=", "labour_market_subsidy"]]},
            )),
        ),
    ),
)
BY_ID = {t.id: t for t in TABLES}
BY_SLUG = {t.slug: t for t in TABLES}


def table_for(identifier: str) -> OpenTable | None:
    """A table by its PxWeb id (``polku_tyonhakijat.px``, the ``.px`` optional) or the page's slug."""
    return BY_ID.get(identifier) or BY_ID.get(f"{identifier}.px") or BY_SLUG.get(identifier)
