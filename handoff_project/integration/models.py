"""Kernel models: the append-only event log, external id bindings and the raw inbound store."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    VALIDATION_FAILURE = "validation_failure", "Validation failure"
    ERP_ERROR = "erp_error", "ERP error"
    TRANSIENT_ERROR = "transient_error", "Transient error"
    RETRY_SCHEDULED = "retry_scheduled", "Retry scheduled"
    PERMANENT_ERROR = "permanent_error", "Permanent error"
    DEAD_LETTERED = "dead_lettered", "Dead-lettered"
    INFO = "info", "Info"


class AppendOnlyError(Exception):
    pass


class Event(models.Model):
    """One thing that happened: an HTTP exchange, a state change, a resolution, a retry. Never changed, never deleted.

    PostgreSQL (and SQLite) refuse UPDATE and DELETE with a trigger (migration 0002); the model refuses them too.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    event_type = models.CharField(max_length=40, db_index=True)
    system = models.CharField(max_length=40, blank=True, db_index=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, default=Outcome.INFO, db_index=True)
    crm_record_id = models.CharField(max_length=64, blank=True, db_index=True)
    erp_order_number = models.CharField(max_length=64, blank=True, db_index=True)
    handoff_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    method = models.CharField(max_length=10, blank=True)
    endpoint = models.CharField(max_length=500, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    request_body = models.TextField(blank=True)  # ≤ 10 KB, secrets redacted
    body = models.TextField(blank=True)  # response body, ≤ 10 KB, secrets redacted
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["handoff_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.event_type} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the event log is append-only; events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the event log is append-only; events cannot be deleted")


class ExternalRef(models.Model):
    """The one place that knows that SAP order 4711 is our handoff 12, or Salesforce 006… is deal X."""

    system = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60)
    external_id = models.CharField(max_length=128)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    local_object = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "object_type", "external_id"], name="externalref_unique_binding")
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.system}:{self.object_type}:{self.external_id}"


class InboundEvent(models.Model):
    """A webhook delivery exactly as it arrived (secrets redacted), stored before any work starts."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (unsupported event)"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    system = models.CharField(max_length=40, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACCEPTED, db_index=True)
    # The sender's own id for this delivery (Salesforce notification ids, HubSpot eventId…); redeliveries share it.
    dedup_key = models.CharField(max_length=200, null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    method = models.CharField(max_length=10, default="POST")
    path = models.CharField(max_length=500, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    body_bytes = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["system", "dedup_key"], name="inbound_event_unique_delivery"),
        ]

    def __str__(self) -> str:
        return f"{self.system} #{self.pk} {self.status}"
