"""The demo's helpdesk entries build and answer: live against the app's root URL, and replay."""

from __future__ import annotations

import pytest

from bridges.core.config import parse_config
from bridges.helpdesk.demo import demo_bridge_config, replay_bridge_config
from tests.bridges.helpdesk.conftest import ROOT

pytestmark = [pytest.mark.timeout(120)]


def _config(entry):
    return parse_config({"crosswalk": "fixtures/crosswalk-v1.csv", "bridges": {"helpdesk": entry}}, base_dir=ROOT)


@pytest.mark.live
def test_the_demo_entry_works_against_the_apps_root_url(helpdesk_app, make_runtime):
    runtime = make_runtime(_config(demo_bridge_config(helpdesk_app.url)))
    assert runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"}).total > 50


@pytest.mark.replay
def test_the_replay_entry_works_with_no_app(make_runtime):
    runtime = make_runtime(_config(replay_bridge_config()))
    assert runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"}).total > 50
