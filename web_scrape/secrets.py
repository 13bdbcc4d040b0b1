"""What must never be written in clear: passwords, cookie values, CSRF tokens, Authorization.

A :class:`SecretBook` holds the known secrets of one browser port — configured ones
(the password) and ones discovered while it runs (each new session cookie, each CSRF
token) — and gives a core :class:`~bridges.core.cassette.Scrubber` that turns every form
of them (raw, URL-encoded) into reversible placeholders such as ``<<PASSWORD>>`` and
``<<COOKIE_2>>``. :func:`find_secret_values` finds tokens and cookie values in text the
book has not seen (a trace of a session started before recording, say), and the value of
every ``Authorization`` header of any scheme (a Digest ``response=`` allows an offline
password attack). Only a cookie's value is a secret, never its attributes (``Path=/``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from bridges.core.cassette import Scrubber

__all__ = ["TOKEN_FIELD", "SecretBook", "authorization_secrets", "find_secret_values", "parse_cookie_header"]

# Form fields whose values are secrets: anti-forgery tokens and passwords.
TOKEN_FIELD = re.compile(r"csrf|xsrf|token|authenticity|verification|nonce", re.IGNORECASE)
_PASSWORD_FIELD = re.compile(r"passw|pwd|secret", re.IGNORECASE)

_HTML_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_JSON_OBJECT = re.compile(r"\{[^{}]*\}")
_AUTH_HEADERS = {"authorization", "proxy-authorization"}
_AUTH_LINE = re.compile(r"^\s*(?:proxy-)?authorization:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_DIGEST_RESPONSE = re.compile(r"\bresponse\s*=\s*\\?\"?([0-9a-fA-F]{16,})")
_MIN_SECRET_LEN = 6  # shorter values would scrub ordinary words


def parse_cookie_header(value: str) -> list[tuple[str, str]]:
    """``name=value`` pairs of a Cookie header, or the first pair of a Set-Cookie header."""
    pairs = []
    for part in value.split(";"):
        name, sep, val = part.strip().partition("=")
        if sep:
            pairs.append((name.strip(), val.strip()))
    return pairs


def authorization_secrets(value: str) -> set[str]:
    """The secret parts of an ``Authorization`` value: all of it, its credentials after the
    scheme, and a Digest ``response=`` hash on its own (however the text around it is quoted)."""
    value = value.strip()
    found = {value}
    _scheme, _, credentials = value.partition(" ")
    if credentials.strip():
        found.add(credentials.strip())
    found |= set(_DIGEST_RESPONSE.findall(value))
    return found


def _is_secret_field(name: str) -> bool:
    return bool(TOKEN_FIELD.search(name) or _PASSWORD_FIELD.search(name))


def find_secret_values(text: str) -> set[str]:
    """Secret values visible in ``text``: hidden token and password inputs in HTML, and
    the same in JSON (DOM snapshots, network logs) including cookie headers."""
    found: set[str] = set()
    for tag in _HTML_INPUT.findall(text):
        attrs = {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR.finditer(tag)}
        if _is_secret_field(attrs.get("name", "")) or attrs.get("type", "").lower() == "password":
            found.add(attrs.get("value", ""))
    for obj in _JSON_OBJECT.findall(text):
        try:
            data = json.loads(obj)
        except ValueError:
            continue
        found |= _secrets_in_json(data)
    for value in _AUTH_LINE.findall(text):
        found |= authorization_secrets(value)
    found |= set(_DIGEST_RESPONSE.findall(text))
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found |= _secrets_in_json(json.loads(line))
            except ValueError:
                continue
    return {value for value in found if len(value) >= _MIN_SECRET_LEN}


def _secrets_in_json(data: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        name = str(data.get("name", ""))
        value = data.get("value")
        if isinstance(value, str):
            if name.lower() == "cookie":
                found |= {v for _, v in parse_cookie_header(value)}
            elif name.lower() == "set-cookie":  # the value only: Path, Expires… are no secrets
                found |= {v for _, v in parse_cookie_header(value)[:1]}
            elif name.lower() in _AUTH_HEADERS:
                found |= authorization_secrets(value)
            elif _is_secret_field(name) or data.get("type") == "password":
                found.add(value)
        for key, child in data.items():
            if isinstance(key, str) and key.lower() in _AUTH_HEADERS and isinstance(child, str):
                found |= authorization_secrets(child)
            elif key == "cookies" and isinstance(child, list):
                found |= {c["value"] for c in child if isinstance(c, dict) and isinstance(c.get("value"), str)}
            else:
                found |= _secrets_in_json(child)
    elif isinstance(data, list):
        for child in data:
            found |= _secrets_in_json(child)
    return found


class SecretBook:
    """Named secrets, growing as the port discovers them; thread-safe."""

    def __init__(self, secrets: dict[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._named: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._scrubber: Scrubber | None = None
        for name, value in (secrets or {}).items():
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        """Know ``value`` as the secret ``name`` (an upper-case placeholder name)."""
        if not value:
            return
        with self._lock:
            self._named[name.upper()] = value
            self._scrubber = None

    def discover(self, kind: str, value: str) -> str | None:
        """Know a newly seen ``value`` of ``kind`` (``COOKIE``, ``CSRF``) as ``KIND_N``;
        returns its placeholder name (None for values too short to be secrets)."""
        if len(value) < _MIN_SECRET_LEN:
            return None
        with self._lock:
            for name, known in self._named.items():
                if known == value:
                    return name
            self._counters[kind] = self._counters.get(kind, 0) + 1
            name = f"{kind.upper()}_{self._counters[kind]}"
            self._named[name] = value
            self._scrubber = None
            return name

    def names(self) -> set[str]:
        """The placeholder names known so far."""
        with self._lock:
            return set(self._named)

    def values(self) -> list[str]:
        """Every known secret value."""
        with self._lock:
            return list(self._named.values())

    @property
    def scrubber(self) -> Scrubber:
        """A scrubber for every known secret in raw and URL-encoded forms."""
        with self._lock:
            if self._scrubber is None:
                variants: dict[str, str] = {}
                for name, value in self._named.items():
                    variants[name] = value
                    for suffix, encoded in (("URLENC", quote_plus(value)), ("PCTENC", quote(value, safe=""))):
                        if encoded != value:
                            variants[f"{name}_{suffix}"] = encoded
                self._scrubber = Scrubber(variants)
            return self._scrubber

    def redact_text(self, text: str, extra: Iterable[str] = ()) -> str:
        """``text`` with every known secret (and ``extra`` values) replaced by placeholders."""
        text = self.scrubber.scrub(text)
        for value in sorted(set(extra), key=len, reverse=True):
            if len(value) >= _MIN_SECRET_LEN:
                for form in (value, quote_plus(value), json.dumps(value)[1:-1]):
                    text = text.replace(form, "<<REDACTED>>")
        return text
