"""Operators' resets reach every worker: each resets its own bridge before its next call."""

from __future__ import annotations

import pytest

from facade_app.reset_board import ResetBoard
from tests.facade_app.conftest import OPS_KEY, auth, make_app, make_config

pytestmark = pytest.mark.unit


def _worker(tmp_path):
    """One worker's app (its own runtime and shop bridge) on the shared state folder."""
    app, shop = make_app(make_config(state_dir=str(tmp_path)))
    pipeline = app.extensions["legacy_bridges"]["pipeline"]
    pipeline.resets = ResetBoard(tmp_path / "resets.db", poll_s=0)
    pipeline.resets.catch_up(pipeline.runtime)  # what create_app does for a gunicorn worker
    shop.resets = 0

    def count() -> None:
        shop.resets += 1

    shop.reset = count
    return app.test_client(), shop


def test_a_reset_taken_by_one_worker_resets_the_others_before_their_next_call(tmp_path):
    (client_a, shop_a), (client_b, shop_b) = _worker(tmp_path), _worker(tmp_path)
    assert client_a.post("/v1/bridges/shop/reset", headers=auth(OPS_KEY)).status_code == 200
    assert (shop_a.resets, shop_b.resets) == (1, 0)
    assert client_b.get("/v1/shop/get_item", query_string={"item_no": "0001"}, headers=auth()).status_code == 200
    assert shop_b.resets == 1
    client_b.get("/v1/shop/get_item", query_string={"item_no": "0001"}, headers=auth())
    client_a.get("/v1/shop/get_item", query_string={"item_no": "0001"}, headers=auth())
    assert (shop_a.resets, shop_b.resets) == (1, 1)  # each reset once: a worker does not redo its own


def test_a_worker_started_after_a_reset_does_not_reset_again(tmp_path):
    client_a, _ = _worker(tmp_path)
    client_a.post("/v1/bridges/shop/reset", headers=auth(OPS_KEY))
    client_c, shop_c = _worker(tmp_path)
    client_c.get("/v1/shop/get_item", query_string={"item_no": "0001"}, headers=auth())
    assert shop_c.resets == 0


def test_an_unusable_board_never_fails_a_call_or_a_reset(tmp_path, app_and_shop):
    (tmp_path / "state").write_text("not a folder", encoding="utf-8")
    board = ResetBoard(tmp_path / "state" / "resets.db", poll_s=0)
    app, _ = app_and_shop
    runtime = app.extensions["legacy_bridges"]["runtime"]
    assert board.catch_up(runtime) == [] and board.bump("shop") is False


@pytest.mark.live
@pytest.mark.timeout(180)
def test_across_real_gunicorn_workers_every_worker_resets_once(tmp_path):
    from bridges.core.testing import wait_until
    from tests.facade_app.gunicorn_run import gunicorn, workers_answering

    def answer(http) -> tuple[int, int]:
        response = http.get("/v1/shop/get_item", params={"item_no": "0001"}, headers=auth())
        pid, resets = response.json()["name"].split(":")
        return int(pid), int(resets)

    with gunicorn("tests.facade_app.reset_wsgi", 3, {"T_RESET_STATE": str(tmp_path)}) as http:
        pids = workers_answering(http, "/", lambda r: answer(http)[0], at_least=3)
        assert http.post("/v1/bridges/shop/reset", headers=auth(OPS_KEY)).status_code == 200
        resets: dict[int, int] = {}

        def every_worker_reset() -> bool:
            pid, count = answer(http)
            resets[pid] = count
            return set(resets) == pids and all(c == 1 for c in resets.values())

        assert wait_until(every_worker_reset, timeout=60), resets  # each looks at the board once a second
        for _ in range(9):
            pid, count = answer(http)
            assert count == 1, (pid, count)  # no worker resets twice
