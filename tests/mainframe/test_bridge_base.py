"""A bridge written on :class:`mainframe.TN3270Bridge` gets the transport's safety and cassettes for free."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bridges.core import registry
from bridges.core.config import parse_config
from bridges.core.errors import LoginRefused
from bridges.core.testing import wait_until
from mainframe.testing import demo_host, need_s3270

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]

KIT = Path(__file__).with_name("kit_tn3270.py")


@pytest.fixture(autouse=True)
def who(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "who", "tests.mainframe.kit_tn3270:WhoBridge")


@pytest.fixture
def make_runtime():
    built = []

    def build(config):
        built.append(registry.build_runtime(config))
        return built[-1]

    yield build
    for runtime in built:
        runtime.close()


@pytest.fixture(scope="module")
def host():
    need_s3270()
    with demo_host() as running:
        yield running


def _config(host, password="Dem0-Pass", user="DEMO04", **entry):
    options = {"host": host.host, "port": host.port, "user": user, "pool": {"min_size": 1, "max_size": 2}}
    data = {"bridges": {"who": {"secrets": {"password": {"env": "WHO_TEST_PW", "default": password}},
                                "options": options, "guard": {"read_retries": 2}, **entry}}}
    return parse_config(data, base_dir=Path.cwd())


def test_a_new_bridge_is_only_declarations(make_runtime, host):
    text = KIT.read_text(encoding="utf-8")
    assert "SessionPool" not in text and "Cassette" not in text and "LiveTerminal" not in text
    runtime = make_runtime(_config(host))
    assert runtime.call("who", "whoami", {}).terminal.startswith("LU")
    assert runtime.bridges["who"].bridge.pool.status()["lu_names"]  # the granted LU, as the pool reports it


def test_its_wrong_password_costs_one_attempt(make_runtime, host):
    runtime = make_runtime(_config(host, password="nope-123", user="DEMO05"))
    pool = runtime.bridges["who"].bridge.pool
    assert wait_until(lambda: pool.status()["sign_on_refused"] == 1, timeout=10)
    for _ in range(10):
        with pytest.raises(LoginRefused) as err:
            runtime.call("who", "whoami", {})
    assert host.sign_on_attempts("DEMO05") == 1 and err.value.context["bridge"] == "who"
    host.unlock("DEMO05")


def test_it_records_and_replays_with_no_emulator(make_runtime, host, tmp_path, monkeypatch):
    tape = tmp_path / "who.yaml"
    recording = make_runtime(_config(host, cassette={"path": str(tape), "mode": "once"}))
    assert recording.bridges["who"].bridge.mode == "record"
    answer = recording.call("who", "whoami", {})
    recording.close()
    assert tape.exists() and "Dem0-Pass" not in tape.read_text(encoding="utf-8")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("s3270") is None
    replay = make_runtime(_config(host, cassette={"path": str(tape), "mode": "none"}))
    assert replay.call("who", "whoami", {}) == answer


def test_without_a_sign_on_no_password_is_needed_but_home_screens_are():
    from bridges.core.operation import BridgeContext
    from mainframe import TN3270Bridge, TN3270Settings
    from tests.mainframe.kit_tn3270 import Home

    class OpenHost(TN3270Bridge):
        name = "open_host"
        sign_on = None
        required_secrets = ()
        screens = (Home,)

    settings = TN3270Settings(user="NOBODY", pool={"min_size": 0})  # nothing opened: no host needed
    with pytest.raises(TypeError, match="home_screens"):
        OpenHost(settings, BridgeContext("open_host"))
    OpenHost.home_screens = (Home,)
    bridge = OpenHost(settings, BridgeContext("open_host"))
    assert bridge.status()["pool"]["opened"] == 0
    bridge.close()
