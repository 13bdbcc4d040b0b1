"""A small HTTP server for a watcher's or forwarder's ``/metrics`` (Prometheus text) and ``/healthz`` (JSON)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["serve_metrics"]


def serve_metrics(
    host: str, port: int, metrics: Callable[[], bytes], health: Callable[[], dict[str, Any]]
) -> ThreadingHTTPServer:
    """Serve ``metrics()`` on ``/metrics`` and ``health()`` on ``/healthz`` from a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                body, kind = metrics(), "text/plain; version=0.0.4"
            elif self.path == "/healthz":
                body, kind = json.dumps(health()).encode(), "application/json"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            """Quiet: scrapes are not worth a log line."""

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="events-metrics", daemon=True).start()
    return server
