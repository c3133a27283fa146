"""Employer services' records: contacts with employers and their history, recruitment needs, vacancies, job
seekers' competence profiles, job offers and feedback on suggestions.

The employer itself is ``polku.provision.models.Employer`` (one register, extended here with industry, size, area
and consent), so that subsidies and placements hang on the same record. Rows are written only through
``services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ContactPerson(models.Model):
    """A person at an employer that employer services deal with (a work contact: name, role, phone, email)."""

    employer = models.ForeignKey("provision.Employer", on_delete=models.CASCADE, related_name="contact_persons",
                                 verbose_name=_("työnantaja"))
    name = models.CharField(_("nimi"), max_length=200)
    title = models.CharField(_("tehtävä"), max_length=200, blank=True)
    phone = models.CharField(_("puhelin"), max_length=40, blank=True)
    email = models.EmailField(_("sähköposti"), blank=True)

    class Meta:
        ordering = ["employer", "name"]
        verbose_name = _("yhteyshenkilö")
        verbose_name_plural = _("yhteyshenkilöt")

    def __str__(self) -> str:
        return self.name


class ContactKind(models.TextChoices):
    VISIT = "visit", _("yrityskäynti")
    CALL = "call", _("puhelu")
    EVENT = "event", _("tapahtuma")
    RECRUITMENT_HELP = "recruitment_help", _("rekrytointiapu")
    SUBSIDY_ADVICE = "subsidy_advice", _("tukineuvonta")
    OTHER = "other", _("muu")


class EmployerContact(models.Model):
    """One contact with an employer: what kind, when, by whom, and a note (no job seeker's data in it)."""

    employer = models.ForeignKey("provision.Employer", on_delete=models.CASCADE, related_name="contacts",
                                 verbose_name=_("työnantaja"))
    kind = models.CharField(_("yhteydenoton tapa"), max_length=30, choices=ContactKind.choices)
    contacted_on = models.DateField(_("päivä"))
    contact_person = models.ForeignKey(ContactPerson, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("yhteyshenkilö"))
    notes = models.TextField(_("muistiinpano"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contacted_on", "-id"]
        verbose_name = _("yhteydenotto")
        verbose_name_plural = _("yhteydenotot")
        indexes = [models.Index(fields=["employer", "contacted_on"])]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.contacted_on} {self.kind}"


class NeedStatus(models.TextChoices):
    OPEN = "open", _("avoin")
    VACANCY = "vacancy", _("muutettu työpaikaksi")
    CLOSED = "closed", _("päättynyt")


class RecruitmentNeed(models.Model):
    """An employer's need to hire, found by employer services; ``hidden`` when it was never advertised (a "hidden
    job" a job agent found)."""

    employer = models.ForeignKey("provision.Employer", on_delete=models.CASCADE, related_name="recruitment_needs",
                                 verbose_name=_("työnantaja"))
    description = models.TextField(_("kuvaus"))
    positions = models.PositiveSmallIntegerField(_("henkilöitä"), default=1)
    hidden = models.BooleanField(_("piilotyöpaikka"), default=False,
                                 help_text=_("Tarvetta ei ole ilmoitettu julkisesti."))
    noted_on = models.DateField(_("havaittu"))
    status = models.CharField(_("tila"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-noted_on", "-id"]
        verbose_name = _("rekrytointitarve")
        verbose_name_plural = _("rekrytointitarpeet")
        constraints = [models.CheckConstraint(condition=Q(positions__gte=1), name="need_positions_positive")]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.noted_on}"


class Hours(models.TextChoices):
    FULL_TIME = "full_time", _("kokoaikatyö")
    PART_TIME = "part_time", _("osa-aikatyö")
    SHIFTS = "shifts", _("vuorotyö")


class HoursPreference(models.TextChoices):
    ANY = "any", _("mikä tahansa")
    FULL_TIME = "full_time", _("kokoaikatyö")
    PART_TIME = "part_time", _("osa-aikatyö")
    SHIFTS = "shifts", _("vuorotyö")


class VacancyStatus(models.TextChoices):
    OPEN = "open", _("avoin")
    FILLED = "filled", _("täytetty")
    CLOSED = "closed", _("suljettu täyttämättä")


class EducationLevel(models.IntegerChoices):
    """Statistics Finland's education levels (koulutusaste 2016, first digit)."""

    BASIC = 2, _("perusaste")
    UPPER_SECONDARY = 3, _("toinen aste (lukio tai ammatillinen)")
    POST_SECONDARY = 4, _("erikoisammattitutkinto tai muu toisen asteen jälkeinen")
    SHORT_TERTIARY = 5, _("alin korkea-aste")
    BACHELOR = 6, _("alempi korkeakouluaste")
    MASTER = 7, _("ylempi korkeakouluaste")
    DOCTORAL = 8, _("tutkijakoulutusaste")


class LanguageLevel(models.IntegerChoices):
    """The Common European Framework's levels, and the mother tongue above them."""

    A1 = 1, "A1"
    A2 = 2, "A2"
    B1 = 3, "B1"
    B2 = 4, "B2"
    C1 = 5, "C1"
    C2 = 6, "C2"
    NATIVE = 7, _("äidinkieli")


class Vacancy(models.Model):
    """An open job: what it asks (ESCO occupation and skills, education, licences, languages), where and when.

    Skills and licences are lists of codes (ESCO URIs, licence codes); languages a list of ``{"code", "level"}``.
    """

    employer = models.ForeignKey("provision.Employer", on_delete=models.PROTECT, related_name="vacancies",
                                 verbose_name=_("työnantaja"))
    area = models.ForeignKey("reference.EmploymentArea", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("työllisyysalue"))
    need = models.ForeignKey(RecruitmentNeed, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="vacancies", verbose_name=_("rekrytointitarve"))
    title = models.CharField(_("tehtävänimike"), max_length=200)
    description = models.TextField(_("kuvaus"), blank=True)
    occupation = models.CharField(_("ammatti (ESCO)"), max_length=120, blank=True)
    required_skills = models.JSONField(_("vaaditut taidot"), default=list, blank=True)
    wished_skills = models.JSONField(_("toivotut taidot"), default=list, blank=True)
    education_level = models.PositiveSmallIntegerField(_("koulutusaste vähintään"), null=True, blank=True,
                                                       choices=EducationLevel.choices)
    licences = models.JSONField(_("vaaditut luvat ja kortit"), default=list, blank=True)
    languages = models.JSONField(_("kielet"), default=list, blank=True)
    municipality = models.ForeignKey("reference.Municipality", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("työpaikan kunta"))
    hours = models.CharField(_("työaika"), max_length=20, choices=Hours.choices, default=Hours.FULL_TIME)
    positions = models.PositiveSmallIntegerField(_("paikkoja"), default=1)
    starts_on = models.DateField(_("alkaa"), null=True, blank=True)
    ends_on = models.DateField(_("päättyy"), null=True, blank=True)
    apply_by = models.DateField(_("haku päättyy"), null=True, blank=True)
    status = models.CharField(_("tila"), max_length=20, choices=VacancyStatus.choices, default=VacancyStatus.OPEN)
    applicants = models.PositiveIntegerField(_("hakijoita"), default=0)
    outcome = models.TextField(_("tulos"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Edits (services.vacancy_update): who changed it last, and a version so that two editors do not overwrite.
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("avoin työpaikka")
        verbose_name_plural = _("avoimet työpaikat")
        indexes = [models.Index(fields=["area", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")), name="vacancy_end_after_start"),
            models.CheckConstraint(condition=Q(positions__gte=1), name="vacancy_positions_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class PlacePreference(models.TextChoices):
    HOME = "home", _("vain kotikunta")
    AREA = "area", _("työllisyysalueen kunnat")
    ANYWHERE = "anywhere", _("mikä tahansa kunta")


class CompetenceProfile(models.Model):
    """What a job seeker can do and wants: the counsellor fills it in with the client.

    Holds at least what the state's job-search profile holds (occupations, skills, education, licences, languages,
    work history, preferences). Lists of codes as in ``Vacancy``; ``languages`` a list of ``{"code", "level"}``;
    ``work_history`` a list of ``{"title", "employer", "start", "end"}``.
    """

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="competence_profile")
    occupations = models.JSONField(_("ammatit (ESCO)"), default=list, blank=True)
    skills = models.JSONField(_("taidot"), default=list, blank=True)
    education_level = models.PositiveSmallIntegerField(_("koulutusaste"), null=True, blank=True,
                                                       choices=EducationLevel.choices)
    education = models.CharField(_("tutkinto"), max_length=200, blank=True)
    licences = models.JSONField(_("luvat ja kortit"), default=list, blank=True)
    languages = models.JSONField(_("kielitaito"), default=list, blank=True)
    work_history = models.JSONField(_("työhistoria"), default=list, blank=True)
    place_preference = models.CharField(_("työssäkäyntialue"), max_length=20, choices=PlacePreference.choices,
                                        default=PlacePreference.AREA)
    hours_preference = models.CharField(_("toivottu työaika"), max_length=20, choices=HoursPreference.choices,
                                        default=HoursPreference.ANY)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("osaamisprofiili")
        verbose_name_plural = _("osaamisprofiilit")

    def __str__(self) -> str:
        return f"{self.person_id} v{self.version}"


class OfferResponse(models.TextChoices):
    PENDING = "pending", _("odottaa vastausta")
    ACCEPTED = "accepted", _("kiinnostunut, hakee")
    REFUSED = "refused", _("kieltäytyi")
    NO_RESPONSE = "no_response", _("ei vastannut")


class OfferOutcome(models.TextChoices):
    OPEN = "open", _("kesken")
    APPLIED = "applied", _("haki")
    INTERVIEW = "interview", _("haastattelussa")
    HIRED = "hired", _("työllistyi")
    NOT_HIRED = "not_hired", _("ei valittu")
    REFUSED = "refused", _("kieltäytyi")
    DID_NOT_APPLY = "did_not_apply", _("ei hakenut")


# What came of an offer in the end (applied and interview are still on the way): the share leading to work counts
# these only.
CONCLUDED_OUTCOMES = (OfferOutcome.HIRED, OfferOutcome.NOT_HIRED, OfferOutcome.REFUSED, OfferOutcome.DID_NOT_APPLY)


class JobOffer(models.Model):
    """A job offer (työtarjous) to a job seeker for a vacancy, binding or not, and what came of it."""

    vacancy = models.ForeignKey(Vacancy, on_delete=models.PROTECT, related_name="offers",
                                verbose_name=_("avoin työpaikka"))
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="job_offers")
    binding = models.BooleanField(_("velvoittava"), default=False)
    offered_on = models.DateField(_("tarjottu"))
    respond_by = models.DateField(_("vastattava viimeistään"))
    response = models.CharField(_("vastaus"), max_length=20, choices=OfferResponse.choices,
                                default=OfferResponse.PENDING)
    outcome = models.CharField(_("tulos"), max_length=20, choices=OfferOutcome.choices, default=OfferOutcome.OPEN)
    outcome_on = models.DateField(_("tuloksen päivä"), null=True, blank=True)
    refusal_reason = models.CharField(_("kieltäytymisen syy"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-offered_on", "-id"]
        verbose_name = _("työtarjous")
        verbose_name_plural = _("työtarjoukset")
        indexes = [models.Index(fields=["offered_on"]), models.Index(fields=["person", "offered_on"])]
        constraints = [
            models.UniqueConstraint(fields=["vacancy", "person"], name="one_offer_per_vacancy_and_person"),
            models.CheckConstraint(condition=Q(respond_by__gte=models.F("offered_on")), name="offer_respond_after"),
        ]

    def __str__(self) -> str:
        return f"{self.vacancy_id} {self.offered_on} {self.outcome}"


class MatchFeedback(models.Model):
    """A counsellor's judgement of one suggestion (useful or not), kept to evaluate and tune the weights."""

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="feedback")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="match_feedback")
    useful = models.BooleanField(_("hyödyllinen"))
    score = models.DecimalField(max_digits=5, decimal_places=1)
    weights_version = models.CharField(max_length=20)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("palaute ehdotuksesta")
        verbose_name_plural = _("palautteet ehdotuksista")

    def __str__(self) -> str:
        return f"{self.vacancy_id} {self.useful}"
