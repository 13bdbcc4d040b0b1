"""Graceful drain under a real gunicorn: SIGTERM lets a CUSTMAST call in flight finish, turns
a new request away with 503 and Retry-After, signs the pooled session off before the worker
exits, and leaves every answered call in the audit store."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import httpx
import pytest
import tomli_w

from bridges.core.config import parse_config
from bridges.core.testing import wait_until
from facade_app.audit_chain import AuditChain
from facade_app.drain import SIGN_OFF_MARGIN_S, drain_timeout_s
from fixtures.world import customers
from mainframe.testing import demo_host, need_s3270
from tests.bridges.custmast.conftest import CODE_PAGE, PASSWORD
from tests.facade_app.gunicorn_run import gunicorn

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
KEY = "drain-test-key-0001"
DEADLINE_S, QUEUE_S = 20.0, 2.0
LATENCY_S = 1.0  # each host answer waits this long: a call takes several seconds, long enough to stop under


def _config(host, tmp_path: Path) -> dict:
    return {
        "crosswalk": str(ROOT / "fixtures/crosswalk-v1.csv"),
        "facade": {
            "state_dir": str(tmp_path),
            "audit_log": str(tmp_path / "audit.jsonl"),
            "readiness_ttl_s": 600,
        },  # one ping, before the host slows down: /readyz then reads state
        "api_keys": [
            {"name": "drainer", "key": {"env": "DRAIN_TEST_KEY", "default": KEY}, "scopes": ["custmast:*", "ops"]}
        ],
        "bridges": {
            "custmast": {
                "kind": "custmast",
                "secrets": {"password": {"env": "CUSTMAST_TEST_PASSWORD", "default": PASSWORD}},
                "options": {
                    "host": host.host,
                    "port": host.port,
                    "code_page": CODE_PAGE,
                    "pool": {"min_size": 0, "max_size": 1},
                },
                "guard": {"deadline_s": DEADLINE_S, "queue_timeout_s": QUEUE_S, "read_retries": 0},
            }
        },
    }


def test_the_drain_timeout_is_the_longest_call_then_time_to_sign_off(tmp_path):
    config = parse_config(_config(type("H", (), {"host": "127.0.0.1", "port": 1})(), tmp_path), base_dir=ROOT)
    assert drain_timeout_s(config) == DEADLINE_S + QUEUE_S + SIGN_OFF_MARGIN_S


def _in_flight(http: httpx.Client) -> int:
    return http.get("/readyz/custmast").json()["guard"]["in_flight"]


def test_sigterm_finishes_the_call_in_flight_turns_new_ones_away_and_signs_off(tmp_path):
    need_s3270()
    first, number = (c.custmast_no for c in customers()[:2])
    with demo_host(codepage=CODE_PAGE) as host:
        path = tmp_path / "bridges.toml"
        path.write_text(tomli_w.dumps(_config(host, tmp_path)), encoding="utf-8")
        env = {"LEGACY_BRIDGES_CONFIG": str(path)}
        with gunicorn("facade_app.wsgi", 1, env, options=("-c", "python:facade_app.gunicorn_conf")) as http:
            http.headers["Authorization"] = f"Bearer {KEY}"
            assert http.get("/v1/custmast/get_customer", params={"customer": first}).status_code == 200
            kept = httpx.Client(base_url=http.base_url, timeout=10, headers=dict(http.headers))
            assert _in_flight(kept) == 0  # a kept-alive connection, open before the stop
            host.faults.latency = LATENCY_S
            answers: list[httpx.Response] = []
            slow = threading.Thread(
                target=lambda: answers.append(http.get("/v1/custmast/get_customer", params={"customer": number}))
            )
            slow.start()
            assert wait_until(lambda: _in_flight(kept) == 1, timeout=10), "the call was not seen in flight"

            http.master.send_signal(signal.SIGTERM)
            turned_away: list[httpx.Response] = []
            assert wait_until(
                lambda: turned_away.append(kept.get("/openapi.json")) or turned_away[-1].status_code == 503, timeout=10
            )
            refused = turned_away[-1]
            assert refused.headers["Retry-After"] == "1"
            assert refused.json()["type"].endswith("/shutting-down"), refused.text
            assert refused.headers["X-Request-ID"]

            slow.join(timeout=DEADLINE_S + 5)
            host.faults.latency = 0
            assert answers and answers[0].status_code == 200, answers and answers[0].text
            assert answers[0].json()["custmast_no"] == number
            assert http.master.wait(timeout=drain_timeout_s(parse_config(_config(host, tmp_path), base_dir=ROOT))) == 0
            kept.close()
        assert wait_until(lambda: host.active_sessions == 0, timeout=5)
        assert host.sign_offs == 1, "the pooled session was closed without signing off"
    # every call the worker answered is in the audit store it flushed on the way out, chain intact
    store = AuditChain(f"sqlite:///{tmp_path / 'audit.db'}")
    answered = [json.loads(line)["request_id"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert len(answered) == 2 and [e["request_id"] for _, _, e in store.tail(10)] == answered
    assert store.verify() is None
