"""The HAR recorder's rules without a browser, on Playwright's route interface: each redirect
hop its own entry and every hop's cookies handed to the browser, a fetch bounded by the
call's deadline, secrets (password, cookies, tokens, posted tokens) as placeholders and no
``Authorization`` value ever written, an HTTP challenge answered once (a refused answer
latched, a stale nonce answered again, a downgrade to Basic never answered), static assets
stored once, declared requests never recorded, and a recording that replays as recorded."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.datastructures import Authorization

from bridges.core.cassette import Cassette, CassetteSettings, dump_envelope
from fixtures.helpdesk.httpauth import HttpGate
from web_scrape import HttpAuthenticator, SecretBook, ignore, stub
from web_scrape.har import TRANSPORT, HarRecorder, HarReplayer

pytestmark = pytest.mark.unit

ORIGIN = "http://app.test"
PASSWORD = "s3cr&t Pässword"
SID, THEME, TOKEN = "0123456789abcdef0123", "dark-theme-7f3a9c", "tok-5e2b8d1c9a7f"
FORM = "application/x-www-form-urlencoded"


class _Answer:
    """What Playwright's ``APIResponse`` gives the recorder."""

    def __init__(self, status: int, headers: list[tuple[str, str]] | None = None, body: bytes = b"") -> None:
        self.status = status
        self.status_text = HTTPStatus(status).phrase
        self.headers_array = [{"name": n, "value": v} for n, v in headers or []]
        self._body = body

    def body(self) -> bytes:
        return self._body


def _html(text: str, charset: str = "utf-8") -> _Answer:
    return _Answer(200, [("Content-Type", f"text/html; charset={charset}")], text.encode(charset))


def _redirect(location: str, *cookies: str) -> _Answer:
    return _Answer(302, [("Location", location), *(("Set-Cookie", c) for c in cookies)])


Page = Callable[[str, dict[str, str], bytes | None], _Answer]


class _Site:
    """The application: a page per path (a function of method, headers and body), with a
    latency per path; it counts the requests it answered. Like Playwright's fetch it follows
    redirects itself unless told ``max_redirects=0``, and gives up after ``timeout`` ms."""

    def __init__(self, pages: dict[str, Page], latency_ms: dict[str, float] | None = None) -> None:
        self.pages = pages
        self.latency_ms = latency_ms or {}
        self.asked: list[tuple[str, str, dict[str, str]]] = []

    def serve(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        *,
        max_redirects: int = 20,
        timeout: float | None = 30_000,
    ) -> _Answer:
        path = urlsplit(url).path
        if self.latency_ms.get(path, 0) > (timeout if timeout is not None else 30_000):
            raise TimeoutError(f"Request timed out after {timeout}ms")
        self.asked.append((method, url, dict(headers)))
        answer = self.pages[path](method, headers, body) if path in self.pages else _Answer(404)
        location = next((h["value"] for h in answer.headers_array if h["name"] == "Location"), None)
        if location and max_redirects > 0:
            return self.serve("GET", urljoin(url, location), {}, None, max_redirects=max_redirects - 1, timeout=timeout)
        return answer


def _check_headers(headers: dict[str, str] | None) -> None:
    # Playwright refuses a header whose value is not a string
    for name, value in (headers or {}).items():
        if not isinstance(value, str):
            raise TypeError(f"headers[{name!r}]: expected string, got {type(value).__name__}")


class _Request:
    """What Playwright's ``Request`` gives the recorder."""

    def __init__(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> None:
        self.method, self.url, self.post_data_buffer, self.headers = method, url, body, headers


class _Route:
    """Playwright's ``Route``: what the handler did with the request ends in :attr:`outcome`."""

    def __init__(self, site: _Site, request: _Request) -> None:
        self.site, self.request = site, request
        self.outcome: tuple[str, Any] | None = None

    def fetch(
        self, *, max_redirects: int = 20, timeout: float | None = 30_000, headers: dict[str, str] | None = None
    ) -> _Answer:
        request = self.request
        _check_headers(headers)
        return self.site.serve(
            request.method,
            request.url,
            request.headers if headers is None else headers,
            request.post_data_buffer,
            max_redirects=max_redirects,
            timeout=timeout,
        )

    def fulfill(self, *, status: int = 200, headers: dict[str, str] | None = None, body: Any = b"") -> None:
        self.outcome = (
            "fulfilled",
            {"status": status, "headers": headers or {}, "body": body.encode() if isinstance(body, str) else body},
        )

    def continue_(self) -> None:
        request = self.request
        self.outcome = (
            "continued",
            self.site.serve(request.method, request.url, request.headers, request.post_data_buffer),
        )

    def abort(self, error_code: str = "failed") -> None:
        self.outcome = ("aborted", error_code)


class _Context:
    """A browser context: each request goes through the routes whose glob matches its URL."""

    def __init__(self, site: _Site, origin: str = ORIGIN) -> None:
        self.site, self.origin = site, origin
        self.handlers: list[tuple[str, Callable[[_Route, _Request], None]]] = []
        self.request = self  # the context's APIRequestContext: ``context.request.get``

    def route(self, pattern: str, handler: Callable[[_Route, _Request], None]) -> None:
        self.handlers.append((pattern, handler))

    def get(
        self,
        url: str,
        *,
        max_redirects: int = 20,
        timeout: float | None = 30_000,
        headers: dict[str, str] | None = None,
    ) -> _Answer:
        _check_headers(headers)
        return self.site.serve("GET", url, headers or {}, None, max_redirects=max_redirects, timeout=timeout)

    def load(self, method: str, path: str, body: bytes | None = None, content_type: str | None = FORM) -> _Route:
        headers = {"cookie": f"SID={SID}", **({"content-type": content_type} if body and content_type else {})}
        request = _Request(method, f"{self.origin}/{path}", body, headers)
        route = _Route(self.site, request)
        matching = [h for pattern, h in self.handlers if fnmatch.fnmatchcase(request.url, pattern)]
        assert matching, f"no route handles {request.url}"
        matching[-1](route, request)
        return route


def _cassette(tmp_path) -> Cassette:
    return Cassette(CassetteSettings(path=tmp_path / "app.yaml", mode="all"), transport=TRANSPORT, system="app")


def _recorder(
    tmp_path, site: _Site, *, timeout_ms: float = 5_000, rules=(), auth: HttpAuthenticator | None = None
) -> tuple[HarRecorder, _Context]:
    recorder = HarRecorder(
        _cassette(tmp_path), SecretBook({"password": PASSWORD}), ORIGIN + "/", lambda: timeout_ms, rules=rules
    )
    context = _Context(site)
    recorder.attach(context, auth)
    return recorder, context


def _entries(recorder: HarRecorder) -> list[tuple[dict, dict]]:
    return [(i.request, i.response) for i in recorder.cassette.envelope.interactions]


def _text(recorder: HarRecorder) -> str:
    return dump_envelope(recorder.cassette.envelope)


def _header(response: dict, name: str) -> list[str]:
    return [h["value"] for h in response["headers"] if h["name"].lower() == name]


# -- a login: hops, cookies, secrets -------------------------------------------------------


def _login_site() -> _Site:
    def login(method, headers, body):
        return _redirect("/home", f"SID={SID}; Domain=app.example.test; Path=/; HttpOnly")

    def home(method, headers, body):
        return _redirect("home/", f"THEME={THEME}; Path=/")  # relative: resolved against /home

    def home_page(method, headers, body):
        return _html(f'<form><input type="hidden" name="csrf" value="{TOKEN}"><p>Grüße</p></form>')

    return _Site({"/login": login, "/home": home, "/home/": home_page})


def test_each_redirect_hop_is_recorded_and_the_browser_gets_the_last_answer_with_every_cookie(tmp_path):
    site = _login_site()
    recorder, context = _recorder(tmp_path, site)
    route = context.load(
        "POST", "login", b"user=agent&password=s3cr%26t+P%C3%A4ssword", content_type=f"{FORM}; charset=UTF-8"
    )
    kind, answer = route.outcome
    assert kind == "fulfilled" and answer["status"] == 200 and "Grüße" in answer["body"].decode()
    assert answer["headers"]["content-type"] == "text/html; charset=utf-8"
    # the browser needs the cookies of every hop, in clear, one per line
    assert answer["headers"]["set-cookie"] == (
        f"SID={SID}; Domain=app.example.test; Path=/; HttpOnly\nTHEME={THEME}; Path=/"
    )
    entries = _entries(recorder)
    assert [(r["method"], r["url"]) for r, _ in entries] == [
        ("POST", "<<ORIGIN>>/login"),
        ("GET", "<<ORIGIN>>/home"),
        ("GET", "<<ORIGIN>>/home/"),
    ]
    assert [a["status"] for _, a in entries] == [302, 302, 200]
    assert entries[0][0]["postData"] == {
        "mimeType": FORM,
        "params": [{"name": "user", "value": "agent"}, {"name": "password", "value": "<<PASSWORD>>"}],
    }
    # only a cookie's value is a secret: its attributes stay readable
    assert _header(entries[0][1], "set-cookie") == ["SID=<<COOKIE_1>>; Domain=app.example.test; Path=/; HttpOnly"]
    assert _header(entries[1][1], "location") == ["home/"]
    assert 'value="<<CSRF_1>>"' in entries[2][1]["content"]["text"]
    text = _text(recorder)
    assert not any(secret in text for secret in (SID, THEME, TOKEN, "s3cr", "P%C3%A4ss"))
    assert [(m, u) for m, u, _ in site.asked] == [
        ("POST", f"{ORIGIN}/login"),
        ("GET", f"{ORIGIN}/home"),
        ("GET", f"{ORIGIN}/home/"),
    ]


def test_a_token_seen_only_in_a_posted_form_is_a_secret_too(tmp_path):
    site = _Site({"/save": lambda m, h, b: _html(f"<p>saved with {b.decode()}</p>")})
    recorder, context = _recorder(tmp_path, site)
    context.load("POST", "save", f"note=&api_token={TOKEN}&who=J%FCrgen".encode())
    request, response = _entries(recorder)[0]
    assert request["postData"]["params"] == [
        {"name": "note", "value": ""},  # blank values kept: the same request
        {"name": "api_token", "value": "<<CSRF_1>>"},
        {"name": "who", "value": "Jürgen"},
    ]  # not UTF-8: read as Latin-1
    assert TOKEN not in _text(recorder) and "<<CSRF_1>>" in response["content"]["text"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        # a form sent in Latin-1 reads its escapes as Latin-1 too (one charset per form)
        (b"who=J\xfcrgen&city=K%F6ln", [("who", "Jürgen"), ("city", "Köln")]),
        (b"who=J\xfcrgen&x=%C3%A4", [("who", "Jürgen"), ("x", "Ã¤")]),  # even escapes that would be UTF-8
        (b"note=&who=%E6%97%A5", [("note", ""), ("who", "日")]),  # blank values kept: the same request
    ],
    ids=["raw-latin-1", "raw-latin-1-utf-8-like-escapes", "utf-8-escaped"],
)
def test_a_posted_form_is_recorded_as_the_browser_sent_it(tmp_path, body, fields):
    site = _Site({"/who": lambda m, h, b: _html("<p>ok</p>")})
    recorder, context = _recorder(tmp_path, site)
    context.load("POST", "who", body)
    context.load("POST", "who", b'{"who": "x"}', content_type="application/json; charset=utf-8")
    context.load("POST", "who", b"who=\xff", content_type=None)  # no type, and not UTF-8: kept all the same
    context.load("GET", "who")
    (form, _), (json_post, _), (untyped, _), (get, _) = _entries(recorder)
    assert form["postData"] == {"mimeType": FORM, "params": [{"name": n, "value": v} for n, v in fields]}
    assert json_post["postData"] == {"mimeType": "application/json; charset=utf-8", "text": '{"who": "x"}'}
    assert untyped["postData"] == {"mimeType": "", "text": "who=\ufffd"}
    assert "postData" not in get


# -- the deadline -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["slow", "to-slow"], ids=["first-request", "redirect-hop"])
def test_a_fetch_is_bounded_by_the_calls_deadline_and_a_failed_one_aborted_unrecorded(tmp_path, path):
    site = _Site(
        {"/slow": lambda m, h, b: _html("<p>late</p>"), "/to-slow": lambda m, h, b: _redirect("/slow")},
        latency_ms={"/slow": 10_000},
    )  # longer than the call has left, shorter than Playwright's 30 s
    recorder, context = _recorder(tmp_path, site, timeout_ms=1_000)
    route = context.load("GET", path)
    assert route.outcome == ("aborted", "failed")  # the browser's request fails at once
    assert [r["url"] for r, _ in _entries(recorder)] == ([] if path == "slow" else ["<<ORIGIN>>/to-slow"])


# -- what is kept of a response, and the replay of it ------------------------------------------

_LOGO = bytes.fromhex("89504e470d0a1a0a") + bytes(range(256))


def _asset_site(versions: list[bytes]) -> _Site:
    def script(method, headers, body):
        return _Answer(200, [("Content-Type", "application/javascript")], versions[0])

    return _Site(
        {
            "/app.js": script,
            "/logo.png": lambda m, h, b: _Answer(
                200, [("Content-Type", "image/png"), ("Server", "Apache/2.0"), ("X-Request-Id", "req-123456789")], _LOGO
            ),
            "/empty.gif": lambda m, h, b: _Answer(200, [("Content-Type", "image/gif")]),
            "/latin": lambda m, h, b: _html("<p>Grüße, Müller</p>", "iso-8859-1"),
            "/broken": lambda m, h, b: _Answer(200, [("Content-Type", "text/html; charset=utf-8")], b"<p>caf\xe9</p>"),
            "/untyped": lambda m, h, b: _Answer(200, [], b"\x00\x01 raw"),
            "/export": lambda m, h, b: _Answer(
                200,
                [("Content-Type", "text/csv"), ("Content-Disposition", 'attachment; filename="x.csv"')],
                "a;b\n1;ä\n".encode(),
            ),
        }
    )


def test_each_static_asset_is_stored_once_and_a_changed_one_again(tmp_path):
    versions = [b"console.log(1)"]
    site = _asset_site(versions)
    recorder, context = _recorder(tmp_path, site)
    for _ in range(3):
        assert context.load("GET", "app.js").outcome[1]["body"] == b"console.log(1)"
    versions[0] = b"console.log(2)"  # a new deployment: the new script is not the recorded one
    assert context.load("GET", "app.js").outcome[1]["body"] == b"console.log(2)"
    assert [a["content"]["text"] for _, a in _entries(recorder)] == ["console.log(1)", "console.log(2)"]
    assert recorder.static_skipped == 2 and len(site.asked) == 4  # the browser was answered every time


def test_every_fetch_is_stored_when_asked_to(tmp_path):
    recorder, context = _recorder(tmp_path, _asset_site([b"x()"]))
    recorder.dedupe_static = False
    for _ in range(2):
        context.load("GET", "app.js")
    assert len(_entries(recorder)) == 2 and recorder.static_skipped == 0


def test_a_recording_keeps_only_the_headers_that_matter_and_replays_as_recorded(tmp_path):
    site = _asset_site([b"x()"])
    recorder, context = _recorder(tmp_path, site)
    paths = ["logo.png", "empty.gif", "latin", "export", "broken", "untyped"]
    live = [context.load("GET", p).outcome for p in paths]
    by_path = dict(zip(paths, _entries(recorder), strict=True))
    logo = by_path["logo.png"][1]
    assert logo["content"]["encoding"] == "base64" and [h["name"] for h in logo["headers"]] == ["Content-Type"]
    assert by_path["empty.gif"][1]["content"] == {"mimeType": "image/gif", "text": ""}
    assert by_path["latin"][1]["content"]["text"] == "<p>Grüße, Müller</p>"
    assert by_path["export"][1]["content"]["text"] == "a;b\n1;ä\n"
    assert by_path["export"][1]["statusText"] == "OK"
    assert by_path["broken"][1]["content"]["text"] == "<p>caf\ufffd</p>"  # bytes its charset cannot read
    assert by_path["untyped"][1]["content"] == {"mimeType": "", "text": "AAEgcmF3", "encoding": "base64"}
    recorder.cassette.save()

    replay = Cassette(CassetteSettings(path=tmp_path / "app.yaml", mode="none"), transport=TRANSPORT, system="app")
    replayer = HarReplayer(replay, SecretBook({"password": PASSWORD}), "http://replay.test/")
    context = _Context(_Site({}), "http://replay.test")  # nothing answers there: only the cassette can
    replayer.attach(context)
    replayed = [context.load("GET", p).outcome for p in paths]

    def seen(outcome):
        kind, answer = outcome
        return kind, answer["status"], answer["body"], answer["headers"].get("content-type")

    # byte for byte, but for the bytes the page's own charset could not read
    assert [seen(o) for o in replayed[:4] + replayed[5:]] == [seen(o) for o in live[:4] + live[5:]]
    assert replayed[4][1]["body"] == "<p>caf\ufffd</p>".encode()
    assert replayed[3][1]["headers"]["content-disposition"] == 'attachment; filename="x.csv"'
    assert replayer.remaining == 0 and replayer.take_misses() == []


# -- declared requests ------------------------------------------------------------------------


def test_declared_requests_are_never_recorded(tmp_path):
    site = _Site(
        {
            "/poll": lambda m, h, b: _Answer(200, [("Content-Type", "text/plain")], b"3"),
            "/stats": lambda m, h, b: _Answer(204),
        }
    )
    rules = (ignore("*/poll", methods=["get"], why="a timer"), stub("*/stats*", status=204, why="analytics"))
    recorder, context = _recorder(tmp_path, site, rules=rules)
    ignored, stubbed = context.load("GET", "poll"), context.load("POST", "stats?page=1", b"x=1")
    posted = context.load("POST", "poll", b"seen=1")  # the rule is for GETs only: this one is recorded
    assert ignored.outcome[0] == "continued"  # straight to the application, around the cassette
    assert stubbed.outcome == (
        "fulfilled",
        {"status": 204, "headers": {"content-type": "text/plain; charset=utf-8"}, "body": b""},
    )
    assert [u for _, u, _ in site.asked] == [f"{ORIGIN}/poll"] * 2  # analytics never reached
    assert posted.outcome[0] == "fulfilled" and [(r["method"], r["url"]) for r, _ in _entries(recorder)] == [
        ("POST", "<<ORIGIN>>/poll")
    ]


# -- HTTP authentication ----------------------------------------------------------------------


class _Protected:
    """Pages behind HTTP authentication checked by the HELPDESK fixture's gate (real Digest
    arithmetic); nonces can be retired (answered ``stale=true``) or the scheme downgraded."""

    def __init__(self, scheme: str = "digest", password: str = "hd-Pass.2005") -> None:
        self.gate = HttpGate(scheme, {"agent1": password})
        self.retired: set[str] = set()
        self.nonces: set[str] = set()
        self.always_stale = False
        self.downgrade = False

    def __call__(self, method: str, headers: dict[str, str], body: bytes | None, path: str) -> _Answer:
        header = headers.get("authorization")
        sent = Authorization.from_header(header) if header else None
        if sent is not None and (self.always_stale or sent.nonce in self.retired):
            return self._challenge(stale=True)
        user, stale = self.gate.check(header, method, path)
        if user is None:
            return self._challenge(stale)
        if path == "/go.php":
            return _redirect("index.php")
        return _html(f"<p>hello {user} at {path}</p>")

    def _challenge(self, stale: bool = False) -> _Answer:
        value = 'Basic realm="HelpDesk 2005"' if self.downgrade else self.gate.challenge(stale)
        self.nonces |= set(re.findall(r'nonce="([^"]+)"', value))
        return _Answer(401, [("Content-Type", "text/html"), ("WWW-Authenticate", value)], b"<p>who are you?</p>")

    def site(self) -> _Site:
        return _Site({p: (lambda m, h, b, p=p: self(m, h, b, p)) for p in ("/nav.php", "/index.php", "/go.php")})


def _auth_entries(recorder: HarRecorder) -> list[tuple[str, str | None, int]]:
    return [(r["url"].removeprefix("<<ORIGIN>>"), r.get("_auth"), a["status"]) for r, a in _entries(recorder)]


def test_a_digest_challenge_is_answered_once_both_hops_recorded_and_later_requests_authorised_at_once(tmp_path):
    app = _Protected()
    auth = HttpAuthenticator("digest", "agent1", "hd-Pass.2005")
    recorder, context = _recorder(tmp_path, site := app.site(), auth=auth)
    first, later, moved = (context.load("GET", p) for p in ("nav.php", "index.php", "go.php"))
    assert first.outcome[1]["status"] == later.outcome[1]["status"] == moved.outcome[1]["status"] == 200
    assert _auth_entries(recorder) == [
        ("/nav.php", None, 401),
        ("/nav.php", "digest", 200),
        ("/index.php", "digest", 200),
        ("/go.php", "digest", 302),
        ("/index.php", "digest", 200),
    ]
    assert _header(_entries(recorder)[0][1], "www-authenticate")[0].startswith('Digest realm="HelpDesk 2005"')
    assert app.gate.successes["agent1"] == 4 and app.gate.failures["agent1"] == 0
    # the authorised requests still carry the browser's own headers (its session cookie)
    assert [("authorization" in h, h.get("cookie")) for _, _, h in site.asked[:3]] == [
        (False, f"SID={SID}"),
        (True, f"SID={SID}"),
        (True, f"SID={SID}"),
    ]
    text = _text(recorder).lower()
    assert "authorization" not in text.replace("www-authenticate", "") and "response=" not in text
    assert "hd-pass" not in text and not auth.refused


def test_a_refused_answer_is_one_attempt_and_latched_until_reset(tmp_path):
    app = _Protected(password="changed-by-the-admins")
    auth = HttpAuthenticator("digest", "agent1", "hd-Pass.2005")
    recorder, context = _recorder(tmp_path, app.site(), auth=auth)
    for path in ("nav.php", "index.php", "nav.php"):
        assert context.load("GET", path).outcome[1]["status"] == 401  # the browser sees the refusal
    assert auth.refused and app.gate.failures["agent1"] == 1  # one wrong answer, never another
    assert _auth_entries(recorder) == [
        ("/nav.php", None, 401),
        ("/nav.php", "digest", 401),
        ("/index.php", None, 401),
        ("/nav.php", None, 401),
    ]
    auth.reset()  # an operator's reset: one more attempt
    context.load("GET", "nav.php")
    assert app.gate.failures["agent1"] == 2


def test_credentials_refused_when_sent_at_once_are_latched(tmp_path):
    app = _Protected()
    auth = HttpAuthenticator("digest", "agent1", "hd-Pass.2005")
    recorder, context = _recorder(tmp_path, app.site(), auth=auth)
    context.load("GET", "nav.php")
    app.gate.users["agent1"] = "changed-by-the-admins"  # the password changes while recording
    assert context.load("GET", "index.php").outcome[1]["status"] == 401
    assert auth.refused and app.gate.failures["agent1"] == 1  # the remembered answer, no fresh one
    assert _auth_entries(recorder)[2:] == [("/index.php", "digest", 401)]


def test_a_stale_nonce_is_answered_again_and_is_no_refusal(tmp_path):
    app = _Protected()
    auth = HttpAuthenticator("digest", "agent1", "hd-Pass.2005")
    recorder, context = _recorder(tmp_path, app.site(), auth=auth)
    context.load("GET", "nav.php")
    app.retired |= app.nonces  # the server's nonces expire: the remembered answer is stale
    assert context.load("GET", "index.php").outcome[1]["status"] == 200
    assert _auth_entries(recorder)[2:] == [("/index.php", "digest", 401), ("/index.php", "digest", 200)]
    app.always_stale = True  # even a fresh answer meets a stale nonce: still no refusal
    assert context.load("GET", "nav.php").outcome[1]["status"] == 401
    assert not auth.refused and app.gate.failures["agent1"] == 0


def test_a_challenge_downgraded_to_basic_is_never_answered(tmp_path):
    app = _Protected()
    app.downgrade = True
    auth = HttpAuthenticator("digest", "agent1", "hd-Pass.2005")
    recorder, context = _recorder(tmp_path, app.site(), auth=auth)
    assert context.load("GET", "nav.php").outcome[1]["status"] == 401
    assert _auth_entries(recorder) == [("/nav.php", None, 401)] and not auth.refused
    assert app.gate.failures["agent1"] == 0 and app.gate.successes["agent1"] == 0


def test_without_an_authenticator_a_challenge_is_recorded_as_it_came(tmp_path):
    app = _Protected()
    recorder, context = _recorder(tmp_path, app.site())
    assert context.load("GET", "nav.php").outcome[1]["status"] == 401
    assert _auth_entries(recorder) == [("/nav.php", None, 401)]


@pytest.mark.parametrize(
    ("redirects", "last", "cookies"), [(10, 200, 10), (40, 302, 11)], ids=["ten-then-a-page", "a-loop"]
)
def test_redirects_are_followed_ten_deep_and_a_replay_ends_where_the_recording_did(tmp_path, redirects, last, cookies):
    def hop(method, headers, body, n):
        if n < redirects:
            return _redirect(f"/r{n + 1}", f"C{n}=cookie-value-{n:04d}")
        return _html("<p>arrived</p>")

    site = _Site({f"/r{n}": (lambda m, h, b, n=n: hop(m, h, b, n)) for n in range(redirects + 1)})
    recorder, context = _recorder(tmp_path, site)
    live = context.load("GET", "r0").outcome[1]
    assert live["status"] == last and len(site.asked) == 11  # the first answer and ten redirects, no more
    assert len(live["headers"]["set-cookie"].split("\n")) == cookies  # every answer's cookie reaches the browser
    recorder.cassette.save()

    replay = Cassette(CassetteSettings(path=tmp_path / "app.yaml", mode="none"), transport=TRANSPORT, system="app")
    replayer = HarReplayer(replay, SecretBook({"password": PASSWORD}), "http://replay.test/")
    context = _Context(_Site({}), "http://replay.test")
    replayer.attach(context)
    replayed = context.load("GET", "r0").outcome[1]
    assert (replayed["status"], replayed["body"]) == (live["status"], live["body"])
    assert replayer.remaining == 0 and replayer.take_misses() == []
