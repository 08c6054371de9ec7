"""Properties of 3-way matching over generated PO / goods receipt / invoice triples (hypothesis).

1. A triple that agrees (split shipments, PO item cited or not, terms worded differently) is auto-approved.
2. A triple with one injected discrepancy is never auto-approved, and the discrepancy is the one found.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from matching.threeway import match_invoice
from payables.models import MatchOutcome
from payables.routing import outcome_for

from .threeway_strategies import agreeing_triples, discrepant_triples

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(agreeing_triples())
def test_an_agreeing_triple_is_auto_approved(triple):
    order, receipts, invoice = triple
    result = match_invoice(invoice, order, receipts)
    assert result.findings == ()
    assert outcome_for(result.kinds()) == MatchOutcome.AUTO_APPROVED


@PROPERTY_SETTINGS
@given(discrepant_triples())
def test_no_triple_with_an_injected_discrepancy_is_ever_auto_approved(case):
    order, receipts, invoice, prior, expected = case
    result = match_invoice(invoice, order, receipts, prior_invoices=prior)
    assert outcome_for(result.kinds()) != MatchOutcome.AUTO_APPROVED
    assert result.kinds() & expected, f"expected one of {expected}, found {result.kinds()}"
