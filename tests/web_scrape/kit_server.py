"""The small web applications of the web_scrape tests run on this: a stdlib HTTP server on a
free loopback port, served from a daemon thread until :meth:`LoopbackApp.stop`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["LoopbackApp"]


class LoopbackApp:
    """Starts serving at once; a subclass answers each request in :meth:`handle` (set its own
    state before calling ``super().__init__``). ``quiet``: a request the browser cut short
    (navigating away mid-poll) is not reported as an error of the app."""

    def __init__(self, *, quiet: bool = False) -> None:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                app.handle(self, "GET")

            def do_POST(self):
                app.handle(self, "POST")

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                if not quiet:
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        """Answer one request (``req`` is the handler: ``req.path``, ``req.wfile`` …)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
