"""Open data without login: a PxWeb API v1 (as Statistics Finland's) over Polku's aggregate indicators.

Mounted at ``/api/v1``: ``GET /api/v1/{lang}`` lists the database, ``GET /api/v1/{lang}/Polku`` its tables,
``GET /api/v1/{lang}/Polku/{table}`` a table's metadata and ``POST`` the same address a query, answered as JSON-stat
2.0, CSV or PX-JSON. Clients made for ``pxdata.stat.fi`` (R ``pxweb``, Python PxWeb clients, ``pyjstat``) work with
the base address ``…/api/v1/fi/Polku``. Answers come from the worker's newest complete build of the tables, never
computed in the request; every answer carries an ETag and Last-Modified of that build; a matching ``If-None-Match``
gets 304. Before the first build is done a table answers 503 with Retry-After and a JSON error. Small cells
are suppressed the same way in every answer (see ``polku.open_data.cube``).
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from polku.open_data import publish, pxweb
from polku.open_data.tables import TABLES, table_for

router = Router(tags=["open data"], auth=None)

Lang = Literal["fi", "sv", "en"]
TABLE_IDS = [t.id for t in TABLES]


class SelectionIn(Schema):
    filter: Literal["item", "all", "top"]
    values: list[str] = Field(..., min_length=1, max_length=5000)


class QueryItemIn(Schema):
    code: str = Field(..., max_length=40)
    selection: SelectionIn


class ResponseIn(Schema):
    format: Literal["json-stat2", "csv", "json"] = "json-stat2"


class PxQueryIn(Schema):
    query: list[QueryItemIn] = Field(default_factory=list, max_length=10)
    response: ResponseIn = Field(default_factory=ResponseIn)


class DatabaseOut(Schema):
    dbid: str
    text: str


class LevelItemOut(Schema):
    id: str
    type: Literal["l", "t"]
    text: str


class VariableOut(Schema):
    code: str
    text: str
    values: list[str]
    valueTexts: list[str]  # noqa: N815 - PxWeb's own field name
    time: bool = False
    elimination: bool


class MetadataOut(Schema):
    title: str
    variables: list[VariableOut]


DATA_RESPONSES = {
    200: {"description": "The selected cells: JSON-stat 2.0 (``json-stat2``, the default), PX-JSON (``json``) or CSV. "
                         "Suppressed figures are null with status \"..\" (\"..\" in CSV); \".\": no figure.",
          "content": {"application/json": {"schema": {"type": "object"}},
                      "text/csv": {"schema": {"type": "string"}}}},
    304: {"description": "Not modified: the If-None-Match ETag is still current."},
    503: {"description": "The tables have not been built yet (the worker builds them): try again after Retry-After "
                         "seconds. Body: {\"errors\": [{\"code\": \"not_ready\", …}], \"status_url\"}."},
}
METADATA_RESPONSES = {
    200: {"description": "The table's variables and their values (PxWeb metadata).",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MetadataOut"}}}},
    304: {"description": "Not modified: the If-None-Match ETag is still current."},
    503: DATA_RESPONSES[503],
}


def _table(table: str) -> Any:
    found = table_for(table)
    if found is None:
        raise Http404
    return found


@router.get("/{lang}", response=list[DatabaseOut])
def databases(request: HttpRequest, lang: Lang) -> Any:
    """The databases (one: ``Polku``)."""
    return pxweb.databases(lang)


@router.get("/{lang}/Polku", response=list[LevelItemOut])
def tables(request: HttpRequest, lang: Lang) -> Any:
    """The tables of the database (``type`` "t"), as a PxWeb level listing."""
    return pxweb.tables_listing(lang)


@router.get("/{lang}/Polku/{table}", openapi_extra={"responses": METADATA_RESPONSES})
def table_metadata(request: HttpRequest, lang: Lang, table: str) -> HttpResponse:
    """A table's metadata: Alue (employment areas and their municipalities), Kuukausi (``2024M01``) and Tiedot
    (indicators), each with its codes and texts in the chosen language."""
    found = _table(table)
    return publish.respond(request, found, lang, "metadata", None)


@router.post("/{lang}/Polku/{table}", openapi_extra={"responses": DATA_RESPONSES})
def table_query(request: HttpRequest, lang: Lang, table: str, payload: PxQueryIn) -> HttpResponse:
    """A PxWeb query: per variable ``{"code", "selection": {"filter", "values"}}`` with filter ``item`` (these
    codes), ``all`` (wildcards, ``["*"]`` or ``["KU*"]``) or ``top`` (the latest N months, ``["12"]``); a variable left
    out is taken whole. ``response.format``: ``json-stat2`` (default), ``csv`` or ``json``."""
    found = _table(table)
    query = [item.dict() for item in payload.query]
    return publish.respond(request, found, lang, payload.response.format, query)
