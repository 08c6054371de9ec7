"""Storage for the in-app emulators. Kept in the database so the web server, the worker and tests all see one state."""

from django.db import models


class SandboxRecord(models.Model):
    """One object an emulated system holds (a Salesforce Opportunity, an SAP sales order…), as its JSON."""

    system = models.CharField(max_length=40)
    collection = models.CharField(max_length=60)
    key = models.CharField(max_length=100)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["system", "collection", "key"], name="sandbox_record_unique")]
        indexes = [models.Index(fields=["system", "collection"])]

    def __str__(self):
        return f"{self.system}/{self.collection}/{self.key}"


class SandboxFault(models.Model):
    """The fault mode of one emulated system: up, down, slow, flaky or lose_response."""

    system = models.CharField(max_length=40, unique=True)
    mode = models.CharField(max_length=20, default="up")
    params = models.JSONField(default=dict, blank=True)
    # When set, the fault applies to this many more requests and then the system is up again.
    remaining = models.IntegerField(null=True, blank=True)
    requests_seen = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.system}: {self.mode}"
