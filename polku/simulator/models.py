"""Records of simulation runs written into the database.

``SimulationRun`` makes a second load of the same profile detectable (and ``make demo``
idempotent); ``SimulatedPerson`` marks which persons a run created, so ``--replace`` can
remove exactly those. Both are written in the same transaction as the population itself,
so a run record exists if and only if its population does.
"""

from __future__ import annotations

from django.db import models


class SimulationRun(models.Model):
    profile = models.CharField(max_length=100, db_index=True)
    seed = models.BigIntegerField()
    persons = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="Rows written per table.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.profile} (seed {self.seed})"


class SimulatedPerson(models.Model):
    person = models.OneToOneField("people.Person", primary_key=True, on_delete=models.CASCADE,
                                  related_name="simulation")
    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="persons_created")

    def __str__(self) -> str:
        return f"{self.person_id} ({self.run_id})"
