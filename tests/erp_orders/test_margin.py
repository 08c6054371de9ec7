"""Approvers see the margin: validation reads each line's cost from the ERP (SAP: the material's valuation), the
approval page shows cost and margin per line and for the deal, and says so when the ERP gave no cost."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from django.urls import reverse

from erp_orders.connectors.sap.adapter import SapAdapter
from erp_orders.validation import unit_costs
from exceptions_queue.approvals_queue import approval_context
from handoff_project.demo import erp_world
from handoff_project.integration.canonical import Money, OrderLine, OrderRequest, from_dict
from tests.factories import UserFactory, handoff_awaiting_approval, order_request


@pytest.mark.django_db(transaction=True)
def test_sap_gives_the_materials_standard_cost_from_its_valuation(sandbox_urls):
    erp_world.seed_erp("sap")
    adapter = SapAdapter()
    assert adapter.get_unit_cost(material="SW-PLAT-ENT", currency="USD") == Money(Decimal("9600.00"), "USD")
    assert adapter.get_unit_cost(material="SW-PLAT-ENT", currency="EUR") is None, "no valuation in that currency"
    assert adapter.get_unit_cost(material="NO-SUCH-MATERIAL", currency="USD") is None


@pytest.mark.django_db(transaction=True)
def test_validation_keeps_the_cost_of_every_line_it_can_get(sandbox_urls):
    erp_world.seed_erp("sap")
    usd = Money(Decimal("48000.00"), "USD")
    order = dataclasses.replace(from_dict(OrderRequest, order_request()), currency="USD", lines=(
        OrderLine(1, "SW-PLAT-ENT", "Platform licence", Decimal("1"), "EA", usd),
        OrderLine(2, "NOT-IN-SAP", "Something SAP does not value", Decimal("2"), "EA", usd),
    ))
    assert unit_costs(order, SapAdapter()) == {"1": "9600.00"}, "line 2 has no cost: left out, not a failure"


@pytest.mark.django_db
def test_the_approval_page_shows_cost_and_margin_per_line_and_for_the_deal(client):
    handoff = handoff_awaiting_approval(level="high")
    lines = handoff.deal["lines"]
    handoff.erp_costs = {str(line["line_number"]): "100.00" for line in lines}
    handoff.save(update_fields=["erp_costs"])
    ctx = approval_context(handoff.pk)
    for line in ctx.lines:
        assert line.cost == (Decimal("100.00") * line.quantity).quantize(Decimal("0.01"))
        assert line.margin == ((line.net - line.cost) / line.net * 100).quantize(Decimal("0.1"))
    total_cost = sum(line.cost for line in ctx.lines)
    assert ctx.deal_margin == ((ctx.deal_total - total_cost) / ctx.deal_total * 100).quantize(Decimal("0.1"))

    client.force_login(UserFactory(username="ada", roles=["approver"]))
    page = client.get(reverse("ops:approval-detail", args=[handoff.pk])).content.decode()
    assert f"{ctx.deal_margin:.1f} %" in page and 'data-testid="deal-margin"' in page


@pytest.mark.django_db
def test_without_a_cost_from_the_erp_the_margin_says_it_is_unknown(client):
    handoff = handoff_awaiting_approval(level="high")
    ctx = approval_context(handoff.pk)
    assert all(line.margin is None for line in ctx.lines) and ctx.deal_margin is None
    client.force_login(UserFactory(username="ada", roles=["approver"]))
    page = client.get(reverse("ops:approval-detail", args=[handoff.pk])).content.decode()
    assert "the ERP gave no cost for some lines" in page
