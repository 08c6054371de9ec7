"""/metrics for Prometheus: django-prometheus's request/response metrics plus the integration's own, read from the
database at scrape time.

Why from the database: the work happens in django-q2 worker processes (and on other machines when workers scale
out), while Prometheus scrapes the web process. Counters kept in a worker's memory would be invisible to the web
process and lost on every restart; prometheus_client's multiprocess mode only works for processes sharing one
directory on one machine. The database already holds every fact (handoffs, exceptions, dead letters, the append-only
event log), so `IntegrationCollector` turns it into metrics on each scrape: every web process reports the same
numbers, totals survive restarts, and workers need no instrumentation. Counters are counts of rows that are never
deleted (orders created, exceptions opened, dead letters, HTTP exchanges), so they only grow, as Prometheus expects.
Histograms are computed the same way (one conditional count per bucket).

django-prometheus's own metrics (requests, latencies by view) live in each web process's memory; with several web
processes set PROMETHEUS_MULTIPROC_DIR (prometheus_client multiprocess mode) and they are merged here.

The output holds counts and labels (system names, states, exception types, steps): no ids, no payloads, no secrets.
Access: settings.METRICS_ALLOWED_IPS (default localhost) or a METRICS_BEARER_TOKEN (see `metrics_allowed`).
"""

from __future__ import annotations

import hmac
import logging
import os
import time

import prometheus_client
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from erp_orders.models import ErpAvailability, Handoff
from payables.models import Invoice, MatchRun

from ..models import DeadLetter, HandoffException
from . import queue_lag
from .dashboard import http_exchanges
from .sql import SecondsBetween

log = logging.getLogger("handoff.monitoring")

LATENCY_BUCKETS = (15, 30, 60, 120, 300, 900, 3600, 14400)  # seconds; the target is 2 min
HTTP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20)  # seconds; the HTTP timeout defaults to 20 s


def _rows(queryset, *fields):
    """[(label values…, count)] grouped by `fields`."""
    return [(tuple(str(v or "") for v in row[:-1]), row[-1])
            for row in queryset.values_list(*fields).annotate(n=Count("pk")).order_by()]


def _family(kind, name: str, documentation: str, labels: list[str], rows) -> object:
    family = kind(name, documentation, labels=labels)
    for values, count in rows:
        family.add_metric(list(values), count)
    return family


def _histogram(name: str, documentation: str, queryset, value, *, label: str, buckets, scale: float = 1.0):
    """A histogram of `value` (divided by `scale`) per `label`, counted in the database."""
    family = HistogramMetricFamily(name, documentation, labels=[label])
    counts = {f"le_{i}": Count("pk", filter=Q(_value__lte=bound * scale)) for i, bound in enumerate(buckets)}
    rows = (queryset.alias(_value=value).filter(_value__isnull=False).values(label)
            .annotate(_count=Count("pk"), _sum=Sum("_value"), **counts).order_by(label))
    for row in rows:
        cumulative = [(str(bound), row[f"le_{i}"]) for i, bound in enumerate(buckets)] + [("+Inf", row["_count"])]
        family.add_metric([str(row[label] or "")], cumulative, sum_value=float(row["_sum"] or 0) / scale)
    return family


class IntegrationCollector:
    """The integration's metrics, computed from the database when Prometheus scrapes."""

    def collect(self):
        started = time.monotonic()
        try:
            families = list(self._families())
        except DatabaseError as exc:
            log.error("Integration metrics could not be read from the database (%s); only process metrics are exported.", exc)
            families, ok = [], 0
        else:
            ok = 1
        yield from families
        yield GaugeMetricFamily("handoff_metrics_scrape_ok", "1 when the integration metrics were read from the database.", value=ok)
        yield GaugeMetricFamily("handoff_metrics_scrape_seconds", "Time spent reading the integration metrics.",
                                value=time.monotonic() - started)

    def _families(self):
        handoffs = Handoff.objects.all()
        yield _family(GaugeMetricFamily, "handoff_handoffs", "Handoffs by current state, ERP and CRM (final states: "
                      "written_back, closed, dead, exception).", ["state", "erp_system", "crm_system"],
                      _rows(handoffs, "state", "erp_system", "crm_system"))
        yield _family(CounterMetricFamily, "handoff_orders_created", "ERP orders created by handoffs.", ["erp_system", "crm_system"],
                      _rows(handoffs.filter(created_in_erp_at__isnull=False), "erp_system", "crm_system"))
        exceptions = HandoffException.objects.all()
        yield _family(CounterMetricFamily, "handoff_exceptions_opened", "Exceptions opened, by type and owner team.",
                      ["type", "team"], _rows(exceptions, "type", "team"))
        yield _family(GaugeMetricFamily, "handoff_exceptions_open", "Exceptions waiting for a person, by team.", ["team"],
                      _rows(exceptions.filter(state=HandoffException.State.OPEN), "team"))
        letters = DeadLetter.objects.all()
        yield _family(CounterMetricFamily, "handoff_dead_letters", "Dead letters, by the step that failed.", ["step"],
                      _rows(letters, "step"))
        yield _family(GaugeMetricFamily, "handoff_dlq_depth", "Open dead letters (the dead-letter queue), by step.", ["step"],
                      _rows(letters.filter(state=DeadLetter.State.OPEN), "step"))
        yield from self._erp_availability()
        yield _family(GaugeMetricFamily, "handoff_invoices", "Supplier invoices by status.", ["status"], _rows(Invoice.objects.all(), "status"))
        yield _family(CounterMetricFamily, "handoff_invoice_matches", "3-way match runs by outcome.", ["outcome"],
                      _rows(MatchRun.objects.all(), "outcome"))
        yield _histogram("handoff_order_creation_latency_seconds", "Seconds from a handoff's arrival to its ERP order.",
                         handoffs.filter(created_in_erp_at__isnull=False), SecondsBetween("created_in_erp_at", "received_at"),
                         label="erp_system", buckets=LATENCY_BUCKETS)
        yield _histogram("handoff_http_request_duration_seconds", "Duration of HTTP exchanges with each CRM and ERP.",
                         http_exchanges(), F("duration_ms"), label="system", buckets=HTTP_BUCKETS, scale=1000.0)

    def _erp_availability(self):
        now = timezone.now()
        lags = {lag.erp_system: lag for lag in queue_lag.current_lags(now=now)}
        lag = GaugeMetricFamily("handoff_erp_queue_lag_seconds", "How long the oldest handoff waiting for the ERP has waited.", labels=["erp_system"])
        waiting = GaugeMetricFamily("handoff_erp_waiting_handoffs", "Handoffs waiting for the ERP (buffered).", labels=["erp_system"])
        up = GaugeMetricFamily("handoff_erp_up", "1 while the ERP answers, 0 during an outage (circuit open).", labels=["erp_system"])
        systems = set(lags) | set(ErpAvailability.objects.values_list("erp_system", flat=True))
        states = dict(ErpAvailability.objects.values_list("erp_system", "state"))
        for system in sorted(systems):
            lag.add_metric([system], lags[system].lag_seconds if system in lags else 0.0)
            waiting.add_metric([system], lags[system].waiting if system in lags else 0)
            up.add_metric([system], 0 if states.get(system) == ErpAvailability.State.DOWN else 1)
        yield from (lag, waiting, up)


# ---- the view's helpers --------------------------------------------------------------------------------------------


def metrics_allowed(request) -> bool:
    """A client listed in METRICS_ALLOWED_IPS, or one presenting METRICS_BEARER_TOKEN when a token is set."""
    token = settings.METRICS_BEARER_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    return request.META.get("REMOTE_ADDR", "") in set(settings.METRICS_ALLOWED_IPS)


def exposition() -> bytes:
    """The text exposition: the process (or multiprocess) registry, then the integration's metrics."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    integration = prometheus_client.CollectorRegistry(auto_describe=False)
    integration.register(IntegrationCollector())
    return prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(integration)
