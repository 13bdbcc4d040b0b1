"""The ``[bridges.customer360]`` entry the demo uses, and its warm-up.

The answer comes by ``deadline_s`` (3 s) whatever the systems do: a part that is late is marked
unavailable (``error_type: timeout``). A cold HELPDESK (browser launch and login) or a CUSTMAST
pool's first sign-on can take longer than that, so the first customer-360 after a start would
show those parts unavailable. :func:`warm_up` asks each part's system once, outside any deadline
but its own guard's, before the demo serves.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bridges.core.runtime import Runtime

__all__ = ["demo_bridge_config", "warm_up"]

log = logging.getLogger("legacy_bridges.customer360")


def demo_bridge_config(deadline_s: float = 3.0) -> dict[str, Any]:
    """``[bridges.customer360]`` over the demo's ``custmast``, ``orders`` and ``helpdesk`` instances."""
    return {"kind": "customer360", "options": {"deadline_s": deadline_s}}


def warm_up(runtime: Runtime, instance: str = "customer360", customer: str = "C-00001") -> dict[str, float | str]:
    """Ask each system of ``instance``'s parts for ``customer`` once, in parallel (sign-on,
    browser, connections): seconds per system, or the error type of one that failed (logged;
    the demo serves anyway and that part shows why it is unavailable)."""
    settings = runtime.bridges[instance].bridge.settings
    calls = {
        settings.custmast: ("get_customer", {"customer": customer}),
        settings.orders: ("list_orders", {"customer": customer, "limit": 1}),
        settings.helpdesk: ("search_tickets", {"customer": customer, "status": "open"}),
    }

    def ask(system: str) -> float | str:
        started = time.perf_counter()
        name, data = calls[system]
        try:
            runtime.call(system, name, data)
        except Exception as exc:  # a warm-up never stops the demo
            log.warning("customer360 warm-up: %s.%s failed (%s)", system, name, type(exc).__name__)
            return type(exc).__name__
        return round(time.perf_counter() - started, 2)

    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="customer360-warm-up") as pool:
        return dict(zip(calls, pool.map(ask, calls), strict=True))
