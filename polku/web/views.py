"""The pages every user shares (sign-in, access log) and the refusal every page answers with (``forbidden``).

Pages that show a package's data live in that package (or in ``polku.person_pages``); they import these, never
the other way round (README, "Code layout").
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from polku.access.models import Role
from polku.access.policy import can_read_access_log, staff_profile
from polku.access.selectors import access_log_entries
from polku.web.forms import AccessLogFilter

RETRY = "uudelleen"  # the query parameter of "try the failed computation again now"


def retry_query(request: HttpRequest) -> str:
    """The page's own query with the request to try a failed background computation again now."""
    query = request.GET.copy()
    query[RETRY] = "1"
    return query.urlencode()


def asks_retry(request: HttpRequest) -> bool:
    return request.GET.get(RETRY) == "1"


def after_retry(request: HttpRequest) -> HttpResponse:
    """Back to the page without the retry request, once the computation is queued again: the progress bar reloads
    that address, so a computation failing again waits for its back-off instead of being queued at every reload (and a
    bookmarked address never skips the back-off)."""
    query = request.GET.copy()
    query.pop(RETRY, None)
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)


def forbidden(request: HttpRequest, reason: str, *, break_glass_url: str = "") -> HttpResponse:
    """The refusal page; ``break_glass_url`` offers the break-glass step (a person outside the user's scope)."""
    return render(request, "403.html", {"reason": reason, "break_glass_url": break_glass_url}, status=403)


def _no_person_access_reason(request: HttpRequest) -> str:
    profile = staff_profile(request.user)
    if profile is not None and profile.role == Role.ELECTED_OFFICIAL:
        return _("Luottamushenkilönä näet vain koostetietoja, et yksittäisten henkilöiden tietoja.")
    return _("Käyttäjätunnuksellesi ei ole annettu roolia, jolla näkee henkilöiden tietoja.")


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """The data protection officer's view of the access log: who read whose data, when and why."""
    if not can_read_access_log(request.user):
        return forbidden(request, _("Lokitietoja selaavat vain tietosuojavastaava ja pääkäyttäjä."))
    form = AccessLogFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = access_log_entries(
        person_id=filters.get("person"), actor=filters.get("actor") or "", since=filters.get("since"),
        until=filters.get("until"), action=filters.get("action") or "",
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "web/access_log.html", {"form": form, "page": page})
