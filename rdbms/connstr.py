"""ODBC connection strings: parse, harden per database, add credentials by reference.

An ODBC connection string is ``key=value`` pairs separated by ``;`` where a value may
be wrapped in braces (``{…}``, a ``}`` inside doubled). No kept library parses them
(pyodbc passes them through untouched), hence these few lines.
"""

from __future__ import annotations

import re

from bridges.core.errors import ConfigError

__all__ = ["add_credentials", "format_connection_string", "parse_connection_string", "redact"]

_CREDENTIAL_KEYS = {"pwd", "password"}
_USER_KEYS = {"uid", "user", "username"}


def parse_connection_string(text: str) -> list[tuple[str, str]]:
    """``key=value`` pairs in order (keys as written, values unbraced)."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in "; \t":
            i += 1
        if i >= n:
            break
        eq = text.find("=", i)
        if eq < 0:
            raise ConfigError("connection string: a part has no '=' (expected key=value;key=value)")
        key = text[i:eq].strip()
        i = eq + 1
        if i < n and text[i] == "{":
            value, i = _braced(text, i + 1)
            while i < n and text[i] != ";":
                i += 1
        else:
            end = text.find(";", i)
            end = n if end < 0 else end
            value, i = text[i:end].strip(), end
        pairs.append((key, value))
    return pairs


def _braced(text: str, i: int) -> tuple[str, int]:
    out = []
    while i < len(text):
        ch = text[i]
        if ch == "}":
            if text[i + 1:i + 2] == "}":
                out.append("}")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise ConfigError("connection string: unbalanced '{'")


def _quote(value: str) -> str:
    if re.search(r"[;{}]", value) or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def format_connection_string(pairs: list[tuple[str, str]]) -> str:
    """The connection string of ``pairs`` (values braced where needed)."""
    return ";".join(f"{k}={_quote(v)}" for k, v in pairs)


def get(pairs: list[tuple[str, str]], key: str) -> str | None:
    """The value of ``key`` (case-insensitive), or None."""
    for k, v in pairs:
        if k.lower() == key.lower():
            return v
    return None


def put(pairs: list[tuple[str, str]], key: str, value: str) -> list[tuple[str, str]]:
    """``pairs`` with ``key`` set to ``value`` (replaced in place, or appended)."""
    out = [(k, v) for k, v in pairs if k.lower() != key.lower()]
    return [*out, (key, value)] if len(out) == len(pairs) else [
        (k, value) if k.lower() == key.lower() else (k, v) for k, v in pairs
    ]


def add_credentials(pairs: list[tuple[str, str]], user: str | None, password: str | None) -> list[tuple[str, str]]:
    """``pairs`` plus ``UID``/``PWD``; a password written in the string itself is refused."""
    if any(k.lower() in _CREDENTIAL_KEYS for k, _ in pairs):
        raise ConfigError(
            "connection string: put the password in the bridge's secrets (secrets.password), not in the string"
        )
    if user:
        pairs = [p for p in pairs if p[0].lower() not in _USER_KEYS] + [("UID", user)]
    if password:
        pairs = [*pairs, ("PWD", password)]
    return pairs


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret value and any ``PWD=…`` part replaced by ``***``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return re.sub(r"(?i)\b(pwd|password)\s*=\s*(\{[^}]*\}|[^;]*)", r"\1=***", text)
