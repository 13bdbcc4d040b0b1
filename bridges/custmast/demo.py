"""The ``[bridges.custmast]`` entries the demo uses: live against the host it starts, or replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["DEMO_CASSETTE", "demo_bridge_config", "replay_bridge_config"]

DEMO_PASSWORD_ENV = "CUSTMAST_PASSWORD"
DEMO_PASSWORD = "Dem0-Pass"  # the demo host's published demo password, not a secret
DEMO_CASSETTE = Path(__file__).resolve().parents[2] / "fixtures" / "cassettes" / "custmast" / "scenario.yaml"


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


def replay_bridge_config(cassette: Path | str = DEMO_CASSETTE) -> dict[str, Any]:
    """A CUSTMAST bridge entry that answers from a recorded screen cassette (no host, no s3270).

    The committed cassette holds one story, played strictly in order (see the CUSTMAST tests).
    Retries are off: a retried call would consume screens recorded for the next one."""
    return {
        "guard": {"deadline_s": 5, "read_retries": 0},
        "secrets": {"password": {"env": DEMO_PASSWORD_ENV, "default": DEMO_PASSWORD}},
        "cassette": {"path": str(cassette), "mode": "none"},
        "options": {"code_page": "cp1140"},
    }
