"""Landing-page copy: what Polku does, per role (only what is built).

Kept as data (not template prose) so each role's section is rendered by one loop and the
user's own role can be marked; every string is a Finnish msgid translated in ``polku/locale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from polku.access.models import Role
from polku.access.policy import staff_profile


@dataclass(frozen=True)
class RoleGuide:
    role: Role
    now: tuple[Promise, ...]

    @property
    def label(self) -> str:
        return str(self.role.label)

    @property
    def anchor(self) -> str:
        return f"rooli-{self.role.value}"


AVAILABLE_NOW: tuple[Promise, ...] = (
    _("Työnhakijoiden aikajanat: työmarkkina-asema ja palvelut, kotikunta, työnhakujaksot ja "
      "kuukausittaiset etuuspäivät. Korjaukset tallentuvat uusina versioina, joten aiempi tieto säilyy."),
    _("Simulaattori, joka tuottaa keinotekoista harjoitusaineistoa keinotekoisin henkilötunnuksin, "
      "jotta Polkua voi kokeilla ilman oikeita asiakastietoja."),
    _("Käyttöoikeudet roolin, työllisyysalueen ja tiimin mukaan sekä lokitieto jokaisesta "
      "henkilötietojen katselusta: kuka, ketä, milloin, mitä ja mihin tarkoitukseen."),
    _("Työlistat asiakasprosessin lakisääteisistä vaiheista (alkuhaastattelu, työnhakukeskustelut, "
      "työllistymissuunnitelma)."),
    _("Tunnusluvut ja työllisyysohjelman tavoitteet kuukausittain, alueittain ja tiimeittäin."),
    _("Työmarkkinatuen kuntaosuus henkilöittäin ja kuukausittain sekä Kelan laskun tarkistus."),
    _("Palveluvalikoima täyttöasteineen, ohjaukset palveluihin sekä palkkatuki-, starttiraha- ja kuntalisäpäätökset."),
    _("Ennusteet, skenaariot ja palvelujen talousvaikutukset."),
    _("Työnantajapalvelut: työnantajarekisteri, avoimet työpaikat, osaamisprofiilit, selitettävä osaamisen "
      "kohtaanto ja työtarjousten seuranta."),
    _("Avoin data ilman kirjautumista: koostetaulukot suojattuina pienten lukujen osalta."),
)


ROLE_GUIDES: tuple[RoleGuide, ...] = (
    RoleGuide(
        Role.COUNSELLOR,
        now=(
            _("Näet tiimisi asiakkaat ja kunkin aikajanan: työmarkkina-asemat ja palvelut, kotikunnat, "
              "työnhakujaksot ja etuuspäivät."),
            _("Haet asiakasta nimellä tai henkilötunnuksella. Henkilötunnus ei koskaan näy osoiterivillä, "
              "ja näytöllä se näkyy vain peitettynä."),
            _("Oma työlista: myöhässä olevat alkuhaastattelut, erääntyvät työnhakukeskustelut ja "
              "päättyvät suunnitelmat."),
            _("Tapaamisen ja työllistymissuunnitelman kirjaaminen sekä palveluun ohjaaminen."),
        ),
    ),
    RoleGuide(
        Role.TEAM_LEAD,
        now=(
            _("Näet tiimisi asiakkaat ja heidän aikajanansa."),
            _("Asiakasmäärät ohjaajittain ja myöhässä olevat lakisääteiset vaiheet tiimeittäin."),
            _("Palvelujen täyttöasteet."),
        ),
    ),
    RoleGuide(
        Role.MANAGER,
        now=(
            _("Näet työllisyysalueesi asiakkaat (nykyisen kotikunnan mukaan) ja heidän aikajanansa."),
            _("Kuukausittaiset tunnusluvut työllisyysohjelman tavoitteita vasten."),
            _("Asiakasmäärät ohjaajittain ja myöhässä olevat lakisääteiset vaiheet tiimeittäin."),
            _("Ennusteet, skenaariot ja palvelujen talousvaikutukset."),
        ),
    ),
    RoleGuide(
        Role.ANALYST,
        now=(
            _("Näet alueesi henkilötason aikajanat."),
            _("Rajapinnan (API) kuvaus ja kokeilunäkymä ovat osoitteessa /api/docs."),
            _("Työmarkkinatuen kuntaosuus kuukausittain ja henkilöryhmittäin sekä Kelan laskun tarkistus."),
            _("Ennusteet, skenaariot ja palvelujen talousvaikutukset (panos ja tuotos)."),
        ),
    ),
    RoleGuide(
        Role.ELECTED_OFFICIAL,
        now=(
            _("Luottamushenkilö ei näe henkilötason tietoja; Polku näyttää hänelle vain koostetietoja."),
            _("Työllisyysohjelman seurantanäkymä ja kuukausiraportti."),
            _("Vertailut viitekuntiin julkisten tilastojen perusteella."),
        ),
    ),
    RoleGuide(
        Role.DPO,
        now=(
            _("Näet kaikkien henkilöiden tiedot valvontaa varten."),
            _("Jokaisesta henkilötietojen katselusta kirjataan lokitieto (laki julkisen hallinnon "
              "tiedonhallinnasta 906/2019, 17 §)."),
            _("Lokitietojen selausnäkymä: kuka katsoi ketä, milloin ja miksi."),
        ),
    ),
    RoleGuide(
        Role.DATA_STEWARD,
        now=(
            _("Tuot alueesi rekisteriaineistot (asiakastietojärjestelmän poiminnat, Kelan maksut) tiedostoina: "
              "ensin tarkistus, sitten tuonti kokonaan tai ei lainkaan, virheet rivi riviltä."),
            _("Seuraat tuonnin etenemistä ja näet tuontihistorian: kuka, milloin, mitkä tiedostot ja mitä muuttui."),
            _("Viet alueen tiedot siirtomuodossa toiseen järjestelmään tai toiseen Polkuun."),
        ),
    ),
    RoleGuide(
        Role.JOB_AGENT,
        now=(
            _("Alueen työnantajarekisteri: toimiala, koko, yhteyshenkilöt, yhteydenottojen historia ja lupa "
              "yhteydenottoihin."),
            _("Oma työlista: työnantajat, joihin ei ole oltu aikoihin yhteydessä, avoimet rekrytointitarpeet, "
              "päättyvät palkkatuet ja työtarjousten seuranta."),
            _("Avoimet työpaikat ja niille sopivimmat alueen työnhakijat osaamisprofiilin perusteella, pisteet "
              "eriteltyinä; työtarjoukset ja niiden tulokset."),
        ),
    ),
    RoleGuide(
        Role.ADMIN,
        now=(
            _("Luot käyttäjät ja annat heille roolin, työllisyysalueen ja tiimin."),
            _("Näet kaikkien henkilöiden tiedot."),
        ),
    ),
)


@dataclass(frozen=True)
class Purpose:
    """Why a person's data is read; ``logged`` goes to the access log in Finnish, whatever the UI language."""

    key: str
    logged: str
    label: Promise


PURPOSES: tuple[Purpose, ...] = (
    Purpose("asiakastyo", "asiakastyö", _("asiakastyö")),
    Purpose("tyonjako", "esihenkilötyö ja työnjako", _("esihenkilötyö ja työnjako")),
    Purpose("tietopyynto", "rekisteröidyn tietopyyntö", _("rekisteröidyn tietopyyntö")),
    Purpose("valvonta", "tietosuojan valvonta", _("tietosuojan valvonta")),
    Purpose("laatu", "tietojen laadun tarkistus", _("tietojen laadun tarkistus")),
)
DEFAULT_PURPOSE = PURPOSES[0]


DEFAULT_PURPOSE_BY_ROLE = {"dpo": "valvonta", "manager": "tyonjako", "team_lead": "tyonjako", "analyst": "laatu"}


def purpose_for(key: str | None, user: Any = None) -> Purpose:
    """The purpose chosen in the UI; otherwise the usual purpose of the user's role (client work by default)."""
    profile = staff_profile(user) if user is not None else None
    chosen = key or DEFAULT_PURPOSE_BY_ROLE.get(profile.role if profile else "")
    return next((p for p in PURPOSES if p.key == chosen), DEFAULT_PURPOSE)
