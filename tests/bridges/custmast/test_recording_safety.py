"""Screen recordings cannot lie: one that ended in failure is not saved as the cassette."""

from __future__ import annotations

import pytest

from bridges.core.errors import LoginRefused, Unavailable
from tests.bridges.custmast.conftest import PASSWORD, custmast_config

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]


def test_a_recording_that_ends_in_a_dropped_session_is_kept_aside(host, make_runtime, tmp_path):
    path = tmp_path / "custmast.yaml"
    runtime = make_runtime(custmast_config(host, cassette={"path": str(path), "mode": "once"}))
    assert runtime.call("custmast", "get_customer", {"customer": "C-00001"}).customer_id == "C-00001"
    host.faults.drop_mid_screen = 1
    try:
        with pytest.raises(Unavailable):
            runtime.call("custmast", "get_customer", {"customer": "C-00002"})
    finally:
        host.faults.drop_mid_screen = False
    runtime.close()
    assert not path.exists()  # mode once records again next time instead of replaying half a story
    kept = tmp_path / "custmast.incomplete.yaml"
    assert kept.exists() and PASSWORD not in kept.read_text(encoding="utf-8")


def test_a_recording_with_a_refused_sign_on_is_not_saved(host, make_runtime, tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTMAST_TEST_PASSWORD", "wrong-pass")
    path = tmp_path / "custmast.yaml"
    runtime = make_runtime(custmast_config(host, user="DEMO03", cassette={"path": str(path), "mode": "all"}))
    with pytest.raises(LoginRefused):
        runtime.call("custmast", "get_customer", {"customer": "C-00001"})
    runtime.close()
    assert not path.exists()
    assert "wrong-pass" not in (tmp_path / "custmast.incomplete.yaml").read_text(encoding="utf-8")
    host.unlock("DEMO03")


def test_a_recording_whose_last_call_succeeded_is_saved(host, make_runtime, tmp_path):
    path = tmp_path / "custmast.yaml"
    runtime = make_runtime(custmast_config(host, guard={"read_retries": 0},
                                           cassette={"path": str(path), "mode": "once"}))
    host.faults.drop_mid_screen = 1
    try:
        with pytest.raises(Unavailable):
            runtime.call("custmast", "get_customer", {"customer": "C-00001"})
    finally:
        host.faults.drop_mid_screen = False
    assert runtime.call("custmast", "get_customer", {"customer": "C-00001"}).customer_id == "C-00001"
    runtime.close()
    assert path.exists() and not (tmp_path / "custmast.incomplete.yaml").exists()
