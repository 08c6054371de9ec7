"""Background deliveries of the CRM emulators' webhooks, shared by every CRM sandbox.

A CRM answers the API call that won a deal at once and delivers its webhook afterwards; the emulators do the same:
`start_after_commit` runs a delivery on its own thread once the current transaction commits (so the receiver reads
committed data), closes that thread's database connection when done, and `wait_for_deliveries` lets tests and the
demo wait until every delivery started so far has finished (no thread may write after a test database is flushed).
"""

from __future__ import annotations

import threading
import time

from django.db import connection, transaction

_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def start_after_commit(deliver, *args, name: str) -> None:
    """Call `deliver(*args)` on a background thread after the current transaction commits."""
    transaction.on_commit(lambda: _start(deliver, args, name))


def wait_for_deliveries(timeout: float = 30.0) -> bool:
    """Wait until every delivery thread started so far has finished. True if all did within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with _threads_lock:
        pending = list(_threads)
    for thread in pending:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in pending)


def _start(deliver, args: tuple, name: str) -> None:
    thread = threading.Thread(target=_run, args=(deliver, args), name=name, daemon=True)
    with _threads_lock:
        _threads.add(thread)
    thread.start()


def _run(deliver, args: tuple) -> None:
    try:
        deliver(*args)
    finally:
        connection.close()  # this thread's own database connection
        with _threads_lock:
            _threads.discard(threading.current_thread())
