"""``polku impact --area kainuu [--service-type coaching] [--service-cost 800] [--tax-rate 7.2] … [--json]``.

The economic impact of services for the municipality (per service type and overall, with 95 % intervals) and
Heinola's activation claim as a scenario, from the area's history; aggregate figures only. Refused values end with an
error naming the option.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.access.commands import parse_date
from polku.core.errors import ValidationFailed
from polku.forecast.area import read_area
from polku.forecast.impact import (
    ALL,
    Parameters,
    activation_claim,
    comparison_profiles,
    estimate,
    rule_in_force,
)
from polku.forecast.management.commands.forecast import municipalities_of
from polku.forecast.views import reference_day

OPTION_OF = {"service_type": "--service-type", "tax_rate": "--tax-rate", "monthly_wage": "--monthly-wage",
             "taxable_share": "--taxable-share", "social_assistance_saving": "--social-assistance-saving",
             "follow_up": "--follow-up", "target": "--target", "month": "--month"}


def _option(field: str) -> str:
    return "--service-cost" if field.startswith("cost_") else OPTION_OF.get(field, "--" + field.replace("_", "-"))


class Command(BaseCommand):
    help = "Economic impact of services for the municipality, and Heinola's activation claim, from an area's history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", required=True, help="Employment area code (kuopio) or municipality code (765).")
        parser.add_argument("--to", help="Last day of the history used (default: the last calculation day before today).")
        parser.add_argument("--service-type", default=ALL)
        parser.add_argument("--service-cost", type=float, help="€ per participant-month of --service-type.")
        parser.add_argument("--tax-rate", type=float, help="Municipal income tax rate, %%.")
        parser.add_argument("--monthly-wage", type=float)
        parser.add_argument("--taxable-share", type=float)
        parser.add_argument("--social-assistance-saving", type=float)
        parser.add_argument("--follow-up", type=int)
        parser.add_argument("--target", type=float, help="Activation-rate target %% (default: Heinola's rise).")
        parser.add_argument("--month", type=int, default=12)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        municipalities = municipalities_of(options["area"])
        to = parse_date(options["to"], "--to") if options["to"] else reference_day()
        overrides: dict[str, Any] = {name: options[name] for name in
                                     ("tax_rate", "monthly_wage", "taxable_share", "social_assistance_saving",
                                      "follow_up")}
        try:
            area = read_area(municipalities, to)
            parameters = Parameters.for_area(municipalities).with_overrides(
                overrides, service_type=options["service_type"], service_cost=options["service_cost"])
            result = estimate(comparison_profiles(area.history), area.euros, rule_in_force(area.euros, to), parameters,
                              only=options["service_type"])
            claim = activation_claim(area.model, area.euros, target=options["target"], month=options["month"])
        except ValidationFailed as failure:
            raise CommandError("; ".join(
                f"{_option(e.field)}: {e.message}" for e in failure.errors
            )) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        out = {"area": options["area"], **result.as_dict(), "heinola_claim": claim.as_dict()}
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2 if options["json"] else None, default=str))
