"""Recorded fits of the duration model: which data period and how many unemployment runs a forecast rested on.

The fitted model itself is recomputed from the facts (and cached); this record is what a planner or an auditor can
point to later: "the forecast presented to the council on 3.11. was fitted on 1.2020–10.2026, 132 804 runs".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ForecastFit(models.Model):
    """One fit of an area's duration model, recorded when it was (re)fitted on demand or from the command line."""

    class Trigger(models.TextChoices):
        REFIT = "refit", "refit"
        COMMAND = "command", "command"

    area = models.CharField(max_length=40, help_text="The employment area's or municipality's code.")
    municipalities = models.JSONField(help_text="The municipality codes whose residents' history was read.")
    fitted_from = models.DateField()
    fitted_to = models.DateField(help_text="The last calculation day of the data (the forecasts start after it).")
    runs = models.PositiveIntegerField(help_text="Unemployment runs in the data.")
    parameters = models.JSONField(help_text="The fitted hazards, inflows and service rates (DurationModel.as_dict).")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    fitted_at = models.DateTimeField(auto_now_add=True)
    fitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        indexes = [models.Index(fields=["area", "-fitted_at"])]

    def __str__(self) -> str:
        return f"{self.area} {self.fitted_from}–{self.fitted_to} ({self.runs} runs)"
