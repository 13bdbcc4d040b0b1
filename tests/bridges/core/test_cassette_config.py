"""A configuration set up for cassettes (the pytest plugin's fixtures run in tests/facade_app/test_scaffold.py)."""

from pathlib import Path

import pytest

from bridges.core.cassette import RecordMode
from bridges.core.cassette_config import REPLAY_STAND_IN, configured_for_cassettes
from bridges.core.config import parse_config

pytestmark = pytest.mark.unit


def test_every_enabled_bridge_gets_a_cassette_in_the_chosen_mode_and_no_read_retries(tmp_path):
    config = parse_config(
        {
            "bridges": {
                "orders": {"cassette": {"path": "tapes/o.yaml"}, "guard": {"read_retries": 2}},
                "helpdesk": {},
                "custmast": {"enabled": False},
            }
        },
        base_dir=tmp_path,
    )
    got = configured_for_cassettes(config, RecordMode.ONCE)
    orders, helpdesk = got.bridges["orders"], got.bridges["helpdesk"]
    assert orders.cassette.path == tmp_path / "tapes" / "o.yaml" and orders.cassette.mode is RecordMode.ONCE
    assert helpdesk.cassette.path == tmp_path / "cassettes" / "helpdesk.yaml"
    assert orders.guard.read_retries == 0 and helpdesk.guard.read_retries == 0
    assert got.bridges["custmast"].cassette is None
    assert config.bridges["orders"].cassette.path == Path("tapes/o.yaml")  # the loaded config is left alone
    assert got.base_dir == tmp_path


def test_replay_stands_in_for_unset_secrets_and_only_picks_one_bridge(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_PASSWORD", raising=False)
    config = parse_config(
        {
            "bridges": {
                "custmast": {"secrets": {"password": {"env": "NO_SUCH_PASSWORD"}}},
                "helpdesk": {},
            }
        },
        base_dir=tmp_path,
    )
    replay = configured_for_cassettes(config, RecordMode.NONE, only="custmast")
    ref = replay.bridges["custmast"].secrets["password"]
    assert ref.resolve("here").get_secret_value() == REPLAY_STAND_IN
    assert not replay.bridges["helpdesk"].enabled
    record = configured_for_cassettes(config, RecordMode.ALL)
    assert record.bridges["custmast"].secrets["password"].default is None  # recording needs the real one
