"""The ``[bridges.helpdesk]`` entries the demo uses: live against the app it starts, or replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["DEMO_CASSETTE", "demo_bridge_config", "replay_bridge_config"]

DEMO_PASSWORD_ENV = "HELPDESK_PASSWORD"
DEMO_PASSWORD = "hd-Pass.2005"  # the demo app's published demo password, not a secret
DEMO_CASSETTE = Path(__file__).resolve().parents[2] / "fixtures" / "cassettes" / "helpdesk" / "session.yaml"
REPLAY_BASE_URL = "http://helpdesk.invalid/helpdesk/"


def _base_url(url: str) -> str:
    url = url.rstrip("/")
    return url + "/" if url.endswith("/helpdesk") else url + "/helpdesk/"


def demo_bridge_config(url: str) -> dict[str, Any]:
    """A live helpdesk bridge entry for the demo app at ``url`` (its root or its /helpdesk/ folder)."""
    return {
        "guard": {"deadline_s": 15, "max_concurrency": 8},
        "secrets": {"password": {"env": DEMO_PASSWORD_ENV, "default": DEMO_PASSWORD}},
        "options": {"base_url": _base_url(url), "user": "agent1", "pool_size": 2},
    }


def replay_bridge_config(cassette: Path | str = DEMO_CASSETTE) -> dict[str, Any]:
    """A helpdesk bridge entry that answers from a recorded HAR cassette (no app needed).

    Retries are off: a retried call would consume answers recorded for the next one."""
    return {
        "guard": {"deadline_s": 15, "read_retries": 0},
        "secrets": {"password": {"env": DEMO_PASSWORD_ENV, "default": DEMO_PASSWORD}},
        "cassette": {"path": str(cassette), "mode": "none"},
        "options": {"base_url": REPLAY_BASE_URL, "user": "agent1"},
    }
