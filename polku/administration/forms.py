"""The administrator's three forms: confirm a rule set, load a programme, import a yearly series."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_PROGRAMME_BYTES = 2 * 1024 * 1024
MAX_SERIES_BYTES = 10 * 1024 * 1024
NOTE_MAX = 1000

POPULATION = "population"
LABOUR_FORCE = "labour_force"


def _bounded(upload: Any, limit: int) -> Any:
    if upload is not None and upload.size > limit:
        raise forms.ValidationError(_("Tiedosto on liian suuri (enintään %(mb)s Mt)."), params={"mb": limit // 2**20})
    return upload


class ConfirmRuleSetForm(forms.Form):
    """The administrator states what the rule set was checked against; the results stop being marked unverified."""

    rule_set = forms.CharField(widget=forms.HiddenInput, max_length=100)
    note = forms.CharField(
        label=_("Mihin lähteeseen sääntö tarkistettiin"), max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Esimerkiksi lain kohta ja Kelan ohje, joihin porrastus ja päivien laskenta tarkistettiin."))

    def __init__(self, *args: Any, codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes = codes
        self.auto_id = "id_%s_" + (self.initial.get("rule_set") or self.data.get("rule_set") or "x")

    def clean_rule_set(self) -> str:
        code = str(self.cleaned_data["rule_set"])
        if code not in self.codes:
            raise forms.ValidationError(_("Tuntematon sääntö."))
        return code


class ProgrammeForm(forms.Form):
    file = forms.FileField(label=_("Ohjelmatiedosto (JSON)"), widget=forms.ClearableFileInput(attrs={"accept": ".json"}),
                           help_text=_("Sama ohjelma (sama tunnus) korvataan; virheellisestä tiedostosta ei tallenneta "
                                       "mitään."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ohjelma_%s")  # the page's other forms also have a "file" field
        super().__init__(*args, **kwargs)

    def clean_file(self) -> Any:
        return _bounded(self.cleaned_data.get("file"), MAX_PROGRAMME_BYTES)


class SeriesForm(forms.Form):
    series = forms.ChoiceField(label=_("Tietolaji"), widget=forms.RadioSelect, initial=POPULATION, choices=[
        (POPULATION, _("Asukasluku (vuoden lopussa)")),
        (LABOUR_FORCE, _("Työvoima (työssäkäyntitilasto)")),
    ])
    file = forms.FileField(label=_("CSV-tiedosto"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt"}),
                           help_text=_("Sarakkeet kuntanumero, vuosi, lukumäärä ja lähde (municipality;year;residents;"
                                       "source tai municipality;year;persons;source). Kaikki rivit tai ei yhtään."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "sarja_%s")
        super().__init__(*args, **kwargs)

    def clean_file(self) -> Any:
        return _bounded(self.cleaned_data.get("file"), MAX_SERIES_BYTES)
