"""The upload form of the data steward: files, profile, mode, scope, period and dry run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from polku.exchange.models import ImportMode
from polku.exchange.profiles import DEFAULT_PROFILE, shipped_profiles

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.txt,.xlsx,.parquet,.jsonl,.ndjson"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        files = [single(d, initial) for d in data] if isinstance(data, list | tuple) else [single(data, initial)]
        for f in files:
            if f.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("Tiedosto %(name)s on yli 500 Mt; tuo se komentoriviltä."),
                                            params={"name": f.name})
        return files


class UploadForm(forms.Form):
    # The form's field named "files" shadows BaseForm.files (the uploaded files' dict) for the type checker only.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Tiedostot"),
        help_text=_("CSV, Excel (.xlsx), Parquet tai JSON Lines; tiedoston nimi kertoo tietolajin, "
                    "esimerkiksi henkilot.csv tai status_spells.csv."))
    profile = forms.ChoiceField(label=_("Siirtoprofiili"), initial=DEFAULT_PROFILE)
    mode = forms.ChoiceField(label=_("Aineiston laji"), choices=ImportMode.choices, initial=ImportMode.DELTA,
                             help_text=_("Kokonaisaineisto korvaa alueen tiedot: lähteestä puuttuvat tietueet poistuvat."))
    scope = forms.ChoiceField(label=_("Alue tai kunta"), required=False)
    period_start = forms.DateField(label=_("Jakso alkaa"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Jakso päättyy"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    dry_run = forms.BooleanField(label=_("Vain tarkistus (kuivaharjoitus): mitään ei kirjoiteta"), required=False,
                                 initial=True)

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        profile_field = self.fields["profile"]
        scope_field = self.fields["scope"]
        assert isinstance(profile_field, forms.ChoiceField)
        assert isinstance(scope_field, forms.ChoiceField)
        profile_field.choices = [
            (p.name, p.title_in(language) + ("" if p.verified else " – " + str(_("vahvistamaton esimerkki"))))
            for p in shipped_profiles().values()]
        scope_field.choices = scopes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if bool(start) != bool(end):
            self.add_error("period_end" if start else "period_start", _("Anna jakson alku ja loppu, tai ei kumpaakaan."))
        return data
