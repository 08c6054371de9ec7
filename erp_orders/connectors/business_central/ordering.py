"""Creating one Business Central sales order all or nothing, although the API needs one call per record.

API v2.0 creates the header (POST salesOrders) and then each line (POST salesOrders({id})/salesOrderLines) in
separate requests, each its own transaction in BC. So:

1. Leftovers first: orders whose External Document No. is our reference + PENDING_MARK are incomplete orders of an
   earlier attempt (lost answer, worker killed, compensation that could not reach BC). They are deleted, and each
   deletion is logged as `erp_compensated`. Deleting and creating again is preferred over completing the missing
   lines: a leftover's lines cannot be trusted to be the ones we meant (a line whose answer was lost may or may not
   be there), while a fresh order is exactly the request.
2. The header is created with the *pending* reference, then every line, then one PATCH writes the plain reference.
   `find_order_by_reference` asks for the plain reference only, so it never mistakes a half-built order for a done one.
   A lost answer to that PATCH is settled by reading the order again: plain reference → done; else as in 3.
3. Anything failing after the header (a line BC rejects, BC going down, a bug) deletes the header (DELETE with the
   order's current If-Match etag; BC deletes its lines with it), logs `erp_compensated` with what was removed and
   why, and re-raises the original error so the pipeline classifies it (self-healing reasons included).
4. If that deletion fails too, `PermanentError` says which order may remain and that it must be deleted by hand
   (`erp_compensation_failed` is logged). A re-queued attempt would also remove it (step 1), but a person is told.

Business Central's OData `$batch` with `Isolation: snapshot` (BC 17.1+) would run header and lines in one
transaction, but only as long as no AL code on the way calls COMMIT (an extension may), and a lost answer to the
batch leaves the same question open; the steps above hold in every case, so the connector does not rely on it.
"""

from __future__ import annotations

from handoff_project.integration.canonical import CreatedOrder, OrderRequest
from handoff_project.integration.errors import IntegrationError, NotFoundError, PermanentError, TransientError
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

from . import mappers
from .client import SYSTEM, BusinessCentralClient


def create_order(client: BusinessCentralClient, order: OrderRequest, *, payment_terms_id: str) -> CreatedOrder:
    remove_incomplete_orders(client, order.reference)
    pending = mappers.pending_reference(order.reference)
    header = client.post("salesOrders", mappers.order_header(order, payment_terms_id=payment_terms_id,
                                                             external_document_number=pending),
                         action="create the sales order")
    order_id, number = str(header.get("id") or ""), str(header.get("number") or "")
    if not order_id or not number:
        raise PermanentError(
            f"Business Central answered the creation of {order.reference} without an order id or number; the next "
            f"attempt removes any incomplete order marked '{pending}' before creating it again.", system=SYSTEM)
    lines_in = 0
    try:
        for line in order.lines:
            client.post(f"salesOrders({order_id})/salesOrderLines", mappers.order_line(line),
                        action=f"add line {line.line_number} ({line.material}) to sales order {number}")
            lines_in += 1
        return mappers.created_order(_complete(client, order_id, number, order.reference))
    except Exception as failure:
        step = (f"line {order.lines[lines_in].line_number} of {len(order.lines)} failed" if lines_in < len(order.lines)
                else "marking it complete failed")
        _compensate(client, order_id=order_id, number=number, order=order, lines_in=lines_in, step=step,
                    failure=failure)
        raise


def _complete(client: BusinessCentralClient, order_id: str, number: str, reference: str) -> dict:
    """PATCH the plain reference onto the order. When the answer is lost, BC is asked once more: an order that
    already carries the plain reference was completed, and is not removed again."""
    current = client.get(f"salesOrders({order_id})", action=f"read sales order {number}")
    try:
        return client.patch(f"salesOrders({order_id})", {"externalDocumentNumber": reference},
                            etag=current.get("@odata.etag") or "*", action=f"mark sales order {number} complete")
    except TransientError:
        again = client.get(f"salesOrders({order_id})", action=f"read sales order {number} after a lost answer")
        if again.get("externalDocumentNumber") == reference:
            return again
        raise


def remove_incomplete_orders(client: BusinessCentralClient, reference: str) -> None:
    """Delete the orders an earlier attempt left marked pending for this reference (see the module docstring)."""
    pending = mappers.pending_reference(reference)
    payload = client.get("salesOrders", {"$filter": mappers.equals_filter(externalDocumentNumber=pending),
                                         "$expand": "salesOrderLines"},
                         action="look for incomplete orders left by an earlier attempt")
    for leftover in mappers.collection(payload):
        if not mappers.is_pending_reference(str(leftover.get("externalDocumentNumber", "")), reference):
            continue
        number, lines = leftover.get("number", "?"), len(leftover.get("salesOrderLines") or [])
        delete_order(client, str(leftover["id"]), number)
        record_event("erp_compensated", outcome=Outcome.SUCCESS, system=SYSTEM,
                     message=f"Removed incomplete Business Central sales order {number} ({lines} line(s)) that an "
                             f"earlier attempt left for reference {reference}, before creating the order again.",
                     data={"removed_order": number, "order_id": leftover["id"], "lines": lines,
                           "reference": reference, "why": "left incomplete by an earlier attempt"})


def delete_order(client: BusinessCentralClient, order_id: str, number: str) -> None:
    """DELETE salesOrders({id}) with the order's current etag (adding lines changes the header's etag); an order that
    is already gone counts as deleted; a concurrent change (Request_EntityChanged) reads the etag once more."""
    for attempt in (1, 2):
        try:
            current = client.get(f"salesOrders({order_id})", action=f"read sales order {number} before removing it")
            client.delete(f"salesOrders({order_id})", etag=current.get("@odata.etag") or "*",
                          action=f"remove incomplete sales order {number}")
            return
        except NotFoundError:
            return
        except TransientError as changed:
            if changed.vendor_code != "Request_EntityChanged" or attempt == 2:
                raise


def _compensate(client, *, order_id: str, number: str, order: OrderRequest, lines_in: int, step: str,
                failure: BaseException) -> None:
    said = str(failure) or type(failure).__name__
    original = failure.as_dict() if isinstance(failure, IntegrationError) else {"kind": type(failure).__name__,
                                                                                 "message": said}
    facts = {"removed_order": number, "order_id": order_id, "reference": order.reference, "lines_created": lines_in,
             "lines_requested": len(order.lines), "failed_step": step, "original_error": original}
    try:
        delete_order(client, order_id, number)
    except IntegrationError as cannot:
        pending = mappers.pending_reference(order.reference)
        resolution = (f"Delete sales order {number} (External Document No. '{pending}') in Business Central by hand, "
                      "then re-queue; a re-queued attempt also removes incomplete orders with this reference first.")
        record_event("erp_compensation_failed", outcome=Outcome.ERP_ERROR, system=SYSTEM,
                     message=f"Business Central sales order {number} for {order.reference} is incomplete ({step}: "
                             f"{said}) and could not be removed ({cannot}). {resolution}",
                     data={**facts, "compensation_error": cannot.as_dict()})
        raise PermanentError(
            f"Business Central created sales order {number} for {order.reference}, then {step}: {said}. Removing "
            f"the incomplete order failed too ({cannot}), so the partial order {number} may remain in Business "
            "Central.", system=SYSTEM, vendor_code=getattr(failure, "vendor_code", ""),
            http_status=getattr(failure, "http_status", None), recommended_resolution=resolution,
            detail={**facts, "compensation_error": cannot.as_dict()},
        ) from failure
    record_event("erp_compensated", outcome=Outcome.SUCCESS, system=SYSTEM,
                 message=f"Removed Business Central sales order {number} for {order.reference} again ({lines_in} of "
                         f"{len(order.lines)} line(s) were in) because {step}: {said}",
                 data=facts)
