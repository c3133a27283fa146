"""``polku pxweb``: Statistics Finland's PxWeb tables into Polku, without Polku ever fetching anything.

Polku makes no outbound connections, so the user fetches the table and Polku imports the file::

    polku pxweb query-template --table 12r5 --municipality 765 --municipality 205 --from 2021M01 --to 2021M12 \\
        > kysely.json
    curl -sS -X POST -H 'Content-Type: application/json' --data @kysely.json \\
        https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin/tyonv/statfin_tyonv_pxt_12r5.px -o 12r5.json
    polku pxweb import 12r5.json [--table 12r5|12u4] [--user NAME] [--json]

``import`` stores every cell or none: a refused file prints one ``JSON path: reason`` line per problem (with
``--json``, ``{"errors": [{"field", "code", "message"}]}`` on standard error) and exits with status 1. Area codes
of municipalities Polku does not know are stored without a municipality and reported as warnings.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from polku.access.commands import PersonFactCommand
from polku.core.errors import FieldError, ValidationFailed
from polku.public_statistics import services, tables

CURL = "curl -sS -X POST -H 'Content-Type: application/json' --data @kysely.json {url} -o {code}.json"


class Command(PersonFactCommand):
    """Uses the shared command base only for its error rendering and acting user; no person data is read."""

    help = "Import Statistics Finland PxWeb tables (JSON-stat2 files fetched with curl), or print the query to fetch one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        known = ", ".join(tables.TABLES)
        imported = sub.add_parser(
            "import", help="Import a JSON-stat2 file (all cells or none).", epilog=__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        imported.add_argument("file", type=Path, help="A PxWeb response saved with format json-stat2.")
        imported.add_argument("--table", default=None, help=f"The table ({known}) when the file does not tell.")
        imported.add_argument("--json", action="store_true", help="Print the result (or the errors) as JSON.")
        imported.add_argument("--user", default=os.environ.get("POLKU_USER"),
                              help="Username recorded as the importer (default: $POLKU_USER; none if unset).")
        template = sub.add_parser(
            "query-template", help="Print the PxWeb POST query for a table; fetch it with curl, then import.",
            epilog=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        template.add_argument("--table", required=True, help=f"The table: {known}.")
        template.add_argument("--municipality", action="append", required=True,
                              help="Municipality number (765) or area code (SSS, MK18); repeatable.")
        template.add_argument("--from", dest="first", required=True, help="First month, e.g. 2021M01.")
        template.add_argument("--to", dest="last", required=True, help="Last month, e.g. 2021M12.")
        template.add_argument("--variable", action="append", default=None,
                              help="Tiedot code (repeatable; default: those Polku's comparisons use).")
        template.add_argument("--json", action="store_true", help="Errors as JSON, and no curl hint on standard error.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options)
        else:
            self._query_template(options)

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"file: tiedostoa ei voi lukea: {error.strerror}") from None
        user = self.acting_user(options) if options["user"] else None
        result = services.pxweb_import(data, table=options["table"], file_name=path.name, user=user)
        self.emit(options, result.as_dict(), render_text(result))

    def _query_template(self, options: dict[str, Any]) -> None:
        try:
            spec = tables.table_spec(options["table"])
            query = tables.query_template(spec, regions=options["municipality"], first=options["first"],
                                          last=options["last"], variables=options["variable"] or ())
        except ValidationFailed as failure:  # name the options as typed
            raise ValidationFailed([FieldError(f"--{e.field}", e.code, e.message) for e in failure.errors]) from None
        self.stdout.write(json.dumps(query, ensure_ascii=False, indent=2))
        if not options["json"]:
            self.stderr.write(f"Tallenna kysely (> kysely.json) ja hae taulu: {CURL.format(url=spec.url, code=spec.code)}")


def render_text(result: services.ImportResult) -> str:
    lines = [
        f"Taulu {result.table}: {result.cells} solua tallennettu (uusia {result.created}, korvattuja {result.replaced}, "
        f"ilman arvoa {result.missing_values}), {len(result.regions)} aluetta, "
        f"{tables.month_code(result.first_month)}–{tables.month_code(result.last_month)}.",
        f"Lähde: {result.source or '(ei kerrottu)'}",
    ]
    lines += [f"Varoitus: {w.field}: {w.message}" for w in result.warnings]
    return "\n".join(lines)
