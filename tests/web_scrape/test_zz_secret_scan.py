"""No password, cookie value or CSRF token in clear in any HAR cassette, trace or artifact
the test suite produced (this module runs after the others and adds a full-trace failure
of its own, so it has something to scan even when run alone)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from bridges.core.errors import LegacyError
from fixtures.helpdesk import DEMO_PASSWORD

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
    return problems


def test_every_recording_trace_and_artifact_is_free_of_secrets(toy_app, make_port, toy, tmp_path_factory):
    port = make_port(toy_app.url, trace="full")
    toy.run(port, toy.Bump())
    with pytest.raises(LegacyError):
        toy.run(port, toy.ReadCount(), path="boom")
    base = tmp_path_factory.getbasetemp()
    files = [p for p in base.rglob("*") if p.is_file()] + sorted(COMMITTED.glob("*.yaml"))
    texts = _texts(files)
    assert any(name.endswith("trace.network") or ".trace.zip:" in name for name, _ in texts)
    assert any(name.endswith(".html") for name, _ in texts)
    problems = [p for name, text in texts for p in _leaks(name, text, [toy.PASSWORD, DEMO_PASSWORD], toy_app.issued)]
    assert not problems, problems[:20]


def test_the_scan_does_find_secrets_in_clear():
    leaky = ('<input type="hidden" name="csrf_token" value="0123456789abcdef0123"> PHPSESSID=abcdef0123456789 '
             f'{{"name":"csrf_token","value":"feedbeef"}} password={quote_plus(DEMO_PASSWORD)}')
    assert len(_leaks("sample", leaky, [DEMO_PASSWORD], set())) == 4
    clean = '<input type="hidden" name="csrf_token" value="<<CSRF_1>>"> PHPSESSID=<<COOKIE_2>>; csrf_token=<<CSRF_1>>'
    assert _leaks("sample", clean, [DEMO_PASSWORD], set()) == []
