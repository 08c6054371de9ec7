"""The records behind each of the seven metrics for one week: the handoffs, corrections, orders, invoices and
crosswalk resolutions a number was counted from, the ones that count against the target first, each linking to its
page in the ops UI. The same querysets as `targets`, so the list always adds up to the number."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, IntegerField, When
from django.urls import reverse

from .targets import (
    AUTOMATED,
    Week,
    annotated_cohort,
    cohort,
    corrected_fields,
    creation_seconds,
    matched_invoices,
    resolutions,
    unattended_orders,
)

LIMIT = 500


@dataclass(frozen=True)
class Row:
    cells: list
    link: str = ""
    counts_against: bool = False  # counts against the target (shown first, marked)


@dataclass
class RecordTable:
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    note: str = ""


def _handoff_link(handoff_id) -> str:
    return reverse("ops:handoff-detail", args=[handoff_id]) if handoff_id else ""


def _handoff_rows(week: Week, *, flag: str, counted_against: bool, why: str) -> RecordTable:
    """The cohort, with whether each handoff was counted (`flag`) and whether that counts against the target."""
    handoffs = annotated_cohort(week).annotate(
        automated=Case(When(AUTOMATED, then=1), default=0, output_field=IntegerField()))
    table = RecordTable(["Handoff", "CRM", "ERP", "State", why],
                        note="Handoffs received in the week, except those still being processed.")
    for h in handoffs.order_by("received_at")[: LIMIT * 2]:
        hit = bool(getattr(h, flag))
        table.rows.append(Row([h.deal_name or h.crm_record_id, f"{h.crm_system} {h.crm_record_id}", h.erp_system,
                               h.get_state_display(), "yes" if hit else "no"],
                              _handoff_link(h.pk), counts_against=hit == counted_against))
    table.rows.sort(key=lambda row: not row.counts_against)
    table.rows = table.rows[:LIMIT]
    return table


def automation_rate(week: Week) -> RecordTable:
    return _handoff_rows(week, flag="automated", counted_against=False, why="Created without a person")


def manual_intervention_rate(week: Week) -> RecordTable:
    return _handoff_rows(week, flag="intervened", counted_against=True, why="A person acted")


def price_variance_rate(week: Week) -> RecordTable:
    return _handoff_rows(week, flag="had_price_variance", counted_against=True, why="Pricing mismatch")


def field_accuracy(week: Week) -> RecordTable:
    corrected = corrected_fields(cohort(week))
    table = RecordTable(["Field", "Corrected", "How", "What"],
                        note="Fields people corrected after the pipeline translated them (each counts against accuracy).")
    for (handoff_id, path), event in sorted(corrected.items(), key=lambda item: item[1].created_at)[:LIMIT]:
        table.rows.append(Row([f"handoff {handoff_id}: {path}", event.created_at, event.event_type.replace("_", " "),
                               event.message[:200]], _handoff_link(handoff_id), counts_against=True))
    return table


def order_creation_latency(week: Week) -> RecordTable:
    target = float(settings.MONITORING_TARGETS["order_creation_latency"][1])
    orders = unattended_orders(week).annotate(seconds=creation_seconds()).order_by("-seconds")
    table = RecordTable(["Handoff", "ERP order", "Received", "Created in ERP", "Seconds"],
                        note="Orders created in the week without a person or an approval wait, slowest first.")
    for h in orders[:LIMIT]:
        table.rows.append(Row([h.deal_name or h.crm_record_id, f"{h.erp_system} {h.erp_order_number}", h.received_at,
                               h.created_in_erp_at, round(h.seconds or 0, 1)], _handoff_link(h.pk),
                              counts_against=(h.seconds or 0) >= target))
    return table


def three_way_auto_match_rate(week: Week) -> RecordTable:
    table = RecordTable(["Invoice", "Supplier", "First match", "Status now"],
                        note="Invoices received in the week that were matched; those not approved by their first match first.")
    invoices = matched_invoices(week).order_by("received_at")
    for invoice in invoices[: LIMIT * 2]:
        table.rows.append(Row([invoice.invoice_number or f"#{invoice.pk}", invoice.seller_name,
                               invoice.first_outcome.replace("_", " "), invoice.get_status_display()],
                              reverse("payables:invoice-detail", args=[invoice.pk]),
                              counts_against=invoice.first_outcome != "auto_approved"))
    table.rows.sort(key=lambda row: not row.counts_against)
    table.rows = table.rows[:LIMIT]
    return table


def high_confidence_share(week: Week) -> RecordTable:
    threshold = settings.MONITORING_CONFIDENCE_THRESHOLD
    table = RecordTable(["Field", "Input", "Output", "Rule", "Confidence"],
                        note=f"Resolutions below {threshold:.2f} in the week, lowest first (those at or above are not listed).")
    for row in resolutions(week).filter(confidence__lt=threshold).order_by("confidence", "pk")[:LIMIT]:
        table.rows.append(Row([f"{row.kind} {row.field}", row.input_text[:120], row.output or "(none)", row.rule,
                               f"{row.confidence:.2f}"], _handoff_link(row.handoff_id), counts_against=True))
    return table


RECORDS = {
    "automation_rate": automation_rate,
    "field_accuracy": field_accuracy,
    "order_creation_latency": order_creation_latency,
    "manual_intervention_rate": manual_intervention_rate,
    "three_way_auto_match_rate": three_way_auto_match_rate,
    "price_variance_rate": price_variance_rate,
    "high_confidence_share": high_confidence_share,
}
