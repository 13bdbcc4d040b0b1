"""Readiness per bridge, from cached pings: a probe storm never becomes a load storm."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bridges.core.config import parse_config
from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import BridgeContext, NoSettings
from bridges.core.runtime import BridgeRuntime, Runtime
from facade_app import create_app
from facade_app.readiness import Readiness
from facade_app.server import make_dev_server
from tests.facade_app.conftest import KEY, OPS_KEY, Shop, auth, make_config

pytestmark = pytest.mark.unit


class Pinged(Shop):
    """A shop whose pings are counted (and can be held, to keep one in flight)."""

    def __init__(self, settings, context):
        super().__init__(settings, context)
        self.pings = 0
        self.gate = threading.Event()
        self.gate.set()

    def ping(self):
        with self.lock:
            self.pings += 1
        assert self.gate.wait(30)
        return super().ping()


def _runtime(*names):
    shops = {n: Pinged(NoSettings(), BridgeContext(n)) for n in names}
    return Runtime({n: BridgeRuntime(s, Guard(GuardSettings())) for n, s in shops.items()}), shops


def _app(requires="any", ttl=60.0, names=("shop", "stock")):
    runtime, shops = _runtime(*names)
    config = make_config(readiness_ttl_s=ttl)
    config.facade.ready_requires = requires  # (the runtime is given: the config names no bridges to check)
    return create_app(config, runtime), shops


def test_the_public_answer_is_the_status_only_and_operators_see_details():
    app, _ = _app()
    client = app.test_client()
    for headers in ({}, auth(KEY), auth("not-a-key")):  # a key without the ops scope sees what anyone sees
        r = client.get("/readyz", headers=headers)
        assert r.status_code == 200 and r.get_json() == {"status": "ok"}
        assert client.get("/readyz/shop", headers=headers).get_json() == {"status": "ok"}
    details = client.get("/readyz", headers=auth(OPS_KEY)).get_json()
    assert details["requires"] == "any" and set(details["bridges"]) == {"shop", "stock"}
    shop = details["bridges"]["shop"]
    assert shop["status"] == "ok" and shop["mode"] == "test" and "guard" in shop and shop["checked_at"]
    one = client.get("/readyz/stock", headers=auth(OPS_KEY)).get_json()
    assert one["status"] == "ok" and "guard" in one
    assert client.get("/readyz/nope").status_code == 404


@pytest.mark.parametrize(("requires", "process"), [("any", 200), ("all", 503), (["shop"], 200), (["stock"], 503)])
def test_which_failures_make_the_process_unready_is_configured(requires, process):
    app, shops = _app(requires)
    shops["stock"].healthy = False
    client = app.test_client()
    assert client.get("/readyz").status_code == process
    assert client.get("/readyz/shop").status_code == 200
    r = client.get("/readyz/stock")
    assert r.status_code == 503 and r.get_json() == {"status": "failing"}  # no internals in public


def test_ready_requires_must_name_configured_bridges():
    from bridges.core.errors import ConfigError

    with pytest.raises(ConfigError, match="ready_requires"):
        parse_config({"facade": {"ready_requires": ["nope"]}})


def test_fifty_probes_a_second_ping_each_system_once_per_ttl():
    """A fake clock: 50 probes in each second for 20 seconds, TTL 2 s → 10 pings per system."""
    runtime, shops = _runtime("shop", "stock")
    now = [0.0]
    readiness = Readiness(runtime, ttl_s=2.0, requires="all", clock=lambda: now[0])
    for tick in range(20 * 50):
        now[0] = tick / 50
        assert readiness.process()[0]
    assert {name: shop.pings for name, shop in shops.items()} == {"shop": 10, "stock": 10}


def test_workers_sharing_a_board_ping_each_system_once_per_ttl_together(tmp_path):
    """Four workers (each its own bridges and cache) on one host's board, a fake clock."""
    from facade_app.readiness_board import ReadinessBoard

    now = [1000.0]
    workers = []
    for _ in range(4):
        runtime, shops = _runtime("shop")
        board = ReadinessBoard(tmp_path / "readiness.db")
        workers.append((Readiness(runtime, ttl_s=2.0, requires="all", clock=lambda: now[0], board=board), shops))
    for tick in range(20 * 50):  # 50 probes a second for 20 seconds, spread over the workers
        now[0] = 1000.0 + tick / 50
        readiness, _ = workers[tick % 4]
        assert readiness.process()[0]
    assert sum(shops["shop"].pings for _, shops in workers) == 10
    shops_of_first = workers[0][1]["shop"]
    shops_of_first.healthy = False  # one worker sees its system fail: every worker answers it after that ping
    now[0] += 2.0
    assert not workers[0][0].process()[0]
    assert [not r.process()[0] for r, _ in workers] == [True] * 4


def test_at_most_one_ping_per_bridge_is_in_flight():
    runtime, shops = _runtime("shop")
    shop = shops["shop"]
    readiness = Readiness(runtime, ttl_s=0)  # every probe wants a fresh ping
    shop.gate.clear()  # the first ping hangs
    with ThreadPoolExecutor(50) as pool:
        first = [pool.submit(readiness.bridge, "shop") for _ in range(50)]
        assert _wait(lambda: shop.pings == 1)
        shop.gate.set()
        assert all(f.result(timeout=30).ok for f in first) and shop.pings == 1
        shop.gate.clear()  # a stale state is known now: probes answer it at once while one ping hangs
        stale = [pool.submit(readiness.bridge, "shop") for _ in range(50)]
        assert _wait(lambda: sum(f.done() for f in stale) == 49)
        assert shop.pings == 2
        shop.gate.set()
        assert all(f.result(timeout=30).ok for f in stale)


def _wait(predicate, timeout=10.0):
    from bridges.core.testing import wait_until

    return wait_until(predicate, timeout)


@pytest.mark.live
def test_a_real_probe_storm_over_http_pings_each_system_at_most_once_per_ttl():
    """50 probes a second for three seconds against a real server, TTL 1 s."""
    app, shops = _app("all", ttl=1.0)
    server = make_dev_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    statuses = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}", timeout=10) as http:
            started = time.monotonic()
            for n in range(150):
                # pace the probes at 50 a second (a rate, not a synchronisation)
                time.sleep(max(0.0, started + n / 50 - time.monotonic()))
                statuses.append(http.get("/readyz").status_code)
            elapsed = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert statuses == [200] * 150
    windows = int(elapsed // 1.0) + 1  # TTL windows the storm touched
    for name, shop in shops.items():
        assert 1 <= shop.pings <= windows, (name, shop.pings, elapsed)
    print(f"150 probes in {elapsed:.2f} s: pings per system {[s.pings for s in shops.values()]} (TTL 1 s)")


@pytest.mark.live
def test_fifty_probes_a_second_across_four_gunicorn_workers_ping_each_system_once_per_ttl(tmp_path):
    from tests.facade_app.gunicorn_run import gunicorn, workers_answering

    pings = tmp_path / "pings.txt"
    pings.touch()
    env = {"T_READY_STATE": str(tmp_path / "state"), "T_READY_PINGS": str(pings)}
    with gunicorn("tests.facade_app.readiness_wsgi", 4, env) as http:
        workers = workers_answering(http, "/pid", lambda r: r.json()["pid"], at_least=4)
        assert len(workers) > 1, "one worker took every connection: the test would prove nothing"
        statuses = []
        started = time.monotonic()
        for n in range(150):
            time.sleep(max(0.0, started + n / 50 - time.monotonic()))  # pace: 50 probes a second
            statuses.append(http.get("/readyz").status_code)
        elapsed = time.monotonic() - started
    assert statuses == [200] * 150
    lines = pings.read_text(encoding="utf-8").split()
    per_bridge = {name: lines[0::2].count(name) for name in ("shop", "stock")}
    windows = int(elapsed // 1.0) + 1  # TTL windows the storm touched
    print(f"150 probes in {elapsed:.2f} s over {len(workers)} workers: pings {per_bridge} (TTL 1 s)")
    assert all(1 <= n <= windows for n in per_bridge.values()), (per_bridge, elapsed)
