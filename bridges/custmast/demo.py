"""The ``[bridges.custmast]`` entry the demo uses against the host it starts."""

from __future__ import annotations

from typing import Any

__all__ = ["demo_bridge_config"]

DEMO_PASSWORD_ENV = "CUSTMAST_PASSWORD"
DEMO_PASSWORD = "Dem0-Pass"  # the demo host's published demo password, not a secret


def demo_bridge_config(host: str, port: int) -> dict[str, Any]:
    """A live CUSTMAST bridge entry for the demo host at ``host:port`` (code page cp037)."""
    return {
        "guard": {"deadline_s": 5, "max_concurrency": 8},
        "secrets": {"password": {"env": DEMO_PASSWORD_ENV, "default": DEMO_PASSWORD}},
        "options": {
            "host": host,
            "port": port,
            "code_page": "cp037",
            "user": "DEMO01",
            "pool": {"min_size": 2, "max_size": 4, "acquire_timeout_s": 2.0},
        },
    }
