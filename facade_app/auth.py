"""API keys and scopes: deny by default.

Keys come from configuration (by environment-variable reference) and are kept only as
SHA-256 digests; a request names its key in ``Authorization: Bearer <key>`` or
``X-API-Key``. A scope is ``<bridge>:read``, ``<bridge>:write``, ``<bridge>:*`` or ``*``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from bridges.core.config import ApiKeySettings
from bridges.core.errors import Forbidden, Unauthenticated
from bridges.core.operation import Operation

__all__ = ["OPERATOR_SCOPE", "Caller", "KeyRing", "presented_key", "scope_granted"]

OPERATOR_SCOPE = "ops"
"""The scope of operators: bridge state in ``/readyz``, and resetting a bridge."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's name (never the key), its scopes and rate limit."""

    name: str
    scopes: frozenset[str]
    rate_limit: str | None = None

    def require(self, operation: Operation) -> None:
        """Raise :class:`Forbidden` unless every scope of ``operation`` is granted."""
        missing = [s for s in operation.scopes if not scope_granted(s, self.scopes)]
        if missing:
            raise Forbidden(f"key '{self.name}' lacks scope {', '.join(missing)} for {operation.qualified_name}")


def scope_granted(required: str, granted: Iterable[str]) -> bool:
    """True when ``granted`` covers ``required`` (exactly, by ``bridge:*`` or by ``*``)."""
    bridge = required.partition(":")[0]
    return any(g in (required, f"{bridge}:*", "*") for g in granted)


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


class KeyRing:
    """The configured keys, looked up by digest."""

    def __init__(self, keys: list[ApiKeySettings]) -> None:
        self._callers: list[tuple[bytes, Caller]] = []
        for i, entry in enumerate(keys):
            secret = entry.key.resolve(f"api_keys.{i}.key").get_secret_value()
            caller = Caller(entry.name, frozenset(entry.scopes), entry.rate_limit)
            self._callers.append((_digest(secret), caller))

    def fingerprint(self) -> bytes:
        """A digest of every configured key (for deriving secrets that change when a key does)."""
        return hashlib.sha256(b"".join(digest for digest, _ in self._callers)).digest()

    def callers(self) -> list[Caller]:
        """Every configured key's caller (names and scopes, never the keys)."""
        return [caller for _, caller in self._callers]

    def authenticate(self, presented: str | None) -> Caller:
        """The caller for a presented key, or :class:`Unauthenticated`."""
        if not presented:
            raise Unauthenticated("an API key is required: send 'Authorization: Bearer <key>'")
        digest = _digest(presented)
        found = None
        for known, caller in self._callers:  # compare against every key: no early exit to time
            if hmac.compare_digest(known, digest):
                found = caller
        if found is None:
            raise Unauthenticated("the API key is not valid")
        return found


def presented_key(headers: dict[str, str] | object) -> str | None:
    """The key a request carries, if any."""
    auth = headers.get("Authorization", "")  # type: ignore[attr-defined]
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return headers.get("X-API-Key") or None  # type: ignore[attr-defined]
