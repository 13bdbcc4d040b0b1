"""Opaque, signed keyset-pagination cursors (itsdangerous).

A cursor carries the sort key of the last row served and a fingerprint of the query
it belongs to; a tampered cursor, or one replayed against other filters, is refused
as invalid input rather than silently paging something else.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from bridges.core.errors import InvalidInput
from rdbms.values import decode_value, encode_value

__all__ = ["KeysetCursors"]


class KeysetCursors:
    """Signs and reads page cursors with ``secret`` (shared by every worker)."""

    def __init__(self, secret: str | bytes, salt: str = "legacy-bridges.keyset") -> None:
        self._serializer = URLSafeSerializer(secret, salt=salt)

    @staticmethod
    def fingerprint(**filters: Any) -> str:
        """A short digest of the filters a cursor is valid for."""
        text = json.dumps({k: encode_value(v) for k, v in sorted(filters.items())}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def dump(self, key: tuple[Any, ...], fingerprint: str) -> str:
        """The cursor continuing after the row whose sort key is ``key``."""
        return self._serializer.dumps({"k": [encode_value(v) for v in key], "f": fingerprint})

    def load(self, cursor: str, fingerprint: str, field: str = "cursor") -> tuple[Any, ...]:
        """The sort key inside ``cursor``; :class:`InvalidInput` if forged or for other filters."""
        try:
            data = self._serializer.loads(cursor)
        except BadSignature:
            raise InvalidInput("the page cursor is not valid",
                               errors=[{"field": field, "message": "not a cursor this service issued",
                                        "type": "cursor"}]) from None
        if not isinstance(data, dict) or data.get("f") != fingerprint or not isinstance(data.get("k"), list):
            raise InvalidInput("the page cursor belongs to another query",
                               errors=[{"field": field, "message": "cursor issued for other filters",
                                        "type": "cursor"}])
        return tuple(decode_value(v) for v in data["k"])
