"""HAR cassettes on the core envelope: record through Playwright routes, replay in order.

Each interaction is a HAR entry's ``request`` / ``response`` (method, URL, form params or
body; status, a few headers, content). Recording intercepts every request of a browser
context (``route.fetch`` without following redirects, so each hop is its own entry);
passwords, cookie values and CSRF tokens become reversible placeholders, and the
application's origin becomes ``<<ORIGIN>>`` so a replay can run against any base URL.

Replay answers each request from the cassette, consuming entries **in order per
request** (method, URL, body): a URL fetched twice — before and after a POST — gets its
two recorded answers in turn. A request the cassette does not hold is aborted at once and
reported as :class:`CassetteMiss` naming it — never Playwright's silent 30 s wait.

HTTP authentication: with an :class:`~web_scrape.login.HttpAuthenticator` the recorder
answers a 401's challenge itself and records both hops — the 401 with its
``WWW-Authenticate``, then the answer to the authorised request, marked ``_auth: digest``
(the ``Authorization`` value is never stored). Replay follows the same two hops. Static
assets (scripts, style sheets, images, fonts) are stored once per cassette and answered
as often as asked. Requests a bridge declares (:mod:`web_scrape.routing`) are never
recorded: ignored ones are aborted at replay, stubbed ones get their declared answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from bridges.core.cassette import Cassette, Interaction
from bridges.core.errors import CassetteMiss
from web_scrape.login import HttpAuthenticator
from web_scrape.routing import RequestRule, first_rule
from web_scrape.secrets import SecretBook, find_secret_values, parse_cookie_header

__all__ = ["TRANSPORT", "HarRecorder", "HarReplayer", "har_request", "is_static", "origin_of", "request_key"]

TRANSPORT = "browser"
log = logging.getLogger("legacy_bridges.web_scrape")

_MAX_REDIRECTS = 10
_REDIRECTS = {301, 302, 303, 307, 308}
_KEPT_HEADERS = {"content-type", "location", "set-cookie", "content-disposition", "refresh", "www-authenticate"}
_STATIC = re.compile(r"^(text/css|(text|application)/(x-)?javascript|application/ecmascript|image/|font/|"
                     r"application/(font|x-font)|application/wasm)", re.I)
_PLACEHOLDER = re.compile(r"<<([A-Z0-9_]+)>>")
_TEXTUAL = re.compile(r"^(text/|application/(json|xml|javascript|x-www-form-urlencoded|xhtml))", re.I)


def _charset(content_type: str, default: str = "utf-8") -> str:
    match = re.search(r"charset=([\w.-]+)", content_type or "", re.I)
    return match.group(1).lower() if match else default


def _decode_form(body: bytes) -> list[dict[str, str]]:
    try:
        text, encoding = body.decode("ascii"), "utf-8"
        text.encode("ascii")
    except UnicodeDecodeError:
        text, encoding = body.decode("latin-1"), "latin-1"
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding=encoding, errors="strict")
    except UnicodeDecodeError:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="latin-1")
    return [{"name": name, "value": value} for name, value in pairs]


def har_request(request: Any) -> dict[str, Any]:
    """The HAR ``request`` of a Playwright request (no headers: cookies never stored)."""
    entry: dict[str, Any] = {"method": request.method, "url": request.url}
    body = request.post_data_buffer
    if body:
        mime = request.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in mime:
            entry["postData"] = {"mimeType": mime.split(";")[0], "params": _decode_form(body)}
        else:
            entry["postData"] = {"mimeType": mime, "text": body.decode("utf-8", "replace")}
    return entry


def request_key(request: dict[str, Any]) -> str:
    """What two requests must share to be the same request in a cassette (the HTTP
    authentication scheme it was sent with included)."""
    key = [request.get("method"), request.get("url"), request.get("postData")]
    if request.get("_auth"):
        key.append(request["_auth"])
    return json.dumps(key, sort_keys=True)


def is_static(request: dict[str, Any], response: dict[str, Any]) -> bool:
    """A GET of a script, style sheet, image or font: stored once, answered as often as asked."""
    mime = (response.get("content") or {}).get("mimeType", "")
    return request.get("method") == "GET" and response.get("status") == 200 and bool(_STATIC.match(mime))


def _challenges(headers: Sequence[dict[str, str]]) -> list[str]:
    return [h["value"] for h in headers if h["name"].lower() == "www-authenticate"]


def _stale(challenges: list[str]) -> bool:
    return any(re.search(r"\bstale\s*=\s*\"?true", c, re.I) for c in challenges)


def _describe(request: dict[str, Any]) -> str:
    text = f"{request.get('method')} {request.get('url')}"
    post = request.get("postData")
    if post and "params" in post:
        text += " with form " + ", ".join(f"{p['name']}={p['value']!r}" for p in post["params"])
    return text[:500]


class HarRecorder:
    """Records every request of the contexts it is attached to into ``cassette``."""

    def __init__(self, cassette: Cassette, book: SecretBook, origin: str,
                 timeout_ms: Callable[[], float], *, rules: Sequence[RequestRule] = ()) -> None:
        self.cassette = cassette
        self.book = book
        self.timeout_ms = timeout_ms
        self.rules = tuple(rules)
        self.dedupe_static = True
        """Store each static asset once (False: every fetch, as before — for comparisons)."""
        self.static_skipped = 0
        self._static: set[str] = set()  # keys of static assets already stored (with their content hash)
        self._lock = threading.Lock()
        book.add("ORIGIN", origin.rstrip("/"))

    def attach(self, context: Any, auth: HttpAuthenticator | None = None) -> None:
        """Route every request of ``context`` through the recorder; ``auth`` answers its HTTP
        challenges (the context's user's credentials)."""
        context.route("**/*", lambda route, request: self._handle(route, request, context, auth))

    def _handle(self, route: Any, request: Any, context: Any, auth: HttpAuthenticator | None) -> None:
        # Redirects are followed here, each hop recorded: Chromium does not route the
        # request a redirect leads to, so a replay could not answer it otherwise.
        rule = first_rule(self.rules, request.method, request.url)
        if rule is not None:
            if rule.action == "stub":
                route.fulfill(**rule.fulfil_args())
            else:
                route.continue_()
            return
        try:
            har_req = har_request(request)

            def first(authorization: str | None) -> Any:
                headers = {**request.headers, "authorization": authorization} if authorization else None
                return route.fetch(max_redirects=0, timeout=self.timeout_ms(), headers=headers)

            response, entry = self._exchange(har_req, first, auth)
            cookies: list[dict[str, str]] = []
            for hops in range(_MAX_REDIRECTS + 1):
                cookies += [h for h in entry["headers"] if h["name"].lower() == "set-cookie"]
                location = _redirect_target(entry, har_req["url"])
                if location is None or hops == _MAX_REDIRECTS:
                    break  # the last answer, or one redirect too many: the browser gets it as it is (so does a replay)
                har_req = {"method": "GET", "url": location}

                def hop(authorization: str | None, location: str = location) -> Any:
                    headers = {"authorization": authorization} if authorization else None
                    return context.request.get(location, max_redirects=0, timeout=self.timeout_ms(), headers=headers)

                response, entry = self._exchange(har_req, hop, auth)
        except Exception as exc:
            log.warning("recording: %s %s failed (%s)", request.method, self.book.redact_text(request.url),
                        type(exc).__name__)
            route.abort()
            return
        headers = {h["name"].lower(): h["value"] for h in response.headers_array if h["name"].lower() != "set-cookie"}
        if cookies:
            headers["set-cookie"] = "\n".join(h["value"] for h in cookies)
        route.fulfill(status=response.status, headers=headers, body=response.body())

    def _exchange(self, har_req: dict[str, Any], send: Callable[[str | None], Any],
                  auth: HttpAuthenticator | None) -> tuple[Any, dict[str, Any]]:
        """Send one request (answering an HTTP challenge as a browser would) and record each hop."""
        method, url = har_req["method"], har_req["url"]
        authorization = auth.preemptive(method, url) if auth is not None else None
        response = send(authorization)
        asked = {**har_req, "_auth": auth.scheme} if authorization and auth is not None else har_req
        entry = self._record(asked, response)
        if auth is None or response.status != 401:
            return response, entry
        challenges = _challenges(entry["headers"])
        if authorization and not _stale(challenges):
            auth.refused = True  # the credentials were sent and refused: never again until a reset
            return response, entry
        answer = auth.answer(method, url, challenges)
        if answer is None:
            return response, entry
        response = send(answer)
        entry = self._record({**har_req, "_auth": auth.scheme}, response)
        if response.status == 401 and not _stale(_challenges(entry["headers"])):
            auth.refused = True
        return response, entry

    def _record(self, har_req: dict[str, Any], response: Any) -> dict[str, Any]:
        body = response.body()
        headers = [h for h in response.headers_array if h["name"].lower() in _KEPT_HEADERS]
        mime = next((h["value"] for h in headers if h["name"].lower() == "content-type"), "")
        content: dict[str, Any] = {"mimeType": mime}
        if _TEXTUAL.match(mime) or not body:
            content["text"] = body.decode(_charset(mime), "replace")
        else:
            content.update(text=base64.b64encode(body).decode("ascii"), encoding="base64")
        self._discover(har_req, headers, content.get("text", "") if "encoding" not in content else "")
        entry = {"status": response.status, "statusText": response.status_text,
                 "headers": headers, "content": content}
        scrubber = self.book.scrubber
        request, answer = scrubber.scrub(har_req), scrubber.scrub(entry)
        with self._lock:
            if self.dedupe_static and is_static(request, answer):
                seen = request_key(request) + hashlib.sha256(body).hexdigest()
                if seen in self._static:
                    self.static_skipped += 1
                    return entry
                self._static.add(seen)
            self.cassette.envelope.interactions.append(Interaction(request=request, response=answer))
        return entry

    def _discover(self, har_req: dict[str, Any], headers: list[dict[str, str]], text: str) -> None:
        for header in headers:
            if header["name"].lower() == "set-cookie":
                for _name, value in parse_cookie_header(header["value"])[:1]:
                    self.book.discover("COOKIE", value)
        for value in find_secret_values(text):
            self.book.discover("CSRF", value)
        for param in (har_req.get("postData") or {}).get("params", []):
            for value in find_secret_values(f'<input name="{param["name"]}" value="{param["value"]}">'):
                self.book.discover("CSRF", value)


class HarReplayer:
    """Answers every request of the contexts it is attached to from ``cassette``."""

    def __init__(self, cassette: Cassette, book: SecretBook, origin: str, *, auth_scheme: str | None = None,
                 rules: Sequence[RequestRule] = ()) -> None:
        self.cassette = cassette
        self.book = book
        book.add("ORIGIN", origin.rstrip("/"))
        self.origin = origin.rstrip("/")
        self.auth_scheme = auth_scheme
        self.rules = tuple(rules)
        self._lock = threading.Lock()
        self._misses: list[str] = []
        for interaction in cassette.envelope.interactions:
            self._stand_ins(interaction.request)
            self._stand_ins(interaction.response)
        self.rewind()

    def rewind(self) -> None:
        """Start the cassette again from its first interaction (a fresh replay, same browser)."""
        queues: dict[str, deque[dict[str, Any]]] = {}
        static: dict[str, bool] = {}
        for interaction in self.cassette.envelope.interactions:
            key = request_key(interaction.request)
            queues.setdefault(key, deque()).append(interaction.response)
            if is_static(interaction.request, interaction.response):
                static[key] = False  # sticky once served
        with self._lock:
            self._queues, self._static, self._misses = queues, static, []
            self._challenged = False

    def _take(self, key: str) -> dict[str, Any] | None:
        queue = self._queues.get(key)
        if not queue:
            return None
        if key in self._static and len(queue) == 1:
            self._static[key] = True
            return queue[0]
        return queue.popleft()

    def _stand_ins(self, data: Any) -> None:
        # Placeholders recorded for session values get harmless stand-ins at replay; the
        # password (and origin) are the ones configured now.
        for name in _PLACEHOLDER.findall(json.dumps(data)):
            base = re.sub(r"_(URLENC|PCTENC)$", "", name)
            if base not in {"PASSWORD", "ORIGIN"} and base not in self.book.names():
                self.book.add(base, f"replayed-{base.lower().replace('_', '-')}")

    def attach(self, context: Any) -> None:
        """Answer every request of ``context`` from the cassette."""
        context.route("**/*", self._handle)

    @property
    def remaining(self) -> int:
        """Recorded answers not yet replayed (a static asset once served counts as replayed)."""
        with self._lock:
            return sum(len(q) - (1 if self._static.get(k) else 0) for k, q in self._queues.items())

    def take_misses(self) -> list[str]:
        """Requests the cassette could not answer since the last call (and forget them)."""
        with self._lock:
            misses, self._misses = self._misses, []
        return misses

    def raise_on_miss(self, doing: str) -> None:
        """Raise :class:`CassetteMiss` naming the first request the cassette did not hold."""
        misses = self.take_misses()
        if misses:
            more = f" (and {len(misses) - 1} more)" if len(misses) > 1 else ""
            raise CassetteMiss(f"cassette {self.cassette.path.name} has no answer for {misses[0]}{more} "
                               f"during {doing}", requests=misses[:10])

    def _lookup(self, asked: dict[str, Any]) -> dict[str, Any] | None:
        """The next recorded answer to ``asked``, following an HTTP challenge as the recorder did."""
        with self._lock:
            recorded = None
            if self._challenged and self.auth_scheme and not asked.get("_auth"):
                recorded = self._take(request_key({**asked, "_auth": self.auth_scheme}))
            if recorded is None:
                recorded = self._take(request_key(asked))
            if (recorded is not None and self.auth_scheme and not asked.get("_auth")
                    and recorded.get("status") == 401 and any(
                        c.strip().lower().startswith(self.auth_scheme + " ")
                        for c in _challenges(recorded.get("headers", [])))):
                answered = self._take(request_key({**asked, "_auth": self.auth_scheme}))
                if answered is not None:
                    self._challenged, recorded = True, answered
            if recorded is None:
                self._misses.append(_describe(asked).replace("<<ORIGIN>>", self.origin))
            return recorded

    def _handle(self, route: Any, request: Any) -> None:
        rule = first_rule(self.rules, request.method, request.url)
        if rule is not None:
            if rule.action == "stub":
                route.fulfill(**rule.fulfil_args())
            else:
                route.abort("blockedbyclient")
            return
        scrubber = self.book.scrubber
        asked = scrubber.scrub(har_request(request))
        cookies: list[str] = []
        for _hop in range(_MAX_REDIRECTS + 1):
            recorded = self._lookup(asked)
            if recorded is None:
                route.abort("blockedbyclient")
                return
            response = scrubber.restore(recorded)
            cookies += [h["value"] for h in response.get("headers", []) if h["name"].lower() == "set-cookie"]
            location = _redirect_target(response, scrubber.restore(asked)["url"])
            if location is None:
                break
            asked = scrubber.scrub({"method": "GET", "url": location})
        content = response.get("content", {})
        if content.get("encoding") == "base64":
            body = base64.b64decode(content.get("text", ""))
        else:
            body = content.get("text", "").encode(_charset(content.get("mimeType", "")), "replace")
        headers = {h["name"].lower(): h["value"] for h in response.get("headers", [])
                   if h["name"].lower() != "set-cookie"}
        if cookies:
            headers["set-cookie"] = "\n".join(cookies)
        route.fulfill(status=response.get("status", 200), headers=headers, body=body)


def _redirect_target(response: dict[str, Any], url: str) -> str | None:
    if response.get("status") not in _REDIRECTS:
        return None
    location = next((h["value"] for h in response.get("headers", []) if h["name"].lower() == "location"), None)
    return urljoin(url, location) if location else None


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
