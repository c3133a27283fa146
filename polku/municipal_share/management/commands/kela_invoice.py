"""``polku kela_invoice``: import Kela's monthly municipal-share invoice list and check it against Polku.

``import FILE --municipality 765 --month 2025-03 --user NAME`` validates the whole file, stores it and
prints the reconciliation; a file with bad rows is refused whole, one ``rivi N: sarake: syy`` line per
problem, exit status 1, nothing written. ``show --id N`` reconciles a stored invoice again against
Polku's facts as they are now. ``--as-facts`` (on import) or ``facts --id N`` (managers and administrators) loads the lines as
benefit-day facts flagged as from Kela (superseding differing ones, naming the invoice; idempotent);
``--skip-unknown-persons`` skips and reports lines of persons not in Polku instead of refusing. They act
as the named user (administrators, and managers or analysts of
the municipality's employment area) and log the reads of every person concerned. Only persons within the
user's scope are reconciled; any other line (outside the area, or not in Polku: not told apart) is
``not_in_area`` and nothing more.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from polku.access.commands import PersonFactCommand, parse_date
from polku.access.models import AccessChannel
from polku.core.errors import ValidationFailed
from polku.municipal_share import invoices
from polku.municipal_share.reconcile import BENEFIT_FI


class Command(PersonFactCommand):
    help = "Import Kela's municipal-share invoice list (CSV or .xlsx) and reconcile it with Polku."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = self.subcommand(sub, "import", "Validate, store and reconcile an invoice file.")
        add.add_argument("file", help="The invoice list: CSV (semicolons, decimal commas) or .xlsx.")
        add.add_argument("--municipality", required=True, help="Three-digit municipality code, e.g. 765.")
        add.add_argument("--month", required=True, help="The month the invoice covers, YYYY-MM.")
        add.add_argument("--rule", default=None,
                         help="Rule set the invoice bills by (default: the one in force in --month).")
        self._benefit_option(add)
        add.add_argument("--as-facts", action="store_true",
                         help="Also load the lines as benefit-day facts (source Kela), in the same transaction.")
        show = self.subcommand(sub, "show", "Reconcile an imported invoice again.")
        show.add_argument("--id", dest="invoice_id", type=int, required=True)
        self._benefit_option(show)
        facts = self.subcommand(sub, "facts", "Load an imported invoice's lines as benefit-day facts.")
        facts.add_argument("--id", dest="invoice_id", type=int, required=True)
        self._benefit_option(facts)
        for sub_parser in (add, facts):
            sub_parser.add_argument("--skip-unknown-persons", action="store_true",
                                    help="With facts: skip and report lines of persons not in Polku "
                                         "(default: refuse the whole file).")
        for sub_parser in (add, show, facts):
            sub_parser.set_defaults(purpose=invoices.DEFAULT_PURPOSE)

    @staticmethod
    def _benefit_option(parser: CommandParser) -> None:
        parser.add_argument("--benefit", dest="benefits", action="append", default=None,
                            help="Benefits the invoice covers (repeatable; default: those on the invoice): "
                                 "labour_market_subsidy, basic_allowance, earnings_related_allowance.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        try:
            if options["action"] == "import":
                path = Path(options["file"])
                try:
                    data = path.read_bytes()
                except OSError as error:
                    raise CommandError(f"file: tiedostoa ei voi lukea: {error.strerror}") from None
                check = invoices.invoice_import(
                    data=data, file_name=path.name, municipality=options["municipality"],
                    invoice_month=parse_date(f"{options['month']}-01", "--month"), user=user,
                    rule_set=options["rule"], benefits=options["benefits"], channel=AccessChannel.CLI,
                    purpose=options["purpose"], as_facts=options["as_facts"],
                    skip_unknown_persons=options["skip_unknown_persons"],
                )
            elif options["action"] == "facts":
                check = invoices.invoice_load_facts(
                    invoice_id=options["invoice_id"], user=user, channel=AccessChannel.CLI, purpose=options["purpose"],
                    benefits=options["benefits"], skip_unknown_persons=options["skip_unknown_persons"])
            else:
                check = invoices.invoice_check(invoice_id=options["invoice_id"], user=user, channel=AccessChannel.CLI,
                                               purpose=options["purpose"], benefits=options["benefits"])
        except ValidationFailed as failure:
            if options["json"]:
                self.stdout.write(json.dumps({"errors": [e.as_dict() for e in failure.errors]}, ensure_ascii=False))
            raise
        data_out = invoices.check_as_dict(check)
        if options["json"]:
            self.stdout.write(json.dumps(data_out, ensure_ascii=False))
        else:
            self.stdout.write(render_text(data_out))


def render_text(data: dict[str, Any]) -> str:
    invoice, summary = data["invoice"], data["summary"]
    lines = [
        f"Kelan lasku {invoice['id']}: kunta {invoice['municipality']}, {invoice['month']}, "
        f"sääntö {invoice['rule_set']}" + ("" if invoice["rule_set_verified"] else " (VAHVISTAMATON sääntö)"),
        f"Tiedosto {invoice['file_name']} ({invoice['encoding']}), {invoice['line_count']} riviä",
        f"Kela {summary['invoice_municipal_eur']} €, Polku {summary['polku_municipal_eur']} €, "
        f"erotus {summary['difference_eur']} €",
        f"Henkilöitä laskulla {summary['invoice_persons']} (tarkistettu {summary['matched_persons']}, "
        f"ei alueellasi tai ei Polussa {summary['unknown_persons']}), laskulta puuttuu {summary['missing_persons']}; "
        f"täsmääviä rivejä {summary['rows_without_differences']}/{summary['compared_rows']}",
    ]
    lines += render_breakdown(data["breakdown"])
    if data["facts"] is not None:
        facts = data["facts"]
        lines.append(f"Etuustiedoiksi (ennen kirjausta tehdyn vertailun jälkeen): uusia {facts['created']}, "
                     f"korjattuja {facts['superseded']}, ennallaan {facts['unchanged']}"
                     + (f"; ohitettu tuntemattomien henkilöiden rivit {', '.join(map(str, facts['skipped_lines']))}"
                        if facts["skipped_lines"] else ""))
    if not data["differences"]:
        lines.append("Ei eroja.")
    for diff in data["differences"]:
        where = ("rivi " + ", ".join(str(n) for n in diff["lines"])) if diff["lines"] else "ei laskulla"
        who = diff["person_name"] or diff["person_id"] or "henkilö"
        benefit = BENEFIT_FI.get(diff["benefit_type"], diff["benefit_type"])
        lines.append(f"- {where}: {who}, {diff['month']} {benefit}: {diff['kind']}: {diff['reason']}")
    return "\n".join(lines)


def _part_text(label: str, part: dict[str, Any]) -> str:
    return (f"  {label}: kuntaosuus {part['municipal_eur']} €, maksettu {part['paid_eur']} €, "
            f"{part['paid_days']} päivää, {part['lines']} riviä, {part['persons']} henkilöä")


def render_breakdown(breakdown: dict[str, Any]) -> list[str]:
    """The invoice split into its own month and the earlier months it catches up."""
    current = breakdown["invoice_month"]
    out = ["Laskun erittely etuuskuukausittain:", _part_text(f"laskun kuukausi {current['month']}", current)]
    for part in breakdown["catch_up_months"]:
        out.append(_part_text(f"jälkilaskutus {part['month']}", part))
    if breakdown["catch_up_months"]:
        out.append(_part_text("jälkilaskutus yhteensä", breakdown["catch_up_total"]))
    out.append(_part_text("yhteensä", breakdown["total"]))
    return out
