"""Real processes under fire, small: a worker killed with SIGKILL inside the SAP create, and its database connections
terminated under a running flow — each deal still ends as exactly one SAP order, written back.

Each runs one scenario of benchmarks/_process_faults.py in its own process (it starts the web server and a real
`manage.py qcluster` on a fresh PostgreSQL database; Django is configured once per process), with a handful of deals,
and reads the figures it writes. `make reliability` runs the full-size scenarios.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_scenario(name: str, tmp_path, **env) -> dict:
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if urlsplit(server_url).scheme not in ("postgres", "postgresql"):
        pytest.skip("the process fault scenarios need PostgreSQL")
    out = tmp_path / f"{name}.json"
    own_db = f"{(urlsplit(server_url).path.strip('/') or 'postgres')}_rel_test"
    admin_url = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))  # the scenario creates its own database
    subprocess.run([sys.executable, "-m", "benchmarks.reliability", "--one", "benchmarks._process_faults", name, str(out)],
                   cwd=ROOT, env={**os.environ, "DATABASE_URL": admin_url, "BENCH_DB_NAME": own_db, **env}, timeout=240, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads(out.read_text())


def test_a_worker_killed_inside_the_erp_create_leaves_every_deal_created_exactly_once(tmp_path):
    figures = run_scenario("kill9_worker", tmp_path, PROCESS_FAULTS_DEALS="8", PROCESS_FAULTS_KILLS="1")
    assert "error" not in figures, figures.get("error")
    assert figures["mid_create_at_kill"][0] >= 1  # the kill landed while a create was in flight
    assert figures["workers_started"] == 2
    assert (figures["deals"], figures["lost"], figures["duplicates"], figures["out_of_order"]) == (8, 0, 0, 0)
    assert figures["dead_letters"] == 0 and figures["passed"], figures["problems"]


@pytest.mark.skipif(not os.environ.get("RELIABILITY_SLOW_TESTS"), reason="~50 s: set RELIABILITY_SLOW_TESTS=1 "
                    "(make reliability runs pg_terminate at full size)")
def test_terminated_database_connections_lose_no_deal_and_double_none(tmp_path):
    figures = run_scenario("pg_terminate", tmp_path, PROCESS_FAULTS_DEALS="12", PROCESS_FAULTS_ROUNDS="3")
    assert "error" not in figures, figures.get("error")
    assert figures["backends_terminated"] >= 1
    assert (figures["deals"], figures["lost"], figures["duplicates"], figures["dead_letters"]) == (12, 0, 0, 0)
    # Not asserted here: out_of_order. A deal whose resolve task died with its connection is not in its customer's
    # line yet (erp_orders.customer_queue), so a younger deal of that customer can reach SAP first; `make reliability`
    # reports it for pg_terminate until the customer line also covers unresolved handoffs.
