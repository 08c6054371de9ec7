"""Match one invoice against its purchase order and goods receipts, and route what does not agree.

Loads the invoice, the PO (fetched from the ERP when we do not hold it yet), the receipts, earlier invoices (for
duplicates) and the tolerances; runs matching.threeway; stores a MatchRun; closes the exceptions of an earlier match
and opens one per finding in the exceptions queue; sets the invoice's status from the strongest action.
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome
from matching import threeway as tw

from . import selectors
from .exceptions import close_invoice_exceptions, open_invoice_exception
from .models import Invoice, InvoiceStatus, MatchOutcome, MatchRun, PurchaseOrder
from .routing import STATUS_FOR_OUTCOME, outcome_for


def match_invoice(*, invoice_id: int, fetch_missing_po: bool = True) -> Invoice:
    invoice = Invoice.objects.get(pk=invoice_id)
    order = find_purchase_order(invoice.po_reference, fetch_missing=fetch_missing_po)
    started = time.perf_counter()
    result = tw.match_invoice(
        invoice_for_matching(invoice),
        order_for_matching(order, exclude_invoice_id=invoice.pk) if order else None,
        receipts_for_matching(order) if order else (),
        prior_invoices=prior_invoices(invoice),
        tolerances=selectors.tolerance_policy(order.supplier_number if order else ""),
    )
    return record_match(invoice, order, result, duration_ms=(time.perf_counter() - started) * 1000)


def find_purchase_order(reference: str, *, fetch_missing: bool = True) -> PurchaseOrder | None:
    reference = (reference or "").strip()
    if not reference:
        return None
    order = PurchaseOrder.objects.filter(number=reference).first()
    if order is None and fetch_missing:
        from .purchasing import fetch_purchase_order

        order = fetch_purchase_order(reference)
    return order


@transaction.atomic
def record_match(invoice: Invoice, order: PurchaseOrder | None, result: tw.MatchResult, *,
                 duration_ms: float) -> Invoice:
    outcome = outcome_for(result.kinds())
    to_confirm = selectors.fields_awaiting_confirmation(invoice)
    if outcome == MatchOutcome.AUTO_APPROVED and to_confirm:
        outcome = MatchOutcome.CONFIRM  # doubtful fields are never trusted into the payment queue
    MatchRun.objects.create(
        invoice=invoice, outcome=outcome, duration_ms=round(duration_ms, 3),
        findings=[{"kind": str(f.kind), "message": f.message, "line_id": f.line_id, "po_item": f.po_item}
                  for f in result.findings],
        pairs=[{"line_id": p.invoice_line.line_id, "po_item": p.order_line.item if p.order_line else "",
                "how": p.how, "received": str(p.received)} for p in result.pairs],
    )
    close_invoice_exceptions(invoice=invoice, note="Superseded by a new match of the invoice.")
    for finding in result.findings:
        open_invoice_exception(invoice=invoice, finding=finding)
    for pair in result.pairs:  # remember which PO item each line was billed against (quantities invoiced so far)
        if pair.order_line is not None:
            invoice.lines.filter(line_id=pair.invoice_line.line_id).update(po_item=pair.order_line.item)
    vendor_agrees = order is not None and tw.Discrepancy.VENDOR_MISMATCH not in result.kinds()
    invoice.purchase_order = order
    invoice.supplier_number = order.supplier_number if vendor_agrees else ""
    invoice.status = STATUS_FOR_OUTCOME[outcome]
    invoice.matched_at = timezone.now()
    invoice.save(update_fields=["purchase_order", "supplier_number", "status", "matched_at"])
    record_event(
        "invoice_matched", outcome=Outcome.SUCCESS if outcome == MatchOutcome.AUTO_APPROVED else Outcome.VALIDATION_FAILURE,
        system="payables", duration_ms=int(duration_ms),
        message=f"Invoice {invoice.invoice_number} against PO {order.number if order else '—'}: "
                f"{MatchOutcome(outcome).label}" + (f" ({len(result.findings)} findings)" if result.findings else ""),
        data={"invoice_id": invoice.pk, "outcome": outcome, "findings": [str(k) for k in result.kinds()]},
    )
    return invoice


# ---- from models to the matcher's dataclasses ---------------------------------------------------------------------


def invoice_for_matching(invoice: Invoice) -> tw.Invoice:
    return tw.Invoice(
        number=invoice.invoice_number,
        vendor=tw.Vendor(name=invoice.seller_name, vat_id=invoice.seller_vat),
        currency=invoice.currency,
        issue_date=invoice.issue_date,
        net_total=invoice.net_total,
        gross_total=invoice.gross_total,
        payment_terms=invoice.payment_terms,
        lines=tuple(tw.InvoiceLine(line_id=line.line_id, quantity=line.quantity, unit_price=line.unit_price,
                                   amount=line.amount, description=line.description, product_code=line.product_code,
                                   po_item=line.po_item) for line in invoice.lines.all()),
    )


def order_for_matching(order: PurchaseOrder, *, exclude_invoice_id: int) -> tw.PurchaseOrder:
    invoiced = dict(
        selectors.approved_invoice_lines(order).exclude(invoice_id=exclude_invoice_id)
        .values("po_item").annotate(total=Sum("quantity")).values_list("po_item", "total"))
    return tw.PurchaseOrder(
        number=order.number,
        vendor=tw.Vendor(number=order.supplier_number, name=order.supplier_name, vat_id=order.supplier_vat),
        currency=order.currency,
        payment_terms=order.payment_terms,
        lines=tuple(tw.OrderLine(item=line.item, quantity=line.quantity, unit_price=line.unit_price,
                                 material=line.material, description=line.description,
                                 material_group=line.material_group,
                                 invoiced_quantity=invoiced.get(line.item) or Decimal(0))
                    for line in order.lines.all()),
    )


def receipts_for_matching(order: PurchaseOrder) -> tuple[tw.ReceiptLine, ...]:
    return tuple(tw.ReceiptLine(po_item=line.purchase_order_item, quantity=line.quantity, material=line.material,
                                receipt=line.receipt.number)
                 for line in selectors.receipt_lines(order.number))


def prior_invoices(invoice: Invoice) -> list[tw.PriorInvoice]:
    """Earlier invoices that could be this one again: same number, or same amount and date."""
    same = Q()
    if invoice.number_key:
        same |= Q(number_key=invoice.number_key)
    if invoice.gross_total is not None and invoice.issue_date is not None:
        same |= Q(gross_total=invoice.gross_total, issue_date=invoice.issue_date)
    if not same:
        return []
    earlier = (Invoice.objects.filter(same, pk__lt=invoice.pk).exclude(status=InvoiceStatus.UNREADABLE)
               .only("pk", "invoice_number", "seller_name", "seller_vat", "supplier_number", "gross_total", "issue_date"))
    return [tw.PriorInvoice(number=p.invoice_number, gross_total=p.gross_total, issue_date=p.issue_date,
                            vendor=tw.Vendor(name=p.seller_name, vat_id=p.seller_vat), reference=f"invoice #{p.pk}")
            for p in earlier[:20]]
