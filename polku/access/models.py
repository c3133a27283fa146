"""Staff roles and scopes, and the access log of every read of a person's data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a staff member does; decides which data they may reach (see ``policy``)."""

    COUNSELLOR = "counsellor", _("Työllisyysohjaaja")
    TEAM_LEAD = "team_lead", _("Tiiminvetäjä")
    MANAGER = "manager", _("Palvelupäällikkö")
    ANALYST = "analyst", _("Suunnittelija")
    ELECTED_OFFICIAL = "elected_official", _("Luottamushenkilö")
    DPO = "dpo", _("Tietosuojavastaava")
    DATA_STEWARD = "data_steward", _("Tietopalvelu")
    JOB_AGENT = "job_agent", _("Työnantajapalvelut (duuniagentti)")
    ADMIN = "admin", _("Pääkäyttäjä")


class Team(models.Model):
    """A team of counsellors inside an employment area (e.g. youth team, immigrant team)."""

    area = models.ForeignKey("reference.EmploymentArea", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="unique_team_name_in_area")]

    def __str__(self) -> str:
        return f"{self.area.code}/{self.name}"


class StaffProfile(models.Model):
    """A user's role and scope. Identity comes from Django auth now, from an OIDC broker later."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(max_length=30, choices=Role.choices)
    area = models.ForeignKey(
        "reference.EmploymentArea", null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class AccessChannel(models.TextChoices):
    WEB = "web", "web"
    API = "api", "api"
    CLI = "cli", "cli"


class AccessAction(models.TextChoices):
    """What an access-log row records: a closed vocabulary (the database refuses any other value).

    The values are stable identifiers kept in the log for good; a new kind of access is a new member here (and a
    migration), never a free string at the call site.
    """

    # Pages
    PERSON_LIST = "person_list", _("Henkilölista")
    PERSON_LOOKUP = "person_lookup", _("Haku henkilötunnuksella")
    PERSON_TIMELINE = "person_timeline", _("Asiakastiedot ja aikajana")
    WORKLIST = "worklist", _("Työlista")
    ASSIGNMENT = "assignment", _("Vastuuohjaajan vaihto")
    MEETING_RECORD = "meeting_record", _("Tapaamisen kirjaus")
    PLAN_EDIT = "plan_edit", _("Suunnitelman muokkaus")
    APPLICATION_REPORT = "application_report", _("Hakuilmoituksen kirjaus")
    JOB_SEARCH_END = "job_search_end", _("Työnhaun päättäminen")
    HANDOVER = "handover", _("Siirto omavalmennukseen")
    DUE_ITEMS = "due_items", _("Asiakkaan tehtävät")
    CLIENT_RECORD = "client_record", _("Asiakastyön tiedot")
    REFERRAL_CREATE = "referral_create", _("Palveluun ohjaus")
    PARTICIPATION_START = "participation_start", _("Palvelun aloitus")
    PARTICIPATION_END = "participation_end", _("Palvelun päättyminen")
    REFERRAL_CLOSE = "referral_close", _("Ohjauksen peruminen")
    DECISION_CREATE = "decision_create", _("Päätöksen kirjaus")
    COMPETENCE_PROFILE = "competence_profile", _("Osaamisprofiili")
    COMPETENCE_PROFILE_EDIT = "competence_profile_edit", _("Osaamisprofiilin kirjaus")
    COMPETENCE_PROFILE_EXPORT = "competence_profile_export", _("Osaamisprofiilin vienti työnhakuprofiiliin")
    CANDIDATE_LIST = "candidate_list", _("Avoimen työpaikan ehdokaslista")
    VACANCY_SUGGESTIONS = "vacancy_suggestions", _("Työnhakijalle sopivat työpaikat")
    JOB_OFFER = "job_offer", _("Työtarjouksen lähetys")
    JOB_OFFER_OUTCOME = "job_offer_outcome", _("Työtarjouksen vastaus ja tulos")
    MATCH_FEEDBACK = "match_feedback", _("Palaute ehdotuksesta")
    SHARE_EARLY_WARNINGS = "share_early_warnings", _("Kuntaosuuden ennakkovaroitukset")
    KELA_INVOICE_CHECK = "kela_invoice_check", _("Kelan laskun tarkistus")
    KELA_INVOICE_FACTS = "kela_invoice_facts", _("Kelan laskun rivit etuustiedoiksi")
    EXCHANGE_IMPORT = "exchange_import", _("Rekisteritietojen tuonti")
    EXCHANGE_EXPORT = "exchange_export", _("Rekisteritietojen vienti")
    # API
    API_PERSON_LIST = "api_person_list", _("Rajapinta: henkilölista")
    API_PERSON_CREATE = "api_person_create", _("Rajapinta: henkilön rekisteröinti")
    API_PERSON_CREATE_EXISTING = "api_person_create_existing", _("Rajapinta: jo rekisterissä olevan henkilön rekisteröintiyritys")
    API_PERSON_LOOKUP = "api_person_lookup", _("Rajapinta: haku henkilötunnuksella")
    API_PERSON_DETAIL = "api_person_detail", _("Rajapinta: henkilön tiedot")
    API_PERSON_TIMELINE = "api_person_timeline", _("Rajapinta: aikajana")
    API_HOME_MUNICIPALITY_ADD = "api_home_municipality_add", _("Rajapinta: kotikunnan kirjaus")
    API_HOME_MUNICIPALITY_CORRECT = "api_home_municipality_correct", _("Rajapinta: kotikunnan korjaus")
    API_STATUS_SPELL_ADD = "api_status_spell_add", _("Rajapinta: työmarkkina-aseman kirjaus")
    API_STATUS_SPELL_CORRECT = "api_status_spell_correct", _("Rajapinta: työmarkkina-aseman korjaus")
    API_STATUS_SPELL_RETRACT = "api_status_spell_retract", _("Rajapinta: työmarkkina-aseman peruminen")
    API_STATUS_SPELL_HISTORY = "api_status_spell_history", _("Rajapinta: työmarkkina-aseman historia")
    API_HOMEMUNICIPALITYSPELL_RETRACT = "api_homemunicipalityspell_retract", _("Rajapinta: kotikunnan peruminen")
    API_JOBSEARCHPERIOD_RETRACT = "api_jobsearchperiod_retract", _("Rajapinta: työnhakujakson peruminen")
    API_BENEFITMONTH_RETRACT = "api_benefitmonth_retract", _("Rajapinta: etuuskuukauden peruminen")
    API_JOB_SEARCH_OPEN = "api_job_search_open", _("Rajapinta: työnhaun aloitus")
    API_JOB_SEARCH_END = "api_job_search_end", _("Rajapinta: työnhaun päättäminen")
    API_BENEFIT_MONTH_ADD = "api_benefit_month_add", _("Rajapinta: etuuskuukauden kirjaus")
    API_BENEFIT_MONTH_CORRECT = "api_benefit_month_correct", _("Rajapinta: etuuskuukauden korjaus")
    API_REFERRAL_CREATE = "api_referral_create", _("Rajapinta: palveluun ohjaus")
    API_PARTICIPATION_START = "api_participation_start", _("Rajapinta: palvelun aloitus")
    API_PARTICIPATION_END = "api_participation_end", _("Rajapinta: palvelun päättyminen")
    API_REFERRAL_CLOSE = "api_referral_close", _("Rajapinta: ohjauksen peruminen")
    API_PERSON_REFERRALS = "api_person_referrals", _("Rajapinta: henkilön ohjaukset")
    API_PERSON_DECISIONS = "api_person_decisions", _("Rajapinta: henkilön päätökset")
    API_DECISION_CREATE = "api_decision_create", _("Rajapinta: päätöksen kirjaus")
    API_CANDIDATE_LIST = "api_candidate_list", _("Rajapinta: ehdokaslista")
    API_VACANCY_SUGGESTIONS = "api_vacancy_suggestions", _("Rajapinta: työnhakijalle sopivat työpaikat")
    API_COMPETENCE_PROFILE = "api_competence_profile", _("Rajapinta: osaamisprofiili")
    API_COMPETENCE_PROFILE_EDIT = "api_competence_profile_edit", _("Rajapinta: osaamisprofiilin kirjaus")
    API_JOB_OFFER = "api_job_offer", _("Rajapinta: työtarjous")
    API_SHARE_EARLY_WARNINGS = "api_share_early_warnings", _("Rajapinta: kuntaosuuden ennakkovaroitukset")
    # Command line
    CLI_PERSON_ADD = "cli_person_add", _("Komento: henkilön rekisteröinti")
    CLI_PERSON_ADD_EXISTING = "cli_person_add_existing", _("Komento: jo rekisterissä olevan henkilön rekisteröintiyritys")
    CLI_PERSON_SHOW = "cli_person_show", _("Komento: henkilön tiedot")
    CLI_HOME_MUNICIPALITY_ADD = "cli_home_municipality_add", _("Komento: kotikunnan kirjaus")
    CLI_STATUS_SPELL_ADD = "cli_status_spell_add", _("Komento: työmarkkina-aseman kirjaus")
    CLI_STATUS_SPELL_CORRECT = "cli_status_spell_correct", _("Komento: työmarkkina-aseman korjaus")
    CLI_STATUS_SPELL_RETRACT = "cli_status_spell_retract", _("Komento: työmarkkina-aseman peruminen")
    CLI_JOB_SEARCH_OPEN = "cli_job_search_open", _("Komento: työnhaun aloitus")
    CLI_JOB_SEARCH_END = "cli_job_search_end", _("Komento: työnhaun päättäminen")
    CLI_BENEFIT_MONTH_ADD = "cli_benefit_month_add", _("Komento: etuuskuukauden kirjaus")
    CLI_DUMPDATA = "cli_dumpdata", _("Komento: tietokannan vedos (dumpdata)")
    CLI_BACKUP = "cli_backup", _("Komento: koko tietokannan varmuuskopio")
    CLI_SHELL = "cli_shell", _("Komento: ylläpitokonsoli (shell, dbshell)")
    # The data subject's rights (polku.privacy)
    SUBJECT_ACCESS = "subject_access", _("Tarkastusoikeus: rekisteröidyn tietojen koonti")
    SUBJECT_ACCESS_DOWNLOAD = "subject_access_download", _("Tarkastusoikeus: tiedot koneluettavana tiedostona")
    CLI_SUBJECT_ACCESS = "cli_subject_access", _("Komento: rekisteröidyn tietojen koonti")
    RETENTION_RUN = "retention_run", _("Säilytysaikojen ajo")
    RETENTION_PERSON = "retention_person", _("Säilytysaika: henkilön tietojen poisto tai pseudonymisointi")
    # Administration
    ADMIN_LIST = "admin_list", _("Ylläpito: luettelo")
    ADMIN_VIEW = "admin_view", _("Ylläpito: tietue")
    # A person-level role opened a person outside its scope, stating why (flagged to the data protection officer)
    BREAK_GLASS = "break_glass", _("Poikkeuksellinen pääsy perustellen")
    # The client's own portal (polku.portal): the client reads or acts on their own data
    PORTAL_SIGN_IN = "portal_sign_in", _("Oma asiointi: kirjautuminen vahvalla tunnistuksella")
    PORTAL_VIEW = "portal_view", _("Oma asiointi: omien tietojen katselu")
    PORTAL_APPLICATION_REPORT = "portal_application_report", _("Oma asiointi: työhakemuksen ilmoitus")
    PORTAL_SELF_ASSESSMENT = "portal_self_assessment", _("Oma asiointi: itsearvio")
    PORTAL_BOOKING = "portal_booking", _("Oma asiointi: ajanvaraus")
    PORTAL_CONSENT = "portal_consent", _("Oma asiointi: suostumuksen antaminen tai peruminen")
    PORTAL_COMPETENCE_PROFILE = "portal_competence_profile", _("Oma asiointi: osaamisprofiilin täyttäminen")
    PORTAL_NOTIFICATION_ADDRESS = "portal_notification_address", _("Oma asiointi: ilmoitusosoitteen muutos")
    AGENCY_REFERRAL = "agency_referral", _("Ohjaus toiseen palveluun (TYP, Kela, sosiaalipalvelut)")
    PORTAL_MESSAGE = "portal_message", _("Oma asiointi: viesti ohjaajalle")
    PORTAL_SUBJECT_ACCESS_REQUEST = "portal_subject_access_request", _("Oma asiointi: tietojen tarkastuspyyntö")
    PORTAL_FEEDBACK = "portal_feedback", _("Oma asiointi: palautekyselyyn vastaaminen")
    # Staff on what the client did in the portal
    PORTAL_MESSAGE_REPLY = "portal_message_reply", _("Viesti asiakkaalle")
    CONSENT_RECORDS = "consent_records", _("Suostumusrekisterin tarkastelu")
    CONSENT_USE = "consent_use", _("Tietojen luovutus suostumuksen perusteella")
    # Attempts
    ACCESS_REFUSED = "access_refused", _("Estetty pääsy")
    OPERATOR_REFUSED = "operator_refused", _("Komennon käyttäjä hylätty")


class AccessLog(models.Model):
    """One read (or write) of one person's data: who, whom, when, what, why.

    ``person_id`` is a plain UUID, not a foreign key: the log must outlive the person's data
    when retention deletes it.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor = models.CharField(max_length=150, help_text="Username at the time, or the system job that read.")
    person_id = models.UUIDField(db_index=True, null=True, blank=True,
                                 help_text="Whose data; empty for an event about no one person (a console session).")
    action = models.CharField(max_length=60, choices=AccessAction.choices)
    purpose = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=AccessChannel.choices)
    # The staff member's role and organisation when they read: the client's "who viewed my data" must show what the
    # reader was then, not what they are now (a counsellor who became a manager read as a counsellor). Empty for
    # rows written before these were kept, and for system jobs and clients.
    role = models.CharField(max_length=30, blank=True, default="", choices=Role.choices)
    organisation = models.CharField(max_length=200, blank=True, default="",
                                    help_text="The reader's employment area and team at the time.")

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(action__in=AccessAction.values),
                                              name="access_log_action_known")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.person_id}"

    @property
    def purpose_shown(self) -> str:
        """The purpose in the reader's language (the log keeps it in Finnish)."""
        from polku.access.purposes import shown

        return shown(self.purpose)


class BreakGlassGrant(models.Model):
    """A user opened one person outside their scope, stating why: the person stays open to them until
    ``expires_at`` (``policy.BREAK_GLASS_DURATION``). The read itself is in the access log (``break_glass``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "person", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.person_id} {self.granted_at:%Y-%m-%d %H:%M}"


class IdentityProviderGroup(models.Model):
    """What membership of a group at the municipality's identity provider makes a user in Polku.

    Signing in through the identity provider (OpenID Connect) gives Polku the groups the user belongs to; the one
    group of these that is mapped here decides the user's role, area and team, at every sign-in — the provider
    stays the one place where access is granted and removed. A user none of whose groups is mapped cannot sign in.
    """

    group = models.CharField(_("Ryhmä tunnistuspalvelussa"), max_length=200, unique=True)
    role = models.CharField(_("Rooli"), max_length=30, choices=Role.choices)
    area = models.ForeignKey("reference.EmploymentArea", verbose_name=_("Työllisyysalue"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("Tiimi"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = _("tunnistuspalvelun ryhmä")
        verbose_name_plural = _("tunnistuspalvelun ryhmät")

    def __str__(self) -> str:
        return f"{self.group} → {self.get_role_display()}"


class ExternalIdentity(models.Model):
    """The identity provider's stable identifier (issuer + subject) of a user who signs in through it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identity")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_external_identity")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"


class ClientAccount(models.Model):
    """A job seeker who signs in to their own portal (``/oma/``) by strong identification.

    The identity provider (in production Suomi.fi behind the municipality's broker) vouches for the identity code;
    the code is never stored here — the person is found by the code's keyed hash (``polku.people.personal_id``),
    and this row links the sign-in user to that one person. A user with a client account has no staff role.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_account")
    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="client_account")
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"client {self.person_id}"
