"""Fixtures shared by the per-system bridge tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bridges.core.config import Config
from bridges.core.registry import build_runtime
from bridges.core.runtime import Runtime


@pytest.fixture
def make_runtime() -> Iterator[Callable[[Config], Runtime]]:
    """Build runtimes from configurations; every one is closed after the test."""
    built: list[Runtime] = []

    def build(config: Config) -> Runtime:
        runtime = build_runtime(config)
        built.append(runtime)
        return runtime

    yield build
    for runtime in built:
        runtime.close()
