"""What the review queue and the shadow records share: a proposed write (who asked which bridge
for which operation with what input, when), its columns, and the base of the stores keeping them."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, Engine, Float, MetaData, String, Text

from facade_app.shared_tables import SharedStore

__all__ = ["ProposedWrite", "ProposedWriteStore", "iso_time", "proposed_write_columns"]


def proposed_write_columns() -> list[Column[Any]]:
    """The columns every proposed write has (new ones for each table)."""
    return [
        Column("id", String(32), primary_key=True),
        Column("bridge", String(64), nullable=False),
        Column("operation", String(64), nullable=False),
        Column("input", Text, nullable=False),
        Column("requested_by", String(64), nullable=False),
        Column("requested_at", Float, nullable=False),
    ]


def iso_time(t: float | None) -> str | None:
    """An epoch time as the API shows it (ISO 8601, milliseconds, UTC); None stays None."""
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class ProposedWrite:
    """A write somebody asked for: the fields a review and a shadow record share."""

    id: str
    bridge: str
    operation: str
    input: dict[str, Any]
    requested_by: str
    requested_at: float

    def public(self) -> dict[str, Any]:
        """The shared fields as the API shows them."""
        return {
            "id": self.id,
            "bridge": self.bridge,
            "operation": self.operation,
            "input": self.input,
            "requested_by": self.requested_by,
            "requested_at": iso_time(self.requested_at),
        }


W = TypeVar("W", bound=ProposedWrite)


class ProposedWriteStore(SharedStore, Generic[W]):
    """Base of a store of proposed writes of type ``record``, whose ``json_fields`` are kept as JSON text."""

    def __init__(
        self, record: type[W], json_fields: tuple[str, ...], meta: MetaData, connect: Callable[[], Engine]
    ) -> None:
        super().__init__(meta, connect)
        self._record_type = record
        self._json_fields = json_fields

    @staticmethod
    def _new(bridge: str, operation: str, data: dict[str, Any], requested_by: str) -> dict[str, Any]:
        """A new proposed write's shared fields (a fresh id, asked now)."""
        return {
            "id": uuid.uuid4().hex,
            "bridge": bridge,
            "operation": operation,
            "input": data,
            "requested_by": requested_by,
            "requested_at": time.time(),
        }

    def _encoded(self, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` with its JSON fields as text, as the table keeps them."""
        return {k: json.dumps(v) if k in self._json_fields and v is not None else v for k, v in row.items()}

    def _decoded(self, row: Any) -> dict[str, Any]:
        """A stored row with its JSON fields read (an empty one is None)."""
        data = dict(row)
        for key in self._json_fields:
            data[key] = json.loads(data[key]) if data.get(key) else None
        return data

    def _record(self, row: Any) -> W:
        """The record a stored row holds."""
        data = self._decoded(row)
        return self._record_type(**{k: data.get(k) for k in self._record_type.__dataclass_fields__})
