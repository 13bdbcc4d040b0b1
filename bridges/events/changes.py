"""A change of one row, as a CloudEvent (structured JSON, CloudEvents 1.0).

Its ``id`` — the change id — is a digest of the source, the row's key and the versions
before and after, so reading the same change again (a re-read of the overlap, a restart
before the offset was committed) gives the same id, and a broker that dedupes by id
(JetStream's ``Nats-Msg-Id``) or a consumer keeping the ids it saw delivers it once.
A row's version is a digest of its normalised content, change stamp included.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["ChangeEvent", "canonical_json", "version_of"]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    raise TypeError(f"no JSON form for {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """``value`` as compact JSON with sorted keys (Decimal as text, dates ISO, enums by value)."""
    return json.dumps(value, default=_plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def version_of(row: dict[str, Any]) -> str:
    """The version of a normalised row: a digest of its canonical JSON."""
    return hashlib.sha256(canonical_json(row).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class ChangeEvent:
    """One change of one row: created, updated or deleted, with the new state and the old where known."""

    source: str
    kind: str
    """``created``, ``updated`` or ``deleted``."""
    key: str
    """The row's key as canonical JSON (a list, one value per key field)."""
    new: dict[str, Any] | None
    old: dict[str, Any] | None
    new_version: str | None
    old_version: str | None
    time: str
    """When the change was seen (ISO, UTC), or its change stamp when the source has one."""
    origin: str = "legacy-bridges"

    @property
    def id(self) -> str:
        """The change id: the same for every read of this change."""
        text = "\x1f".join((self.source, self.key, self.old_version or "", self.new_version or ""))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def type(self) -> str:
        """The CloudEvents ``type``: ``legacy.<source>.<kind>``."""
        return f"legacy.{self.source}.{self.kind}"

    def cloudevent(self) -> dict[str, Any]:
        """The structured-mode CloudEvent (``data`` holds key, new, old and both versions)."""
        return {
            "specversion": "1.0",
            "id": self.id,
            "source": f"{self.origin}/{self.source}",
            "type": self.type,
            "subject": self.key,
            "time": self.time,
            "datacontenttype": "application/json",
            "data": {
                "key": json.loads(self.key),
                "new": self.new,
                "old": self.old,
                "version": self.new_version,
                "previous_version": self.old_version,
            },
        }

    def to_json(self) -> bytes:
        """The CloudEvent as UTF-8 JSON bytes."""
        return canonical_json(self.cloudevent()).encode()
