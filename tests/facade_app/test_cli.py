"""The ``bridges`` command: list, openapi, tools, serve's config check, and the demo end to end."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from bridges.core.testing import default_sigint

ROOT = Path(__file__).resolve().parents[2]


def _bridges(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "facade_app.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.mark.unit
def test_list_names_every_bridge_and_operation():
    out = _bridges("list")
    assert out.returncode == 0, out.stderr
    for line in ("orders", "custmast", "helpdesk", "/v1/orders/get_order", "/v1/custmast/change_address"):
        assert line in out.stdout


@pytest.mark.unit
def test_openapi_prints_a_valid_document():
    out = _bridges("openapi")
    assert out.returncode == 0, out.stderr
    validate(json.loads(out.stdout))


@pytest.mark.unit
def test_tools_prints_openai_tools():
    out = _bridges("tools", "--flavour", "openai")
    names = {t["function"]["name"] for t in json.loads(out.stdout)}
    assert {"orders_get_order", "custmast_get_customer", "helpdesk_search_tickets"} <= names


@pytest.mark.unit
def test_serve_refuses_a_bad_config_naming_the_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[bridges.orders]\nguard = { deadline_s = "soon" }\n', encoding="utf-8")
    out = _bridges("serve", "--config", str(bad))
    assert out.returncode == 2 and "bridges.orders.guard.deadline_s" in out.stderr


@pytest.mark.live
def test_demo_serves_the_three_systems_and_stops_cleanly_on_ctrl_c(tmp_path):
    proc = subprocess.Popen(  # port 0: the demo binds a free one and names it in its banner
        [sys.executable, "-m", "facade_app.cli", "demo", "--port", "0", "--workdir", str(tmp_path / "demo")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=default_sigint,  # Ctrl-C works under nohup
    )
    try:
        banner = ""
        deadline = time.monotonic() + 120
        while "Ctrl-C" not in banner and time.monotonic() < deadline and proc.poll() is None:
            banner += proc.stdout.readline()
        assert "Ctrl-C" in banner, banner
        base = re.search(r"demo facade on (http://127\.0\.0\.1:\d+)", banner).group(1)
        key = {"Authorization": "Bearer demo-key-not-secret"}
        with httpx.Client(base_url=base, timeout=30) as http:
            r = http.get("/v1/orders/get_order", params={"order_no": "0000100001"}, headers=key)
            assert r.status_code == 200, r.text
            assert r.json()["order_no"] == "0000100001"
            assert http.get("/v1/orders/get_order", params={"order_no": "0000100001"}).status_code == 401
            bad = http.get("/v1/orders/get_order", params={"order_no": "abc'"}, headers=key)
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "order_no"
            assert http.get("/v1/orders/get_order", params={"order_no": "0009999999"},
                            headers=key).status_code == 404
            orders = http.get("/v1/orders/list_orders", headers=key,
                              params={"customer": "C-00001", "from": "2000-01-01", "to": "2004-12-31"})
            assert orders.status_code == 200, orders.text
            assert all("2000-01-01" <= o["order_date"] <= "2004-12-31" for o in orders.json()["orders"])
            assert http.get("/v1/custmast/get_customer", params={"customer": "C-00001"},
                            headers=key).status_code == 200
            assert http.get("/v1/helpdesk/search_tickets", params={"customer": "C-00001"},
                            headers=key).status_code == 200
            assert set(http.get("/readyz").json()) == {"status"}  # public: the status only
            ready = http.get("/readyz", headers=key).json()  # the demo key holds ops
            assert set(ready["bridges"]) == {"orders", "custmast", "helpdesk", "custbal", "customer360"}, ready
            # the first customer-360 after the start: every system warmed up, all three parts by the deadline
            c360 = http.get("/v1/customer360/get_customer_360", params={"customer": "ACC/E-10007"}, headers=key)
            assert c360.status_code == 200, c360.text
            parts = {part: c360.json()[part].get("error") for part in ("customer", "orders", "tickets")}
            assert c360.json()["complete"] is True and c360.json()["customer_id"] == "C-00001", parts
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            tail, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, tail
    assert "stopped" in tail
    assert f"Operator console (sign in with the key): {base}/console/" in banner
    verify = re.search(r"Check the audit chain: (bridges audit verify --store \S+)", banner).group(1).split()
    checked = _bridges(*verify[1:])  # the banner's own command, after the stop committed every call
    assert checked.returncode == 0 and "audit chain intact; the last is " in checked.stdout, checked.stderr
    assert int(re.search(r"the last is (\d+)", checked.stdout).group(1)) >= 8  # every call above, refused ones too


@pytest.mark.unit
def test_serve_refuses_a_key_that_is_not_set_before_starting_workers(tmp_path):
    config = tmp_path / "b.toml"
    config.write_text('[[api_keys]]\nname = "svc"\nkey = { env = "LB_TEST_UNSET_KEY" }\n', encoding="utf-8")
    out = _bridges("serve", "--config", str(config))
    assert out.returncode == 2 and "api_keys.0.key: environment variable LB_TEST_UNSET_KEY is not set" in out.stderr


@pytest.mark.unit
def test_serve_with_several_workers_refuses_per_process_state_naming_the_key(tmp_path):
    config = tmp_path / "b.toml"
    config.write_text("[facade]\n", encoding="utf-8")
    out = _bridges("serve", "--config", str(config))  # 2 workers, rate limits in memory
    assert out.returncode == 2 and "facade.rate_limit_storage" in out.stderr
    assert "facade.review_store" not in out.stderr  # the default review queue is a shared file
    assert "facade.audit_store" not in out.stderr  # so is the default audit store
    config.write_text('[facade]\nrate_limit_storage = "redis://127.0.0.1:6379"\n'
                      'review_store = "sqlite:///:memory:"\naudit_store = "sqlite://"\n', encoding="utf-8")
    out = _bridges("serve", "--config", str(config), "--workers", "4")
    assert out.returncode == 2 and "facade.review_store" in out.stderr and "rate_limit" not in out.stderr
    assert "facade.audit_store" in out.stderr


def _serving(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.live
def test_serve_listens_where_the_config_says_and_flags_override(tmp_path):
    from bridges.core.testing import announced, wait_until

    config = tmp_path / "b.toml"
    with socket.socket() as taken:  # held till the end: a server that listened there could not start
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        # port 0 (in the config, then on the command line over the busy port the config names): the
        # server binds a free port and says which
        for configured, extra in ((0, ()), (busy, ("--port", "0"))):
            config.write_text(f'[facade]\nhost = "127.0.0.1"\nport = {configured}\n', encoding="utf-8")
            proc = subprocess.Popen([sys.executable, "-m", "facade_app.cli", "serve", "--config", str(config),
                                     "--workers", "1", *extra], cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            try:
                port = int(announced(proc, r"Listening at: http://127\.0\.0\.1:(\d+)").group(1))
                assert port not in (0, 8080, busy)  # 8080: the default, had the config's port been ignored
                assert wait_until(lambda p=port: _serving(p), timeout=60), f"not answering on {port}"
            finally:
                proc.terminate()
                proc.wait(timeout=30)
