"""three_way_match: 10,000 supplier invoices matched end to end, with the time per invoice.

What runs: a fresh PostgreSQL database (BENCH_DB_NAME, default `handoff_bench_ap`, on the server of DATABASE_URL),
migrated; this process seeds BENCH_INVOICES (default 10,000) generated cases (benchmarks/_invoices.py): purchase
orders with 1-4 lines and their goods receipts (about half the items in split shipments), and for each one a UBL 2.1
invoice document; 10 % carry one injected discrepancy of a known kind (price, quantity, no receipt, vendor,
duplicate re-send, payment terms).

Timed, per invoice, one after the other in this process: `payables.services.receive_document` (store the file) and
`process_invoice` (extract with matching.documents, find the PO, 3-way match, write the MatchRun, open exceptions in
the queue, set the status, write the events) — the whole path an uploaded invoice takes, without the task queue hop.

Reported: ms_per_invoice (mean; p50/p95 too), auto_match_rate (share of all invoices auto-approved; the generated
mix has 90 % agreeing ones), auto_match_rate_of_agreeing (should be 1.0) and wrong_auto_approvals (discrepant
invoices that reached the payment queue: must be 0), with a count per injected kind.
"""

from __future__ import annotations

import collections
import os
import sys
import time

from . import _harness as h

NAME = "three_way_match"
KEY_FIGURES = ["invoices", "ms_per_invoice", "p95_ms", "auto_match_rate", "auto_match_rate_of_agreeing",
               "wrong_auto_approvals", "database"]


def log(message: str) -> None:
    print(f"[{NAME} {time.strftime('%H:%M:%S')}] {message}", flush=True)


def seed(cases) -> None:
    from payables.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine

    unique = {case.po_number: case for case in cases}.values()  # a re-sent invoice bills the same PO
    orders = PurchaseOrder.objects.bulk_create([PurchaseOrder(
        number=c.po_number, supplier_number=c.supplier, supplier_name=c.supplier_name, supplier_vat=c.supplier_vat,
        currency=c.currency, payment_terms=c.po_terms) for c in unique], batch_size=2000)
    by_number = {o.number: o for o in orders}
    PurchaseOrderLine.objects.bulk_create([PurchaseOrderLine(
        purchase_order=by_number[c.po_number], item=item, material=material, description=description,
        quantity=quantity, unit_price=price) for c in unique for item, material, description, quantity, price in c.po_lines],
        batch_size=5000)
    receipts = GoodsReceipt.objects.bulk_create([GoodsReceipt(number=f"50{i:08d}", year="2025")
                                                 for i, c in enumerate(unique) if c.receipts], batch_size=5000)
    with_receipts = [c for c in unique if c.receipts]
    GoodsReceiptLine.objects.bulk_create([GoodsReceiptLine(
        receipt=receipt, line=str(n), purchase_order_number=c.po_number, purchase_order_item=item, material=material,
        quantity=quantity) for receipt, c in zip(receipts, with_receipts)
        for n, (item, material, quantity) in enumerate(c.receipts, 1)], batch_size=5000)


def run() -> dict:
    n = int(os.environ.get("BENCH_INVOICES", "10000"))
    server_url = os.environ.get("DATABASE_URL") or h.DEFAULT_DATABASE_URL
    db_name = os.environ.get("BENCH_DB_NAME", "handoff_bench_ap")
    log(f"fresh database {db_name} on {server_url.rsplit('@', 1)[-1]}")
    db_url, server_version = h.create_fresh_database(server_url, db_name)
    django_ready = False
    try:
        env = h.app_env(db_url, "http://127.0.0.1:9", SAP_ENABLED="0", LOG_LEVEL="WARNING")
        h.manage(env, "migrate", "--noinput", "-v0")
        h.configure_django(env)
        django_ready = True
        from benchmarks._invoices import world
        from payables.models import InvoiceStatus
        from payables.services import process_invoice, receive_document

        t0 = time.monotonic()
        cases = world(n)
        seed(cases)
        log(f"{n} invoices generated and their POs/receipts seeded in {time.monotonic() - t0:.1f} s; matching")
        durations, outcomes = [], collections.Counter()
        wrong, by_kind = [], collections.defaultdict(collections.Counter)
        clock = time.perf_counter()
        for index, case in enumerate(cases, 1):
            started = time.perf_counter()
            invoice = receive_document(content=case.document, filename=f"{case.invoice_number}.xml", enqueue=False)
            invoice = process_invoice(invoice_id=invoice.pk)
            durations.append(time.perf_counter() - started)
            outcomes[invoice.status] += 1
            by_kind[case.injected or "agreeing"][invoice.status] += 1
            if case.injected and invoice.status == InvoiceStatus.APPROVED:
                wrong.append({"invoice": case.invoice_number, "injected": case.injected})
            if index % 1000 == 0:
                log(f"{index} matched, {1000 * (time.perf_counter() - clock) / index:.1f} ms per invoice so far")
        wall = time.perf_counter() - clock
        agreeing = sum(by_kind["agreeing"].values())
        return {
            "name": NAME, "timestamp": h.now_iso(), "database": f"PostgreSQL {server_version}",
            "invoices": n,
            "ms_per_invoice": round(1000 * wall / n, 2),
            "p50_ms": round(1000 * h.percentile(durations, 50), 2),
            "p95_ms": round(1000 * h.percentile(durations, 95), 2),
            "max_ms": round(1000 * max(durations), 2),
            "invoices_per_s": round(n / wall, 1),
            "auto_match_rate": round(outcomes[InvoiceStatus.APPROVED] / n, 4),
            "auto_match_rate_of_agreeing": round(by_kind["agreeing"][InvoiceStatus.APPROVED] / agreeing, 4) if agreeing else None,
            "wrong_auto_approvals": len(wrong),
            "wrong_auto_approval_examples": wrong[:10],
            "statuses": dict(outcomes),
            "by_injected_kind": {kind: dict(counts) for kind, counts in sorted(by_kind.items())},
            "path": "receive_document + process_invoice (UBL extraction, PO lookup, 3-way match, MatchRun, exceptions, "
                    "events) in one process, sequentially, PostgreSQL",
            "machine": h.machine_info(),
        }
    finally:
        h.release_database(server_url, db_name, django_ready=django_ready)


def main() -> int:
    return h.run_benchmark(NAME, run, log)


if __name__ == "__main__":
    sys.exit(main())
