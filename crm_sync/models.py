"""What the CRM side keeps between runs: how far the reconciliation poll has read each CRM."""

from __future__ import annotations

from django.db import models


class ReconciliationCursor(models.Model):
    """The reconciliation poll of one CRM: deals won and changed after `cursor` are asked for next time."""

    crm_system = models.CharField(max_length=40, unique=True)
    cursor = models.DateTimeField(null=True, blank=True, help_text="The latest change time seen among won deals.")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_found = models.PositiveIntegerField(default=0, help_text="Won deals the last run listed.")
    last_recovered = models.PositiveIntegerField(default=0, help_text="Of those, deals no webhook had announced.")
    last_error = models.TextField(blank=True)
    total_recovered = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.crm_system}: {self.cursor}"
