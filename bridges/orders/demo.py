"""The ORDERS entry of the demo configuration (the SQLite file the demo builds)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["demo_bridge_config", "replay_bridge_config"]


def demo_bridge_config(db_path: str | os.PathLike[str]) -> dict[str, Any]:
    """``[bridges.orders]`` for the demo: Debian's SQLite ODBC driver on ``db_path``, read-only."""
    return {
        "kind": "orders",
        "guard": {"deadline_s": 5, "max_concurrency": 8},
        "options": {
            "connection": f"Driver=SQLite3;Database={Path(db_path).resolve()}",
            "dialect": "sqlite",
            "pool_size": 8,  # as many as the guard lets in at once
        },
    }


def replay_bridge_config(cassette: str | os.PathLike[str]) -> dict[str, Any]:
    """``[bridges.orders]`` replaying a recorded cassette (no database, no ODBC driver)."""
    return {
        "kind": "orders",
        "cassette": {"path": str(cassette), "mode": "none"},
        "options": {"connection": "Driver=SQLite3;Database=orders.db", "dialect": "sqlite"},
    }
