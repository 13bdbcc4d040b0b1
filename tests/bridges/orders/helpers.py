"""Building the ORDERS bridge for a test database (shared helper, not a test module)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridges.core.config import parse_config
from bridges.core.registry import build_runtime

REPO = Path(__file__).resolve().parents[3]
CROSSWALK = REPO / "fixtures" / "crosswalk-v1.csv"
CASSETTE = REPO / "fixtures" / "cassettes" / "orders" / "orders.yaml"
KEY = "orders-test-key"


def bridge_entry(target: Any, **options: Any) -> dict[str, Any]:
    """``[bridges.orders]`` for ``target`` (the password by reference, with a test default)."""
    entry: dict[str, Any] = {"options": {**target.options, **options}, "guard": {"deadline_s": 10}}
    if "password" in target.secrets:
        entry["secrets"] = {"password": {"env": "ORDERS_TEST_DB_PASSWORD", "default": target.secrets["password"]}}
    return entry


def config_for(entry: dict[str, Any]) -> Any:
    """A configuration serving ``entry`` as ``orders``, with one API key."""
    return parse_config({
        "crosswalk": str(CROSSWALK),
        "facade": {"rate_limit": "100000/minute"},
        "api_keys": [{"name": "t", "key": {"env": "ORDERS_TEST_KEY", "default": KEY}, "scopes": ["orders:read"]}],
        "bridges": {"orders": entry},
    })


def runtime_for(entry: dict[str, Any]) -> Any:
    """The built runtime of :func:`config_for`."""
    return build_runtime(config_for(entry))
