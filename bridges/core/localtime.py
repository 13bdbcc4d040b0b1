"""Times a legacy system keeps without a zone, declared as what they are.

A legacy system's clock is local and its records carry no offset: ``2005-12-14T21:44:00``.
JSON Schema's ``date-time`` and ``time`` formats (RFC 3339) require an offset, so strict
clients reject such values. These types validate and serialise as Python's naive
``datetime`` and ``time`` do, and declare a pattern and a description instead of a format:

    opened: LocalDateTime = Field(description="Local time of the helpdesk.")
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import WithJsonSchema

__all__ = ["LOCAL_DATETIME_PATTERN", "LOCAL_TIME_PATTERN", "LocalDateTime", "LocalTime"]

LOCAL_TIME_PATTERN = r"^[0-2][0-9]:[0-5][0-9](:[0-6][0-9](\.[0-9]{1,6})?)?$"
"""``HH:MM[:SS[.ffffff]]``, no offset."""

LOCAL_DATETIME_PATTERN = r"^[0-9]{4}-[01][0-9]-[0-3][0-9]T" + LOCAL_TIME_PATTERN[1:]
"""``YYYY-MM-DDTHH:MM[:SS[.ffffff]]``, no offset."""

LocalDateTime = Annotated[dt.datetime, WithJsonSchema({
    "type": "string", "pattern": LOCAL_DATETIME_PATTERN,
    "description": "Local date and time of the legacy system, without an offset (ISO 8601, "
                   "YYYY-MM-DDTHH:MM:SS): the system does not say its zone.",
    "examples": ["2005-12-14T21:44:00"],
})]
"""A naive date and time (the legacy system's local clock)."""

LocalTime = Annotated[dt.time, WithJsonSchema({
    "type": "string", "pattern": LOCAL_TIME_PATTERN,
    "description": "Local time of day of the legacy system, without an offset (HH:MM:SS): the system does "
                   "not say its zone.",
    "examples": ["08:34:27"],
})]
"""A naive time of day (the legacy system's local clock)."""
