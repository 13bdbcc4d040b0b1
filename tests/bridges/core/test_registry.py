"""What the registry refuses at start, naming the key: cassettes that would lie, recording under
several workers, unknown options, missing secrets."""

from __future__ import annotations

import pytest

from bridges.core import registry
from bridges.core.config import parse_config
from bridges.core.errors import ConfigError
from bridges.core.registry import build_runtime, check_config, load_bridge_class

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def kit_bridges(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "liveonly", "tests.bridges.core.kit_bridges:LiveOnlyBridge")
    monkeypatch.setitem(registry._BUILTIN, "taped", "tests.bridges.core.kit_bridges:TapedBridge")


def _config(tmp_path, kind, **entry):
    entry.setdefault("secrets", {"password": {"env": "KIT_TEST_PASSWORD", "default": "pw-123456"}})
    return parse_config({"bridges": {kind: entry}}, base_dir=tmp_path)


@pytest.mark.parametrize("kind", ["liveonly", "taped"])
def test_mode_none_without_its_cassette_fails_at_start_naming_the_key(tmp_path, kind):
    config = _config(tmp_path, kind, cassette={"path": "gone.yaml", "mode": "none"})
    for step in (check_config, build_runtime):
        with pytest.raises(ConfigError, match=rf"bridges\.{kind}\.cassette\.path: mode 'none' replays only"):
            step(config)


def test_a_bridge_that_never_opens_its_cassette_is_refused_never_served_live(tmp_path):
    from tests.bridges.core.kit_bridges import LiveOnlyBridge

    (tmp_path / "tape.yaml").write_text("format_version: 1\ntransport: test\nsystem: x\ninteractions: []\n")
    config = _config(tmp_path, "liveonly", cassette={"path": "tape.yaml", "mode": "none"})
    check_config(config)  # nothing wrong on paper …
    with pytest.raises(ConfigError, match=r"bridges\.liveonly\.cassette: the liveonly bridge never opened"):
        build_runtime(config)  # … but the built bridge would have gone live
    assert LiveOnlyBridge.live_calls == 0


@pytest.mark.parametrize(("mode", "exists", "refused"), [("all", True, True), ("once", False, True),
                                                         ("once", True, False), ("none", True, False)])
def test_recording_under_several_workers_is_refused_at_start(tmp_path, mode, exists, refused):
    if exists:
        (tmp_path / "tape.yaml").write_text("format_version: 1\ntransport: test\nsystem: taped\ninteractions: []\n")
    config = _config(tmp_path, "taped", cassette={"path": "tape.yaml", "mode": mode})
    check_config(config, workers=1)
    if refused:
        with pytest.raises(ConfigError, match=r"bridges\.taped\.cassette\.mode: .* one worker, not 2"):
            check_config(config, workers=2)
    else:
        check_config(config, workers=2)


def test_an_unknown_option_fails_even_when_the_settings_model_forgot_to_forbid_it(tmp_path):
    config = _config(tmp_path, "liveonly", options={"dnss": "typo"})
    with pytest.raises(ConfigError, match=r"bridges\.liveonly\.options\.dnss: not an option"):
        check_config(config)


def test_a_required_secret_that_is_not_configured_fails_naming_it(tmp_path):
    config = _config(tmp_path, "taped", secrets={})
    with pytest.raises(ConfigError, match=r"bridges\.taped\.secrets\.password is required"):
        check_config(config)


def test_every_project_bridge_settings_model_forbids_unknown_keys():
    for kind in ("custmast", "helpdesk", "orders"):
        settings = registry.load_bridge_class(kind).Settings
        assert settings.model_config.get("extra") == "forbid", kind


def test_the_runtime_keeps_a_recording_whose_last_call_failed_out_of_the_cassette(tmp_path):
    from bridges.core.errors import Unavailable

    runtime = build_runtime(_config(tmp_path, "taped", cassette={"path": "tape.yaml", "mode": "once"}))
    runtime.call("taped", "echo", {"text": "hi"})
    with pytest.raises(Unavailable):
        runtime.call("taped", "echo", {"text": "down"})
    runtime.close()
    assert not (tmp_path / "tape.yaml").exists() and (tmp_path / "tape.incomplete.yaml").exists()

    runtime = build_runtime(_config(tmp_path, "taped", cassette={"path": "tape.yaml", "mode": "once"}))
    with pytest.raises(Unavailable):
        runtime.call("taped", "echo", {"text": "down"})
    runtime.call("taped", "echo", {"text": "hi"})  # the story ends well: saved
    runtime.close()
    assert (tmp_path / "tape.yaml").exists()


def test_a_package_laid_out_by_bridges_new_is_found_beside_its_configuration(tmp_path, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "path", list(sys.path))  # the folder put on the path goes with the test
    (tmp_path / "beside_kit").mkdir()
    (tmp_path / "beside_kit" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "beside_kit" / "bridge.py").write_text(
        "from bridges.core.operation import Bridge as Base\n\n\nclass Bridge(Base):\n    name = 'beside_kit'\n",
        encoding="utf-8")
    with pytest.raises(ConfigError, match="no bridge named 'beside_kit'"):
        load_bridge_class("beside_kit")
    assert load_bridge_class("beside_kit", tmp_path).name == "beside_kit"
