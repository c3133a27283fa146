"""A signed-in client stays in their own portal: any other page of Polku sends them to ``/oma/``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from polku.access import policy

OPEN_TO_CLIENTS = ("/oma/", "/static/", "/i18n/", "/terveys/")


class ClientConfinementMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(OPEN_TO_CLIENTS)
                and policy.staff_profile(user) is None and policy.is_client(user)):
            return HttpResponseRedirect("/oma/")
        return self.get_response(request)
