"""The administrator's page (``/yllapito/``): the municipal-share rule sets to confirm, the programmes to load and the
yearly population series to import — what the commands ``share_rules``, ``programme import``, ``population import``
and ``labour_force import`` do, for an administrator without a command line.

Only the access policy decides who may (``policy.is_administrator``); the writes are the services the commands call,
each all or nothing, and a bad file is answered on the page with every problem named by its line or field.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from polku.access import policy
from polku.administration import presenters
from polku.administration.forms import LABOUR_FORCE, POPULATION, ConfirmRuleSetForm, ProgrammeForm, SeriesForm
from polku.core.errors import ValidationFailed
from polku.kpi.models import Programme
from polku.kpi.programme import programme_import
from polku.municipal_share import services as share_services
from polku.reference.services import labour_force_import, population_import
from polku.web.views import forbidden

SERIES_IMPORTS: dict[str, Callable[[bytes], int]] = {POPULATION: population_import, LABOUR_FORCE: labour_force_import}


def _refused(request: HttpRequest) -> HttpResponse | None:
    if policy.is_administrator(request.user):
        return None
    return forbidden(request, _("Ylläpito kuuluu pääkäyttäjälle."))


def _problems(failure: ValidationFailed) -> list[str]:
    return [f"{e.field}: {e.message}" for e in failure.errors]


def _page(request: HttpRequest, *, status: int = 200, **forms: Any) -> HttpResponse:
    metas = presenters.rule_sets()
    codes = [m.code for m in metas]
    bound = forms.pop("confirm", None)
    rows = [(meta, bound if bound is not None and bound.data.get("rule_set") == meta.code
             else ConfirmRuleSetForm(initial={"rule_set": meta.code}, codes=codes)) for meta in metas]
    if bound is not None and bound.data.get("rule_set") not in codes:
        # No row to show the form's error beside: list it above the rule sets instead.
        forms.setdefault("problems", [str(error) for error in bound.errors.get("rule_set", [])])
        forms.setdefault("problems_of", "saannot")
    context = {
        "rule_rows": rows,
        "programmes": presenters.programmes(),
        "programme_form": forms.pop("programme", None) or ProgrammeForm(),
        "series_form": forms.pop("series", None) or SeriesForm(),
        "populations": presenters.populations(),
        "labour_force": presenters.labour_force(),
        "problems": forms.pop("problems", []),
        "problems_of": forms.pop("problems_of", ""),
    }
    return render(request, "administration/index.html", context, status=status)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _refused(request) or _page(request)


@login_required
@require_POST
def confirm_rule_set(request: HttpRequest) -> HttpResponse:
    if (refusal := _refused(request)) is not None:
        return refusal
    form = ConfirmRuleSetForm(request.POST, codes=[m.code for m in presenters.rule_sets()])
    if not form.is_valid():
        return _page(request, confirm=form, status=400)
    try:
        share_services.rule_set_confirm(code=form.cleaned_data["rule_set"], note=form.cleaned_data["note"],
                                        actor=request.user)
    except ValidationFailed as failure:
        return _page(request, confirm=form, problems=_problems(failure), problems_of="saannot", status=400)
    messages.success(request, _("Sääntö on merkitty vahvistetuksi: sen tuloksia ei enää merkitä vahvistamattomiksi."))
    return redirect("administration:index")


@login_required
@require_POST
def import_programme(request: HttpRequest) -> HttpResponse:
    if (refusal := _refused(request)) is not None:
        return refusal
    form = ProgrammeForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, programme=form, status=400)
    try:
        programme = programme_import(form.cleaned_data["file"].read(), user=request.user)
    except ValidationFailed as failure:
        return _page(request, programme=form, problems=_problems(failure), problems_of="ohjelmat", status=400)
    messages.success(request, _("Ohjelma tallennettu: %(name)s.") % {"name": programme.name_fi})
    return redirect("administration:index")


@login_required
@require_GET
def programme_file(request: HttpRequest, code: str) -> HttpResponse:
    """A loaded programme as its JSON file, to edit and load again."""
    if (refusal := _refused(request)) is not None:
        return refusal
    found = Programme.objects.filter(code=code).first()
    if found is None:
        raise Http404
    response = HttpResponse(json.dumps(found.document, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.code}.json"'
    return response


@login_required
@require_POST
def import_series(request: HttpRequest) -> HttpResponse:
    if (refusal := _refused(request)) is not None:
        return refusal
    form = SeriesForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, series=form, status=400)
    importer = SERIES_IMPORTS[form.cleaned_data["series"]]
    try:
        count = importer(form.cleaned_data["file"].read())
    except ValidationFailed as failure:
        return _page(request, series=form, problems=_problems(failure), problems_of="vaesto", status=400)
    messages.success(request, _("Tallennettu %(count)s riviä.") % {"count": count})
    return redirect("administration:index")
