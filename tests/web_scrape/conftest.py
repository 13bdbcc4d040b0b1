"""Fixtures of the web_scrape tests: a toy login-protected app, flows for it, ports against it.

The toy app (stdlib ``http.server``): ``/login`` (form with a CSRF token; the session
cookie changes on login), ``/home`` (a counter table and a form that bumps it — the page
changes after a POST), ``/slow`` (sleeps), ``/boom`` (a 500 page). A request without a
logged-in session gets the login page at the requested URL, as old applications do.
"""

from __future__ import annotations

import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import BaseModel

from bridges.core.deadline import Deadline, deadline_scope
from tests.web_scrape.kit_server import LoopbackApp
from web_scrape import (
    BrowserPort,
    Credential,
    Flow,
    FlowPage,
    FlowRun,
    LoginSpec,
    PortSettings,
    TableSpec,
    Target,
    by_css,
    by_label,
    by_name,
    by_role,
)
from web_scrape.testing import need_chromium

PASSWORD = "s3cr&t Pässword"


class ToyApp(LoopbackApp):
    """Serves the toy app on a free loopback port until :meth:`stop`."""

    def __init__(self, slow_s: float = 3.0) -> None:
        self.sessions: dict[str, dict] = {}
        self.issued: set[str] = set()  # every cookie value and token ever handed out
        self.counter = 0
        self.slow_s = slow_s
        self.lock = threading.Lock()
        super().__init__()

    def expire_sessions(self) -> None:
        with self.lock:
            self.sessions.clear()

    def _new_session(self, user: str | None = None) -> tuple[str, dict]:
        sid, token = secrets.token_hex(13), secrets.token_hex(20)
        self.issued |= {sid, token}
        session = {"user": user, "csrf": token}
        self.sessions[sid] = session
        return sid, session

    def handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        path = urlsplit(req.path).path
        cookie = req.headers.get("Cookie", "")
        sid = next((c.split("=", 1)[1] for c in cookie.split("; ") if c.startswith("SID=")), None)
        form = {}
        if method == "POST":
            body = req.rfile.read(int(req.headers.get("Content-Length", 0)))
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        with self.lock:
            session = self.sessions.get(sid or "")
            set_cookie = None
            if session is None:
                sid, session = self._new_session()
                set_cookie = sid
        if path == "/boom":
            return self._send(req, 500, "<h1>Internal Server Error</h1>", set_cookie)
        if path == "/slow":
            time.sleep(self.slow_s)  # not synchronisation: the slow page itself, what the test is about
            return self._send(req, 200, "<p>slow</p>", set_cookie)
        if path == "/login" and method == "POST":
            if form.get("csrf") != session["csrf"] or form.get("password") != PASSWORD:
                return self._login_page(req, session, set_cookie, "Login failed")
            with self.lock:
                self.sessions.pop(sid, None)
                sid, session = self._new_session(form.get("user"))
            return self._send(req, 302, "", sid, location="/home")
        if session["user"] is None:
            return self._login_page(req, session, set_cookie, "")
        if path == "/bump" and method == "POST":
            if form.get("csrf") != session["csrf"]:
                return self._send(req, 403, "<p>bad token</p>", set_cookie)
            with self.lock:
                self.counter += 1
            return self._send(req, 302, "", set_cookie, location="/home")
        if path == "/home":
            return self._send(req, 200, f"""<html><body><h1>Home</h1>
<table border=1><tr><th>Name</th><th>Count</th></tr><tr><td>bumps</td><td>{self.counter}</td></tr></table>
<form method=post action=/bump><input type=hidden name=csrf value="{session['csrf']}">
<input type=submit value=Bump></form></body></html>""", set_cookie)
        return self._send(req, 404, "<p>no such page</p>", set_cookie)

    def _login_page(self, req, session, set_cookie, message):
        self._send(req, 200, f"""<html><body><p>{message}</p><form name=login method=post action=/login>
<input type=hidden name=csrf value="{session['csrf']}">
<label for=u>User</label><input id=u name=user><label for=p>Password</label><input id=p type=password name=password>
<input type=submit value="Log in"></form></body></html>""", set_cookie)

    def _send(self, req, status, html, set_cookie, location=None):
        data = html.encode("utf-8")
        req.send_response(status)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        if set_cookie:
            req.send_header("Set-Cookie", f"SID={set_cookie}; Path=/; HttpOnly")
        if location:
            req.send_header("Location", location)
        req.end_headers()
        req.wfile.write(data)


TOY_LOGIN = LoginSpec(
    path="login",
    username=Target("user field", by_label("User"), by_name("user")),
    password=Target("password field", by_label("Password"), by_name("password")),
    submit=Target("log in button", by_role("button", "Log in")),
    marker="form[name=login] input[type=password]",
)
COUNTS = TableSpec("counter table", {"name": ("Name",), "count": ("Count",)})


class Nothing(BaseModel):
    path: str = "home"


class Count(BaseModel):
    count: int


class ReadCount(Flow):
    name = "read_count"
    input_model = Nothing
    output_model = Count
    steps: ClassVar[tuple[str, ...]] = ("open", "read")

    def open(self, page: FlowPage, run: FlowRun) -> None:
        page.goto(run.input.path)

    def read(self, page: FlowPage, run: FlowRun) -> dict:
        return {"count": int(COUNTS.rows(page.doc())[0]["count"])}


class Bump(ReadCount):
    name = "bump"
    steps: ClassVar[tuple[str, ...]] = ("open", "bump", "read")

    def bump(self, page: FlowPage, run: FlowRun) -> None:
        page.submit(Target("bump button", by_role("button", "Bump"), by_css("input[type=submit]")))


@pytest.fixture(scope="module")
def toy_app():
    app = ToyApp()
    yield app
    app.stop()


@pytest.fixture(scope="session")
def artifacts_root(tmp_path_factory):
    """Where every failure artifact of the browser tests goes (scanned for secrets at the end)."""
    path = tmp_path_factory.getbasetemp() / "web-artifacts"
    path.mkdir(exist_ok=True)
    return path


def _port_factory(artifacts_root):
    need_chromium()
    built = []

    def make(url: str, **options) -> BrowserPort:
        cassette = options.pop("cassette", None)
        port = BrowserPort(PortSettings(base_url=url, artifacts_dir=artifacts_root / "toy", **options),
                           system="toy", login=TOY_LOGIN, cassette=cassette, secrets={"password": PASSWORD})
        built.append(port)
        return port

    return make, built


@pytest.fixture
def make_port(artifacts_root):
    """Build ports against a URL; every port built is closed after the test."""
    make, built = _port_factory(artifacts_root)
    yield make
    for port in built:
        port.close()


@pytest.fixture(scope="module")
def make_module_port(artifacts_root):
    """As ``make_port``, for module-scoped fixtures."""
    make, built = _port_factory(artifacts_root)
    yield make
    for port in built:
        port.close()


CREDENTIAL = Credential("alice", PASSWORD)


def run(port: BrowserPort, flow: Flow, deadline_s: float = 20.0, **data):
    with deadline_scope(Deadline(deadline_s)):
        return port.run(flow, flow.input_model(**data), CREDENTIAL)


@pytest.fixture(scope="module")
def toy():
    """The toy flows and helpers, for test modules."""
    return SimpleNamespace(ReadCount=ReadCount, Bump=Bump, run=run, PASSWORD=PASSWORD, CREDENTIAL=CREDENTIAL)
