"""The municipal share in the API: aggregate figures by month (any staff role, own area's municipalities)
and the person-level early-warning list (roles that may see persons; each listed person access-logged).

Mounted at ``/api/municipal-share`` by ``polku.api.api``. Results computed under an unverified rule set
carry ``verified: false`` and a ``note`` saying why.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Query, Router

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_person_reads
from polku.api.schemas import Code, Day, query_enum
from polku.core import precomputed
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.municipal_share import kela_statistics, presenters
from polku.municipal_share.breakdowns import DIMENSIONS, share_breakdown, shown_rows
from polku.municipal_share.rules import shipped_rule_book
from polku.municipal_share.services import current_rule_book
from polku.municipal_share.warning_jobs import WARNINGS, warnings_request
from polku.reference.models import EmploymentAreaMembership, Municipality

router = Router(tags=["municipal share"])

DEFAULT_PURPOSE = gettext_noop("asiakastyö")
WARNING_WINDOWS = (30, 60)


def _rule_choices() -> list[str]:
    """The rule choices of the rule book in force, with the short forms."""
    return list(dict.fromkeys([*presenters.rule_choices(shipped_rule_book()), *presenters.RULE_ALIASES]))


RULE = query_enum("in-force", _rule_choices, max_length=40)
YEAR = Query(..., description="From the first year with rules to this year.")


@router.get("")
def municipal_share(request: HttpRequest, municipality: Code, year: int = YEAR, rule: str = RULE) -> dict[str, Any]:
    """Monthly rows, totals by benefit and age group, and the rule sets' source and verification status.

    ``rule``: ``in-force`` (the rule set in force each month), ``tmt-2015`` or ``tyottomyysetuudet-2025``
    (that rule set applied to every month; ``2015`` and ``2025`` are accepted as short forms).
    Person counts from 1 to 4 are returned as ``"< 5"`` to roles that see aggregates only, and ``".."`` marks a
    count hidden with them so that none can be recovered by subtracting the others from a total.
    """
    book = current_rule_book()
    today = timezone.localdate()
    known = Municipality.objects.filter(code=municipality).first()
    if known is None:
        raise ValidationFailed.single("municipality", ErrorCode.UNKNOWN, f"Tuntematon kuntakoodi: {municipality}.")
    if not presenters.FIRST_YEAR <= year <= today.year:
        raise ValidationFailed.single(
            "year", ErrorCode.INVALID, f"Vuoden on oltava välillä {presenters.FIRST_YEAR}–{today.year}.")
    code = presenters.resolve_rule(book, rule)
    if code is None:
        raise ValidationFailed.single(
            "rule", ErrorCode.UNKNOWN, f"Tuntematon sääntö: {rule}. Sallitut: {', '.join(presenters.rule_choices(book))}.")
    if known.code not in {m.code for m in presenters.municipalities_for(request.user)}:
        raise AccessDenied("Kunta ei kuulu työllisyysalueesi kuntiin.")
    return presenters.share_payload(book, known, year, code,
                                    suppress=presenters.suppresses_small_cells(request.user))


@router.get("/kela-statistics")
def municipal_share_kela_statistics(request: HttpRequest, municipality: Code, year: int = YEAR) -> dict[str, Any]:
    """Polku's computed municipal share per month (rule in force) beside Kela's published statistics.

    Kela's figures come from files imported with ``polku kela_statistics import`` (Kela's open data on
    municipally co-funded unemployment benefits, from 2025): per month ``kela_municipal_eur`` (null when
    Kela has published none), ``difference_eur`` = Polku − Kela, Polku's billed persons and Kela's
    recipients; ``sources`` names each import (file, source, import date and who, and ``example: true`` for
    example data that is not Kela's). Same access as the share itself: the user's area's municipalities.
    """
    known = Municipality.objects.filter(code=municipality).first()
    if known is None:
        raise ValidationFailed.single("municipality", ErrorCode.UNKNOWN, f"Tuntematon kuntakoodi: {municipality}.")
    today = timezone.localdate()
    if not presenters.FIRST_YEAR <= year <= today.year:
        raise ValidationFailed.single(
            "year", ErrorCode.INVALID, f"Vuoden on oltava välillä {presenters.FIRST_YEAR}–{today.year}.")
    if known.code not in {m.code for m in presenters.municipalities_for(request.user)}:
        raise AccessDenied("Kunta ei kuulu työllisyysalueesi kuntiin.")
    suppress = presenters.suppresses_small_cells(request.user)
    summary = presenters.share_summary(current_rule_book(), known.code, presenters.Period(year, year),
                                       [presenters.IN_FORCE])
    rows = kela_statistics.comparison(known.code, presenters.polku_months(summary, suppress=suppress))
    return {"municipality": {"code": known.code, "name": known.name}, "year": year, "rule": presenters.IN_FORCE,
            **kela_statistics.comparison_as_dict(rows)}


@router.get("/early-warnings")
def early_warnings(request: HttpRequest, days: int = query_enum(30, list(WARNING_WINDOWS)),
                   date_: Day | None = Query(None, alias="date")) -> dict[str, Any]:  # noqa: B008
    """Clients the user may see whose next step starts within ``days`` (30 or 60) of ``date`` (default today)."""
    if not policy.can_see_person_level_data(request.user):
        raise AccessDenied("Roolilla on pääsy vain koostetietoihin.")
    if days not in WARNING_WINDOWS:
        raise ValidationFailed.single("days", ErrorCode.INVALID, "Sallitut arvot: 30 tai 60.")
    today = timezone.localdate()
    reference_date = date_ or today
    if reference_date > today:
        raise ValidationFailed.single("date", ErrorCode.INVALID, "Tarkastelupäivä ei voi olla tulevaisuudessa.")
    book = current_rule_book()  # an API client waits for the result (the page does not: it shows the worker's)
    found = precomputed.current_or_compute(WARNINGS, **warnings_request(
        request.user, book, reference_date, presenters.warning_window(days)))
    rows = presenters.warning_rows(found, book, reference_date=reference_date, days=days)
    log_person_reads(user=request.user, person_ids=[r.person.pk for r in rows], action=AccessAction.API_SHARE_EARLY_WARNINGS,
                     purpose=request.headers.get("X-Polku-Purpose", DEFAULT_PURPOSE), channel=AccessChannel.API)
    return presenters.warnings_payload(rows, reference_date=reference_date, days=days)


@router.get("/breakdown")
def municipal_share_breakdown(request: HttpRequest, *, year: int = YEAR, area: Code | None = None,
                              municipality: Code | None = None,
                              by: str = Query("municipality", max_length=200,
                                              description=f"Comma-separated, of: {', '.join(DIMENSIONS)}."),
                              rule: str = RULE) -> dict[str, Any]:
    """The year's share for an area (or one municipality) grouped by ``by`` (comma-separated:
    municipality, area, team, age_group, benefit_type, month, year, rule_set).

    For roles that see aggregates only, groups with fewer than five billed persons are left out whole
    (their euros could point to a person), and so is the next smallest group wherever a lone left-out group could be
    recovered by subtracting the others from a total (per dimension: complementary suppression).
    """
    book = current_rule_book()
    allowed = {m.code for m in presenters.municipalities_for(request.user)}
    if area:
        codes = list(EmploymentAreaMembership.objects.filter(area__code=area).values_list("municipality_id", flat=True))
        if not codes:
            raise ValidationFailed.single("area", ErrorCode.UNKNOWN, f"Tuntematon alue: {area}.")
    elif municipality:
        codes = [municipality]
    else:
        raise ValidationFailed.single("area", ErrorCode.REQUIRED, "Anna alue tai kunta.")
    if not set(codes) <= allowed:
        raise AccessDenied("Alue tai kunta ei kuulu oikeuksiisi.")
    dimensions = [d.strip() for d in by.split(",") if d.strip()]
    if not dimensions or any(d not in DIMENSIONS for d in dimensions):
        raise ValidationFailed.single("by", ErrorCode.INVALID, f"Sallitut: {', '.join(DIMENSIONS)}.")
    resolved = presenters.resolve_rule(book, rule)
    if resolved is None:
        raise ValidationFailed.single("rule", ErrorCode.UNKNOWN, f"Tuntematon sääntö: {rule}.")
    if not presenters.FIRST_YEAR <= year <= timezone.localdate().year:
        raise ValidationFailed.single("year", ErrorCode.INVALID, "Vuosi on sallitun välin ulkopuolella.")
    rows = share_breakdown(book, municipality_codes=codes, first_month=date(year, 1, 1),
                           last_month=date(year, 12, 1), by=dimensions, rule=resolved)
    suppress = presenters.suppresses_small_cells(request.user)
    shown = [asdict(r) for r in (shown_rows(rows, dimensions, presenters.SMALL_CELL) if suppress else rows)]
    return {"year": year, "rule": resolved, "by": dimensions, "rows": shown,
            "suppressed_groups": len(rows) - len(shown),
            "rule_sets": [m.as_dict() for m in presenters.rule_metas(book)]}
