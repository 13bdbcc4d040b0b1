"""How a bridge lists the customers its system holds, for reading them through its own operations.

A bridge declares (class attribute ``customers``), or a configuration maps (``customers`` of a
``[bridges.NAME]`` table), a :class:`CustomerListing`: the read operation that lists customers
(or rows naming them, such as tickets), how it continues, which field is the system's own id, and
how output fields map to a customer record's fields — named as the personal data of
:mod:`bridges.core.personal` names them (``name``, ``phone``, ``email``; an ``address`` in its parts
``street``, ``city``, ``postcode``, and ``country``). An optional detail operation reads what the
listing does not show, one customer (or row) at a time. Only read operations may be named:
:meth:`CustomerListing.check` refuses a write.

    CustomerListing(
        operation="browse_customers", items="customers", id="custmast_no",
        cursor=("start_at", "next_start_at"), input={"limit": 200},
        fields={"name": "name", "city": "city", "country": "country"},
        detail="get_customer", detail_input=("customer", "custmast_no"),
        detail_fields={"street": "street", "postcode": "postcode", "phone": "phone"},
    )

A field's source may end in ``~PATTERN``: the text of the regular expression's first group found in
it, line by line (``description~^Contact: .*, tel\\. (.+)\\.$``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, field_validator

from bridges.core.errors import ConfigError

__all__ = ["RECORD_FIELDS", "CustomerListing", "field_value"]

RECORD_FIELDS = {
    "name": "name",
    "street": "address",
    "city": "address",
    "postcode": "address",
    "country": None,
    "phone": "phone",
    "email": "email",
}
"""A customer record's fields and the kind of personal data (:mod:`bridges.core.personal`) each is."""


class CustomerListing(BaseModel):
    """Which read operation lists a system's customers and how its output maps to a customer record."""

    model_config = {"extra": "forbid", "frozen": True}

    operation: str = Field(description="The read operation listing customers (or rows naming them).")
    items: str = Field(description="The output field holding the list.")
    id: str = Field(description="The item field holding the system's own customer id (rows of one id: the first).")
    fields: dict[str, str] = Field(default_factory=dict, description="Record field → item field (`FIELD~REGEX`).")
    cursor: tuple[str, str] | None = Field(
        None, description="(input field, output field): the output's value continues the listing; null at its end."
    )
    input: dict[str, Any] = Field(default_factory=dict, description="Input given to every listing call.")
    detail: str | None = Field(None, description="A read operation reading one item's details.")
    detail_input: tuple[str, str] | None = Field(
        None, description="(detail input field, item field whose value it takes)."
    )
    detail_fields: dict[str, str] = Field(default_factory=dict, description="Record field → detail output field.")

    @field_validator("fields", "detail_fields")
    @classmethod
    def _record_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(RECORD_FIELDS))
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a customer field (one of {', '.join(RECORD_FIELDS)})")
        for source in value.values():
            _, _, pattern = source.partition("~")
            if pattern:
                re.compile(pattern)
        return value

    def check(self, operations: Mapping[str, Any], bridge: str) -> None:
        """ConfigError unless every operation named is one of ``operations`` and only reads the system."""
        if (self.detail is None) != (self.detail_input is None):
            raise ConfigError(f"bridge {bridge}: customers: detail and detail_input go together")
        for name in filter(None, (self.operation, self.detail)):
            op = operations.get(name)
            if op is None:
                raise ConfigError(f"bridge {bridge}: customers: no operation {name}")
            if str(op.effect) != "read":
                raise ConfigError(f"bridge {bridge}: customers: {name} is not a read operation")


def field_value(data: Mapping[str, Any], source: str) -> str:
    """The text at ``source`` (a field name, dotted for nested ones, ``~REGEX`` to pick a part) in ``data``."""
    path, _, pattern = source.partition("~")
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    text = "" if value is None else str(value).strip()
    if pattern and text:
        found = [m.group(1) for line in text.splitlines() if (m := re.search(pattern, line.strip()))]
        text = found[0].strip() if found else ""
    return text
