"""The flows the dashboard and the SLA report measure, as data: adding a flow (fulfilment, account sync) adds one entry.

A flow is a kind of unit of work (a handoff, a supplier invoice) with the moment it started, the moment its
processing ended, and two conditions on its current state:

* **succeeded** — the flow did its job (an order exists in the ERP; the invoice was approved for payment);
* **failed** — it stopped where a person has to act (an exception or a dead letter; an invoice held, blocked,
  flagged, unreadable or waiting for field confirmation).

Units that are neither are still in flight (or were closed by a person's decision, e.g. an approver rejected the
deal) and count in no rate. The success rate of a flow is succeeded / (succeeded + failed) over the units that
started in a period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.db.models import Expression, F, Q, QuerySet
from django.db.models.functions import Coalesce

from erp_orders.models import Handoff, HandoffState
from payables.models import Invoice, InvoiceStatus

from .sql import SecondsBetween


@dataclass(frozen=True)
class Flow:
    name: str
    label: str
    units: Callable[[], QuerySet]
    started: str  # the timestamp field a unit started at
    finished: Callable[[], Expression]  # when its processing ended (null while running)
    succeeded: Q
    failed: Q
    records_url: str  # where a person sees the units (ops UI)

    def started_between(self, since, until) -> QuerySet:
        """Units that started in [since, until)."""
        return self.units().filter(**{f"{self.started}__gte": since, f"{self.started}__lt": until})

    def latency(self) -> Expression:
        """Seconds from start to the end of processing."""
        return SecondsBetween(self.finished(), self.started)


FLOWS: tuple[Flow, ...] = (
    Flow(
        name="deal_to_order",
        label="Deal to order",
        units=Handoff.objects.all,
        started="received_at",
        finished=lambda: Coalesce("completed_at", "created_in_erp_at"),
        succeeded=Q(created_in_erp_at__isnull=False),
        failed=Q(created_in_erp_at__isnull=True, state__in=(HandoffState.EXCEPTION, HandoffState.DEAD)),
        records_url="/ops/",
    ),
    Flow(
        name="invoice",
        label="Supplier invoice (3-way match)",
        units=Invoice.objects.all,
        started="received_at",
        finished=lambda: F("matched_at"),
        succeeded=Q(status=InvoiceStatus.APPROVED),
        failed=Q(status__in=(InvoiceStatus.UNREADABLE, InvoiceStatus.ON_HOLD, InvoiceStatus.BLOCKED,
                             InvoiceStatus.FLAGGED, InvoiceStatus.NEEDS_CONFIRMATION)),
        records_url="/payables/",
    ),
)

FLOWS_BY_NAME = {flow.name: flow for flow in FLOWS}
