"""Forms of employer services: they check shape only (dates parse, choices exist); ``services`` decide the rest and
their errors come back onto the named fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from polku.employer_services import services
from polku.employer_services.esco import LANGUAGE_NAMES, catalogue, industries, iso_of
from polku.employer_services.extraction import Suggestion, extract
from polku.employer_services.models import (
    ContactKind,
    EducationLevel,
    Hours,
    HoursPreference,
    LanguageLevel,
    OfferOutcome,
    OfferResponse,
    PlacePreference,
)
from polku.provision.models import EmployerKind, EmployerSize

BLANK = ("", "—")
DATE = forms.DateInput(attrs={"type": "date"})


def skill_choices() -> list[tuple[str, str]]:
    table = catalogue()
    return sorted(((c.short, c.label) for c in table.skills.values() if c.kind == "skill"), key=lambda c: c[1].lower())


def occupation_choices() -> list[tuple[str, str]]:
    return sorted(((c.short, f"{c.label} ({c.isco})") for c in catalogue().occupations.values()),
                  key=lambda c: c[1].lower())


def licence_choices() -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in catalogue().licences.values()]


def industry_choices() -> list[tuple[str, str]]:
    from polku.employer_services.esco import industry_label

    return [(code, f"{code} {industry_label(code)}") for code in industries()]


class MultipleCodes(forms.MultipleChoiceField):
    widget = forms.SelectMultiple(attrs={"size": 8})


class EmployerForm(forms.Form):
    name = forms.CharField(label=_("Nimi"), max_length=200, error_messages={"required": _("Nimi on pakollinen.")})
    business_id = forms.CharField(label=_("Y-tunnus"), max_length=20, help_text=_("Muodossa 1234567-8."),
                                  error_messages={"required": _("Y-tunnus on pakollinen.")})
    kind = forms.ChoiceField(label=_("Työnantajan tyyppi"), choices=EmployerKind.choices)
    municipality = forms.ChoiceField(label=_("Kotikunta"), required=False)
    industry = forms.ChoiceField(label=_("Toimiala (TOL 2008)"), required=False)
    size = forms.ChoiceField(label=_("Koko"), choices=[BLANK, *EmployerSize.choices], required=False)
    consent_to_contact = forms.BooleanField(label=_("Työnantaja on antanut luvan yhteydenottoihin"), required=False)
    phone = forms.CharField(label=_("Puhelin"), max_length=40, required=False)
    email = forms.EmailField(label=_("Sähköposti"), required=False)

    def __init__(self, *args: Any, municipality_choices: list[tuple[str, str]], details_only: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [BLANK, *municipality_choices]  # type: ignore[attr-defined]
        self.fields["industry"].choices = [BLANK, *industry_choices()]  # type: ignore[attr-defined]
        if details_only:
            for name in ("name", "business_id", "kind", "municipality"):
                del self.fields[name]


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Yhteydenoton tapa"), choices=ContactKind.choices)
    contacted_on = forms.DateField(label=_("Päivä"), widget=DATE)
    notes = forms.CharField(label=_("Muistiinpano"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("Älä kirjaa tähän työnhakijoiden tietoja."))


class ContactPersonForm(forms.Form):
    name = forms.CharField(label=_("Nimi"), max_length=200, required=False)
    title = forms.CharField(label=_("Tehtävä"), max_length=200, required=False)
    phone = forms.CharField(label=_("Puhelin"), max_length=40, required=False)
    email = forms.EmailField(label=_("Sähköposti"), required=False)


class NeedForm(forms.Form):
    description = forms.CharField(label=_("Rekrytointitarve"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    positions = forms.IntegerField(label=_("Henkilöitä"), min_value=1, initial=1)
    hidden = forms.BooleanField(label=_("Piilotyöpaikka (ei ilmoitettu julkisesti)"), required=False)
    noted_on = forms.DateField(label=_("Havaittu"), widget=DATE)


class VacancyForm(forms.Form):
    employer = forms.ChoiceField(label=_("Työnantaja"))
    title = forms.CharField(label=_("Tehtävänimike"), max_length=200,
                            error_messages={"required": _("Tehtävänimike on pakollinen.")})
    description = forms.CharField(label=_("Kuvaus"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("Polku ehdottaa kuvauksesta taitoja ja lupia; valitse itse, mitkä jäävät."))
    occupation = forms.ChoiceField(label=_("Ammatti (ESCO)"), required=False)
    required_skills = MultipleCodes(label=_("Vaaditut taidot"), required=False)
    wished_skills = MultipleCodes(label=_("Toivotut taidot"), required=False)
    licences = MultipleCodes(label=_("Vaaditut luvat ja kortit"), required=False)
    language_fi = forms.TypedChoiceField(label=_("Suomen kieli vähintään"), required=False, coerce=int, empty_value=None)
    language_sv = forms.TypedChoiceField(label=_("Ruotsin kieli vähintään"), required=False, coerce=int, empty_value=None)
    language_en = forms.TypedChoiceField(label=_("Englannin kieli vähintään"), required=False, coerce=int, empty_value=None)
    education_level = forms.TypedChoiceField(label=_("Koulutusaste vähintään"), required=False, coerce=int,
                                             empty_value=None, choices=[BLANK, *EducationLevel.choices])
    municipality = forms.ChoiceField(label=_("Työpaikan kunta"),
                                     error_messages={"required": _("Työpaikan kunta on pakollinen.")})
    hours = forms.ChoiceField(label=_("Työaika"), choices=Hours.choices)
    positions = forms.IntegerField(label=_("Paikkoja"), min_value=1, initial=1)
    starts_on = forms.DateField(label=_("Alkaa"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Päättyy"), required=False, widget=DATE)
    apply_by = forms.DateField(label=_("Haku päättyy"), required=False, widget=DATE)
    need = forms.CharField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # the version an editor saw

    def __init__(self, *args: Any, employer_choices: list[tuple[str, str]],
                 municipality_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].choices = employer_choices  # type: ignore[attr-defined]
        self.fields["occupation"].choices = [BLANK, *occupation_choices()]  # type: ignore[attr-defined]
        self.fields["required_skills"].choices = skill_choices()  # type: ignore[attr-defined]
        self.fields["wished_skills"].choices = skill_choices()  # type: ignore[attr-defined]
        self.fields["licences"].choices = licence_choices()  # type: ignore[attr-defined]
        self.fields["municipality"].choices = [BLANK, *municipality_choices]  # type: ignore[attr-defined]
        for code in ("fi", "sv", "en"):
            self.fields[f"language_{code}"].choices = [BLANK, *LanguageLevel.choices]  # type: ignore[attr-defined]

    def languages(self) -> list[dict[str, Any]]:
        return [{"code": code, "level": self.cleaned_data[f"language_{code}"]} for code in ("fi", "sv", "en")
                if self.cleaned_data.get(f"language_{code}")]


class ProfileForm(forms.Form):
    cv_text = forms.CharField(label=_("Vapaa kuvaus osaamisesta (esimerkiksi ansioluettelon kappale)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Polku ehdottaa tekstistä ammatteja, taitoja ja lupia näyttöineen. Teksti ei "
                                          "tallennu; vain valitsemasi tiedot tallentuvat."))
    occupations = MultipleCodes(label=_("Ammatit (ESCO)"), required=False)
    skills = MultipleCodes(label=_("Taidot"), required=False)
    licences = MultipleCodes(label=_("Luvat ja kortit"), required=False)
    language_fi = forms.TypedChoiceField(label=_("Suomen kieli"), required=False, coerce=int, empty_value=None)
    language_sv = forms.TypedChoiceField(label=_("Ruotsin kieli"), required=False, coerce=int, empty_value=None)
    language_en = forms.TypedChoiceField(label=_("Englannin kieli"), required=False, coerce=int, empty_value=None)
    education_level = forms.TypedChoiceField(label=_("Koulutusaste"), required=False, coerce=int, empty_value=None,
                                             choices=[BLANK, *EducationLevel.choices])
    education = forms.CharField(label=_("Tutkinto"), max_length=200, required=False)
    work_history = forms.CharField(label=_("Työhistoria"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("Yksi työ riville: tehtävä; työnantaja; alkuvuosi; loppuvuosi."))
    place_preference = forms.ChoiceField(label=_("Työssäkäyntialue"), choices=PlacePreference.choices)
    hours_preference = forms.ChoiceField(label=_("Toivottu työaika"), choices=HoursPreference.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occupations"].choices = occupation_choices()  # type: ignore[attr-defined]
        self.fields["skills"].choices = skill_choices()  # type: ignore[attr-defined]
        self.fields["licences"].choices = licence_choices()  # type: ignore[attr-defined]
        for code in ("fi", "sv", "en"):
            self.fields[f"language_{code}"].choices = [BLANK, *LanguageLevel.choices]  # type: ignore[attr-defined]

    def languages(self) -> list[dict[str, Any]]:
        return [{"code": code, "level": self.cleaned_data[f"language_{code}"]} for code in ("fi", "sv", "en")
                if self.cleaned_data.get(f"language_{code}")]

    def work_history_rows(self) -> list[dict[str, Any]]:
        rows = []
        for line in self.cleaned_data.get("work_history", "").splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")] + ["", "", ""]
            rows.append({"title": parts[0], "employer": parts[1], "start": parts[2], "end": parts[3]})
        return rows

    def profile_input(self) -> services.ProfileInput:
        """The cleaned form as the profile service takes it."""
        data = self.cleaned_data
        return services.ProfileInput(
            occupations=tuple(data["occupations"]), skills=tuple(data["skills"]),
            education_level=data["education_level"], education=data["education"], licences=tuple(data["licences"]),
            languages=tuple(self.languages()), work_history=tuple(self.work_history_rows()),
            place_preference=data["place_preference"], hours_preference=data["hours_preference"])


def suggested_profile(posted: Any) -> tuple[ProfileForm, list[Suggestion]]:
    """The profile form with what the free text suggests added to the choices (negated mentions left out; a
    language mentioned gets level B1 unless one was chosen), and the suggestions with their evidence. Suggesting is
    not saving: nothing is refused yet, and only what the person then saves counts."""
    found = extract(posted.get("cv_text", ""))
    counted = [s for s in found if not s.negated]
    for key, kinds in (("skills", ("skill",)), ("occupations", ("occupation",)), ("licences", ("licence",))):
        posted.setlist(key, sorted(set(posted.getlist(key)) | {s.concept.short for s in counted
                                                               if s.concept.kind in kinds}))
    for s in counted:
        iso = iso_of(s.concept)
        if s.concept.kind == "language" and iso in ("fi", "sv", "en") and not posted.get(f"language_{iso}"):
            posted[f"language_{iso}"] = str(LanguageLevel.B1)
    form = ProfileForm(posted)
    form.is_valid()
    form.errors.clear()
    return form, found


class OfferForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)
    binding = forms.BooleanField(label=_("Velvoittava työtarjous"), required=False)
    offered_on = forms.DateField(label=_("Tarjouspäivä"), widget=DATE)
    respond_by = forms.DateField(label=_("Vastattava viimeistään"), required=False, widget=DATE,
                                 help_text=_("Tyhjänä: seurantasääntöjen mukainen määräaika."))


class OfferOutcomeForm(forms.Form):
    response = forms.ChoiceField(label=_("Työnhakijan vastaus"), choices=OfferResponse.choices)
    outcome = forms.ChoiceField(label=_("Tulos"), choices=OfferOutcome.choices)
    outcome_on = forms.DateField(label=_("Tuloksen päivä"), required=False, widget=DATE)
    refusal_reason = forms.CharField(label=_("Kieltäytymisen syy"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VacancyCloseForm(forms.Form):
    status = forms.ChoiceField(label=_("Tila"), choices=[("filled", _("täytetty")), ("closed", _("suljettu täyttämättä"))])
    applicants = forms.IntegerField(label=_("Hakijoita"), min_value=0, initial=0)
    outcome = forms.CharField(label=_("Tulos"), required=False, max_length=500)


LANGUAGE_CODES = tuple(LANGUAGE_NAMES)
