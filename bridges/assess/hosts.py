"""Assessing TN3270 hosts and web applications: reachability, TLS, sign-on, and what a declared walk shows.

A host is probed without a session (:func:`mainframe.assess.probe_host`); with the sign-on's
password it is signed on once and the declared walk's steps (a walk file, as ``bridges discover
tn3270`` reads it) are followed — nothing else is typed. A web application's start pages are
fetched twice anonymously (:func:`web_scrape.assess.probe_site`); with the password, the declared
login is made once in the browser and the start pages visited, no form submitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from bridges.core.errors import BridgeError
from bridges.core.personal import kind_by_name
from mainframe import LiveTerminal, TN3270Settings
from mainframe.assess import assess_walk, probe_host, session_limit
from mainframe.discover import Step, parse_walk
from web_scrape.assess import probe_site, visit_pages
from web_scrape.bridge import WebSettings
from web_scrape.discover_capture import DiscoverSettings

__all__ = ["HostTarget", "WebTarget", "host_target", "web_target"]


@dataclass
class HostTarget:
    """A TN3270 host: its settings, the sign-on's password (a secret) and the declared walk's steps."""

    name: str
    settings: TN3270Settings
    password: str | None = None
    walk: list[Step] = field(default_factory=list)
    timeout_s: float = 30.0
    write_operations: list[str] = field(default_factory=list)

    transport = "tn3270"

    @classmethod
    def with_walk_file(cls, name: str, settings: TN3270Settings, password: str | None, walk: Path | None) -> HostTarget:
        """A target whose walk is read from ``walk`` (a bad line fails here, before anything is sent)."""
        steps = parse_walk(walk.read_text(encoding="utf-8")) if walk else []
        return cls(name, settings, password, steps)

    def where(self) -> str:
        """Host and port, for the report."""
        return f"{'L:' if self.settings.tls else ''}{self.settings.host}:{self.settings.port}"

    def security(self) -> list[dict[str, Any]]:
        """Security findings that need no connection: TLS, operations that write."""
        found = []
        if not self.settings.tls:
            found.append({"class": "no_tls", "detail": "TN3270 in clear: the sign-on's password crosses the network"})
        if self.write_operations:
            found.append(
                {"class": "write_operations", "detail": f"operations that write: {', '.join(self.write_operations)}"}
            )
        return found

    def assess(self, **_: Any) -> dict[str, Any]:
        """Probe, then (with the password) sign on and follow the walk; the report's ``host`` entry."""
        s = self.settings
        probe = probe_host(
            s.host,
            s.port,
            tls=s.tls,
            ca_file=s.ca_file,
            server_name=s.tls_server_name,
            timeout_s=min(self.timeout_s, 10.0),
        )
        entry: dict[str, Any] = {"probe": probe.as_dict(), "code_page": s.code_page, "model": s.model}
        if not probe.reachable:
            entry["error"] = probe.error
            return entry
        if probe.tn3270e is None:  # a TN3270 server negotiates first; this one did not: no sign-on tried
            entry["error"] = "no TN3270 negotiation from the host (no IAC DO TERMINAL-TYPE): is it a TN3270 host?"
            return entry
        if self.password is None:
            entry["walk"] = None
            entry["note"] = "no password given: not signed on, no screens seen"
            return entry
        terminal = LiveTerminal(
            s.host,
            s.port,
            code_page=s.code_page,
            model=s.model,
            executable=s.executable,
            tls=s.tls,
            ca_file=s.ca_file,
            tls_server_name=s.tls_server_name,
        )
        try:
            walk = assess_walk(terminal, self.walk, user=s.user, password=self.password, deadline_s=self.timeout_s)
            entry["walk"] = walk.as_dict()
            entry["personal_fields"] = [
                {"screen": screen["name"], "field": f["name"], "kind": kind}
                for screen in walk.screens
                for f in screen["fields"]
                if f["kind"] == "output" and (kind := kind_by_name(f["name"]))
            ]
        except BridgeError as exc:
            entry["error"] = exc.detail
            limit = session_limit([terminal.last])
            if limit:  # the sign-on failed because the host takes no more sessions: say so
                entry["session_limit"] = limit
                entry["error"] += f" (the host says: {limit})"
        finally:
            terminal.close()
        return entry


@dataclass
class WebTarget:
    """A web application: its settings, the login's password (a secret) and the start pages."""

    name: str
    settings: WebSettings
    password: str | None = None
    start: list[str] = field(default_factory=lambda: [""])
    timeout_s: float = 60.0
    write_operations: list[str] = field(default_factory=list)

    transport = "web"

    def where(self) -> str:
        """The base URL, for the report."""
        return self.settings.base_url

    def security(self) -> list[dict[str, Any]]:
        """Security findings that need no connection: TLS, operations that write."""
        found = []
        if not self.settings.base_url.startswith("https://"):
            found.append({"class": "no_tls", "detail": "plain HTTP: the login and session cookie cross in clear"})
        if self.write_operations:
            found.append(
                {"class": "write_operations", "detail": f"operations that write: {', '.join(self.write_operations)}"}
            )
        return found

    def assess(self, **_: Any) -> dict[str, Any]:
        """Probe the start pages, then (with the password) log in once and visit them; the report's ``web`` entry."""
        probe = probe_site(self.settings.base_url, self.start, timeout_s=min(self.timeout_s, 10.0))
        entry: dict[str, Any] = {"probe": probe.as_dict()}
        if not probe.reachable:
            entry["error"] = probe.error
            return entry
        failed = [p for p in probe.pages if p.status >= 400 and not (p.status == 401 and probe.login != "none")]
        if failed and len(failed) == len(probe.pages):  # nothing there to log in to: say so, open no browser
            shown = ", ".join(f"{urljoin(probe.base_url, p.path)} answered HTTP {p.status}" for p in failed)
            entry["error"] = f"{shown}: check the URL (and --start)"
            return entry
        if self.password is None:
            entry["pages"] = None
            entry["note"] = "no password given: not logged in, only the anonymous pages seen"
            return entry
        settings = DiscoverSettings(
            base_url=self.settings.base_url,
            user=self.settings.user,
            login=probe.login if probe.login != "none" else "auto",
            start=self.start,
            chromium_path=self.settings.chromium_path,
            deadline_s=self.timeout_s,
        )
        try:
            entry["pages"] = visit_pages(settings, self.password)
            entry["personal_fields"] = [
                {"page": page["url"], "field": column, "kind": kind}
                for page in entry["pages"]
                for table in page["tables"]
                for column in table
                if (kind := kind_by_name(column))
            ]
        except BridgeError as exc:
            entry["error"] = exc.detail
        return entry


def host_target(
    host: str,
    port: int,
    *,
    user: str | None,
    password: str | None,
    tls: bool = False,
    code_page: str = "cp037",
    walk: Path | None = None,
) -> HostTarget:
    """A TN3270 host given directly, without a bridge (signed on only with a user and password)."""
    settings = TN3270Settings(host=host, port=port, user=user or "-", tls=tls, code_page=code_page)
    return HostTarget.with_walk_file("host", settings, password if user else None, walk)


def web_target(url: str, *, user: str | None, password: str | None, start: list[str] | None = None) -> WebTarget:
    """A web application given directly, without a bridge (logged in to only with a user and password)."""
    settings = WebSettings(base_url=url, user=user or "-")
    return WebTarget("web", settings, password if user else None, start=start or [""])
