"""The data steward's pages: upload and import history, one run with its progress, counts and problems, the problem
list as CSV, and the format's documentation (generated from the schemas).

Who may see what is decided in the access policy (``can_exchange_data``, the scope of runs); these views only present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from polku.access import policy
from polku.core.errors import AccessDenied, ValidationFailed
from polku.core.languages import reader_language
from polku.exchange import presenters, services
from polku.exchange.forms import UploadForm
from polku.exchange.models import ExchangeRun
from polku.exchange.profiles import shipped_profiles
from polku.exchange.schema import FORMAT_NAME, FORMAT_VERSION, entities
from polku.reference.models import EmploymentArea, Municipality
from polku.web.views import forbidden

HISTORY_PAGE = 25
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
PROBLEMS_SHOWN = 500


def _scopes(user: Any) -> list[tuple[str, str]]:
    allowed = policy.exchange_municipality_codes(user)
    choices: list[tuple[str, str]] = []
    if allowed is None:
        choices.append(("", _("Kaikki (koko tietokanta)")))
        areas = EmploymentArea.objects.order_by("name_fi")
    else:
        area_id = policy.exchange_area_id(user)
        areas = EmploymentArea.objects.filter(pk=area_id) if area_id is not None else EmploymentArea.objects.none()
    choices += [(a.code, a.name_fi) for a in areas]
    municipalities = Municipality.objects.filter(valid_to__isnull=True).order_by("name_fi")
    if allowed is not None:
        municipalities = municipalities.filter(code__in=allowed)
    choices += [(m.code, f"{m.name_fi} ({m.code})") for m in municipalities]
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    if not policy.can_exchange_data(request.user):
        return forbidden(request, _("Rekisteritietojen tuonti ja vienti kuuluvat tietopalvelulle."))
    try:
        scopes = _scopes(request.user)
    except AccessDenied as denied:
        return forbidden(request, str(denied))
    language = reader_language()
    form = UploadForm(request.POST or None, request.FILES or None, scopes=scopes, language=language)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        period = (data["period_start"], data["period_end"]) if data.get("period_start") else None
        try:
            run = services.submit_import(user=request.user, uploads=data["files"], profile=data["profile"],
                                         mode=data["mode"], scope_code=data["scope"] or None, period=period,
                                         dry_run=data["dry_run"])
        except ValidationFailed as failure:
            errors = [f"{form.fields[e.field].label if e.field in form.fields else e.field}: {e.message}"
                      for e in failure.errors]
        except AccessDenied as denied:
            errors = [str(denied)]
        else:
            return redirect("exchange:run", run_id=run.id)
    history = Paginator(services.runs_visible_to(request.user), HISTORY_PAGE).get_page(request.GET.get("sivu"))
    return render(request, "exchange/imports.html", {
        "form": form, "errors": errors, "history": history,
        "rows": [presenters.run_row(run) for run in history.object_list],
        "profiles": [presenters.profile_view(p, language) for p in shipped_profiles().values()],
    })


def _visible_run(request: HttpRequest, run_id: UUID) -> ExchangeRun | HttpResponse:
    if not policy.can_exchange_data(request.user):
        return forbidden(request, _("Rekisteritietojen tuonti ja vienti kuuluvat tietopalvelulle."))
    run = services.runs_visible_to(request.user).filter(pk=run_id).first()
    if run is None:
        return forbidden(request, _("Tuontia ei ole, tai se koskee toista aluetta."))
    return run


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: UUID) -> HttpResponse:
    run = _visible_run(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    run = services.settle(run)
    problems = list(run.problems.all()[:PROBLEMS_SHOWN])
    return render(request, "exchange/run.html", {
        "run": presenters.run_row(run), "problems": problems, "problems_more": run.problem_count - len(problems),
        "progress": presenters.run_progress(run),
    })


@login_required
@require_GET
def run_problems_csv(request: HttpRequest, run_id: UUID) -> HttpResponse:
    run = _visible_run(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    response = HttpResponse(presenters.problems_csv(run.problems.all()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tuonnin-virheet-{run.created_at:%Y%m%d-%H%M}.csv"'
    return response


@login_required
@require_GET
def format_doc(request: HttpRequest) -> HttpResponse:
    language = reader_language()
    return render(request, "exchange/format.html", {
        "format_name": FORMAT_NAME, "format_version": FORMAT_VERSION,
        "entities": [presenters.entity_view(e, language) for e in entities().values()],
        "profiles": [presenters.profile_view(p, language) for p in shipped_profiles().values()],
    })


@login_required
@require_GET
def sample_file(request: HttpRequest, entity: str) -> HttpResponse:
    """One entity's sample file (synthetic, artificial identity codes), generated from the schema with the others."""
    if entity not in entities():
        return forbidden(request, _("Tuntematon tietolaji."))
    path = SAMPLES_DIR / f"{entity}.csv"
    response = HttpResponse(path.read_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{entity}.csv"'
    return response
