"""HAR recordings cannot lie: a recording that ended in a refused login is not saved as the cassette."""

from __future__ import annotations

import pytest

from bridges.core.errors import LoginRefused

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]


def test_a_recording_with_a_refused_login_is_not_saved(helpdesk_app, helpdesk_config, make_runtime, tmp_path,
                                                       monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_PASSWORD", "Wr0ng-Pass-1")
    path = tmp_path / "helpdesk.yaml"
    runtime = make_runtime(helpdesk_config(helpdesk_app.entry_url, cassette={"path": str(path), "mode": "once"}))
    with pytest.raises(LoginRefused):
        runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"})
    runtime.close()
    assert not path.exists()
    kept = (tmp_path / "helpdesk.incomplete.yaml").read_text(encoding="utf-8")
    assert "Wr0ng-Pass-1" not in kept and "<<PASSWORD>>" in kept


def test_a_recording_whose_last_call_succeeded_is_saved(helpdesk_app, helpdesk_config, make_runtime, tmp_path):
    path = tmp_path / "helpdesk.yaml"
    runtime = make_runtime(helpdesk_config(helpdesk_app.entry_url, cassette={"path": str(path), "mode": "once"}))
    assert runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"}).total > 0
    runtime.close()
    assert path.exists() and not (tmp_path / "helpdesk.incomplete.yaml").exists()
