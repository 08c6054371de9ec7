"""`python -m benchmarks._webserver HOST PORT`: the app under Django's threaded WSGI server.

The server `manage.py runserver --noreload` and the tests' live server run (`django.core.servers.basehttp`: one
process, one thread per request), without the autoreloader, the staticfiles handler or system checks, and built from
`django.core.wsgi.get_wsgi_application()` directly (not settings.WSGI_APPLICATION). Like the live server
(ThreadedWSGIServer), each request thread closes its database connections when it ends. SIGTERM stops it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    host, port = argv[0], int(argv[1])
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handoff_project.settings")

    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    handler = WSGIRequestHandler
    if os.environ.get("WEBSERVER_TCP_NODELAY") == "1":
        # The handler writes the headers and the body in separate sends; with Nagle on, the body waits for the
        # client's delayed ACK (~40 ms on Linux) on a keep-alive connection. A front proxy (nginx) sends with
        # TCP_NODELAY; latency benchmarks (webhook_ingest) opt in to measure the app, not that interaction.
        class NoDelayHandler(WSGIRequestHandler):
            disable_nagle_algorithm = True

        handler = NoDelayHandler
    httpd = ThreadedWSGIServer((host, port), handler, ipv6=False)
    httpd.daemon_threads = True
    httpd.set_app(application)

    def stop(_signum, _frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"serving on http://{host}:{port}/ (Django ThreadedWSGIServer, pid {os.getpid()})", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
