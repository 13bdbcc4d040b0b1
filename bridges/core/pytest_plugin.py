"""The pytest plugin for bridge authors (entry point ``legacy_bridges`` in ``pytest11``).

Installed with legacy-bridges, it gives every test session:

* ``--bridges-record=none|once|all`` — how the bridges' cassettes are used: ``none`` (the
  default) replays and never goes live, ``once`` records the cassettes that are missing,
  ``all`` re-records every one;
* ``--bridges-config=PATH`` (or the ini value ``bridges_config``) — the configuration the
  runtime is built from, default ``bridges.yaml`` in the rootdir;
* the fixture ``bridges_runtime`` — a :class:`~bridges.core.runtime.Runtime` built from
  that configuration, each bridge's cassette in the chosen mode (a bridge without a
  ``cassette`` table gets ``cassettes/<bridge>.yaml`` beside the configuration), closed
  at the end of the session, when recordings are written;
* the fixture ``bridges_call`` — ``bridges_call("custmast", "get_customer", customer="C-00001")``
  returns the operation's output model (a streaming operation's rows as a list of them),
  through the same validation and guard as the facade, without HTTP;
  In replay, a secret whose environment variable is unset gets a stand-in value (cassettes
  hold placeholders, never secrets), so replay needs no password;
* the fixture ``bridges_record_mode`` — the chosen :class:`~bridges.core.cassette.RecordMode`;
* the markers ``live`` and ``replay``.

Without installing the package, load it with ``-p bridges.core.pytest_plugin`` (the conftest
``bridges new`` writes does so when the entry point is missing). Never both: pytest refuses a
plugin registered under two names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bridges.core.cassette import RecordMode
from bridges.core.cassette_config import configured_for_cassettes
from bridges.core.config import load_config
from bridges.core.runtime import Runtime
from bridges.core.streaming import RowStream

__all__ = ["bridges_call", "bridges_config_path", "bridges_record_mode", "bridges_runtime"]

_HELP_RECORD = (
    "how bridge cassettes are used: none replays only (default), once records missing cassettes "
    "against the live systems, all re-records every cassette"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("legacy_bridges", "legacy-bridges")
    group.addoption("--bridges-record", choices=[m.value for m in RecordMode], default=None, help=_HELP_RECORD)
    group.addoption(
        "--bridges-config",
        default=None,
        help="bridges configuration for the bridges_runtime fixture (default: bridges.yaml in rootdir)",
    )
    parser.addini("bridges_config", "bridges configuration for the bridges_runtime fixture", default="bridges.yaml")


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "live: needs the live legacy system (records with --bridges-record=once)",
        "replay: answers from recorded cassettes, no legacy system needed",
    ):
        config.addinivalue_line("markers", line)


@pytest.fixture(scope="session")
def bridges_record_mode(pytestconfig: pytest.Config) -> RecordMode:
    """The cassette mode of this session (``--bridges-record``, default ``none``)."""
    return RecordMode(pytestconfig.getoption("bridges_record") or RecordMode.NONE)


@pytest.fixture(scope="session")
def bridges_config_path(pytestconfig: pytest.Config) -> Path:
    """The configuration file the runtime is built from."""
    value = pytestconfig.getoption("bridges_config") or pytestconfig.getini("bridges_config") or "bridges.yaml"
    path = Path(value)
    return path if path.is_absolute() else Path(pytestconfig.rootpath) / path


@pytest.fixture(scope="session")
def bridges_runtime(bridges_config_path: Path, bridges_record_mode: RecordMode) -> Iterator[Runtime]:
    """The runtime of the configured bridges, cassettes in the session's mode; closed (and
    recordings saved) when the session ends."""
    from bridges.core.registry import build_runtime

    config = configured_for_cassettes(load_config(bridges_config_path), bridges_record_mode)
    runtime = build_runtime(config)
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture(scope="session")
def bridges_call(bridges_runtime: Runtime) -> Callable[..., Any]:
    """``bridges_call(bridge, operation, **input)``: the operation's output model."""

    def call(bridge: str, operation: str, **raw_input: Any) -> Any:
        result = bridges_runtime.call(bridge, operation, raw_input)
        if isinstance(result, RowStream):
            _, op = bridges_runtime.find(bridge, operation)
            try:
                return [op.output_model.model_validate(row) for row in result]
            finally:
                result.close()
        return result

    return call
