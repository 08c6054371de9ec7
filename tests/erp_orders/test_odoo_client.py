"""OdooClient and OdooAdapter at the HTTP boundary (respx): Odoo's JSON-RPC answers mapped onto the error tree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from erp_orders.connectors.odoo import mappers
from erp_orders.connectors.odoo.adapter import OdooAdapter
from erp_orders.connectors.odoo.client import ERROR_CLASSES, OdooClient, error_class, odoo_reason
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    DuplicateError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    Reason,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event

pytestmark = pytest.mark.django_db

HOST = "https://mycompany.odoo.example"
ENDPOINT = f"{HOST}/jsonrpc"
FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def odoo_host(settings):
    settings.ODOO_BASE_URL = HOST


def error(name: str, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": 2, "error": {"code": 200, "message": "Odoo Server Error",
                                                 "data": {"name": name, "message": message, "arguments": [message],
                                                          "context": {}, "debug": "Traceback …"}}}


def signed_in_then(*answers):
    """authenticate → uid 2, then each answer in turn (a dict is a JSON-RPC body, an httpx.Response is sent as is)."""
    return [httpx.Response(200, json=sample("jsonrpc_authenticate_response")),
            *[a if isinstance(a, httpx.Response) else httpx.Response(200, json=a) for a in answers]]


def create(action="create the sales order"):
    with OdooClient() as client:
        return client.execute_kw("sale.order", "create", [{"partner_id": 7}], action=action)


# ---- the classification table ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, kind, transient", [
    ("odoo.exceptions.AccessDenied", AuthenticationError, False),
    ("odoo.exceptions.AccessError", AuthenticationError, False),
    ("odoo.exceptions.ValidationError", RemoteValidationError, False),
    ("odoo.exceptions.UserError", RemoteValidationError, False),
    ("odoo.exceptions.MissingError", NotFoundError, False),
    ("psycopg2.errors.SerializationFailure", LockedRecordError, True),
    ("psycopg2.errors.LockNotAvailable", LockedRecordError, True),
    ("psycopg.errors.SerializationFailure", LockedRecordError, True),  # psycopg 3 module path, by class name
    ("psycopg2.OperationalError", TransientError, True),
    ("builtins.ValueError", PermanentError, False),
    ("some.addon.UnheardOfError", PermanentError, False),
])
def test_each_odoo_exception_class_has_a_kernel_error_and_a_retry_decision(name, kind, transient):
    assert error_class(name) is kind
    assert issubclass(kind, TransientError) is transient


def test_the_table_names_only_classes_of_the_kernel_tree():
    assert all(issubclass(cls, (TransientError, PermanentError)) for cls in ERROR_CLASSES.values())


@pytest.mark.parametrize("text, reason", [
    (sample("error_foreign_key_payment_term")["error"]["data"]["message"], Reason.INVALID_PAYMENT_TERMS),
    ("Record does not exist or has been deleted.\n(Record: account.payment.term(99,), User: 2)", Reason.INVALID_PAYMENT_TERMS),
    (sample("error_missing_partner")["error"]["data"]["message"], Reason.UNKNOWN_CUSTOMER),
    ("Record does not exist or has been deleted.\n(Record: product.product(999,), User: 2)", Reason.UNKNOWN_ITEM),
    (sample("error_rounding_precision")["error"]["data"]["message"], Reason.UNIT_NO_DECIMALS),
    ("The delivery date 11/24/2026 is in the past. Set a delivery date (commitment_date) from today on.", Reason.DATE_IN_PAST),
    ("The operation cannot be completed: Customer Reference (client_order_ref) must be unique per company!",
     Reason.DUPLICATE_REFERENCE),
    ("Please define an accounting sales journal for the company", ""),
])
def test_odoo_messages_state_the_shared_reasons(text, reason):
    assert odoo_reason(text) == reason


# ---- JSON-RPC errors through the client --------------------------------------------------------------------------------


@respx.mock
def test_a_rejected_order_keeps_odoos_class_and_message_and_says_what_to_fix():
    respx.post(ENDPOINT).mock(side_effect=signed_in_then(sample("error_foreign_key_payment_term")))
    with pytest.raises(RemoteValidationError) as caught:
        create()
    exc = caught.value
    assert exc.reason == Reason.INVALID_PAYMENT_TERMS and exc.vendor_code == "ValidationError"
    assert str(exc).startswith("Odoo rejected the order: The operation cannot be completed")
    assert "(Odoo ValidationError)" in str(exc) and "Payment terms" in exc.recommended_resolution
    assert "\n" not in str(exc) and exc.detail["name"] == "odoo.exceptions.ValidationError"


@respx.mock
@pytest.mark.parametrize("answer, kind, reason, said", [
    (sample("error_missing_partner"), NotFoundError, Reason.UNKNOWN_CUSTOMER, "Customers entry"),
    (error("odoo.exceptions.ValidationError", "The operation cannot be completed: client_order_ref must be unique"),
     DuplicateError, Reason.DUPLICATE_REFERENCE, "look it up"),
    (sample("error_serialization_failure"), LockedRecordError, Reason.RECORD_LOCKED, "will retry"),
    (sample("error_access_denied"), AuthenticationError, "", "ODOO_DATABASE, ODOO_USER and ODOO_API_KEY"),
])
def test_odoo_errors_on_create_become_the_kernel_error_with_its_reason_and_what_to_do(answer, kind, reason, said):
    respx.post(ENDPOINT).mock(side_effect=signed_in_then(answer))
    with pytest.raises(kind) as caught:
        create()
    assert type(caught.value) is kind and caught.value.reason == reason and said in str(caught.value)


@respx.mock
def test_authenticate_answering_false_is_an_authentication_error():
    respx.post(ENDPOINT).mock(return_value=httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": False}))
    with pytest.raises(AuthenticationError, match="authenticate answered False"):
        create()


@respx.mock
def test_a_query_error_is_reported_as_the_connectors_fault_not_the_deals():
    respx.post(ENDPOINT).mock(side_effect=signed_in_then(error("builtins.ValueError", "Invalid field 'nope' on model 'sale.order'")))
    with pytest.raises(PermanentError, match="fault in the connector's request") as caught:
        with OdooClient() as client:
            client.execute_kw("sale.order", "search_read", [[["nope", "=", 1]]], action="look up orders by reference")
    assert caught.value.reason == ""


# ---- HTTP in front of Odoo ---------------------------------------------------------------------------------------------


@respx.mock
@pytest.mark.parametrize("status, kind", [
    (429, RateLimitedError), (503, TransientError), (500, TransientError), (408, TransientError),
    (401, AuthenticationError), (403, AuthenticationError), (404, NotFoundError), (418, PermanentError),
])
def test_http_statuses_map_onto_the_error_tree(status, kind):
    respx.post(ENDPOINT).mock(return_value=httpx.Response(status, text="nginx says no"))
    with pytest.raises(kind) as caught:
        create()
    assert type(caught.value) is kind and caught.value.http_status == status


@respx.mock
def test_a_gateway_timeout_on_create_warns_that_the_order_may_exist():
    respx.post(ENDPOINT).mock(side_effect=signed_in_then(httpx.Response(504, text="Gateway Time-out")))
    with pytest.raises(TransientError, match="looks the order up first"):
        create()


@respx.mock
def test_an_answer_that_is_not_jsonrpc_points_at_the_base_url():
    respx.post(ENDPOINT).mock(return_value=httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"}))
    with pytest.raises(ConfigurationError, match="ODOO_BASE_URL"):
        create()


def test_missing_settings_are_a_configuration_error(settings):
    settings.ODOO_API_KEY = ""
    with pytest.raises(ConfigurationError, match="ODOO_API_KEY"):
        OdooClient()


@respx.mock
def test_the_api_key_travels_in_the_body_but_never_into_the_event_log(settings):
    route = respx.post(ENDPOINT).mock(side_effect=signed_in_then(sample("sale_order_create_response")))
    create()
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [body["params"]["args"][2] for body in sent] == [settings.ODOO_API_KEY] * 2
    logged = list(Event.objects.filter(system="odoo").values_list("request_body", flat=True))
    assert len(logged) == 2 and all(settings.ODOO_API_KEY not in body and "[REDACTED]" in body for body in logged)


@respx.mock
def test_sign_in_is_the_documented_authenticate_call_and_its_key_is_what_redaction_hides(settings):
    from handoff_project.integration.redaction import REDACTED, redact_body

    documented = sample("jsonrpc_authenticate_request")
    route = respx.post(ENDPOINT).mock(return_value=httpx.Response(200, json=sample("jsonrpc_authenticate_response")))
    assert OdooClient().uid() == 2
    sent = json.loads(route.calls[0].request.content)
    assert sent["params"]["service"] == documented["params"]["service"] == "common"
    assert sent["params"]["method"] == documented["params"]["method"] == "authenticate"
    assert sent["params"]["args"] == [settings.ODOO_DATABASE, settings.ODOO_USER, settings.ODOO_API_KEY, {}]
    assert json.loads(redact_body(json.dumps(documented)))["params"]["args"][2] == REDACTED


# ---- the adapter when confirmation fails after the create --------------------------------------------------------------


def order(reference="SF-006000000000009AAA") -> OrderRequest:
    line = OrderLine(line_number=1, material="21", description="Platform", quantity=Decimal("1"), unit="1",
                     unit_price=Money("45600.00", "USD"), tax_code="1")
    return OrderRequest(reference=reference, sold_to="7", ship_to="7", ship_to_address=Address(), currency="USD",
                        lines=(line,), payment_terms_key="4")


class FakeOdoo:
    """Just enough of Odoo behind respx: one sale.order that stays a quotation until a confirmation goes through."""

    def __init__(self, confirmations_refused: int):
        self.refused = confirmations_refused
        self.order = None

    def __call__(self, request):
        body = json.loads(request.content)
        params = body["params"]
        if params["service"] == "common":
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": 2})
        model, method = params["args"][3], params["args"][4]
        result = {
            ("res.partner", "read"): lambda: [{"id": 7, "property_product_pricelist": [1, "Public Pricelist"]}],
            ("product.pricelist", "read"): lambda: [{"id": 1, "currency_id": [2, "USD"]}],
            ("sale.order", "create"): self._create,
            ("sale.order", "action_confirm"): self._confirm,
            ("sale.order", "search_read"): lambda: [self.order] if self.order else [],
            ("sale.order", "read"): lambda: [self.order],
        }[(model, method)]()
        if isinstance(result, httpx.Response):
            return result
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})

    def _create(self):
        self.order = {"id": 42, "name": "S00042", "client_order_ref": order().reference, "state": "draft",
                      "amount_total": 48906.0, "currency_id": [2, "USD"]}
        return 42

    def _confirm(self):
        if self.refused:
            self.refused -= 1
            return httpx.Response(200, json=sample("error_serialization_failure"))
        self.order["state"] = "sale"
        return True


@respx.mock
def test_a_refused_confirmation_keeps_the_quotation_and_the_retry_confirms_it_instead_of_creating_another():
    odoo = FakeOdoo(confirmations_refused=1)
    respx.post(ENDPOINT).mock(side_effect=odoo)
    with pytest.raises(LockedRecordError):
        OdooAdapter().create_order(order())
    assert odoo.order["state"] == "draft"
    note = Event.objects.get(event_type="erp_order_not_confirmed")
    assert "stays a quotation" in note.message and note.data == {"sale_order_id": 42}

    found = OdooAdapter().find_order_by_reference(order().reference)
    assert (found.order_number, found.found_existing, odoo.order["state"]) == ("S00042", True, "sale")
    assert found.total == Money("48906.00", "USD")
