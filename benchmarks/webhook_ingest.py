"""webhook_ingest: a flood of CRM webhook deliveries, 30 % of them redeliveries, acknowledged as fast as the machine allows.

What runs (all on this machine): a fresh PostgreSQL database, the web server (benchmarks._webserver, Django's threaded
WSGI server, one thread per connection), and this process as the senders — a pool of client threads, each with its
own keep-alive connection, sending as fast as answers come back (closed loop). No worker runs: acknowledging a
delivery is verify → store the raw InboundEvent → queue one django-q2 task (an OrmQ row of the ORM broker) on commit
→ answer. So every distinct accepted delivery leaves exactly one queued `process_inbound_event` task behind.

The deliveries (BENCH_N, default 5,000) are a mix of the three CRMs, each announcing one won deal, in its wire format:
HubSpot (a signed v3 batch of one deal.propertyChange event), Pipedrive (webhooks v2 change.deal to won, HTTP Basic)
and Salesforce (an Outbound Message with one Opportunity notification). BENCH_DUPLICATES (default 0.30) of them are
redeliveries of an earlier one, as each vendor redelivers: HubSpot re-signs the same eventIds with a new
attemptNumber and timestamp, Pipedrive resends the same meta.id with attempt + 1, Salesforce resends the message
byte for byte. Half of the redeliveries follow their original at once (so the two are in flight together, on
different connections: the unique-index race), the rest come later at random.

The server sends with TCP_NODELAY (WEBSERVER_TCP_NODELAY, as behind nginx; BENCH_TCP_NODELAY=0 to measure without):
Django's handler writes headers and body separately, and with Nagle on every keep-alive answer waits ~40 ms for the
client's delayed ACK — a figure of the dev server, not of the intake.

First a short probe at several concurrency levels (BENCH_LEVELS, default 1,4,8,16; BENCH_PROBE_N deliveries each,
default 300, distinct events) finds the level with the highest throughput; the main run uses it (or BENCH_CONCURRENCY).

Verified: zero 5xx, zero non-2xx; every distinct event stored exactly once (an InboundEvent per dedup key, computed
here with the connectors' own key functions, status accepted); every redelivery acknowledged and counted on the
first (`deliveries` = times sent); one queued task per distinct event.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import http.client
import json
import os
import queue
import random
import secrets
import sys
import threading
import time
import uuid

from . import _harness as h

NAME = "webhook_ingest"
KEY_FIGURES = ["deliveries", "distinct_events", "duplicates_sent", "concurrency", "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms",
               "distinct_stored", "duplicates_acknowledged", "errors", "lost", "double_stored", "database"]
ORG_ID = "00D000000000BNCHAA"  # h.app_env's SALESFORCE_ORGANIZATION_ID
HUBSPOT_PORTAL = 62515


def log(message: str) -> None:
    print(f"[{NAME} {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- the deliveries ------------------------------------------------------------------------------------------------------


class Delivery:
    """One distinct event, able to produce its first delivery and its redeliveries as its CRM sends them."""

    def __init__(self, system: str, number: int, secrets_: dict):
        self.system, self.number, self.secrets = system, number, secrets_
        self.attempt = 0
        if system == "hubspot":
            self.event = {"eventId": 5_000_000_000 + number, "subscriptionId": 1240733, "portalId": HUBSPOT_PORTAL,
                          "appId": 1234567, "occurredAt": int(time.time() * 1000), "subscriptionType":
                          "deal.propertyChange", "attemptNumber": 0, "objectId": 90_000_000 + number,
                          "propertyName": "dealstage", "propertyValue": "closedwon", "changeSource": "CRM_UI"}
        elif system == "pipedrive":
            self.event = {"meta": {"action": "change", "entity": "deal", "entity_id": str(10_000 + number),
                                   "id": str(uuid.uuid4()), "version": "2.0", "attempt": 1, "webhook_id": "884",
                                   "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())},
                          "data": {"id": 10_000 + number, "title": f"Bench deal {number}", "status": "won",
                                   "value": 1000 + number, "currency": "EUR"},
                          "previous": {"status": "open"}}
        else:
            from crm_sync.connectors.salesforce.outbound import build_outbound_message

            self.body = build_outbound_message(ORG_ID, "04k000000000001AAA", "Opportunity",
                                               [{"Id": f"006{number:015d}", "Name": f"Bench deal {number}",
                                                 "StageName": "Closed Won", "IsWon": True}])  # fmt: skip

    def request(self, path_base: str) -> tuple[str, bytes, dict]:
        """(path, body, headers) of the next delivery of this event."""
        self.attempt += 1
        if self.system == "hubspot":
            from crm_sync.connectors.hubspot.signature import v3_signature

            body = json.dumps([{**self.event, "attemptNumber": self.attempt - 1}]).encode()
            timestamp = str(int(time.time() * 1000))
            uri = f"{path_base}/webhooks/hubspot/"
            return "/webhooks/hubspot/", body, {
                "Content-Type": "application/json", "X-HubSpot-Request-Timestamp": timestamp,
                "X-HubSpot-Signature-v3": v3_signature(self.secrets["hubspot"], "POST", uri, body, timestamp)}
        if self.system == "pipedrive":
            body = json.dumps({**self.event, "meta": {**self.event["meta"], "attempt": self.attempt}}).encode()
            return "/webhooks/pipedrive/", body, {"Content-Type": "application/json",
                                                  "Authorization": self.secrets["pipedrive"]}
        return "/webhooks/salesforce/", self.body, {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}

    def dedup_key(self) -> str:
        """The key the intake stores this event under, by the connectors' own functions."""
        if self.system == "hubspot":
            from crm_sync.connectors.hubspot.webhook import dedup_key, parse_batch

            return dedup_key(parse_batch(json.dumps([self.event]).encode()))
        if self.system == "pipedrive":
            from crm_sync.connectors.pipedrive.webhook import parse_delivery

            return parse_delivery(json.dumps(self.event).encode()).dedup_key
        from crm_sync.connectors.salesforce.outbound import parse_outbound_message

        ids = sorted(n.notification_id for n in parse_outbound_message(self.body).notifications)
        return "sfom:" + hashlib.sha256("|".join(ids).encode()).hexdigest()


def plan(n: int, duplicate_share: float, start: int, secrets_: dict, rng: random.Random) -> tuple[list, list]:
    """(the distinct events, the order of sending: a list of events, redeliveries included)."""
    duplicates = round(n * duplicate_share)
    systems = ("hubspot", "pipedrive", "salesforce")
    distinct = [Delivery(systems[i % 3], start + i, secrets_) for i in range(n - duplicates)]
    order = list(distinct)
    rng.shuffle(order)
    for k in range(duplicates):
        original = rng.choice(distinct)
        at = order.index(original) + 1 if k % 2 == 0 else rng.randrange(order.index(original) + 1, len(order) + 1)
        order.insert(at, original)
    return distinct, order


# ---- sending -------------------------------------------------------------------------------------------------------------


def send_all(host: str, port: int, base: str, order: list, concurrency: int) -> tuple[list, float]:
    """Send in order from `concurrency` threads (each its own keep-alive connection); returns (answers, seconds)."""
    work: queue.Queue = queue.Queue()
    for position, delivery in enumerate(order):
        work.put((position, delivery))
    answers: list = [None] * len(order)
    lock = threading.Lock()  # the request of an event is built under it (its attempt counter)

    def sender():
        connection = http.client.HTTPConnection(host, port, timeout=60)
        while True:
            try:
                position, delivery = work.get_nowait()
            except queue.Empty:
                break
            with lock:
                path, body, headers = delivery.request(base)
                redelivery = delivery.attempt > 1
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                status, payload = 0, str(exc).encode()
            answers[position] = (delivery.system, status, (time.perf_counter() - started) * 1000, payload[:300], redelivery)
        connection.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


def summary(answers: list, seconds: float) -> dict:
    latencies = [a[2] for a in answers]
    statuses = collections.Counter(a[1] for a in answers)
    return {
        "requests_per_s": round(len(answers) / seconds, 1),
        "p50_ms": h.rounded(h.percentile(latencies, 50), 1), "p95_ms": h.rounded(h.percentile(latencies, 95), 1),
        "p99_ms": h.rounded(h.percentile(latencies, 99), 1), "max_ms": h.rounded(max(latencies), 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": sum(v for k, v in statuses.items() if not 200 <= k < 300),
        "server_errors": sum(v for k, v in statuses.items() if k >= 500 or k == 0),
        "seconds": round(seconds, 2),
    }


# ---- verification --------------------------------------------------------------------------------------------------------


def verify(sent: dict[str, int], events: dict[str, "Delivery"]) -> dict:
    """Compare what the store holds with what was sent (key → times sent)."""
    from django.db.models import Count
    from django_q.models import OrmQ

    from handoff_project.integration.models import InboundEvent

    rows = {(r["system"], r["dedup_key"]): r for r in
            InboundEvent.objects.values("system", "dedup_key", "deliveries", "status")}
    by_key = collections.Counter(InboundEvent.objects.values_list("dedup_key", flat=True))
    lost = [k for k in sent if (events[k].system, k) not in rows]
    miscounted = [k for k in sent if (events[k].system, k) in rows and rows[(events[k].system, k)]["deliveries"] != sent[k]]
    not_accepted = [k for k, r in rows.items() if r["status"] != InboundEvent.Status.ACCEPTED]
    return {
        "distinct_sent": len(sent),
        "distinct_stored": sum(1 for k in sent if (events[k].system, k) in rows),
        "stored_rows": InboundEvent.objects.count(),
        "double_stored": sum(1 for count in by_key.values() if count > 1),
        "lost": len(lost),
        "miscounted_redeliveries": len(miscounted),
        "not_accepted": len(not_accepted),
        "queued_tasks": OrmQ.objects.count(),
        "stored_by_system": dict(InboundEvent.objects.values_list("system").annotate(n=Count("id"))),
    }


# ---- the run -------------------------------------------------------------------------------------------------------------


def run() -> dict:
    n = int(os.environ.get("BENCH_N", "5000"))
    duplicate_share = float(os.environ.get("BENCH_DUPLICATES", "0.30"))
    levels = [int(x) for x in os.environ.get("BENCH_LEVELS", "1,4,8,16").split(",") if x.strip()]
    probe_n = int(os.environ.get("BENCH_PROBE_N", "300"))
    server_url = os.environ.get("DATABASE_URL") or h.DEFAULT_DATABASE_URL
    db_name = os.environ.get("BENCH_DB_NAME", "handoff_bench_webhook_ingest")
    rng = random.Random(int(os.environ.get("BENCH_SEED", "9")))
    machine_start = h.machine_info()
    log(f"fresh database {db_name}")
    db_url, server_version = h.create_fresh_database(server_url, db_name)
    processes: list[h.AppProcess] = []
    django_ready = False
    try:
        port = h.free_port()
        base = f"http://127.0.0.1:{port}"
        credentials = {"HUBSPOT_CLIENT_SECRET": secrets.token_urlsafe(24), "PIPEDRIVE_WEBHOOK_USER": "bench-webhook",
                       "PIPEDRIVE_WEBHOOK_PASSWORD": secrets.token_urlsafe(18)}
        nodelay = os.environ.get("BENCH_TCP_NODELAY", "1")
        env = h.app_env(db_url, base, HUBSPOT_WEBHOOK_URL="", WEBSERVER_TCP_NODELAY=nodelay, **credentials)
        h.manage(env, "migrate", "--noinput", "-v0")
        server = h.AppProcess("bench-web", ["-m", "benchmarks._webserver", "127.0.0.1", str(port)], env).start()
        processes = [server]
        h.configure_django({**env, "LOG_LEVEL": "WARNING"})
        django_ready = True
        h.wait_http_ok(f"{base}/healthz", timeout=60, processes=processes)
        keys = {"hubspot": credentials["HUBSPOT_CLIENT_SECRET"],
                "pipedrive": "Basic " + base64.b64encode(
                    f"{credentials['PIPEDRIVE_WEBHOOK_USER']}:{credentials['PIPEDRIVE_WEBHOOK_PASSWORD']}".encode()).decode()}

        sent: dict[str, int] = collections.Counter()
        events: dict[str, Delivery] = {}

        def flood(count: int, share: float, start: int, concurrency: int) -> tuple[dict, list, set]:
            distinct, order = plan(count, share, start, keys, rng)
            for event in distinct:
                events[event.dedup_key()] = event
            answers, seconds = send_all("127.0.0.1", port, base, order, concurrency)
            for event in order:
                sent[event.dedup_key()] += 1
            server.check_alive()
            return summary(answers, seconds), answers, {event.dedup_key() for event in distinct}

        probes = {}
        for i, level in enumerate(levels):
            probes[level], _, _ = flood(probe_n, 0.0, 1_000_000 * (i + 1), level)
            log(f"probe: concurrency {level}: {probes[level]['requests_per_s']} req/s, p99 {probes[level]['p99_ms']} ms")
        concurrency = int(os.environ.get("BENCH_CONCURRENCY") or max(probes, key=lambda c: probes[c]["requests_per_s"]))
        log(f"the flood: {n} deliveries ({duplicate_share:.0%} redeliveries) at concurrency {concurrency}")
        main, answers, flood_keys = flood(n, duplicate_share, 0, concurrency)
        log(f"{main['requests_per_s']} req/s; p50 {main['p50_ms']} p95 {main['p95_ms']} p99 {main['p99_ms']} "
            f"max {main['max_ms']} ms; statuses {main['statuses']}")
        checks = verify(sent, events)
        flood_stored = verify({k: sent[k] for k in flood_keys}, events)["distinct_stored"]
        log(f"verified: {checks}")
        duplicates = sum(1 for a in answers if a[4])
        acknowledged_duplicates = sum(1 for a in answers if a[4] and 200 <= a[1] < 300)
        problems = [name for name, bad in (("5xx", main["server_errors"]), ("non-2xx", main["errors"]),
                                           ("lost", checks["lost"]), ("double stored", checks["double_stored"]),
                                           ("miscounted redeliveries", checks["miscounted_redeliveries"]),
                                           ("not accepted", checks["not_accepted"]),
                                           ("flood not all stored", flood_stored != len(flood_keys)),
                                           ("queued tasks", checks["queued_tasks"] != checks["distinct_sent"])) if bad]
        if problems:
            bad = [a for a in answers if not 200 <= a[1] < 300][:5]
            raise h.BenchmarkFailed(f"verification failed ({', '.join(problems)}): {checks}; {main}; e.g. {bad}")
        return {
            "name": NAME, "timestamp": h.now_iso(), "deliveries": n, "duplicates_sent": duplicates,
            "concurrency": concurrency, **{k: main[k] for k in ("requests_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms")},
            "distinct_events": len(flood_keys), "distinct_stored": flood_stored,
            "duplicates_acknowledged": acknowledged_duplicates,
            "errors": main["errors"], "server_errors": main["server_errors"], "statuses": main["statuses"],
            "lost": checks["lost"], "double_stored": checks["double_stored"],
            "checks": checks, "seconds": main["seconds"],
            "levels": {str(level): {k: probe[k] for k in ("requests_per_s", "p50_ms", "p99_ms", "errors")}
                       for level, probe in probes.items()},
            "mix": dict(collections.Counter(a[0] for a in answers)),
            "database": f"postgresql {server_version.split()[0]}", "tcp_nodelay": nodelay == "1",
            "method": "closed-loop client threads in one process, one keep-alive HTTP/1.1 connection each, against "
                      "benchmarks._webserver (Django ThreadedWSGIServer, DEBUG off); HubSpot v3-signed batches of one "
                      "event, Pipedrive v2 with Basic auth, Salesforce Outbound Messages of one notification; no "
                      "worker (each distinct delivery leaves one queued django-q2 task); probes at each level use "
                      "distinct events and are verified with the flood",
            "machine": {**machine_start, "loadavg_end": h.machine_info().get("loadavg")},
        }
    except BaseException:
        h.show_tails(processes, 15)
        raise
    finally:
        h.stop_and_release(processes, server_url, db_name, django_ready=django_ready)


def main() -> int:
    return h.run_benchmark(NAME, run, log)


if __name__ == "__main__":
    sys.exit(main())
