"""The sandbox's "Closed Won" workflow: an Outbound Message POSTed to a listener, retried, recorded; the HTML page."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from crm_sync.connectors.salesforce.client import SalesforceClient, clear_token_cache
from crm_sync.connectors.salesforce.outbound import ack_response, parse_outbound_message, soap_fault
from crm_sync.connectors.salesforce.sandbox_outbound import wait_for_deliveries
from tests.conftest import TEST_ORG_ID


class Listener:
    """A real HTTP endpoint standing in for our webhook: answers from a script, records what it received."""

    def __init__(self, answers: list[tuple[int, str]], delay_s: float = 0.0):
        self.answers = list(answers)
        self.delay_s = delay_s
        self.received: list[tuple[dict, bytes]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                listener.received.append((dict(self.headers), body))
                time.sleep(listener.delay_s)
                status, text = listener.answers[min(len(listener.received), len(listener.answers)) - 1]
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/salesforce/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


ACK = (200, ack_response())


@pytest.fixture(autouse=True)
def salesforce_sandbox(sandbox_urls, settings):
    settings.SALESFORCE_SANDBOX_OUTBOUND_RETRY_DELAYS = [0.1, 0.1]
    clear_token_cache()
    yield sandbox_urls
    assert wait_for_deliveries(timeout=30)
    clear_token_cache()


@pytest.fixture
def listen(settings):
    listeners = []

    def start(answers, delay_s=0.0) -> Listener:
        listener = Listener(answers, delay_s)
        listeners.append(listener)
        settings.SALESFORCE_OUTBOUND_URL = listener.url
        return listener

    yield start
    assert wait_for_deliveries(timeout=30)
    for listener in listeners:
        listener.close()


@pytest.fixture
def sf():
    with SalesforceClient() as client:
        yield client


@pytest.fixture
def base(salesforce_sandbox) -> str:
    return f"{salesforce_sandbox.url}/sandbox/salesforce"


def open_opportunity(sf, stage="Negotiation/Review", **extra) -> str:
    account = sf.create("Account", {"Name": "Initech LLC"})
    return sf.create("Opportunity", {"Name": "Initech rollout", "AccountId": account, "StageName": stage,
                                     "CloseDate": "2025-04-30", "Amount": 48000, **extra})  # fmt: skip


def outbound_messages(base) -> list[dict]:
    return httpx.get(f"{base}/_state").json()["outbound_messages"]


def test_winning_an_opportunity_sends_an_outbound_message_after_the_patch_has_answered(sf, listen, base):
    listener = listen([ACK], delay_s=1.0)
    opportunity = open_opportunity(sf)

    started = time.monotonic()
    sf.update("Opportunity", opportunity, {"StageName": "Closed Won"})
    patch_took = time.monotonic() - started
    assert wait_for_deliveries(timeout=30)

    assert patch_took < 1.0  # the listener needs a second; the PATCH did not wait for it
    ((headers, body),) = listener.received
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert headers["SOAPAction"] == '""'
    message = parse_outbound_message(body)
    assert message.organization_id == TEST_ORG_ID
    assert message.session_id == ""
    (notification,) = message.notifications
    assert notification.sobject_type == "Opportunity"
    assert notification.notification_id.startswith("04l") and len(notification.notification_id) == 18
    fields = notification.fields
    assert set(fields) == {"Id", "Name", "AccountId", "StageName", "Amount", "CloseDate", "IsWon", "LastModifiedDate"}
    assert (fields["Id"], fields["StageName"], fields["IsWon"]) == (opportunity, "Closed Won", "true")
    assert (fields["Amount"], fields["CloseDate"]) == ("48000", "2025-04-30")

    (record,) = outbound_messages(base)
    assert record["notification_id"] == notification.notification_id
    assert record["record_id"] == opportunity
    assert record["url"] == listener.url
    assert (record["status"], record["acked"], record["http_status"]) == ("delivered", True, 200)
    assert len(record["attempts"]) == 1


def test_a_delivery_without_ack_is_retried_with_the_same_notification_id(sf, listen, base):
    listener = listen([(500, soap_fault("database busy")), (200, "OK"), ACK])
    sf.update("Opportunity", open_opportunity(sf), {"StageName": "Closed Won"})
    assert wait_for_deliveries(timeout=30)

    ids = {parse_outbound_message(body).notifications[0].notification_id for _headers, body in listener.received}
    (record,) = outbound_messages(base)
    assert len(listener.received) == 3 and len(ids) == 1
    assert [a["http_status"] for a in record["attempts"]] == [500, 200, 200]
    assert [a["acked"] for a in record["attempts"]] == [False, False, True]
    assert (record["status"], record["acked"]) == ("delivered", True)


def test_delivery_gives_up_after_three_tries_and_records_the_failure(sf, listen, base):
    listener = listen([(503, "Service Unavailable")])
    sf.update("Opportunity", open_opportunity(sf), {"StageName": "Closed Won"})
    assert wait_for_deliveries(timeout=30)

    (record,) = outbound_messages(base)
    assert len(listener.received) == 3
    assert (record["status"], record["acked"], record["http_status"]) == ("failed", False, 503)
    assert len(record["attempts"]) == 3


def test_an_unreachable_listener_is_recorded_as_failed_with_the_reason(sf, settings, base):
    settings.SALESFORCE_OUTBOUND_URL = "http://127.0.0.1:9/webhooks/salesforce/"  # the discard port: refused
    sf.update("Opportunity", open_opportunity(sf), {"StageName": "Closed Won"})
    assert wait_for_deliveries(timeout=30)

    (record,) = outbound_messages(base)
    assert record["status"] == "failed" and record["http_status"] is None
    assert "ConnectError" in record["attempts"][-1]["error"]


def test_only_a_move_into_closed_won_sends_a_message(sf, listen, base):
    listener = listen([ACK])
    opportunity = open_opportunity(sf)
    sf.update("Opportunity", opportunity, {"StageName": "Closed Lost"})
    sf.update("Opportunity", opportunity, {"StageName": "Closed Won"})
    sf.update("Opportunity", opportunity, {"ERP_Order_Number__c": "0000004711"})  # our own writeback
    sf.update("Opportunity", opportunity, {"StageName": "Closed Won"})  # already won: no second message
    assert wait_for_deliveries(timeout=30)

    assert len(listener.received) == 1
    sf.update("Opportunity", opportunity, {"StageName": "Negotiation/Review"})
    sf.update("Opportunity", opportunity, {"StageName": "Closed Won"})  # won again after reopening: a new message
    assert wait_for_deliveries(timeout=30)
    assert len(listener.received) == 2 and len(outbound_messages(base)) == 2


def test_creating_an_opportunity_that_is_already_won_sends_a_message(sf, listen):
    listener = listen([ACK])
    opportunity = open_opportunity(sf, stage="Closed Won")
    assert wait_for_deliveries(timeout=30)
    assert parse_outbound_message(listener.received[0][1]).notifications[0].sobject_id == opportunity


def test_concurrent_patches_winning_the_same_deal_send_one_message(sf, listen):
    listener = listen([ACK])
    opportunity = open_opportunity(sf)

    def win(_n):
        with SalesforceClient() as client:
            client.update("Opportunity", opportunity, {"StageName": "Closed Won"})

    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(win, range(5)))
    assert wait_for_deliveries(timeout=30)
    assert len(listener.received) == 1


def test_without_a_configured_url_the_message_goes_to_our_webhook_on_the_same_host(sf, settings, base, salesforce_sandbox):
    settings.SALESFORCE_OUTBOUND_URL = ""
    sf.update("Opportunity", open_opportunity(sf), {"StageName": "Closed Won"})
    assert wait_for_deliveries(timeout=30)
    (record,) = outbound_messages(base)
    assert record["url"] == f"{salesforce_sandbox.url}/webhooks/salesforce/"


def test_the_page_lists_opportunities_and_mark_won_sends_the_message(sf, listen, base):
    listener = listen([ACK])
    opportunity = open_opportunity(sf, Payment_Terms__c="Net 45", CurrencyIsoCode="USD")
    closed = open_opportunity(sf, stage="Closed Lost")
    sf.update("Opportunity", closed, {"ERP_Sync_Status__c": "Failed", "ERP_Sync_Error__c": "SAP said no"})

    with httpx.Client(base_url=base) as browser:
        page = browser.get("/")
        html = page.text
        assert page.status_code == 200
        assert '<meta http-equiv="refresh"' in html
        assert "Initech rollout" in html and "Initech LLC" in html and "48000.00 USD" in html
        assert "Negotiation/Review" in html and "Failed" in html and "SAP said no" in html
        assert html.count(">Mark won</button>") == 1  # only the open opportunity has the button

        refused = browser.post(f"/opportunities/{opportunity}/mark-won")  # no CSRF token
        assert refused.status_code == 403

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        answer = browser.post(f"/opportunities/{opportunity}/mark-won", data={"csrfmiddlewaretoken": token})
        assert answer.status_code == 302

    assert wait_for_deliveries(timeout=30)
    assert sf.get("Opportunity", opportunity, fields=["StageName"])["StageName"] == "Closed Won"
    assert parse_outbound_message(listener.received[0][1]).notifications[0].sobject_id == opportunity

    sf.update("Opportunity", opportunity, {"ERP_Order_Number__c": "0000004711", "ERP_Sync_Status__c": "Created"})
    html = httpx.get(f"{base}/").text
    assert "0000004711" in html and "Created" in html and "delivered" in html
    assert ">Mark won</button>" not in html
