"""The rules the decision services enforce, as data with their sources (domain-rules §5).

Kept apart from the services so that a rule change is one edit here, reviewed against its source.
Only what the sources confirm is enforced; the ⚠️ items are recorded with their status and cited
in the refusal messages where they apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Rule:
    """One rule: its statement, the source it comes from and whether the source was verified."""

    code: str
    statement: StrOrPromise
    source: str
    verified: bool


# Palkkatuki (wage subsidy), since 1.7.2023: HE 175/2022 (domain-rules §5, S51–S53).
WAGE_SUBSIDY_PERCENTS: frozenset[int] = frozenset({50, 70, 100})
# 100 % only for an association, a foundation or a religious community (up to 65 % working time, not checked here).
WAGE_SUBSIDY_FULL_PERCENT = 100
WAGE_SUBSIDY_FULL_PERCENT_EMPLOYER_KINDS: frozenset[str] = frozenset({"association", "foundation", "religious_community"})

# Starttiraha (start-up grant): at most 12 months (HE 209/2016; 2025 text not verified).
START_UP_GRANT_MAX_MONTHS = 12

# Any decision: 1–36 months (36 months is the longest municipal supplement seen, apprenticeship, Oulu 2024: S63).
DECISION_MIN_MONTHS = 1
DECISION_MAX_MONTHS = 36

RULES: tuple[Rule, ...] = (
    Rule(
        code="wage_subsidy_percent",
        statement=_("Palkkatuki on 50 %, 70 % tai 100 % palkkauskustannuksista; 100 % vain yhdistykselle, säätiölle "
                        "tai uskonnolliselle yhdyskunnalle (enintään 65 % työajasta)."),
        source="HE 175/2022 (palkkatukiuudistus 1.7.2023); domain-rules §5 [S51][S52][S53]",
        verified=True,
    ),
    Rule(
        code="start_up_grant_months",
        statement=_("Starttirahaa myönnetään enintään 12 kuukaudeksi."),
        source="HE 209/2016 vp; domain-rules §5 [S62], §9.10 — ⚠️ vuoden 2025 lakitekstiä ei ole tarkistettu",
        verified=False,
    ),
    Rule(
        code="kuntalisa",
        statement=_("Kuntalisä ei ole lakisääteinen: kunta päättää sen ehdot ja budjetin itse."),
        source="domain-rules §5 [S63][S64][S65] (Oulu 2024, Liperi): kuntakohtainen, ei lakisääteinen",
        verified=True,
    ),
    Rule(
        code="decision_months",
        statement=_("Päätös tehdään 1–36 kuukaudeksi."),
        source="Polku: pisin lähteissä nähty kuntalisäjakso 36 kk (oppisopimus, Oulu 2024) domain-rules §5 [S63]",
        verified=False,
    ),
)


def rule(code: str) -> Rule:
    return next(r for r in RULES if r.code == code)
