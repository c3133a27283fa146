"""Bounds on every request, before any view sees it: size, NUL characters and over-long query values.

- **Size.** A request body larger than ``POLKU_MAX_REQUEST_BYTES`` (default 20 MiB: a Kela invoice list fits) is
  refused with 413; the bulk import under ``/tiedonsiirto/`` and ``/api/exchange/`` may send up to
  ``POLKU_MAX_IMPORT_BYTES`` (default 4 GiB; its files are streamed to disk, never held in memory). Django's own
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` caps what is read into memory apart from uploaded files (a JSON body, form fields).
- **NUL.** PostgreSQL cannot store the NUL character and no form field needs it: a NUL in the path, a query or form
  field (name or value), a JSON body or the ``X-Polku-Purpose`` header is refused with 400 naming the field.
- **Length.** A query value longer than ``MAX_QUERY_VALUE`` characters, or a purpose longer than the access log keeps,
  is refused with 400 naming the field. Body fields have their own limits in the API's schemas and the forms.

API paths answer in the API's one error shape, ``{"errors": [{"field", "code", "message"}]}``; pages get a short
plain-text 400 or 413.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

TEXT_MAX_LENGTH = 10_000  # free text (a plan's agreed actions, a meeting's notes) in the API and the forms alike
MAX_QUERY_VALUE = 1000  # characters in one query parameter (searches, codes, months: all far shorter)
MAX_PURPOSE = 200  # AccessLog.purpose
PURPOSE_HEADER = "X-Polku-Purpose"
DEFAULT_MAX_REQUEST_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_IMPORT_BYTES = 4 * 1024 * 1024 * 1024
LARGE_UPLOAD_PATHS = ("/tiedonsiirto/", "/api/exchange/")
JSON_TYPES = ("application/json",)


class Refused(Exception):  # noqa: N818 - reads as a sentence: raise Refused(...)
    def __init__(self, status: int, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.code, self.message = status, field, code, message


def max_request_bytes(path: str) -> int:
    if path.startswith(LARGE_UPLOAD_PATHS):
        return int(getattr(settings, "POLKU_MAX_IMPORT_BYTES", DEFAULT_MAX_IMPORT_BYTES))
    return int(getattr(settings, "POLKU_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))


def _nul(field: str) -> Refused:
    return Refused(400, field, "invalid", _("Kentässä %(field)s on NUL-merkki (\\0), jota ei hyväksytä.")
                   % {"field": field})


def _clean(name: str) -> str:
    """A field name fit to echo back: no NUL, not endless."""
    return name.replace("\x00", "\\0")[:100]


def nul_path(value: Any, prefix: str = "") -> str | None:
    """Where in a parsed JSON document a NUL character is (``a.b.0``), or None."""
    if isinstance(value, str):
        return (prefix or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if "\x00" in str(key):
                return _clean(name)
            found = nul_path(item, name)
            if found:
                return _clean(found)
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{prefix}.{index}" if prefix else str(index))
            if found:
                return found
    return None


def _fields(items: Iterable[tuple[str, list[str]]], *, limit: int | None) -> None:
    for key, values in items:
        if "\x00" in key:
            raise _nul(_clean(key))
        for value in values:
            if isinstance(value, str) and "\x00" in value:
                raise _nul(_clean(key))
            if limit is not None and isinstance(value, str) and len(value) > limit:
                raise Refused(400, _clean(key), "invalid",
                              _("Kenttä %(field)s on liian pitkä (enintään %(limit)s merkkiä).")
                              % {"field": _clean(key), "limit": limit})


def check_request(request: HttpRequest) -> None:
    """Raise :class:`Refused` for a request outside the bounds; read nothing more than the view would."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "Content-Length", "invalid", _("Virheellinen Content-Length.")) from None
    limit = max_request_bytes(request.path)
    if length > limit:
        raise Refused(413, "body", "too_large", _("Pyyntö on liian suuri (enintään %(mib)s MiB).")
                      % {"mib": limit // (1024 * 1024)})
    if "\x00" in request.path:
        raise _nul("path")
    purpose = request.headers.get(PURPOSE_HEADER)
    if purpose is not None:
        if "\x00" in purpose:
            raise _nul(PURPOSE_HEADER)
        if len(purpose) > MAX_PURPOSE:
            raise Refused(400, PURPOSE_HEADER, "invalid", _("Kenttä %(field)s on liian pitkä (enintään %(limit)s merkkiä).")
                          % {"field": PURPOSE_HEADER, "limit": MAX_PURPOSE})
    _fields(request.GET.lists(), limit=MAX_QUERY_VALUE)
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    content_type = request.content_type or ""
    if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        _fields(request.POST.lists(), limit=None)
    elif content_type in JSON_TYPES or content_type.endswith("+json"):
        try:
            document = json.loads(request.body)
        except ValueError:
            return  # not JSON: the view's parser answers that, naming the body
        found = nul_path(document)
        if found:
            raise _nul(found)


def _response(request: HttpRequest, refused: Refused) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"field": refused.field, "code": refused.code, "message": refused.message}]},
                            status=refused.status)
    return HttpResponse(f"{refused.field}: {refused.message}", status=refused.status,
                        content_type="text/plain; charset=utf-8")


class RequestBoundsMiddleware:
    """Refuses requests outside the bounds (see the module) before CSRF checks or views read them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except Refused as refused:
            return _response(request, refused)
        except RequestDataTooBig:
            return _response(request, Refused(
                413, "body", "too_large", _("Pyyntö on liian suuri (enintään %(kib)s KiB ilman liitetiedostoja).")
                % {"kib": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024}))
        except (TooManyFieldsSent, TooManyFilesSent):
            return _response(request, Refused(400, "body", "invalid", _("Pyynnössä on liian monta kenttää tai tiedostoa.")))
        except MultiPartParserError:
            return _response(request, Refused(400, "body", "invalid", _("Lomakkeen tietoja ei voitu lukea.")))
        return self.get_response(request)
