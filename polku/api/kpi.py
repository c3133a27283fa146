"""Indicators in the API: definitions and figures by them (aggregates only, the user's own area's scopes).

Mounted at ``/api/kpi``. Roles that see aggregates only (elected officials) get small cells suppressed:
``value``, ``numerator`` and ``denominator`` are null and ``suppressed`` is true. So is the next smallest group (or
municipality of an area) wherever a lone hidden one could be recovered by subtraction from a total.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from polku.kpi import presenters
from polku.kpi.definitions import shipped_definitions

router = Router(tags=["indicators"])


@router.get("/indicators")
def indicator_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every indicator's current definition: formula, source, unit, reference date, disaggregations."""
    return [presenters.definition_payload(d) for d in shipped_definitions().latest()]


@router.get("/indicators/{code}/comparison")
def indicator_comparison(request: HttpRequest, code: str, municipality: str, first_month: str | None = None,  # noqa: PLR0917
                         last_month: str | None = None, as_of: str | None = None,
                         reference: list[str] = Query(default=[])) -> dict[str, Any]:  # noqa: B008
    """The municipality's figure (as computed by Polku) beside Statistics Finland's published figures: its own and
    its reference municipalities' (the configured set, the same region by default, or ``reference`` codes), month by
    month, with the imported files' source, import time and whether they are official statistics. Published
    figures are aggregates: no suppression applies to them; Polku's own figure is suppressed as in the indicator."""
    from polku.core.errors import ErrorCode, ValidationFailed
    from polku.kpi.comparison import comparison_book

    shipped_definitions().get(code)  # an unknown indicator is refused by name
    with _scope_named("municipality"):
        payload = presenters.comparison_payload(request.user, indicator=code, scope=municipality,
                                                first_month=first_month, last_month=last_month, as_of=as_of,
                                                references=reference or None)
    if payload is None:
        raise ValidationFailed.single("code", ErrorCode.INVALID,
                                      f"Mittarilla {code} ei ole julkista vastinetta; vertailtavissa: "
                                      f"{', '.join(comparison_book()['counterparts'])}.")
    return payload


@router.get("/indicators/{code}")
def indicator_values(request: HttpRequest, code: str, municipality: str | None = None, area: str | None = None,  # noqa: PLR0917
                     month: str | None = None, first_month: str | None = None, last_month: str | None = None,
                     year: int | None = None, dimension: str | None = None, as_of: str | None = None) -> dict[str, Any]:
    """An indicator for a municipality or an area: one ``month`` (YYYY-MM), a ``first_month``–``last_month``
    range, or a ``year``; optionally by ``dimension`` and ``as_of`` a past month (facts as recorded then)."""
    from polku.core.errors import ErrorCode, ValidationFailed

    if bool(municipality) == bool(area):
        raise ValidationFailed.single("municipality", ErrorCode.REQUIRED, "Anna joko municipality tai area.")
    with _scope_named("municipality" if municipality else "area"):
        return presenters.user_payload(request.user, indicator=code, scope=municipality or area or "", month=month,
                                       first_month=first_month, last_month=last_month, year=year,
                                       dimension=dimension, as_of=as_of)


@contextmanager
def _scope_named(parameter: str) -> Iterator[None]:
    """Refusals of the page's ``scope`` field name the API parameter the caller actually sent."""
    from polku.core.errors import FieldError, ValidationFailed

    try:
        yield
    except ValidationFailed as failure:
        raise ValidationFailed([FieldError(parameter, e.code, e.message) if e.field == "scope" else e
                                for e in failure.errors]) from None
