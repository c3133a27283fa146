"""The ``polku-exchange`` format's documentation and sample files, generated from its schemas and profiles.

Pure functions: :func:`render_markdown` writes the description (Finnish by default; Swedish and English for the
page), :func:`sample_files` the sample data set of :mod:`polku.exchange.samples_data` as files of any accepted format.
``polku exchange_docs`` writes the committed copies (``docs/exchange-format.md`` and ``polku/exchange/samples/*.csv``)
and, with ``--check``, fails when they differ from what the schemas generate, so the two cannot drift apart.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from polku.exchange.profiles import WILDCARD, Profile, shipped_profiles
from polku.exchange.readers import FORMATS
from polku.exchange.samples_data import sample_rows
from polku.exchange.schema import FORMAT_NAME, FORMAT_VERSION, KEY_FIELDS, Entity, Field, entities

LANGUAGES = ("fi", "sv", "en")
SAMPLE_DIR = Path(__file__).resolve().parent / "samples"
DOC_NAME = "exchange-format.md"
SAMPLE_FORMATS = {"csv": ".csv", "xlsx": ".xlsx", "jsonl": ".jsonl", "parquet": ".parquet"}

TYPES = {
    "fi": {"string": "teksti", "integer": "kokonaisluku", "number": "luku (desimaalipilkku)", "boolean": "kyllä/ei",
           "date": "päivämäärä", "yearmonth": "kuukausi"},
    "sv": {"string": "text", "integer": "heltal", "number": "tal (decimalkomma)", "boolean": "ja/nej", "date": "datum",
           "yearmonth": "månad"},
    "en": {"string": "text", "integer": "integer", "number": "number (decimal comma)", "boolean": "yes/no",
           "date": "date", "yearmonth": "month"},
}

WORDS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Siirtomuoto {name}, versio {version}",
        "generated": "Tämä kuvaus on tuotettu koneellisesti muodon skeemoista (`polku/exchange/schema/v{version}/*.json`) "
                     "ja siirtoprofiileista (`polku/exchange/profiles/*.json`) komennolla `polku exchange_docs`. "
                     "Älä muokkaa sitä käsin: muuta skeemaa tai profiilia ja aja komento uudelleen.",
        "entities": "Tietolajit", "entity": "Tietolaji", "file": "Tiedosto", "description": "Kuvaus",
        "field": "Kenttä", "type": "Tyyppi", "required": "Pakollinen", "allowed": "Sallitut arvot / rajat",
        "field_title": "Otsikko", "example": "Esimerkki", "yes": "kyllä", "not": "ei", "no": "", "sensitive": "henkilötunnus: "
        "luetaan vain tarkistettavaksi ja avaimeksi, ei koskaan toisteta virheilmoituksessa",
        "max_chars": "enintään {n} merkkiä", "pattern": "muoto `{p}`", "range": "{lo}–{hi}", "min": "vähintään {lo}",
        "max": "enintään {hi}", "date_field": "Tietueen päiväys (kokonaisaineiston jakso rajataan tällä)",
        "spell": "Jakso: alkaa `{a}`, päättyy `{b}` (tyhjä = voimassa)", "rules": "Tarkistukset",
        "other_titles": "ruotsiksi *{sv}*, englanniksi *{en}*", "profiles": "Siirtoprofiilit",
        "profile_system": "Lähdejärjestelmä (tyhjä `source_system`)", "verified": "Vahvistettu",
        "unverified_warning": "**Varoitus: vahvistamaton profiili.** {note} Tee aina ensin kuivaharjoitus "
                              "(`polku import check`) ja tarkista tulos ennen tuontia.",
        "files": "Tiedostonimet (alku)", "columns": "Sarakkeet", "our_field": "Kenttä", "their_headers": "Otsikot lähteessä",
        "codes": "Koodit", "their_code": "Lähteen koodi", "our_code": "Polun koodi", "other_codes": "(kaikki muut)",
        "empty": "(tyhjä)", "user": "KÄYTTÄJÄ", "samples": "Esimerkkiaineisto", "rows": "rivejä", "none": "–",
    },
    "sv": {
        "title": "Överföringsformatet {name}, version {version}",
        "generated": "Denna beskrivning har genererats ur formatets scheman (`polku/exchange/schema/v{version}/*.json`) "
                     "och överföringsprofiler (`polku/exchange/profiles/*.json`) med kommandot `polku exchange_docs`. "
                     "Redigera den inte för hand.",
        "entities": "Datatyper", "entity": "Datatyp", "file": "Fil", "description": "Beskrivning",
        "field": "Fält", "type": "Typ", "required": "Obligatorisk", "allowed": "Tillåtna värden / gränser",
        "field_title": "Rubrik", "example": "Exempel", "yes": "ja", "not": "nej", "no": "", "sensitive":
        "personbeteckning: läses "
        "endast för kontroll och som nyckel, upprepas aldrig i ett felmeddelande",
        "max_chars": "högst {n} tecken", "pattern": "format `{p}`", "range": "{lo}–{hi}", "min": "minst {lo}",
        "max": "högst {hi}", "date_field": "Postens datum (perioden i ett totalmaterial avgränsas med detta)",
        "spell": "Period: börjar `{a}`, slutar `{b}` (tomt = gäller)", "rules": "Kontroller",
        "other_titles": "på finska *{fi}*, på engelska *{en}*", "profiles": "Överföringsprofiler",
        "profile_system": "Källsystem (tomt `source_system`)", "verified": "Bekräftad",
        "unverified_warning": "**Varning: obekräftad profil.** {note} Gör alltid först en torrkörning "
                              "(`polku import check`) och granska resultatet.",
        "files": "Filnamn (början)", "columns": "Kolumner", "our_field": "Fält", "their_headers": "Rubriker i källan",
        "codes": "Koder", "their_code": "Källans kod", "our_code": "Polkus kod", "other_codes": "(alla andra)",
        "empty": "(tomt)", "user": "ANVÄNDARE", "samples": "Exempelmaterial", "rows": "rader", "none": "–",
    },
    "en": {
        "title": "The {name} exchange format, version {version}",
        "generated": "This description is generated from the format's schemas (`polku/exchange/schema/v{version}/*.json`) "
                     "and mapping profiles (`polku/exchange/profiles/*.json`) by `polku exchange_docs`. "
                     "Do not edit it by hand.",
        "entities": "Entities", "entity": "Entity", "file": "File", "description": "Description",
        "field": "Field", "type": "Type", "required": "Required", "allowed": "Allowed values / range",
        "field_title": "Title", "example": "Example", "yes": "yes", "not": "no", "no": "", "sensitive":
        "identity code: read only "
        "to check it and as a key, never repeated in an error message",
        "max_chars": "at most {n} characters", "pattern": "pattern `{p}`", "range": "{lo}–{hi}", "min": "at least {lo}",
        "max": "at most {hi}", "date_field": "The record's date (a full snapshot's period is matched on it)",
        "spell": "Spell: starts `{a}`, ends `{b}` (empty = current)", "rules": "Checks",
        "other_titles": "in Finnish *{fi}*, in Swedish *{sv}*", "profiles": "Mapping profiles",
        "profile_system": "Source system (empty `source_system`)", "verified": "Verified",
        "unverified_warning": "**Warning: unverified profile.** {note} Always do a dry run first "
                              "(`polku import check`) and review it before importing.",
        "files": "File names (start)", "columns": "Columns", "our_field": "Field", "their_headers": "Headers in the source",
        "codes": "Codes", "their_code": "Source code", "our_code": "Polku's code", "other_codes": "(every other)",
        "empty": "(empty)", "user": "USER", "samples": "Sample data", "rows": "rows", "none": "–",
    },
}

# The prose sections: general rules of the format (the checks themselves live in rows.py and importer.py).
GENERAL: dict[str, str] = {
    "fi": """\
## Yleistä

`{name}` on Polun tiedonsiirtomuoto, jolla työllisyysalueen rekistereistä (valtion asiakastietojärjestelmän poiminnat,
Kelan maksutiedot, kunnan omat järjestelmät) tuodaan tietoja Polkuun ja viedään Polusta toiseen asennukseen.
Muodon versio on {version}. Jokainen tietolaji on oma tiedostonsa, ja sen sarakkeet on kuvattu
[Frictionless Table Schema](https://specs.frictionlessdata.io/table-schema/) -muotoisina skeemoina, joihin Polku on
lisännyt otsikot kolmella kielellä, esimerkkiarvot ja henkilötunnuksen merkinnän.

Tuonti: `polku import check|run TIEDOSTO… --profile P --mode full|delta --scope S --user U`
(`check` on kuivaharjoitus, joka ei kirjoita mitään). Vienti: `polku export --out HAKEMISTO --scope S
--format csv|jsonl|parquet --user U`. Tuonnin ja viennin saa tehdä vain tietopalvelun rooli (`data_steward`)
oman alueensa kunnista sekä pääkäyttäjä; jokaisesta tuonnista ja viennistä jää yksi tapahtuma käyttölokiin.

## Tiedostot

Hyväksytyt tiedostomuodot (päätteen mukaan): {formats}.

- **CSV**: erotin puolipiste (myös pilkku tai sarkain tunnistetaan otsikkoriviltä); merkistö UTF-8 (BOM:n kanssa tai
  ilman) tai Windows-1252, jona Excel tallentaa CSV:n; ensimmäinen rivi on otsikkorivi.
- **Excel (.xlsx)**: ensimmäinen taulukko, ensimmäinen rivi otsikkorivinä. **Parquet**: sarakkeiden nimet otsikkoina.
  **JSON Lines**: yksi JSON-objekti riviä kohden, avaimet otsikkoina.
- Otsikot verrataan kirjainkoosta riippumatta ja ympäröivät välilyönnit ohittaen; sarakkeiden järjestyksellä ei ole
  väliä, ja tuntemattomat sarakkeet ohitetaan (niitä ei lueta eikä tallenneta). Tyhjät rivit ohitetaan; rivi, jolla
  on enemmän arvoja kuin otsikoita, hylätään.
- **Päivämäärät** muodossa `31.12.2024` tai `2024-12-31` (taulukko-ohjelman ja Parquetin omat päivämäärät käyvät).
  **Kuukaudet** muodossa `2024-02`, `2/2024` tai `202402`.
- **Luvut** desimaalipilkulla (`781,41`); tuhaterottimena välilyönti tai piste käy, loppuun saa kirjoittaa `€`.
  Eurot annetaan senttien tarkkuudella.
- **Kyllä/ei-arvot**: `true`/`false`, `kyllä`/`ei`, `k`/`e`, `1`/`0` (tyhjä = ei).
- Tiedoston tietolaji päätellään tiedoston nimen alusta profiilin mukaan (esimerkiksi `homes_2025-03.csv` →
  `homes`); tietolajit tuodaan aina järjestyksessä henkilöt ensin, joten tiedostojen järjestyksellä ei ole väliä.

## Lähdeavaimet ja henkilöt

- Jokaisella tietueella on lähdeavain: `{keys}`. `source_system` on lähdejärjestelmän lyhyt nimi; tyhjänä
  käytetään profiilin järjestelmää. `source_id` on tietueen pysyvä tunniste siinä järjestelmässä. Avaimella Polku
  tunnistaa saman tietueen seuraavassa tuonnissa: muuttunut sisältö on korjaus, ennallaan oleva ohitetaan.
- Henkilöt (`persons`) tunnistetaan henkilötunnuksella (`personal_id`), joka tarkistetaan (tarkistemerkki,
  syntymäaika) ja tallennetaan vain salattuna; henkilöä haetaan henkilötunnuksen avainnetulla tiivisteellä (HMAC).
  Syntymäaika ja sukupuoli luetaan henkilötunnuksesta. Testi- ja esittelyasennukset hyväksyvät vain keinotekoiset
  tunnukset (yksilönumero 900–999).
- Muut tietolajit kertovat, kenen tieto on, joko sarakkeella `person_id` (henkilön `source_id` samassa
  lähdejärjestelmässä, samassa tuonnissa tai aiemmin tuotuna) tai sarakkeella `personal_id` (henkilötunnus), jos
  henkilön tunnistetta ei ole, kuten Kelan maksutiedoissa. Jos molemmat annetaan, käytetään `person_id`:tä.
  Henkilö, jota ei ole tuonnissa eikä Polussa, on virhe.

## Kokonaisaineisto ja muutosaineisto

- **Muutosaineisto** (`--mode delta`, oletus): tiedostossa ovat uudet ja muuttuneet tietueet. Sarake `deleted`
  (`true`) kertoo, että tietue on poistettu lähteessä: Polku merkitsee sen poistetuksi (historia säilyy).
  Henkilöitä ei poisteta tuonnilla.
- **Kokonaisaineisto** (`--mode full`): tiedostossa ovat kaikki alueen (`--scope`, pakollinen) tietueet; aiemmin
  tuodut saman lähdejärjestelmän tietueet, joita aineistossa ei enää ole, merkitään poistetuiksi. Jakson
  (`--period-start`, `--period-end`) voi rajata tietueen päiväyksellä, jolloin vain jakson tietueet korvataan.
- Mitään ei muokata paikallaan: korjaus kirjoittaa uuden version ja päättää edellisen (kuka, milloin, miksi), joten
  kysymykseen "mitä tiesimme päivänä P" saa yhä vastauksen.

## Kaikki tai ei mitään

Tuonti joko onnistuu kokonaan yhdessä tietokantatransaktiossa tai ei kirjoita mitään. Ennen kirjoittamista
tarkistetaan jokainen rivi (pakolliset arvot, koodistot, rajat, päivämäärät) ja lopputila: saman henkilön
voimassa olevat jaksot eivät mene päällekkäin, kuukauden etuuspäiviä on kaikkiaan enintään kuukauden arkipäivien
verran, henkilöllä on yksi voimassa oleva suunnitelma, tiedot eivät ole ennen henkilön syntymää, kunta on voimassa
koko jakson ajan ja henkilöt kuuluvat tuojan alueeseen.

Jos yksikin ongelma löytyy, koko tuonti hylätään ja jokainen ongelma luetellaan muodossa
**tiedosto, rivi, sarake, syy** (esimerkiksi `homes.csv:7: municipality: Tuntematon kuntanumero 999.`). Rivinumero on
se, jonka taulukko-ohjelma näyttää (otsikkorivi on rivi 1), JSON Linesissa tiedoston rivi. Sarake nimetään niin kuin
tiedosto sen nimeää. **Henkilötunnusta ei koskaan toisteta virheilmoituksessa**, tuontihistoriassa eikä lokissa.
`--errors-csv TIEDOSTO` kirjoittaa koko luettelon CSV:nä. Tuontihistoriaan jäävät tiedostojen nimet, SHA-256-
tiivisteet, määrät tietolajeittain ja ongelmaluettelo.
""",
    "sv": """\
## Allmänt

`{name}` är Polkus överföringsformat för att föra in uppgifter ur sysselsättningsområdets register (uttag ur
statens klientdatasystem, FPA:s betalningsuppgifter, kommunens egna system) i Polku och för att föra ut dem till en
annan installation. Formatets version är {version}. Varje datatyp är en egen fil, och dess kolumner beskrivs som
[Frictionless Table Schema](https://specs.frictionlessdata.io/table-schema/) med Polkus tillägg (rubriker på tre
språk, exempelvärden, markering av personbeteckningen).

Import: `polku import check|run FIL… --profile P --mode full|delta --scope S --user U` (`check` är en torrkörning).
Export: `polku export --out KATALOG --scope S --format csv|jsonl|parquet --user U`. Endast rollen datatjänst
(`data_steward`) för kommunerna i sitt område samt huvudanvändaren får importera och exportera; varje import och
export är en händelse i åtkomstloggen.

## Filer

Godkända filformat (enligt filändelse): {formats}.

- **CSV**: semikolon som avgränsare (även komma eller tabb känns igen ur rubrikraden); UTF-8 (med eller utan BOM) eller
  Windows-1252; första raden är rubrikrad.
- **Excel (.xlsx)**: första bladet, första raden som rubriker. **Parquet**: kolumnnamnen som rubriker.
  **JSON Lines**: ett JSON-objekt per rad.
- Rubriker jämförs utan hänsyn till skiftläge; kolumnordningen spelar ingen roll och okända kolumner hoppas över
  (de läses inte och sparas inte). Tomma rader hoppas över; en rad med fler värden än rubriker avvisas.
- **Datum** som `31.12.2024` eller `2024-12-31`; **månader** som `2024-02`, `2/2024` eller `202402`.
- **Tal** med decimalkomma (`781,41`), euro med centprecision. **Ja/nej**: `true`/`false`, `kyllä`/`ei`, `1`/`0`.
- Filens datatyp framgår av början av filnamnet enligt profilen; personer importeras alltid först.

## Källnycklar och personer

- Varje post har en källnyckel: `{keys}`. Tomt `source_system` betyder profilens system. Med nyckeln känner Polku
  igen samma post vid nästa import: ändrat innehåll är en rättelse, oförändrat hoppas över.
- Personer (`persons`) identifieras med personbeteckning (`personal_id`), som kontrolleras och sparas endast
  krypterad; personen söks med en nyckelhashad form. Test- och demoinstallationer godkänner endast konstgjorda
  beteckningar (individnummer 900–999).
- Övriga datatyper anger personen med `person_id` (personens `source_id` i samma källsystem) eller med
  `personal_id` när id saknas, som i FPA:s uppgifter.

## Totalmaterial och ändringsmaterial

- **Ändringsmaterial** (`--mode delta`, standard): nya och ändrade poster; kolumnen `deleted` (`true`) markerar en
  post som raderats i källan. Personer raderas inte genom import.
- **Totalmaterial** (`--mode full`): alla poster i området (`--scope`, obligatoriskt); tidigare importerade poster
  som inte längre finns markeras som raderade, inom perioden `--period-start`–`--period-end` om den anges.
- Inget redigeras på plats: en rättelse skriver en ny version och avslutar den föregående (vem, när, varför).

## Allt eller inget

Importen skrivs helt i en transaktion eller inte alls. Varje rad och sluttillståndet kontrolleras (inga överlappande
perioder, förmånsdagar högst månadens vardagar, en gällande plan, inget före födelsen, giltig kommun, personer inom
användarens område). Vid ett enda fel avvisas hela importen och varje fel listas som **fil, rad, kolumn, orsak**.
**Personbeteckningen upprepas aldrig i ett felmeddelande.** `--errors-csv FIL` skriver hela listan.
""",
    "en": """\
## Overview

`{name}` is Polku's exchange format for bringing data from an employment area's registers (extracts of the state
client information system, Kela's payment data, the municipality's own systems) into Polku, and for moving it to
another installation. This is version {version}. Each entity is a file of its own; its columns are described as a
[Frictionless Table Schema](https://specs.frictionlessdata.io/table-schema/) with Polku's additions (titles in three
languages, example values, the identity code marked sensitive).

Import: `polku import check|run FILE… --profile P --mode full|delta --scope S --user U` (`check` is a dry run that
writes nothing). Export: `polku export --out DIR --scope S --format csv|jsonl|parquet --user U`. Only the data
steward role (`data_steward`), for the municipalities of its own area, and administrators may import and export;
each import and export is one event in the access log.

## Files

Accepted file formats (by extension): {formats}.

- **CSV**: semicolon-separated (a comma or tab is recognised from the header line); UTF-8 (with or without a BOM) or
  Windows-1252, as Excel saves CSV; the first line is the header.
- **Excel (.xlsx)**: the first worksheet, first row as headers. **Parquet**: the column names as headers.
  **JSON Lines**: one JSON object per line.
- Headers are compared case-insensitively; column order does not matter and unknown columns are ignored (neither
  read nor stored). Empty rows are skipped; a row with more values than headers is refused.
- **Dates** as `31.12.2024` or `2024-12-31`; **months** as `2024-02`, `2/2024` or `202402`.
- **Numbers** with a decimal comma (`781,41`), euros to the cent. **Yes/no**: `true`/`false`, `kyllä`/`ei`, `1`/`0`.
- A file's entity is told by the start of its name, per the profile; persons are always imported first.

## Source keys and persons

- Every record has a source key: `{keys}`. An empty `source_system` means the profile's system. By the key Polku
  recognises the same record in the next import: changed content is a correction, unchanged content is skipped.
- Persons (`persons`) are identified by the identity code (`personal_id`), which is validated, stored only
  encrypted and looked up by a keyed hash. Test and demo installations accept only artificial codes (individual
  numbers 900–999).
- Other entities name the person by `person_id` (the person's `source_id` in the same source system) or by
  `personal_id` when there is no such id, as in Kela's data.

## Full and delta imports

- **Delta** (`--mode delta`, the default): new and changed records; the `deleted` column (`true`) marks a record
  deleted in the source. Persons are never deleted by an import.
- **Full snapshot** (`--mode full`): every record of the scope (`--scope`, required); records imported earlier that
  the snapshot no longer has are retracted, within `--period-start`–`--period-end` when given.
- Nothing is edited in place: a correction writes a new version and supersedes the earlier one (who, when, why).

## All or nothing

An import is written whole in one transaction or not at all. Every row and the resulting state are checked (no
overlapping spells, benefit days at most the month's weekdays, one current plan, nothing before birth, a valid
municipality, persons inside the importer's area). On any problem the whole import is refused and every problem is
listed as **file, row, column, reason**. **An identity code is never repeated in a message.** `--errors-csv FILE`
writes the whole list.
""",
}

# Checks of each entity beyond its field constraints, as rows.py and importer.py apply them.
RULES: dict[str, dict[str, list[str]]] = {
    "fi": {
        "persons": ["Henkilötunnus tarkistetaan; syntymäaika, jos annettu, on oltava sama kuin tunnuksessa.",
                    "Sama henkilötunnus vain kerran tuonnissa; tunnus ei saa kuulua Polussa toiselle henkilölle.",
                    "Tyhjä kieli = `fi`, tyhjä koulutus = `upper_secondary`. Tiimin on oltava Polussa olevan tiimin nimi."],
        "homes": ["Kuntanumero (esim. 297 Kuopio) on oltava voimassa koko jakson ajan.",
                  "Henkilön voimassa olevat kotikuntajaksot eivät mene päällekkäin."],
        "job_searches": ["Päättyneellä työnhaulla on päättymisen syy, voimassa olevalla ei.",
                         "Henkilön työnhaut eivät mene päällekkäin."],
        "status_spells": ["Asemalla `in_service` on palvelu (`service_type`), muilla asemilla ei.",
                          "Henkilön asemajaksot eivät mene päällekkäin."],
        "benefit_months": ["Kuukautta ei ole maksettu etukäteen (ei tulevia kuukausia).",
                           "Henkilön etuuspäiviä kuukaudelle on kaikkien etuuksien yhteensä enintään kuukauden "
                           "arkipäivien määrä (5 päivää viikossa, 20–23).",
                           "Rahaa ei makseta ilman päiviä; yksi rivi henkilöä, kuukautta, etuutta ja perustetta kohden."],
        "employment_conditions": ["Yksi rivi henkilöä ja päivää kohden."],
        "meetings": ["Vain tapaamisen laji, kanava ja päivä tuodaan: muistiinpanoja ei siirretä."],
        "plans": ["Voimassaolo päättyy aikaisintaan laatimispäivänä; henkilöllä on yksi voimassa oleva suunnitelma.",
                  "Sovittuja toimenpiteitä (vapaata tekstiä) ei tuoda."],
        "application_reports": ["Yksi ilmoitus henkilöä ja jakson alkua kohden."],
        "assignments": ["Ohjaaja on Polun käyttäjätunnus ja tiimi Polun tiimin nimi (tai tyhjä).",
                        "Henkilöllä on enintään yksi voimassa oleva vastuuohjaaja; rekisterin tuoma korvaa käsin "
                        "kirjatun."],
    },
    "sv": {
        "persons": ["Personbeteckningen kontrolleras; födelsedagen ska stämma med den.",
                    "Samma beteckning endast en gång; den får inte höra till en annan person i Polku."],
        "homes": ["Kommunnumret ska gälla hela perioden; perioderna överlappar inte."],
        "job_searches": ["En avslutad arbetssökning har en orsak, en gällande har ingen; inga överlapp."],
        "status_spells": ["Ställningen `in_service` har en tjänst (`service_type`), andra inte; inga överlapp."],
        "benefit_months": ["Inga framtida månader; dagar över alla förmåner högst månadens vardagar (20–23).",
                           "Inga pengar utan dagar."],
        "employment_conditions": ["En rad per person och dag."],
        "meetings": ["Endast typ, kanal och dag importeras: anteckningar överförs inte."],
        "plans": ["En gällande plan per person; fritext om åtgärder importeras inte."],
        "application_reports": ["En anmälan per person och period."],
        "assignments": ["Handledaren är ett användarnamn i Polku; högst en gällande per person."],
    },
    "en": {
        "persons": ["The identity code is validated; a birth date, if given, must match it.",
                    "One row per identity code; the code may not belong to another person in Polku."],
        "homes": ["The municipality code must be valid for the whole spell; a person's spells never overlap."],
        "job_searches": ["An ended job search has an end reason, a current one has none; no overlaps."],
        "status_spells": ["Status `in_service` has a service (`service_type`), other statuses none; no overlaps."],
        "benefit_months": ["No future months; days over all benefits at most the month's weekdays (20–23).",
                           "No money without days."],
        "employment_conditions": ["One row per person and day."],
        "meetings": ["Only the kind, channel and day are imported: no notes are transferred."],
        "plans": ["One current plan per person; free-text agreed actions are not imported."],
        "application_reports": ["One report per person and period."],
        "assignments": ["The counsellor is a Polku user name; at most one current assignment per person."],
    },
}

SAMPLES_TEXT = {
    "fi": "Hakemistossa `polku/exchange/samples/` on pieni yhtenäinen esimerkkiaineisto: viisi Kuopion "
          "työllisyysalueen työnhakijaa (Kuopio, Siilinjärvi, Rautalampi), heidän kotikuntansa (yksi muutto), "
          "työnhakunsa, työmarkkina-asemansa (työvoimakoulutus, palkkatuki ja valmennus palveluina), maksetut "
          "etuuskuukaudet (Kelan tapaan henkilötunnuksella), työssäoloehdot, tapaamiset, suunnitelmat, "
          "hakuilmoitukset ja vastuuohjaajat. Kunkin tiedoston ensimmäinen rivi on skeeman esimerkkirivi. "
          "Henkilötunnukset ovat keinotekoisia (yksilönumero 900–999). Aineiston voi tuoda sellaisenaan:",
    "sv": "Katalogen `polku/exchange/samples/` innehåller ett litet sammanhängande exempelmaterial: fem arbetssökande i "
          "Kuopio sysselsättningsområde. Personbeteckningarna är konstgjorda (individnummer 900–999). Import:",
    "en": "`polku/exchange/samples/` holds a small coherent sample data set: five job seekers of the Kuopio employment "
          "area with homes (one move), job searches, statuses (a training, a wage subsidy and coaching as services), "
          "paid benefit months (by identity code, as Kela sends them), employment conditions, meetings, plans, "
          "application reports and counsellors. The first row of each file is the schema's example row. The identity "
          "codes are artificial (individual numbers 900–999). Import it as it is:",
}


# -- Markdown ----------------------------------------------------------------------------------------------------


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _number(value: float) -> str:
    return f"{value:g}"


def _allowed(f: Field, w: dict[str, str]) -> str:
    parts = []
    if f.enum is not None:
        parts.append(", ".join(f"`{code}`" for code in f.enum))
    if f.minimum is not None and f.maximum is not None:
        parts.append(w["range"].format(lo=_number(f.minimum), hi=_number(f.maximum)))
    elif f.minimum is not None:
        parts.append(w["min"].format(lo=_number(f.minimum)))
    elif f.maximum is not None:
        parts.append(w["max"].format(hi=_number(f.maximum)))
    if f.pattern is not None:
        parts.append(w["pattern"].format(p=f.pattern))
    if f.max_length is not None and f.enum is None:
        parts.append(w["max_chars"].format(n=f.max_length))
    if f.sensitive:
        parts.append(w["sensitive"])
    return "; ".join(parts) or w["none"]


def _entity_section(e: Entity, language: str) -> list[str]:
    w = WORDS[language]
    others = {k: v for k, v in e.title.items() if k != language}
    lines = [f"### `{e.name}` — {e.title[language]}", "",
             f"{e.title[language]}: " + w["other_titles"].format(**others) + ".", "",
             e.description[language], ""]
    if e.date_field:
        lines.append(f"- {w['date_field']}: `{e.date_field}`")
    if e.spell:
        lines.append(f"- {w['spell'].format(a=e.spell[0], b=e.spell[1])}")
    if e.date_field or e.spell:
        lines.append("")
    lines += [f"| {w['field']} | {w['type']} | {w['required']} | {w['allowed']} | {w['field_title']} | {w['example']} |",
              "|---|---|---|---|---|---|"]
    for f in e.fields:
        required = w["yes"] if f.required else w["no"]
        example = f"`{f.example}`" if f.example else ""
        lines.append(f"| `{f.name}` | {TYPES[language][f.type]} | {required} | {_cell(_allowed(f, w))} | "
                     f"{_cell(f.title[language])} | {_cell(example)} |")
    rules = RULES[language].get(e.name, [])
    if rules:
        lines += ["", f"{w['rules']}:", ""] + [f"- {rule}" for rule in rules]
    lines.append("")
    return lines


def _profile_section(p: Profile, language: str) -> list[str]:
    w = WORDS[language]
    lines = [f"### `{p.name}` — {p.title_in(language)}", "",
             f"- {w['profile_system']}: `{p.system}`",
             f"- {w['verified']}: {w['yes'] if p.verified else w['not']}",
             ""]
    if not p.verified:
        lines += ["> " + w["unverified_warning"].format(note=p.note_in(language)), ""]
    elif p.note_in(language):
        lines += [p.note_in(language), ""]
    order = entities()
    lines += [f"| {w['entity']} | {w['files']} |", "|---|---|"]
    for name in sorted(p.mappings, key=lambda n: order[n].order):
        lines.append(f"| `{name}` | {', '.join(f'`{f}`' for f in p.mappings[name].files)} |")
    lines.append("")
    for name in sorted(p.mappings, key=lambda n: order[n].order):
        m = p.mappings[name]
        if not m.columns and not m.codes:
            continue
        lines += [f"#### `{name}`", ""]
        if m.columns:
            lines += [f"{w['columns']}:", "", f"| {w['our_field']} | {w['their_headers']} |", "|---|---|"]
            for field_name in order[name].field_names:
                if field_name in m.columns:
                    lines.append(f"| `{field_name}` | {', '.join(f'`{h}`' for h in m.columns[field_name])} |")
            lines.append("")
        for field_name, table in m.codes.items():
            lines += [f"{w['codes']} `{field_name}`:", "", f"| {w['their_code']} | {w['our_code']} |", "|---|---|"]
            for theirs, ours in table.items():
                shown = w["other_codes"] if theirs == WILDCARD else f"`{theirs}`" if theirs else w["empty"]
                lines.append(f"| {shown} | {f'`{ours}`' if ours else w['empty']} |")
            lines.append("")
    return lines


def render_markdown(language: str = "fi") -> str:
    """The format's description as Markdown in ``language`` (fi, sv or en), from the schemas and profiles only."""
    if language not in LANGUAGES:
        raise ValueError(f"language: {language} (fi, sv or en)")
    w = WORDS[language]
    all_entities = entities()
    formats = ", ".join(f"`{suffix}`" for suffix in FORMATS)
    lines = [f"# {w['title'].format(name=FORMAT_NAME, version=FORMAT_VERSION)}", "",
             f"*{w['generated'].format(version=FORMAT_VERSION)}*", "",
             GENERAL[language].format(name=FORMAT_NAME, version=FORMAT_VERSION, formats=formats,
                                      keys=" + ".join(KEY_FIELDS)),
             f"## {w['entities']}", "",
             f"| {w['entity']} | {w['field_title']} | {w['description']} |", "|---|---|---|"]
    for e in all_entities.values():
        lines.append(f"| `{e.name}` | {_cell(e.title[language])} | {_cell(e.description[language])} |")
    lines.append("")
    for e in all_entities.values():
        lines += _entity_section(e, language)
    lines += [f"## {w['profiles']}", ""]
    for profile in shipped_profiles().values():
        lines += _profile_section(profile, language)
    rows = sample_rows()
    lines += [f"## {w['samples']}", "", SAMPLES_TEXT[language], "",
              "```sh", f"polku import run polku/exchange/samples/*.csv --user {w['user']}", "```", "",
              f"| {w['file']} | {w['rows']} |", "|---|---|"]
    for name, entity_rows in rows.items():
        lines.append(f"| `polku/exchange/samples/{name}.csv` | {len(entity_rows)} |")
    lines.append("")
    return "\n".join(lines)


# -- sample files ------------------------------------------------------------------------------------------------


def _csv_value(value: Any, f: Field) -> str:
    if value is None:
        return ""
    if f.type == "yearmonth" and isinstance(value, date):
        return f"{value:%Y-%m}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def _json_value(value: Any, f: Field) -> Any:
    if value is None or (value == "" and f.type != "string"):
        return None
    if f.type == "yearmonth" and isinstance(value, date):
        return f"{value:%Y-%m}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def sample_csv(name: str) -> bytes:
    """The sample file of entity ``name`` as CSV in the format's conventions (UTF-8 with BOM, so Excel shows ä)."""
    entity = entities()[name]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(entity.field_names)
    for row in sample_rows()[name]:
        writer.writerow([_csv_value(row[f.name], f) for f in entity.fields])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _write_xlsx(path: Path, entity: Entity, rows: list[dict[str, Any]]) -> None:
    import openpyxl  # type: ignore[import-untyped,import-not-found,unused-ignore]

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = entity.name
    sheet.append(list(entity.field_names))
    for row in rows:
        cells = []
        for f in entity.fields:
            value = row[f.name]
            if f.type == "yearmonth" and isinstance(value, date):
                value = f"{value:%Y-%m}"
            cells.append(None if value == "" else value)
        sheet.append(cells)
    workbook.save(path)


def _write_parquet(path: Path, entity: Entity, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "integer": pa.int64(), "number": pa.decimal128(12, 2), "boolean": pa.bool_(),
             "date": pa.date32(), "yearmonth": pa.string()}
    schema = pa.schema([(f.name, types[f.type]) for f in entity.fields])
    columns = {f.name: [(f"{r[f.name]:%Y-%m}" if f.type == "yearmonth" and r[f.name] else r[f.name]) for r in rows]
               for f in entity.fields}
    pq.write_table(pa.Table.from_pydict(columns, schema=schema), path)


def sample_files(directory: Path, kind: str = "csv") -> list[Path]:
    """Write the sample data set into ``directory``, one file per entity, as csv, xlsx, jsonl or parquet."""
    if kind not in SAMPLE_FORMATS:
        raise ValueError(f"kind: {kind} ({', '.join(SAMPLE_FORMATS)})")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in sample_rows().items():
        entity = entities()[name]
        path = directory / f"{name}{SAMPLE_FORMATS[kind]}"
        if kind == "csv":
            path.write_bytes(sample_csv(name))
        elif kind == "jsonl":
            path.write_text("".join(json.dumps({f.name: _json_value(r[f.name], f) for f in entity.fields},
                                               ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        elif kind == "xlsx":
            _write_xlsx(path, entity, rows)
        else:
            _write_parquet(path, entity, rows)
        written.append(path)
    return written


# -- the committed copies ----------------------------------------------------------------------------------------


def generated_files(docs_dir: Path, sample_dir: Path = SAMPLE_DIR) -> dict[Path, bytes]:
    """Every committed file the schemas generate, with its content: the Finnish description and the CSV samples."""
    files = {docs_dir / DOC_NAME: render_markdown("fi").encode("utf-8")}
    for name in entities():
        files[sample_dir / f"{name}.csv"] = sample_csv(name)
    return files


def stale_files(docs_dir: Path, sample_dir: Path = SAMPLE_DIR) -> list[Path]:
    """The committed files that differ from what the schemas generate (missing, changed, or a sample no longer made)."""
    wanted = generated_files(docs_dir, sample_dir)
    stale = [path for path, content in wanted.items() if not path.is_file() or path.read_bytes() != content]
    if sample_dir.is_dir():
        stale += sorted(path for path in sample_dir.glob("*.csv") if path not in wanted)
    return stale


def write_generated(docs_dir: Path, sample_dir: Path = SAMPLE_DIR) -> list[Path]:
    """Write the generated files that differ (and remove samples no longer generated); returns what changed."""
    changed = stale_files(docs_dir, sample_dir)
    wanted = generated_files(docs_dir, sample_dir)
    for path in changed:
        if path in wanted:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(wanted[path])
        else:
            path.unlink()
    return changed
