"""``polku forecast project|backtest|fit --area kuopio [--months 12] [--paths 1000] [--json]``.

Aggregate figures only: the duration model (with the municipal share € mapping), a projection with Monte-Carlo
bands and the municipal share € under both rule sets (optionally under a scenario given as options), or a backtest of
the unemployed and the € against the naive baselines. No person data is printed.
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.access.commands import parse_date
from polku.core.errors import ValidationFailed
from polku.forecast.area import AreaForecast, area_backtest, backtest_cutoff, read_area
from polku.forecast.bands import shipped_calibration
from polku.forecast.models import ForecastFit
from polku.forecast.projection import Scenario, project
from polku.forecast.services import fit_record
from polku.forecast.views import reference_day


def municipalities_of(area: str) -> set[str]:
    """The municipality codes of an employment area code, or the one municipality; ``--area`` names it if unknown."""
    from polku.reference.models import EmploymentArea, EmploymentAreaMembership, Municipality

    if Municipality.objects.filter(code=area).exists():
        return {area}
    found = EmploymentArea.objects.filter(code=area).first()
    if found is None:
        raise CommandError(f"--area: tuntematon alue tai kunta {area!r}.")
    return set(EmploymentAreaMembership.objects.filter(area=found).values_list("municipality_id", flat=True))


class Command(BaseCommand):
    help = "Forecasts from an area's own history: fit, project (with a scenario), backtest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["fit", "project", "backtest"])
        parser.add_argument("--area", required=True, help="Employment area code (kuopio) or municipality code (765).")
        parser.add_argument("--to", help="Last day of the history used (default: the last calculation day before today).")
        parser.add_argument("--months", type=int, default=12, help="Horizon in months (1–36).")
        parser.add_argument("--paths", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--first-months-exit-factor", type=float, default=1.0)
        parser.add_argument("--inflow-factor", type=float, default=1.0)
        parser.add_argument("--service-entry-factor", type=float, default=1.0)
        parser.add_argument("--shock-month", type=int)
        parser.add_argument("--shock-size", type=int, default=0)
        parser.add_argument("--shock-basic-share", type=float, help="Share of the laid off with basic education only "
                            "(0–1; default: the area's recent new unemployed).")
        parser.add_argument("--shock-tertiary-share", type=float, help="Share with a tertiary degree (0–1).")
        parser.add_argument("--service-type", default="", help="Service type whose places change (catalogue code).")
        parser.add_argument("--service-places", type=int, default=0, help="Places more (negative: fewer) in it.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        municipalities = municipalities_of(options["area"])
        to = parse_date(options["to"], "--to") if options["to"] else reference_day()
        started = time.perf_counter()
        try:
            area = read_area(municipalities, to)
        except ValueError as error:
            raise CommandError(str(error)) from None
        read = time.perf_counter() - started
        try:
            result = self._run(options, area, to)
        except ValidationFailed as failure:
            raise CommandError("; ".join(f"--{e.field.replace('_', '-')}: {e.message}" for e in failure.errors)) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        result["seconds"] = {"read_history": round(read, 2), "total": round(time.perf_counter() - started, 2)}
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str)[:2000])

    def _run(self, options: dict[str, Any], area: AreaForecast, to: date) -> dict[str, Any]:
        if options["action"] == "backtest":
            cutoff = backtest_cutoff(to, options["months"])
            if cutoff >= to - timedelta(days=28):
                raise CommandError("--months: too long for the history")
            return area_backtest(area, cutoff, horizon=options["months"], paths=options["paths"],
                                 seed=options["seed"]).as_dict()
        model = area.model
        if options["action"] == "fit":
            fit = fit_record(area=options["area"], codes=area.codes, model=model, trigger=ForecastFit.Trigger.COMMAND)
            return {**model.as_dict(), "recorded_fit": fit.pk, "municipal_eur_mapping": area.euros.as_dict()}
        scenario = Scenario(name="komentorivi", first_months_exit_factor=options["first_months_exit_factor"],
                            inflow_factor=options["inflow_factor"], service_entry_factor=options["service_entry_factor"],
                            shock_month=options["shock_month"], shock_size=options["shock_size"],
                            shock_basic_share=options["shock_basic_share"],
                            shock_tertiary_share=options["shock_tertiary_share"],
                            service_type=options["service_type"], service_places=options["service_places"])
        return {"model": {"fitted_from": model.fitted_from, "fitted_to": model.fitted_to, "runs": model.runs},
                **project(model, horizon=options["months"], paths=options["paths"], seed=options["seed"],
                          scenario=scenario, euros=area.euros, bands=shipped_calibration()).as_dict()}
