"""How every page form is saved: the form checks the shape (dates parse, choices exist), a service decides the
rest; a refused save goes back onto the named fields with the user's input kept and answers 400; a saved one
says so and returns to the client record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from polku.access.models import AccessAction, AccessChannel
from polku.access.services import person_access
from polku.core.errors import AccessDenied, ValidationFailed
from polku.web.views import forbidden

PURPOSE = gettext_noop("asiakastyö")  # what the access log records for these forms


def write_refused(request: HttpRequest, person: Any, action: AccessAction) -> HttpResponse | None:
    """None once the user's right to write for ``person`` is checked and the access logged; else the 403 page."""
    try:
        person_access(user=request.user, person=person, write=True, action=action, purpose=PURPOSE,
                      channel=AccessChannel.WEB)
    except AccessDenied:
        return forbidden(request, _("Sinulla ei ole oikeutta kirjata tämän henkilön tietoja."))
    return None


def show_errors(form: forms.Form, failure: ValidationFailed) -> None:
    """Attach each service error to its field (or to the form when the field is not on it)."""
    for error in failure.errors:
        form.add_error(error.field if error.field in form.fields else None,
                       forms.ValidationError(error.message, code=str(error.code)))


@dataclass(frozen=True)
class Saved:
    """A save that went through, with what the service returned."""

    value: Any


def saved(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], object]) -> Saved | None:
    """On a valid POST call ``save`` with the cleaned data; ``Saved`` when it went through, None otherwise
    (a GET, shape errors, or the service refused: its errors are then on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        value = save(form.cleaned_data)
    except ValidationFailed as failure:
        show_errors(form, failure)
        return None
    return Saved(value)


def record_url(person: Any, anchor: str) -> str:
    return reverse("web:person_detail", args=[person.pk]) + f"#{anchor}"


def done(request: HttpRequest, person: Any, message: str) -> HttpResponse:
    """Back to the client record, at the top where the confirmation is shown (the panels follow right below)."""
    messages.success(request, message)
    return redirect(record_url(person, "main"))


def form_page(request: HttpRequest, template: str, form: forms.Form, **context: Any) -> HttpResponse:
    return render(request, template, {"form": form, **context}, status=400 if form.is_bound and form.errors else 200)
