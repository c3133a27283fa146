"""Forms of the pages (validation of query parameters, with labels that name the field)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from polku.access.models import AccessAction


class AccessLogFilter(forms.Form):
    person = forms.UUIDField(label=_("Henkilön tunniste (UUID)"), required=False)
    actor = forms.CharField(label=_("Käyttäjä"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Toiminto"), required=False,
                               choices=[("", _("kaikki")), *AccessAction.choices])
    since = forms.DateField(label=_("Alkaen"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Päättyen"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
