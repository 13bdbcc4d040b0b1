"""The live tier under a real gunicorn: ``bridges serve --workers 2`` in front of ORDERS (SQLite
through its ODBC driver), called over HTTP: typed answers, problem+json errors, /readyz, and one
rate budget shared by both workers through Redis; and one recording worker stopped by SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import psutil
import pytest
import tomli_w

from bridges.core.testing import announced, default_sigint, need, wait_until
from tests.bridges.orders import helpers

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[3]
LIMIT = 6  # requests per minute for the limited key, across both workers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


def _serving(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def served(sqlite_target, tmp_path_factory):
    """One ``bridges serve --workers 2`` for the module (the tests use different keys, so neither
    spends the other's rate budget), on port 0: it binds a free port and says which."""
    need(_redis_up(), "Redis on 127.0.0.1:6379")
    tmp_path = tmp_path_factory.mktemp("orders-gunicorn")
    entry = helpers.bridge_entry(sqlite_target)
    tag = uuid.uuid4().hex[:8]  # rate-limit keys (and, mostly, the budget's database) in the shared Redis are per run
    config = {
        "crosswalk": str(helpers.CROSSWALK),
        "facade": {"host": "127.0.0.1", "port": 0, "rate_limit": "100000/minute",
                   "rate_limit_storage": "redis://127.0.0.1:6379",
                   "budget_store": f"redis://127.0.0.1:6379/{1 + int(tag, 16) % 15}",
                   "audit_log": str(tmp_path / "audit.jsonl"),
                   "review_store": f"sqlite:///{tmp_path / 'reviews.db'}"},
        "api_keys": [
            {"name": f"reader-{tag}", "key": {"env": "ORDERS_TEST_KEY", "default": helpers.KEY},
             "scopes": ["orders:read"]},
            {"name": f"limited-{tag}", "key": {"env": "ORDERS_TEST_LIMITED_KEY", "default": "limited-key-1"},
             "scopes": ["orders:read"], "rate_limit": f"{LIMIT}/minute"},
        ],
        "bridges": {"orders": entry},
    }
    path = tmp_path / "bridges.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "facade_app.cli", "serve", "--config", str(path), "--workers", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=default_sigint)
    try:
        port = int(announced(proc, r"Listening at: http://127\.0\.0\.1:(\d+)", timeout=90).group(1))
        assert wait_until(lambda: _serving(port) or proc.poll() is not None, timeout=90)
        assert proc.poll() is None, f"bridges serve exited with {proc.returncode}"
        yield proc, f"http://127.0.0.1:{port}", tmp_path
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_two_gunicorn_workers_serve_the_bridge_over_http(served):
    proc, base, tmp_path = served
    assert wait_until(lambda: len(psutil.Process(proc.pid).children(recursive=True)) >= 2, timeout=30)
    auth = {"Authorization": f"Bearer {helpers.KEY}"}
    with httpx.Client(base_url=base, timeout=30) as http:
        for _ in range(20):  # several connections: both workers take some
            order = http.get("/v1/orders/get_order", params={"order_no": "0000100001"}, headers=auth)
            assert order.status_code == 200, order.text
            assert order.json()["order_no"] == "0000100001"
        assert http.get("/v1/orders/get_order", params={"order_no": "0000100001"}).status_code == 401
        bad = http.get("/v1/orders/get_order", params={"order_no": "abc'"}, headers=auth)
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        assert http.get("/v1/orders/get_order", params={"order_no": "0009999999"}, headers=auth).status_code == 404
        ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ok", ready.text
    workers = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines and {line["pid"] for line in lines} <= workers  # the workers, not the master, answered


def test_the_rate_budget_is_shared_by_both_workers(served):
    _, base, _ = served
    limited = {"Authorization": "Bearer limited-key-1"}
    statuses = []
    for _ in range(LIMIT + 4):
        with httpx.Client(base_url=base, timeout=30) as http:  # a new connection each time: either worker
            statuses.append(http.get("/v1/orders/get_order", params={"order_no": "0000100001"},
                                     headers=limited).status_code)
    assert statuses[:LIMIT] == [200] * LIMIT and set(statuses[LIMIT:]) == {429}, statuses


def test_sigterm_saves_the_recording_and_commits_the_audit_of_every_answered_call(sqlite_target, tmp_path):
    """``bridges serve`` recording ORDERS: SIGTERM drains the worker, whose exit saves the cassette
    and leaves every answered call in the audit store, chain intact."""
    from facade_app.audit_chain import AuditChain

    port = _free_port()
    cassette = tmp_path / "orders.yaml"
    entry = {**helpers.bridge_entry(sqlite_target), "cassette": {"path": str(cassette), "mode": "all"}}
    config = {
        "crosswalk": str(helpers.CROSSWALK),
        "facade": {"host": "127.0.0.1", "port": port, "state_dir": str(tmp_path)},
        "api_keys": [{"name": "reader", "key": {"env": "ORDERS_TEST_KEY", "default": helpers.KEY},
                      "scopes": ["orders:read"]}],
        "bridges": {"orders": entry},
    }
    path = tmp_path / "bridges.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "facade_app.cli", "serve", "--config", str(path), "--workers", "1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=default_sigint)
    try:
        assert wait_until(lambda: _serving(port) or proc.poll() is not None, timeout=90)
        assert proc.poll() is None, proc.stderr.read()
        auth = {"Authorization": f"Bearer {helpers.KEY}"}
        for _ in range(3):
            answer = httpx.get(f"http://127.0.0.1:{port}/v1/orders/get_order", params={"order_no": "0000100001"},
                               headers=auth, timeout=30)
            assert answer.status_code == 200, answer.text
        assert not cassette.exists()  # saved when the worker leaves, not before
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    assert cassette.exists() and "0000100001" in cassette.read_text(encoding="utf-8")
    store = AuditChain(f"sqlite:///{tmp_path / 'audit.db'}")
    assert [e["event"] for _, _, e in store.tail(10)] == ["orders.get_order"] * 3 and store.verify() is None
