"""A HELPDESK demo app and helpdesk bridges built against it (live, recording or replaying)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bridges.core.config import Config, parse_config
from bridges.core.registry import build_runtime
from bridges.core.runtime import Runtime
from fixtures.helpdesk import DEMO_PASSWORD, start_app
from web_scrape.testing import need_chromium

ROOT = Path(__file__).resolve().parents[3]
CASSETTES = ROOT / "fixtures" / "cassettes" / "helpdesk"
REPLAY_BASE_URL = "http://helpdesk.invalid/helpdesk/"  # nothing answers there: only a cassette can
API_KEY = "helpdesk-test-key"


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory) -> Path:
    """Failure artifacts of every helpdesk test (the secret scan reads them)."""
    path = tmp_path_factory.getbasetemp() / "web-artifacts" / "helpdesk"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def helpdesk_config(artifacts_dir) -> Callable[..., Config]:
    """``helpdesk_config(base_url, cassette=None, guard=None, api_keys=None, **options)``."""

    def make(base_url: str, *, cassette: dict[str, Any] | None = None, guard: dict[str, Any] | None = None,
             api_keys: list[dict[str, Any]] | None = None, **options: Any) -> Config:
        entry: dict[str, Any] = {
            "secrets": {"password": {"env": "HELPDESK_TEST_PASSWORD", "default": DEMO_PASSWORD}},
            "options": {"base_url": base_url, "artifacts_dir": str(artifacts_dir), **options},
            "guard": {"deadline_s": 10, "read_retries": 0, **(guard or {})},
        }
        if cassette is not None:
            entry["cassette"] = cassette
        data: dict[str, Any] = {"crosswalk": "fixtures/crosswalk-v1.csv", "bridges": {"helpdesk": entry}}
        if api_keys:
            data["api_keys"] = api_keys
        return parse_config(data, base_dir=ROOT)

    return make


@pytest.fixture(scope="session")
def helpdesk_app() -> Iterator[Any]:
    """One HELPDESK app for the whole session; tests that flip a fault switch put it back."""
    with start_app(port=0) as app:
        yield app


@pytest.fixture
def faults(helpdesk_app) -> Iterator[Any]:
    """The app's fault switches, reset after the test."""
    yield helpdesk_app.faults
    helpdesk_app.faults.update(latency=0.0, error_every=0, error_rate=0.0, layout="classic", session_ttl=600.0)


@pytest.fixture
def make_runtime(make_runtime: Callable[[Config], Runtime]) -> Callable[[Config], Runtime]:
    """The shared runtime builder, once Chromium is known to be here."""
    need_chromium()
    return make_runtime


@pytest.fixture(scope="module")
def live(helpdesk_app, helpdesk_config) -> Iterator[Runtime]:
    """A live runtime shared by a module (one browser, warm contexts)."""
    need_chromium()
    runtime = build_runtime(helpdesk_config(helpdesk_app.entry_url))
    yield runtime
    runtime.close()
