"""A small "modern" web app for cassette tests: every page loads the same script, style sheet
and logo (static assets, re-fetched by each browser context), and the script polls an
unread counter on a timer and reports to an analytics endpoint — background requests no
flow needs. Also a flow reading a page's heading, and the rules a bridge would declare."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from tests.web_scrape.kit_server import LoopbackApp
from web_scrape import Flow, FlowPage, FlowRun, ignore, stub

__all__ = ["ASSET_RULES", "AssetApp", "Heading", "PageNo", "ReadHeading"]

_SCRIPT = (b"/* app.js: the unread poll and analytics (padding stands for a framework) */\n"
           + b"// " + b"x" * 120_000 + b"\n"
           + b"""
function poll() { fetch('/poll').then(r => r.text()).then(t => { document.getElementById('unread').textContent = t; })
                  .catch(() => {}); }
poll(); setInterval(poll, 20);
fetch('/stats?page=' + encodeURIComponent(location.pathname) + '&t=' + Date.now(), {method: 'POST'}).catch(() => {});
""")
_STYLE = b"body { font-family: sans-serif; }\n/* " + b"y" * 30_000 + b" */\n"
_LOGO = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 20_000

ASSET_RULES = (ignore("*/poll", why="the unread counter, polled on a timer"),
               stub("*/stats*", status=204, why="analytics"))
"""What a bridge to this app declares: the poll is ignored, analytics stubbed."""


class AssetApp(LoopbackApp):
    """Serves the app on a free loopback port until :meth:`stop`; counts what it was asked."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        super().__init__(quiet=True)  # a poll cut short by the page navigating away: not an error of the app

    def handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        if method == "POST":
            req.rfile.read(int(req.headers.get("Content-Length", 0) or 0))
        path = urlsplit(req.path).path
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        if path.startswith("/page/"):
            number = path.rsplit("/", 1)[1]
            html = (f'<html><head><title>Page {number}</title><link rel="stylesheet" href="/static/app.css">'
                    f'<script src="/static/app.js"></script></head><body><img src="/static/logo.png" alt="logo">'
                    f'<h1>Page {number}</h1><p>Unread: <span id="unread">?</span></p></body></html>')
            return self._send(req, 200, "text/html; charset=utf-8", html.encode())
        if path == "/poll":
            return self._send(req, 200, "text/plain", str(self.hits[path]).encode())
        if path == "/stats":
            return self._send(req, 204, "text/plain", b"")
        assets = {"/static/app.js": ("application/javascript", _SCRIPT), "/static/app.css": ("text/css", _STYLE),
                  "/static/logo.png": ("image/png", _LOGO)}
        if path in assets:
            return self._send(req, 200, *assets[path])
        return self._send(req, 404, "text/plain", b"no such page")

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, mime: str, body: bytes) -> None:
        req.send_response(status)
        req.send_header("Content-Type", mime)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)


class PageNo(BaseModel):
    """Which page to read."""

    number: int = Field(ge=1, le=999)


class Heading(BaseModel):
    """A page's heading."""

    heading: str


class ReadHeading(Flow):
    """Open a page and read its heading (the poll's counter is not needed)."""

    name = "read_heading"
    input_model = PageNo
    output_model = Heading
    steps: ClassVar[tuple[str, ...]] = ("read",)

    def read(self, page: FlowPage, run: FlowRun) -> dict:
        page.goto(f"page/{run.input.number}")
        return {"heading": page.doc().findtext(".//h1")}
