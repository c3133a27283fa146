"""The permission matrix (role × capability × scope) as Markdown, generated from ``policy.GRANTS``.

``polku permissions_doc`` writes the committed copy ``docs/permissions.md``; with ``--check`` it fails when the
copy differs from the registry, so the document cannot drift from what the code decides.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from polku.access.models import Role
from polku.access.policy import BREAK_GLASS_DURATION, Capability, Scope, client_matrix, permission_matrix

DOC_NAME = "permissions.md"


def render_markdown(language: str = "fi") -> str:
    with translation.override(language):
        roles = list(Role)
        lines = [
            "# Käyttöoikeudet: rooli × kyvykkyys × rajaus",
            "",
            "<!-- Generoitu: polku permissions_doc (lähde polku/access/policy.py, GRANTS). Älä muokkaa käsin. -->",
            "",
            "Jokainen päätös siitä, saako käyttäjä tehdä jotakin jollekulle, on nimetty kyvykkyys "
            "(`polku.access.policy.Capability`). Taulukko kertoo, millä rajauksella kukin rooli sen saa; "
            "tyhjä solu (–) tarkoittaa, ettei roolilla ole kyvykkyyttä. Jokaisen reitin kyvykkyys on "
            "määritelty testissä `tests/access/test_permission_matrix.py`, joka tarkistaa vastaukset taulukkoa vasten.",
            "",
            "| Kyvykkyys | Tunniste | " + " | ".join(str(role.label) for role in roles) + " | Asiakas (oma asiointi) |",
            "|---|---|" + "---|" * (len(roles) + 1),
        ]
        client = client_matrix()
        for row in permission_matrix():
            scopes = [*(row.scopes[role] for role in roles), client[row.capability]]
            cells = [str(scope.label) if scope is not None else "–" for scope in scopes]
            lines.append(f"| {row.capability.label} | `{row.capability.value}` | " + " | ".join(cells) + " |")
        lines += ["", "## Rajaukset", ""]
        lines += [f"- **{scope.label}** (`{scope.value}`)" + {
            Scope.TEAM: ": asiakkaat, joiden vastuuohjaaja käyttäjä on nyt, ja käyttäjän tiimin asiakkaat, jotka "
                        "asuvat tänään käyttäjän työllisyysalueella.",
            Scope.AREA: ": henkilöt, joiden kotikunta kuuluu tänään käyttäjän työllisyysalueeseen, tai alueen luvut.",
            Scope.EVERYONE: ": koko rekisteri.",
            Scope.AGGREGATES: ": alueen luvut ilman nimiä; pienet ryhmät piilotetaan.",
            Scope.ONE_PERSON: ": rajauksen ulkopuolinen henkilö, yksi kerrallaan, perustellen ja rajatun ajan "
                              "(ks. alla).",
            Scope.SELF: ": vahvasti tunnistautuneen asiakkaan omat tiedot omassa asioinnissa (/oma/); ei kenenkään "
                        "muun.",
        }[scope] for scope in Scope]
        hours = int(BREAK_GLASS_DURATION.total_seconds() // 3600)
        lines += [
            "", "## Poikkeuksellinen pääsy", "",
            f"Kyvykkyys `{Capability.BREAK_GLASS.value}`: rooli voi avata rajauksensa ulkopuolisen henkilön tiedot "
            f"kirjoittamalla perustelun. Pääsy koskee vain tätä henkilöä ja kestää {hours} tunnin; avaaminen "
            "kirjataan lokiin toiminnolla `break_glass`, ja tietosuojavastaava näkee sen sivulla "
            "Tietosuoja › Poikkeukselliset pääsyt. Pääsy on lukuoikeus: kirjaukset vaativat henkilön rajauksen. "
            "Rajauksen ulkopuolinen henkilö ei näy käyttäjän hauissa eikä listoissa, joten pääsy avataan "
            "henkilötunnuksella (Henkilöt › Poikkeuksellinen pääsy henkilötunnuksella): perustelu kirjoitetaan ensin, "
            "ja vasta sen jälkeen vastaus kertoo, onko tunnus rekisterissä; myös tuloksettomat yritykset kirjataan.",
            "", "## Analyytikon pääsy henkilötietoihin", "",
            f"Analyytikko lukee alueensa henkilöiden tietoja (`{Capability.VIEW_PERSONS.value}`, alue), koska Kelan "
            f"kuntaosuuslaskun tarkistus (`{Capability.CHECK_KELA_INVOICES.value}`) ja tietojen laadun tarkistus ovat "
            "henkilötason työtä: laskun rivi on henkilö, ja poikkeaman syy löytyy vain henkilön aikajanalta. "
            "Analyytikolla ei ole nimettyä työlistaa eikä nimettyjä asiakasmääriä, hän ei kirjaa henkilötietoja eikä "
            "avaa poikkeuksellista pääsyä, ja jokainen luku kirjataan lokiin (oletustarkoitus: tietojen laadun "
            "tarkistus).",
            "", "## Työnantajapalvelut ja osaamisen kohtaanto", "",
            f"Työnantajapalveluille (yrityskoordinaattori, duuniagentti) on oma rooli, koska työ on toista kuin "
            f"ohjaajan: se kattaa koko alueen työnantajat ja työnhakijat mutta ei asiakkaan asiakastietoja. Rooli saa "
            f"kyvykkyydet `{Capability.EMPLOYER_SERVICES.value}` (alueen työnantajat, avoimet työpaikat ja "
            f"työtarjoukset) ja `{Capability.MATCH_CANDIDATES.value}` (alueen työnhakijoiden osaamisprofiilit ja "
            f"ehdokaslistat), ei `{Capability.VIEW_PERSONS.value}`-kyvykkyyttä. Ohjaaja ja tiiminvetäjä saavat "
            "työnantajapalvelut alueella ja ehdokaslistat omista ja tiimin asiakkaista; osaamisprofiilin kirjaa "
            "henkilötietoja kirjaava rooli. Ehdokaslista kirjataan lokiin jokaisen siinä näkyvän henkilön "
            "lukemisena (`candidate_list`).",
            "",
        ]
        return "\n".join(lines)


def is_stale(docs_dir: Path) -> bool:
    path = docs_dir / DOC_NAME
    return not path.exists() or path.read_text(encoding="utf-8") != render_markdown()


def write(docs_dir: Path) -> bool:
    """Write the document; True when it changed."""
    if not is_stale(docs_dir):
        return False
    docs_dir.mkdir(parents=True, exist_ok=True)
    (docs_dir / DOC_NAME).write_text(render_markdown(), encoding="utf-8")
    return True
