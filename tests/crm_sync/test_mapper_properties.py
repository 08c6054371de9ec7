"""Every CRM mapper (vendor record → canonical Deal) over records with junk in them (hypothesis).

The records start as the real samples (connectors' fixtures, the shapes the REST APIs return); hypothesis replaces up
to three values anywhere in them — or deletes them — with junk: wrong types, nested structures, text that is not a
number or a date, NaN and Infinity, numbers too large to be an amount, NUL characters, very long text. The property:
the mapper returns a Deal that the handoff can store (to_dict, deal_summary), or raises ValueError saying what it
could not read — which `crm_sync.services.fetch_deal` turns into a PermanentError (an exception a person sees,
not a crash retried five times). Never TypeError, KeyError, AttributeError or an arithmetic signal.
"""

from __future__ import annotations

import copy
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from crm_sync.connectors.hubspot.mappers import deal_from_hubspot
from crm_sync.connectors.pipedrive.mappers import deal_from_pipedrive
from crm_sync.connectors.salesforce.mappers import deal_from_salesforce
from crm_sync.services import UNREADABLE_RECORD, deal_summary, fetch_deal
from handoff_project.integration.canonical import Deal, to_dict
from handoff_project.integration.errors import PermanentError

from .test_salesforce_mappers import ACCOUNT, CONTACT, LINE_ITEMS, OPPORTUNITY

CONNECTORS = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors"
PROPERTY = hypothesis_settings(max_examples=int(os.environ.get("MAPPER_EXAMPLES", "250")), deadline=None, derandomize=not os.environ.get("MAPPER_EXAMPLES"), database=None,
                               suppress_health_check=[HealthCheck.too_slow])
DELETE = object()


def _load(system: str, name: str, key: str | None = None):
    value = json.loads((CONNECTORS / system / "fixtures" / name).read_text(), parse_float=Decimal)
    return value[key] if key else value


def hubspot_inputs() -> tuple:
    return (_load("hubspot", "deal_with_associations.json"), _load("hubspot", "line_items_batch_read.json", "results"),
            _load("hubspot", "company.json"), _load("hubspot", "contact.json"))


def pipedrive_inputs() -> tuple:
    products = {p["id"]: p for p in _load("pipedrive", "api_v2_products.json", "data")}
    return (_load("pipedrive", "api_v2_deal.json", "data"), _load("pipedrive", "api_v2_deal_products.json", "data"),
            products, _load("pipedrive", "api_v2_organization.json", "data"), _load("pipedrive", "api_v2_person.json", "data"))


def salesforce_inputs() -> tuple:
    return copy.deepcopy((OPPORTUNITY, LINE_ITEMS, ACCOUNT, CONTACT))


MAPPERS = {
    "salesforce": (salesforce_inputs, deal_from_salesforce),
    "hubspot": (hubspot_inputs, deal_from_hubspot),
    "pipedrive": (pipedrive_inputs, deal_from_pipedrive),
}

junk_scalars = st.sampled_from([
    None, "", " ", "abc", "NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e999999", "-1e999999", "1e-999999",
    "12,5", "0x1F", "١٢٣", "2026-02-30", "2026-13-01T00:00:00Z", "9999999999999999999", "\x00", "null", True, False,
    0, -1, 10**40, Decimal("NaN"), Decimal("Infinity"), Decimal("1E+400"), "x" * 3000,
]) | st.text(max_size=20) | st.integers() | st.decimals(allow_nan=True, allow_infinity=True)
# A shape the API never sends: an object or a list where a value was, or a value where an object was.
junk_shapes = st.recursive(junk_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                           max_leaves=6)


def paths(value, prefix=()):
    """Every place a value sits in the (nested) records: tuples of keys and indexes."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


def corrupt(inputs: tuple, where: tuple, value) -> tuple:
    records = [copy.deepcopy(x) for x in inputs]
    *parents, last = where
    container = records
    for step in parents:
        container = container[step]
    if value is DELETE and isinstance(container, dict):
        del container[last]
    elif value is not DELETE:
        container[last] = value
    return tuple(records)


def leaves(value, prefix=()):
    return [where for where in paths(value) if not isinstance(_at(value, where), (dict, list, tuple))]


def _at(value, where):
    for step in where:
        value = value[step]
    return value


@st.composite
def corrupted(draw, system: str, *, shapes: bool):
    """The system's sample records with 1–3 values replaced (or keys deleted): scalars only, or any shape."""
    inputs = MAPPERS[system][0]()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        places = paths(list(inputs)) if shapes else leaves(list(inputs))
        where = draw(st.sampled_from(places))
        inputs = corrupt(inputs, where, draw(st.just(DELETE) | (junk_shapes if shapes else junk_scalars)))
    return inputs


@pytest.mark.parametrize("system", sorted(MAPPERS))
def test_the_untouched_samples_map_to_a_deal(system):
    inputs, mapper = MAPPERS[system]
    assert isinstance(mapper(*inputs()), Deal)


def _maps_or_says_why(system: str, records: tuple, *, allowed=(ValueError,)) -> None:
    mapper = MAPPERS[system][1]
    try:
        deal = mapper(*records)
    except allowed as exc:
        assert str(exc).strip(), "the error says what could not be read"
        return
    to_dict(deal)  # what the handoff stores
    summary = deal_summary(deal)
    for money in [deal.total, *(line.unit_price for line in deal.lines)]:
        assert money.amount.is_finite(), f"{money} is not an amount"
    assert summary["amount"].is_finite()


@PROPERTY
@given(st.sampled_from(sorted(MAPPERS)).flatmap(lambda system: st.tuples(st.just(system), corrupted(system, shapes=False))))
def test_a_record_with_junk_values_maps_to_a_storable_deal_or_raises_a_value_error_saying_what(case):
    system, records = case
    _maps_or_says_why(system, records)


@PROPERTY
@given(st.sampled_from(sorted(MAPPERS)).flatmap(lambda system: st.tuples(st.just(system), corrupted(system, shapes=True))))
def test_a_record_of_a_shape_the_api_never_sends_raises_an_error_fetch_deal_makes_permanent(case):
    system, records = case
    _maps_or_says_why(system, records, allowed=UNREADABLE_RECORD)


@pytest.mark.django_db(transaction=True)
def test_fetch_deal_turns_an_unreadable_record_into_a_permanent_error_a_person_can_act_on(sandbox_urls):
    from crm_sync.connectors.salesforce.client import SalesforceClient, clear_token_cache

    clear_token_cache()
    # Not won, so the sandbox sends no Outbound Message from a background thread that would outlive the test.
    with SalesforceClient() as salesforce:  # the Salesforce sandbox over HTTP, as the adapter reads it
        account = salesforce.create("Account", {"Name": "Initech LLC", "BillingCountry": "USA"})
        opportunity = salesforce.create("Opportunity", {"Name": "Initech — rollout", "AccountId": account,
                                                        "StageName": "Negotiation/Review", "CloseDate": "2025-04-30",
                                                        "CurrencyIsoCode": "E1R", "Amount": 1000})  # fmt: skip
    with pytest.raises(PermanentError) as caught:
        fetch_deal(crm_system="salesforce", crm_record_id=opportunity)
    message = str(caught.value)
    assert "could not be read" in message and "ISO 4217" in message and "re-queue" in message
    clear_token_cache()
