"""The handoff: one won deal on its way to becoming one ERP order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from handoff_project.integration.systems import CRM_CHOICES, ERP_CHOICES


class HandoffState(models.TextChoices):
    RECEIVED = "received", "Received"
    RESOLVED = "resolved", "Resolved"
    VALIDATED = "validated", "Validated"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    PUSHING = "pushing", "Pushing to ERP"
    CREATED = "created", "Created in ERP"
    WRITTEN_BACK = "written_back", "Written back"
    EXCEPTION = "exception", "Exception"
    DEAD = "dead", "Dead-lettered"
    CLOSED = "closed", "Closed without order"  # rejected by an approver, cancelled in its window, or discarded


# States in which a worker still owes the handoff a step (used by the watchdog and the UI).
ACTIVE_STATES = (
    HandoffState.RECEIVED,
    HandoffState.RESOLVED,
    HandoffState.VALIDATED,
    HandoffState.PUSHING,
    HandoffState.CREATED,
)
# The order in which a successful handoff walks; the UI draws it as a progress line.
HAPPY_PATH = (
    HandoffState.RECEIVED,
    HandoffState.RESOLVED,
    HandoffState.VALIDATED,
    HandoffState.CREATED,
    HandoffState.WRITTEN_BACK,
)


class WritebackStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Handoff(models.Model):
    crm_system = models.CharField(max_length=40)
    crm_record_id = models.CharField(max_length=64, db_index=True)
    erp_system = models.CharField(max_length=40, blank=True)
    routing_rule = models.CharField(max_length=120, blank=True, help_text="The ERP routing rule that chose erp_system.")
    erp_customer = models.CharField(max_length=40, blank=True, db_index=True,
                                    help_text="The resolved ERP customer (sold-to): orders of one customer reach the ERP in the order won.")
    state = models.CharField(max_length=30, choices=HandoffState.choices, default=HandoffState.RECEIVED, db_index=True)
    deal_name = models.CharField(max_length=255, blank=True)
    customer_name = models.CharField(max_length=255, blank=True)
    business_unit = models.CharField(max_length=100, blank=True, db_index=True,
                                     help_text="The deal's business unit as the CRM says it: who may see and act on it (exceptions_queue.business_units).")
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    deal = models.JSONField(null=True, blank=True)  # canonical Deal as fetched from the CRM
    order_request = models.JSONField(null=True, blank=True)  # canonical OrderRequest after resolution
    erp_reference = models.CharField(max_length=64, blank=True)  # idempotency key sent to the ERP
    erp_order_number = models.CharField(max_length=64, blank=True, db_index=True)
    risk_level = models.CharField(max_length=10, blank=True)
    risk_factors = models.JSONField(default=list, blank=True, help_text="Each risk factor with its level and why (erp_orders.risk).")
    # What people decided about this handoff and the pipeline must respect on every re-run: overrides by field
    # ({"lines[1].unit_price": {"reason", "user", "at"}}) and where a hand-resolved customer came from.
    decisions = models.JSONField(default=dict, blank=True)
    erp_prices = models.JSONField(default=dict, blank=True, help_text="ERP unit price per line seen by validation.")
    erp_costs = models.JSONField(default=dict, blank=True,
                                 help_text="ERP unit cost per line seen by validation: the margin an approver sees.")
    closed_reason = models.TextField(blank=True)
    writeback_status = models.CharField(
        max_length=10, choices=WritebackStatus.choices, default=WritebackStatus.PENDING
    )
    flagged = models.BooleanField(default=False, help_text="Needs a person's attention (e.g. writeback failed).")
    flag_reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts of the current step.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    waiting_for_erp_since = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="Buffered while the ERP is unavailable (outage) or behind an older order of the same customer.")
    wait_reason = models.CharField(max_length=20, blank=True, choices=[("erp_down", "ERP unavailable"),
                                                                       ("customer_queue", "Behind an older order of the customer")])
    last_error = models.TextField(blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    inbound_event = models.ForeignKey(
        "integration.InboundEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="handoffs"
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_in_erp_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["lease_owner", "lease_until", "updated_at"])

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["crm_system", "crm_record_id"], name="one_handoff_per_crm_deal"),
        ]
        indexes = [models.Index(fields=["erp_system", "erp_customer", "state"], name="handoff_customer_queue")]

    def __str__(self) -> str:
        return f"Handoff {self.pk} {self.crm_system}:{self.crm_record_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES or (
            self.state == HandoffState.CREATED and self.writeback_status == WritebackStatus.PENDING
        )


class ApprovalState(models.TextChoices):
    PENDING = "pending", "Pending"
    HELD = "held", "Held"
    APPROVED = "approved", "Approved"
    RELEASED = "released", "Released after the intervention window"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Change requested"
    CANCELLED = "cancelled", "Cancelled"


OPEN_APPROVAL_STATES = (ApprovalState.PENDING, ApprovalState.HELD)


class Approval(models.Model):
    """One request for a person's sign-off on a medium- or high-risk handoff, and what was decided."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="approvals")
    level = models.CharField(max_length=10)
    factors = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=20, choices=ApprovalState.choices, default=ApprovalState.PENDING, db_index=True)
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    window_ends_at = models.DateTimeField(null=True, blank=True, help_text="Medium risk: pushed at this time unless held.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    held_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["handoff"], condition=models.Q(state__in=["pending", "held"]), name="one_open_approval_per_handoff"
            ),
        ]

    def __str__(self) -> str:
        return f"Approval {self.pk} of handoff {self.handoff_id} ({self.level}, {self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_APPROVAL_STATES


class CustomerCredit(models.Model):
    """A simple accounts-receivable summary per ERP customer: what risk routing and the credit team look at."""

    erp_system = models.CharField(max_length=40, default="sap")
    business_partner = models.CharField("ERP customer", max_length=40)
    customer_name = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    credit_limit = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    open_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    days_outstanding = models.PositiveIntegerField(default=0, help_text="Days the oldest open item is past due (0 = current).")
    aging = models.JSONField(default=dict, blank=True, help_text='{"current": "…", "1-30": "…", "31-60": "…", "61-90": "…", "90+": "…"}')
    open_invoices = models.JSONField(default=list, blank=True, help_text='[{"number", "amount", "due_on", "days_overdue"}]')
    strategic_account = models.BooleanField(
        default=False, help_text="A strategic account: a credit-check failure escalates at once to the credit manager.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["erp_system", "business_partner"], name="one_credit_summary_per_customer"),
        ]

    def __str__(self) -> str:
        return f"AR {self.erp_system}:{self.business_partner} {self.open_amount} {self.currency}, {self.days_outstanding} days"


class ErpRoute(models.Model):
    """Which ERP receives a deal: data the admin edits, not code. The first active rule (lowest priority number)
    whose filled-in criteria all match the deal wins; no match → settings.DEFAULT_ERP_SYSTEM (erp_orders.routing)."""

    priority = models.PositiveIntegerField(default=100, help_text="Lower numbers are tried first.")
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    crm_system = models.CharField(max_length=40, blank=True, choices=CRM_CHOICES, help_text="Only deals from this CRM (empty: any).")
    business_unit = models.CharField(max_length=100, blank=True, help_text="The deal's business unit (empty: any; case-insensitive).")
    selling_company = models.CharField(max_length=100, blank=True, help_text="The selling legal entity on the deal (empty: any).")
    countries = models.CharField(max_length=200, blank=True,
                                 help_text="Ship-to countries, ISO codes separated by commas, e.g. DE,AT,CH (empty: any).")
    erp_system = models.CharField(max_length=40, choices=ERP_CHOICES, help_text="The ERP that receives the matching deals.")
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = "ERP routing rule"

    def __str__(self):
        return f"{self.priority}: {self.name} → {self.erp_system}"

    @property
    def country_list(self) -> list[str]:
        return [c.strip().upper() for c in self.countries.split(",") if c.strip()]


class ErpAvailability(models.Model):
    """Whether an ERP answers (a circuit breaker per ERP): after a run of transient failures it is *down*, handoffs
    wait in order instead of each burning its retries, and a probe checks it until it answers (erp_orders.outage)."""

    class State(models.TextChoices):
        UP = "up", "Up"
        DOWN = "down", "Down"

    erp_system = models.CharField(max_length=40, unique=True)
    state = models.CharField(max_length=4, choices=State.choices, default=State.UP)
    consecutive_failures = models.PositiveIntegerField(default=0)
    down_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_probe_at = models.DateTimeField(null=True, blank=True)
    last_up_at = models.DateTimeField(null=True, blank=True)
    lag_alerted = models.BooleanField(default=False, help_text="A queue-lag alert is open (cleared when the lag falls).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "ERP availability"

    def __str__(self):
        return f"{self.erp_system}: {self.state}"
