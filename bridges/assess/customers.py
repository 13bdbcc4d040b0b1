"""A system's customers read through its bridge's own read operations, for the across-systems view.

The bridge's :class:`~bridges.core.customers.CustomerListing` (declared by the bridge or mapped in the
configuration) names the listing operation and, optionally, a detail operation; both are checked to
be read operations before the first call. Every call goes through the runtime — the bridge's guard
(its deadline, its concurrency cap, its breaker) and, when configured, its leased session budget —
as a facade call would. The listing is followed with its cursor until it ends or ``limit`` customers
are read (a row of an id already read is skipped: tickets name their account again and again).
After each listing call the state (cursor, records so far) is handed to ``save``, so a stopped read
resumes from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bridges.core.customers import CustomerListing, field_value
from bridges.core.errors import ConfigError
from bridges.linkage.records import Record

__all__ = ["MAX_CUSTOMERS", "listing_of", "read_customers"]

MAX_CUSTOMERS = 1000
"""Customers read from one system at most, unless said otherwise (``--max-customers``)."""


def listing_of(runtime: Any, config: Any, instance: str) -> CustomerListing:
    """The customer listing of bridge ``instance``: the configuration's, else the bridge's own; checked to
    name only read operations of the bridge. ConfigError when there is none."""
    built = runtime.bridges.get(instance)
    if built is None:
        raise ConfigError(f"--customers {instance}: no enabled bridge {instance} in the configuration")
    entry = config.bridges.get(instance)
    listing = (entry.customer_listing if entry is not None else None) or built.bridge.customer_listing
    if listing is None:
        raise ConfigError(
            f"--customers {instance}: the bridge declares no customer listing (set customer_listing in its table)"
        )
    listing.check(built.operations, instance)
    return listing


def _record(system: str, values: dict[str, str]) -> Record:
    phone = values.pop("phone", "")
    return Record(system, phones=(phone,) if phone else (), **values).normalise()


def read_customers(
    runtime: Any,
    instance: str,
    listing: CustomerListing,
    *,
    limit: int = MAX_CUSTOMERS,
    progress: Callable[[str], None] = lambda _: None,
    saved: dict[str, Any] | None = None,
    save: Callable[[dict[str, Any]], None] = lambda _: None,
) -> tuple[list[Record], dict[str, Any]]:
    """(records, how they were read) of bridge ``instance``: at most ``limit`` customers, through the runtime.

    ``saved`` is a state ``save`` was given before (resume). The second item is the report's ``read``
    entry: the operations, calls made, seconds, and ``complete`` (False when ``limit`` stopped the read)."""
    state = saved or {"cursor": None, "records": [], "calls": 0, "seconds": 0.0, "finished": False, "complete": False}
    records = [dict(r) for r in state["records"]]
    seen = {r["id"] for r in records}
    started = time.perf_counter() - state["seconds"]
    while not state["finished"]:
        given = dict(listing.input)
        if listing.cursor and state["cursor"] is not None:
            given[listing.cursor[0]] = state["cursor"]
        page = runtime.call(instance, listing.operation, given).model_dump(mode="json")
        calls, stopped = state["calls"] + 1, False
        for item in page.get(listing.items) or []:
            local = field_value(item, listing.id)
            if not local or local in seen:
                continue
            if len(records) >= limit:
                stopped = True
                break
            values = {"id": local, **{f: field_value(item, source) for f, source in listing.fields.items()}}
            if listing.detail and listing.detail_input:
                wanted, source = listing.detail_input
                detail = runtime.call(instance, listing.detail, {wanted: field_value(item, source)})
                calls += 1
                shown = detail.model_dump(mode="json")
                values.update({f: field_value(shown, s) or values.get(f, "") for f, s in listing.detail_fields.items()})
            records.append(values)
            seen.add(local)
        cursor = page.get(listing.cursor[1]) if listing.cursor else None
        # A listing that ends, shows nothing or would not move on ends the read (never a loop).
        ended = cursor is None or not page.get(listing.items) or cursor == state["cursor"]
        state = {
            "cursor": cursor,
            "records": records,
            "calls": calls,
            "seconds": time.perf_counter() - started,
            "finished": ended or stopped or len(records) >= limit,
            "complete": ended and not stopped,
        }
        progress(f"{len(records)} customer(s) through {instance}.{listing.operation}")
        save(state)
    operations = [f"{instance}.{name}" for name in (listing.operation, listing.detail) if name]
    read = {
        "operations": operations,
        "calls": state["calls"],
        "seconds": round(state["seconds"], 3),
        "limit": limit,
        "complete": state["complete"],
    }
    return [_record(instance, dict(r)) for r in records], read
