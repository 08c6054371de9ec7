"""What the Pipedrive tests against the live sandbox share: the sandbox wiring, short webhook retries, and no webhook
delivery thread left running when the test database is flushed."""

from __future__ import annotations

import pytest

from crm_sync.connectors.pipedrive.sandbox_webhooks import wait_for_deliveries


@pytest.fixture(autouse=True)
def pipedrive_sandbox(sandbox_urls, settings):
    settings.PIPEDRIVE_SANDBOX_WEBHOOK_RETRY_DELAYS = [0.1, 0.1]
    yield sandbox_urls
    assert wait_for_deliveries(timeout=30)
