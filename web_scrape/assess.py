"""Assess a web application: reachable or not, TLS, login kind, CSRF and session, pages and their stability.

Two parts, each bounded by a deadline:

* :func:`probe_site` fetches each start page twice over plain HTTP (no browser, nothing
  submitted): status, latency, size, encoding, TLS, the HTTP authentication it challenges with
  (``401`` + ``WWW-Authenticate``: Basic or Digest) or the login form it shows (a password field)
  with its CSRF token field, the session cookies it sets (names and flags, never values) and whether
  the session is kept from one fetch to the next,
  whether the page needs JavaScript (scripts, ``<noscript>``, and how little text is left
  without them), and whether its layout is the same on both fetches (the tag structure; only
  text changes).
* :func:`visit_pages` logs in as declared (the one login, never retried once refused) in the
  browser and visits the start pages, submitting nothing: the pages a bridge would read.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

from bridges.core.deadline import Deadline, deadline_scope
from web_scrape.discover import read_page
from web_scrape.discover_capture import DiscoverSettings, detect_http_auth, visit_pages_as_declared
from web_scrape.extract import parse_html, text_of

__all__ = ["PageProbe", "SiteProbe", "layout_signature", "needs_javascript", "probe_site", "visit_pages"]

_CSRF = re.compile(r"csrf|xsrf|token|nonce|authenticity|verification", re.IGNORECASE)
_CHARSET = re.compile(r"charset=[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_LITTLE_TEXT = 40
"""Characters of visible text below which a page with scripts is taken to build itself in JavaScript."""


def layout_signature(html: str) -> list[str]:
    """The page's structure: every element's tag path, in document order (text and attributes left out)."""
    doc = parse_html(html)
    paths = []
    for element in doc.iter():
        if isinstance(element.tag, str):
            paths.append("/".join(str(a.tag) for a in reversed(list(element.iterancestors()))) + "/" + element.tag)
    return paths


def needs_javascript(html: str) -> tuple[bool, int]:
    """(whether the page seems to need JavaScript, its script count): scripts and a ``<noscript>``
    or scripts and almost no text once they are left out."""
    doc = parse_html(html)
    scripts = len(doc.xpath("//script"))
    noscript = bool(doc.xpath("//noscript"))
    for element in doc.xpath("//script|//noscript|//style"):
        element.drop_tree()
    little = len(text_of(doc.body if doc.find("body") is not None else doc)) < _LITTLE_TEXT
    return bool(scripts) and (noscript or little), scripts


@dataclass
class PageProbe:
    """One page fetched twice: what it took and what it showed."""

    path: str
    status: int
    latency_ms: list[float]
    bytes: int
    encoding: str | None
    title: str = ""
    needs_javascript: bool = False
    scripts: int = 0
    layout_stable: bool = True
    changed_elements: int = 0
    """Elements whose tag path differs between the two fetches (0: the same structure)."""

    def as_dict(self) -> dict[str, Any]:
        """The page as the JSON report writes it."""
        return dict(self.__dict__)


@dataclass
class SiteProbe:
    """What fetching the start pages told about the application."""

    base_url: str
    reachable: bool
    tls: bool
    login: str = "none"
    """``basic``, ``digest``, ``form`` or ``none``."""
    csrf_field: str | None = None
    session_cookies: list[dict[str, Any]] = field(default_factory=list)
    session_kept: bool | None = None
    """Whether the session the first fetch was given is kept on the second (the cookie sent back, none set
    again); False: a new session per request (or one rotated each time); None: no cookie was set."""
    pages: list[PageProbe] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The probe as the JSON report writes it."""
        return {**{k: v for k, v in self.__dict__.items() if k != "pages"}, "pages": [p.as_dict() for p in self.pages]}


def _encoding(response: httpx.Response) -> str | None:
    header = _CHARSET.search(response.headers.get("content-type", ""))
    if header:
        return header.group(1).lower()
    meta = _CHARSET.search(response.content[:2048].decode("ascii", "replace"))
    return meta.group(1).lower() if meta else None


def _cookies(response: httpx.Response) -> list[dict[str, Any]]:
    found = []
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0].strip()
        flags = {part.strip().split("=", 1)[0].lower() for part in header.split(";")[1:]}
        found.append({"name": name, "httponly": "httponly" in flags, "secure": "secure" in flags})
    return found


def _login_form(html: str, url: str) -> tuple[bool, str | None]:
    """(whether the page shows a login form, the name of its CSRF token field if any)."""
    forms = [f for f in read_page(html, url).forms if f.has_password]
    if not forms:
        return False, None
    doc = parse_html(html)
    hidden = doc.xpath("//form[.//input[@type='password']]//input[@type='hidden']/@name")
    return True, next((str(n) for n in hidden if _CSRF.search(str(n))), None)


def probe_site(base_url: str, start: list[str] | None = None, *, timeout_s: float = 10.0) -> SiteProbe:
    """Fetch each start page (relative to ``base_url``) twice, anonymously; never raises for the site's sake."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    probe = SiteProbe(base, reachable=False, tls=base.startswith("https://"))
    try:
        probe.login = detect_http_auth(base + (start or [""])[0], timeout_s) or "none"
    except Exception as exc:  # unreachable (LegacyError) or refused TLS: the probe says so
        probe.error = str(getattr(exc, "detail", exc))
        return probe
    probe.reachable = True
    with httpx.Client(timeout=timeout_s, follow_redirects=True, verify=True) as client:
        for path in start or [""]:
            url = urljoin(base, path)
            fetched = []
            for _ in range(2):
                started = time.perf_counter()
                response = client.get(url)
                fetched.append((response, (time.perf_counter() - started) * 1000))
            (first, t1), (second, t2) = fetched
            html, again = first.text, second.text
            reading = read_page(html, str(first.url))
            js, scripts = needs_javascript(html)
            a, b = layout_signature(html), layout_signature(again)
            changed = sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))
            page = PageProbe(
                path,
                first.status_code,
                [round(t1, 2), round(t2, 2)],
                len(first.content),
                _encoding(first),
                reading.title,
                js,
                scripts,
                changed == 0,
                changed,
            )
            probe.pages.append(page)
            given = {c["name"] for c in _cookies(first)}
            if given and probe.session_kept is None:
                probe.session_kept = not given & {c["name"] for c in _cookies(second)}
            probe.session_cookies += [c for c in _cookies(first) if c not in probe.session_cookies]
            if probe.login == "none":
                form, csrf = _login_form(html, str(first.url))
                if form:
                    probe.login, probe.csrf_field = "form", csrf
    return probe


def visit_pages(settings: DiscoverSettings, password: str) -> list[dict[str, Any]]:
    """Log in as ``settings`` declare and visit their start pages in the browser, submitting nothing:
    each page's (or frame's) path, title, size, forms and tables."""
    settings = settings.model_copy(update={"submit_searches": False})
    with deadline_scope(Deadline(settings.deadline_s)):
        shots = visit_pages_as_declared(settings, password)
    pages = []
    for shot in shots:
        reading = read_page(shot.html, shot.url)
        js, scripts = needs_javascript(shot.html)
        pages.append(
            {
                "url": shot.url.split("?")[0],
                "frame": shot.frame,
                "title": reading.title,
                "bytes": len(shot.html.encode("utf-8")),
                "forms": [f.name or f.action for f in reading.forms],
                "tables": [list(t.columns) for t in reading.tables],
                "scripts": scripts,
                "needs_javascript": js,
            }
        )
    return pages
