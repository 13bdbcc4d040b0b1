"""No password, cookie value, CSRF token or Authorization value (any scheme, a Digest
``response=`` included) in clear in any HAR cassette, trace or artifact the test suite
produced (this module runs after the others and adds full-trace failures of its own — a
form login, and HTTP Digest live and recording — so it has something to scan even when run
alone)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote, quote_plus

import pytest
from pydantic import BaseModel

from bridges.core.cassette import CassetteSettings
from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import LegacyError
from fixtures.helpdesk import DEMO_PASSWORD, DEMO_USERS, start_app
from web_scrape import BrowserPort, Credential, Flow, FlowPage, FlowRun, HttpLogin, PortSettings, basic_token
from web_scrape.testing import need_chromium

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "fixtures" / "cassettes" / "helpdesk"

_COOKIE = re.compile(r"\b(?:PHPSESSID|SID)=([^;\"'\s<&\\]*)")
_CSRF = [
    re.compile(r"name=\\?[\"']?csrf(?:_token)?\\?[\"']?\s+value=\\?[\"']?([^\"'\\\s>]*)"),
    re.compile(r"-\s+name:\s+csrf(?:_token)?\s*\n\s+value:\s*(\S*)"),
    re.compile(r"\"name\":\s*\"csrf(?:_token)?\",\s*\"value\":\s*\"([^\"]*)\""),
    re.compile(r"\bcsrf(?:_token)?=([^&\"'\s\\]+)"),
]


_AUTHORIZATION = [
    re.compile(r'(?i)"name":\s*"(?:proxy-)?authorization",\s*"value":\s*"((?:[^"\\]|\\.)*)"'),
    re.compile(r"(?i)\b(?:proxy-)?authorization\\?[\"']?\s*[:=]\s*\\?[\"']?((?:Basic|Digest|Bearer|Negotiate|NTLM)\s+[^\"'\n\\]+)"),
]
_DIGEST_RESPONSE = re.compile(r'\bresponse=\\?"?([0-9a-fA-F]{16,})')
USERS = ["alice", *DEMO_USERS]


def _is_safe(value: str) -> bool:
    value = value.strip("'\"")
    return value == "" or value.startswith(("<<", "%3C%3C", "replayed-"))


def _texts(paths: list[Path]) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                found += [(f"{path.name}:{name}", archive.read(name).decode("utf-8", "replace"))
                          for name in archive.namelist()]
        elif path.suffix in {".yaml", ".html", ".har", ".json", ".log", ".txt"}:
            found.append((path.name, path.read_text(encoding="utf-8", errors="replace")))
    return found


def _leaks(name: str, text: str, passwords: list[str], issued: set[str]) -> list[str]:
    problems = []
    for password in passwords:
        for form in {password, quote_plus(password), quote(password, safe=""),
                     password.encode("unicode_escape").decode("ascii")}:
            if form in text:
                problems.append(f"{name}: the password in clear")
    problems += [f"{name}: cookie value {v[:6]}…" for v in _COOKIE.findall(text) if not _is_safe(v)]
    for rx in _CSRF:
        problems += [f"{name}: CSRF token {v[:6]}…" for v in rx.findall(text) if not _is_safe(v)]
    problems += [f"{name}: issued secret {v[:6]}…" for v in issued if v in text]
    for rx in _AUTHORIZATION:
        problems += [f"{name}: Authorization {v[:12]}…" for v in rx.findall(text)
                     if "<<" not in v and not _is_safe(v.partition(" ")[2] or v)]
    problems += [f"{name}: Digest response {v[:6]}…" for v in _DIGEST_RESPONSE.findall(text)]
    for password in passwords:
        problems += [f"{name}: Basic credentials of {user}" for user in USERS if basic_token(user, password) in text]
    return problems


class _Nothing(BaseModel):
    ticket_no: str = "HD-2005-003811"


class _Title(BaseModel):
    title: str


class _TicketTitle(Flow):
    name = "ticket_title"
    input_model = _Nothing
    output_model = _Title
    steps: ClassVar[tuple[str, ...]] = ("read",)

    def read(self, page: FlowPage, run: FlowRun) -> dict:
        page.goto(f"ticket.php?id={run.input.ticket_no}")
        return {"title": page.page.title()}


@pytest.fixture(scope="module")
def digest_failures(artifacts_root, tmp_path_factory) -> str:
    """Live and recording behind HTTP Digest with full traces, each ending in a failure whose
    trace is kept: Chromium's network log (live) and the recorder's fetches (recording) held
    every request's Authorization; the scan below must find none of them."""
    need_chromium()
    tape = tmp_path_factory.mktemp("digest-scan") / "digest.yaml"
    credential = Credential("agent2", DEMO_PASSWORD)
    with start_app(auth="digest") as app:
        for cassette in (None, CassetteSettings(path=tape, mode="all")):
            port = BrowserPort(PortSettings(base_url=app.entry_url, trace="full",
                                            artifacts_dir=artifacts_root / "digest"),
                               system="digest", login=HttpLogin("digest", probe="nav.php"), cassette=cassette,
                               secrets={"password": DEMO_PASSWORD})
            try:
                with deadline_scope(Deadline(20)):
                    assert "HD-2005-003811" in port.run(_TicketTitle(), _Nothing(), credential).title
                app.faults.error_every = 1
                with deadline_scope(Deadline(20)), pytest.raises(LegacyError) as err:
                    port.run(_TicketTitle(), _Nothing(), credential)
                assert err.value.context["artifact"]
            finally:
                app.faults.error_every = 0
                port.close()
    kept = list((artifacts_root / "digest").glob("*.trace.zip"))
    assert len(kept) >= 2 and tape.with_name("digest.incomplete.yaml").exists()
    return "digest-"  # the artifacts' name prefix


def test_http_digest_live_and_recording_keep_failure_traces(digest_failures, artifacts_root):
    assert list((artifacts_root / "digest").glob(f"{digest_failures}*.trace.zip"))




def test_the_scan_does_find_secrets_in_clear():
    leaky = ('<input type="hidden" name="csrf_token" value="0123456789abcdef0123"> PHPSESSID=abcdef0123456789 '
             f'{{"name":"csrf_token","value":"feedbeef"}} password={quote_plus(DEMO_PASSWORD)}')
    assert len(_leaks("sample", leaky, [DEMO_PASSWORD], set())) == 4
    digest = ('{"name":"Authorization","value":"Digest username=\\"agent1\\", realm=\\"HelpDesk 2005\\", '
              'response=\\"c48f15b036966922ea64a5efffb4cf17\\""}')
    assert len(_leaks("trace", digest, [DEMO_PASSWORD], set())) == 2
    basic = f"Authorization: Basic {basic_token('agent1', DEMO_PASSWORD)}"
    assert len(_leaks("log", basic, [DEMO_PASSWORD], set())) == 2
    assert _leaks("trace", '{"name":"Authorization","value":"<<REDACTED>>"} Set-Cookie: a=<<COOKIE_1>>; Path=/',
                  [DEMO_PASSWORD], set()) == []
    clean = '<input type="hidden" name="csrf_token" value="<<CSRF_1>>"> PHPSESSID=<<COOKIE_2>>; csrf_token=<<CSRF_1>>'
    assert _leaks("sample", clean, [DEMO_PASSWORD], set()) == []


def test_every_recording_trace_and_artifact_is_free_of_secrets(toy_app, make_port, toy, tmp_path_factory,
                                                               digest_failures):
    port = make_port(toy_app.url, trace="full")
    toy.run(port, toy.Bump())
    with pytest.raises(LegacyError):
        toy.run(port, toy.ReadCount(), path="boom")
    base = tmp_path_factory.getbasetemp()
    files = [p for p in base.rglob("*") if p.is_file()] + sorted(COMMITTED.glob("*.yaml"))
    texts = _texts(files)
    assert any(name.endswith("trace.network") or ".trace.zip:" in name for name, _ in texts)
    assert any(name.endswith(".html") for name, _ in texts)
    assert sum(1 for name, text in texts if name.startswith(digest_failures) and "Authorization" in text) >= 1
    problems = [p for name, text in texts for p in _leaks(name, text, [toy.PASSWORD, DEMO_PASSWORD], toy_app.issued)]
    assert not problems, problems[:20]
