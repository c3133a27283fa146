"""Plain-language names of the personal-data models and their fields, for the subject-access export and the record of
processing activities. A test walks every model with a person foreign key and fails when one of its fields has no name
here, so a new field cannot reach the export or the record unnamed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from polku.casework.due_table import mask_kinds
from polku.casework.labels import KIND_LABELS
from polku.timeline.models import BenefitBasis, BenefitType

# Shared by every fact table (timeline.models.FactVersion) and most other rows.
COMMON: dict[str, Promise] = {
    "id": _("Rivin tunniste"),
    "person": _("Henkilö"),
    "lineage": _("Version ketjutunniste"),
    "recorded_at": _("Kirjattu"),
    "recorded_by": _("Kirjaaja"),
    "source": _("Tiedon lähde"),
    "superseded_at": _("Korvattu uudella versiolla"),
    "superseded_by_user": _("Korvaaja"),
    "correction_reason": _("Korjauksen syy"),
    "start_date": _("Alkaa"),
    "end_date": _("Päättyy"),
    "created_at": _("Luotu"),
    "created_by": _("Luoja"),
    "version": _("Versio"),
}

MODELS: dict[str, Promise] = {
    "people.person": _("Henkilön perustiedot"),
    "timeline.homemunicipalityspell": _("Kotikunnat"),
    "timeline.statusspell": _("Työmarkkina-asema ja palvelut"),
    "timeline.jobsearchperiod": _("Työnhakujaksot"),
    "timeline.benefitmonth": _("Maksetut etuuspäivät kuukausittain"),
    "timeline.employmentconditionmet": _("Työssäoloehdon täyttyminen"),
    "casework.meeting": _("Tapaamiset"),
    "casework.employmentplan": _("Työllistymissuunnitelmat"),
    "casework.applicationreport": _("Hakuilmoitukset"),
    "casework.caseassignment": _("Vastuuohjaajat"),
    "casework.clientdue": _("Työlistan seuraavat lakisääteiset tehtävät"),
    "provision.referral": _("Ohjaukset palveluihin"),
    "provision.decision": _("Tukipäätökset"),
    "employer_services.competenceprofile": _("Osaamisprofiili"),
    "employer_services.joboffer": _("Työtarjoukset"),
    "employer_services.matchfeedback": _("Palaute työpaikkaehdotuksista"),
    "municipal_share.kelainvoiceline": _("Kelan laskujen rivit"),
    "exchange.sourcerecord": _("Tietojen lähteet (tiedonsiirto)"),
    "simulator.simulatedperson": _("Simuloitu harjoitushenkilö"),
    "privacy.pseudonymisation": _("Pseudonymisointi"),
    "access.accesslog": _("Lokitiedot: kuka on katsonut tai muuttanut tietoja"),
    "access.breakglassgrant": _("Poikkeukselliset pääsyt: kuka avasi kenen tiedot perustellen"),
    "access.clientaccount": _("Oma asiointi: käyttäjätili"),
    "casework.appointmentslot": _("Varatut tapaamisajat"),
    "portal.reportedapplication": _("Oma asiointi: ilmoitetut työhakemukset"),
    "portal.selfassessment": _("Oma asiointi: itsearviot"),
    "portal.consent": _("Suostumukset tietojen luovuttamiseen"),
    "portal.disclosure": _("Suostumuksella luovutetut tiedot"),
    "portal.message": _("Viestit ohjaajan kanssa"),
    "portal.notification": _("Ilmoitukset odottavista viesteistä"),
    "portal.notificationaddress": _("Oma asiointi: osoitteet ilmoituksille"),
    "portal.agencyreferral": _("Ohjaukset muihin palveluihin (TYP, Kela, sosiaalipalvelut)"),
    "portal.subjectaccessrequest": _("Tietojen tarkastuspyynnöt"),
    "portal.feedbackinvitation": _("Palautekyselyt (vastattu tai ei; vastaukset nimettöminä erikseen)"),
}

FIELDS: dict[str, dict[str, Promise]] = {
    "people.person": {
        "personal_id_hash": _("Henkilötunnuksen hakuavain (avainnettu tiiviste)"),
        "personal_id_encrypted": _("Henkilötunnus (salattuna)"),
        "first_names": _("Etunimet"),
        "last_name": _("Sukunimi"),
        "birth_date": _("Syntymäaika"),
        "gender": _("Sukupuoli"),
        "language": _("Kieli"),
        "education": _("Koulutus"),
        "immigrant_background": _("Maahanmuuttajatausta"),
        "team": _("Tiimi"),
    },
    "timeline.homemunicipalityspell": {"municipality": _("Kotikunta")},
    "timeline.statusspell": {"status": _("Työmarkkina-asema"), "service_type": _("Palvelu")},
    "timeline.jobsearchperiod": {"registered_on": _("Työnhaku alkoi"), "ended_on": _("Työnhaku päättyi"),
                                 "end_reason": _("Päättymisen syy")},
    "timeline.benefitmonth": {"month": _("Kuukausi"), "benefit_type": _("Etuus"), "basis": _("Maksuperuste"),
                              "days": _("Päiviä"), "amount": _("Maksettu €")},
    "timeline.employmentconditionmet": {"met_on": _("Työssäoloehto täyttyi")},
    "casework.meeting": {"held_on": _("Päivä"), "kind": _("Tapaamisen laji"), "channel": _("Asiointitapa"),
                         "notes": _("Muistiinpanot")},
    "casework.employmentplan": {
        "drawn_up_on": _("Laadittu"), "valid_until": _("Voimassa asti"), "agreed_actions": _("Sovitut toimet"),
        "applications_required": _("Haettavia työpaikkoja"), "reporting_period_months": _("Tarkastelujakso (kk)"),
        "obligation_basis": _("Velvoitteen peruste"), "next_meeting_on": _("Seuraava tapaaminen"),
    },
    "casework.applicationreport": {"period_start": _("Jakso alkaa"), "applications": _("Hakemuksia"),
                                   "reported_on": _("Ilmoitettu")},
    "casework.caseassignment": {
        "counsellor": _("Vastuuohjaaja"), "team": _("Tiimi"), "phase": _("Palveluvaihe"), "valid_from": _("Alkaen"),
        "started_at": _("Kirjattu"), "ended_at": _("Päättyi"), "assigned_by": _("Kirjaaja"), "reason": _("Syy"),
        "transfer": _("Asiakassiirto"),
    },
    "casework.clientdue": {
        "computed_for": _("Laskettu päivälle"), "computed_at": _("Laskettu"), "registered_on": _("Työnhaku alkoi"),
        "phase": _("Palveluvaihe"), "counsellor": _("Vastuuohjaaja"), "team": _("Tiimi"),
        "next_kind": _("Seuraava tehtävä"), "next_due_on": _("Seuraavan määräpäivä"), "overdue": _("Myöhässä"),
        "items": _("Tehtäviä"), "home_municipality": _("Kotikunta"),
        "overdue_kinds": _("Myöhässä olevat tehtävät"), "this_week_kinds": _("Tällä viikolla erääntyvät tehtävät"),
        "upcoming_kinds": _("Myöhemmin erääntyvät tehtävät"),
    },
    "provision.referral": {
        "offering": _("Palvelu"), "referred_on": _("Ohjattu"), "status": _("Tila"),
        "participation_start": _("Osallistuminen alkoi"), "participation_end": _("Suunniteltu päättyminen"),
        "ended_on": _("Päättyi"), "status_spell_lineage": _("Aikajanan palvelujakson tunniste"),
        "updated_at": _("Muutettu"),
    },
    "provision.decision": {
        "kind": _("Päätöslaji"), "employer": _("Työnantaja"), "percent": _("Tukiprosentti"),
        "monthly_amount": _("€/kk"), "months": _("Kuukautta"), "decided_on": _("Päätöspäivä"),
        "municipality": _("Maksava kunta"), "decided_by": _("Päättäjä"),
    },
    "employer_services.competenceprofile": {
        "occupations": _("Ammatit"), "skills": _("Taidot"), "education_level": _("Koulutusaste"),
        "education": _("Tutkinto"), "licences": _("Luvat ja kortit"), "languages": _("Kielitaito"),
        "work_history": _("Työhistoria"), "place_preference": _("Työssäkäyntialue"),
        "hours_preference": _("Toivottu työaika"), "version": _("Versio"), "updated_by": _("Muuttaja"),
        "updated_at": _("Muutettu"),
    },
    "employer_services.joboffer": {
        "vacancy": _("Avoin työpaikka"), "binding": _("Velvoittava"), "offered_on": _("Tarjottu"),
        "respond_by": _("Vastattava viimeistään"), "response": _("Vastaus"), "outcome": _("Tulos"),
        "outcome_on": _("Tuloksen päivä"), "refusal_reason": _("Kieltäytymisen syy"), "version": _("Versio"),
        "updated_at": _("Muutettu"),
    },
    "employer_services.matchfeedback": {
        "vacancy": _("Avoin työpaikka"), "useful": _("Hyödyllinen"), "score": _("Pisteet"),
        "weights_version": _("Painojen versio"), "given_by": _("Palautteen antaja"), "given_at": _("Annettu"),
    },
    "municipal_share.kelainvoiceline": {
        "invoice": _("Lasku"), "line_number": _("Rivi"), "personal_id_hash": _("Henkilötunnuksen hakuavain"),
        "month": _("Etuuskuukausi"), "benefit_type": _("Etuus"), "paid_days": _("Maksetut päivät"),
        "cumulative_days": _("Kertymäpäivät"), "paid_eur": _("Maksettu €"), "share_percent": _("Kuntaosuus %"),
        "municipal_eur": _("Kuntaosuus €"), "municipality": _("Kunta"), "basis": _("Maksuperuste"),
    },
    "exchange.sourcerecord": {
        "system": _("Lähdejärjestelmä"), "entity": _("Tietolaji"), "source_id": _("Tunniste lähdejärjestelmässä"),
        "fact_id": _("Rivin tunniste Polussa"), "fact_date": _("Päivä"), "content_hash": _("Sisällön tarkiste"),
        "run": _("Tuonti"), "file": _("Tiedosto"), "row": _("Rivi"), "retracted_at": _("Poistettu lähteestä"),
    },
    "simulator.simulatedperson": {"run": _("Simulointiajo")},
    "privacy.pseudonymisation": {"run": _("Säilytysaikojen ajo"), "at": _("Pseudonymisoitu")},
    "access.accesslog": {
        "at": _("Aika"), "user": _("Käyttäjä"), "actor": _("Käyttäjä"), "person_id": _("Henkilö"),
        "action": _("Toiminto"), "purpose": _("Tarkoitus"), "channel": _("Kanava"), "role": _("Rooli"),
        "organisation": _("Organisaatio"),
    },
    "access.breakglassgrant": {
        "user": _("Käyttäjä"), "person": _("Henkilö"), "reason": _("Perustelu"), "granted_at": _("Avattu"),
        "expires_at": _("Voimassa asti"),
    },
    "access.clientaccount": {"user": _("Käyttäjätunnus"), "person": _("Henkilö"),
                             "last_sign_in_at": _("Viimeksi kirjautunut")},
    "casework.appointmentslot": {"counsellor": _("Ohjaaja"), "starts_at": _("Alkaa"), "minutes": _("Kesto (min)"),
                                 "channel": _("Asiointitapa"), "person": _("Varaaja"), "booked_at": _("Varattu")},
    "portal.reportedapplication": {"applied_on": _("Hakupäivä"), "employer": _("Työnantaja"),
                                   "job_title": _("Haettu tehtävä"), "reported_at": _("Ilmoitettu"),
                                   "reported_by": _("Ilmoittaja")},
    "portal.selfassessment": {"questionnaire_version": _("Kyselyn versio"), "answered_at": _("Vastattu"),
                              "filled_by": _("Täyttäjä"), "recorded_by": _("Kirjaaja"),
                              "work_ability": _("Työkyky nyt (0–10)")},
    "portal.consent": {"purpose": _("Tarkoitus"), "recipient": _("Vastaanottaja"), "categories": _("Tiedot"),
                       "agreed_text": _("Hyväksytty teksti"), "text_version": _("Tekstin versio"),
                       "given_at": _("Annettu"), "given_by": _("Antaja"), "withdrawn_at": _("Peruttu")},
    "portal.disclosure": {"consent": _("Suostumus"), "recipient": _("Vastaanottaja"), "categories": _("Tiedot"),
                          "content": _("Luovutettu sisältö"), "disclosed_at": _("Luovutettu"),
                          "disclosed_by": _("Luovuttaja")},
    "portal.message": {"from_client": _("Asiakkaalta"), "author": _("Kirjoittaja"), "body": _("Viesti"),
                       "sent_at": _("Lähetetty"), "read_at": _("Luettu")},
    "portal.notification": {"text": _("Ilmoituksen teksti"), "sent_at": _("Lähetetty"), "handled_at": _("Käsitelty"),
                            "channel": _("Lähetystapa")},
    "portal.agencyreferral": {"recipient": _("Vastaanottaja"), "reason": _("Mitä ohjauksella haetaan"),
                              "disclosure": _("Luovutetut tiedot"),
                              "history_disclosure": _("Luovutettu palveluhistoria"), "status": _("Tila"),
                              "events": _("Tilan muutokset ja yhteistapaamiset"), "created_by": _("Ohjaaja"),
                              "created_at": _("Lähetetty"), "updated_at": _("Muutettu"),
                              "meeting_starts_at": _("Yhteistapaamisen aika"),
                              "meeting_minutes": _("Yhteistapaamisen kesto (min)"),
                              "meeting_channel": _("Yhteistapaamisen asiointitapa"),
                              "meeting_place": _("Yhteistapaamisen paikka tai liittymisohje"),
                              "meeting_parties": _("Yhteistapaamiseen kutsutut tahot"),
                              "meeting_counsellor": _("Yhteistapaamisen ohjaaja")},
    "portal.notificationaddress": {"email": _("Sähköpostiosoite"), "phone": _("Matkapuhelinnumero"),
                                   "by_email": _("Ilmoitus sähköpostiin"), "by_sms": _("Ilmoitus tekstiviestinä"),
                                   "updated_at": _("Muutettu")},
    "portal.subjectaccessrequest": {"requested_at": _("Pyydetty"), "handled_at": _("Käsitelty")},
    "portal.feedbackinvitation": {"kind": _("Kysely"), "subject": _("Kohde"), "service_type": _("Palvelu"),
                                  "answered": _("Vastattu")},
}


def _due_kinds(mask: int) -> str:
    """A due-table client row's kinds of a state (one bit a kind) as the worklist names them."""
    return ", ".join(str(KIND_LABELS[kind]) for kind in mask_kinds(mask))


# Stored codes of fields without choices, in plain language: a code's name, or a function of the stored value.
VALUE_LABELS: dict[str, dict[str, Any] | Callable[[Any], str]] = {
    "municipal_share.kelainvoiceline.benefit_type": dict(BenefitType.choices),
    "municipal_share.kelainvoiceline.basis": dict(BenefitBasis.choices),
    "casework.employmentplan.obligation_basis": {"standard": _("tavanomainen hakuvelvollisuus")},
    "casework.clientdue.next_kind": KIND_LABELS,
    "casework.clientdue.overdue_kinds": _due_kinds,
    "casework.clientdue.this_week_kinds": _due_kinds,
    "casework.clientdue.upcoming_kinds": _due_kinds,
}

# Stored values that the machine-readable export gives in another form: a due-table row's kinds as their codes, not
# as the bits they are kept in.
RAW_VALUES: dict[str, Callable[[Any], Any]] = {
    "casework.clientdue.overdue_kinds": mask_kinds,
    "casework.clientdue.this_week_kinds": mask_kinds,
    "casework.clientdue.upcoming_kinds": mask_kinds,
}

# Kept out of the subject-access export: the look-up key and the ciphertext say nothing to the subject (the masked
# identity code is shown instead).
NOT_EXPORTED: dict[str, frozenset[str]] = {
    "people.person": frozenset({"personal_id_hash", "personal_id_encrypted"}),
    "municipal_share.kelainvoiceline": frozenset({"personal_id_hash"}),
    "exchange.sourcerecord": frozenset({"content_hash"}),
}


def model_label(label_lower: str) -> str:
    return str(MODELS.get(label_lower, label_lower))


def field_label(label_lower: str, field_name: str) -> str | None:
    """The field's plain name, or None when it has none (the tests refuse that)."""
    found = FIELDS.get(label_lower, {}).get(field_name) or COMMON.get(field_name)
    return str(found) if found is not None else None
