"""A CUSTMAST demo host and bridges built against it (live, recording or replaying)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridges.core.config import Config, parse_config
from mainframe.testing import demo_host, need_s3270

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Dem0-Pass"
CODE_PAGE = "cp1140"


def custmast_config(host: Any = None, *, cassette: dict[str, Any] | None = None, guard: dict[str, Any] | None = None,
                    api_keys: list[dict[str, Any]] | None = None, **options: Any) -> Config:
    """A configuration with one ``custmast`` bridge (live against ``host`` unless a cassette is given)."""
    opts: dict[str, Any] = {"code_page": CODE_PAGE, **options}
    if host is not None:
        opts.update(host=host.host, port=host.port)
    entry: dict[str, Any] = {
        "secrets": {"password": {"env": "CUSTMAST_TEST_PASSWORD", "default": PASSWORD}},
        "options": opts,
        "guard": {"deadline_s": 5, "read_retries": 0, **(guard or {})},
    }
    if cassette is not None:
        entry["cassette"] = cassette
    data: dict[str, Any] = {"crosswalk": "fixtures/crosswalk-v1.csv", "bridges": {"custmast": entry}}
    if api_keys:
        data["api_keys"] = api_keys
    return parse_config(data, base_dir=ROOT)


@pytest.fixture(scope="module")
def host() -> Iterator[Any]:
    """One demo host for a test module (cp1140, so € can be typed)."""
    need_s3270()
    with demo_host(codepage=CODE_PAGE) as running:
        yield running
