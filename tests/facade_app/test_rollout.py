"""The rollout split's rules: the field diff, the configuration it needs, and a candidate that
fails never reaching the caller."""

from __future__ import annotations

import pytest

from bridges.core.config import parse_config
from bridges.core.errors import ConfigError
from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import BridgeContext, NoSettings
from bridges.core.runtime import BridgeRuntime, Runtime
from bridges.core.testing import wait_until
from facade_app import create_app
from facade_app.rollout import field_diff
from tests.facade_app.conftest import KEY, OPS_KEY, Shop, auth, metric

pytestmark = pytest.mark.unit


def test_the_diff_names_each_differing_leaf_by_its_path():
    current = {"a": 1, "b": {"c": "x", "d": [1, 2]}, "t": "09:00"}
    candidate = {"a": 1, "b": {"c": "y", "d": [1, 3]}, "t": "09:01"}
    assert field_diff(current, candidate, ignore=frozenset({"t"})) == {
        "b.c": {"current": "x", "candidate": "y"}, "b.d[1]": {"current": 2, "candidate": 3}}
    assert field_diff({"l": [1]}, {"l": [1, 2]}) == {"l": {"current": [1], "candidate": [1, 2]}}


def _app(tmp_path, rollout):
    shop = Shop(NoSettings(), BridgeContext("shop"))
    next_shop = Shop(NoSettings(), BridgeContext("shop_next"))
    guard = GuardSettings(read_retries=0)
    runtime = Runtime({"shop": BridgeRuntime(shop, Guard(guard)), "shop_next": BridgeRuntime(next_shop, Guard(guard))})
    config = parse_config({
        "facade": {"review_store": f"sqlite:///{tmp_path / 's.db'}", "rate_limit": "1000/minute"},
        "api_keys": [{"name": "all", "key": {"env": "T_RL_ALL", "default": KEY}, "scopes": ["shop:*"]},
                     {"name": "ops", "key": {"env": "T_RL_OPS", "default": OPS_KEY}, "scopes": ["ops"]}],
        "bridges": {"shop": {"rollouts": rollout}},
    })
    return create_app(config, runtime), next_shop


def _runs(client, outcome):
    return metric(client, "legacy_bridges_rollout_runs_total", bridge="shop", operation="get_item", outcome=outcome)


def test_a_failing_candidate_is_counted_and_the_caller_still_gets_the_current_answer(tmp_path):
    app, next_shop = _app(tmp_path, {"get_item": {"candidate": "shop_next", "share": 1.0}})
    next_shop.items.clear()  # the candidate finds nothing: 404 on its side
    client = app.test_client()
    errors = _runs(client, "error")
    r = client.get("/v1/shop/get_item?item_no=0001", headers=auth())
    assert r.status_code == 200 and r.get_json()["name"] == "Grüner Tee"

    def report():
        return client.get("/v1/rollouts", headers=auth(OPS_KEY)).get_json()["rollouts"][0]

    assert wait_until(lambda: report()["candidate_errors"] == 1, timeout=30)
    assert _runs(client, "error") == errors + 1
    assert client.get("/v1/rollouts", headers=auth()).status_code == 403


def test_candidate_runs_are_counted_in_the_metrics_by_outcome(tmp_path):
    app, next_shop = _app(tmp_path, {"get_item": {"candidate": "shop_next", "share": 1.0}})
    client = app.test_client()
    before = {outcome: _runs(client, outcome) for outcome in ("match", "mismatch", "error")}
    assert client.get("/v1/shop/get_item?item_no=0001", headers=auth()).status_code == 200
    assert wait_until(lambda: _runs(client, "match") == before["match"] + 1, timeout=30)
    next_shop.items["0001"] = ("Sencha", next_shop.items["0001"][1])  # the planted difference
    for _ in range(3):
        assert client.get("/v1/shop/get_item?item_no=0001", headers=auth()).get_json()["name"] == "Grüner Tee"
    assert wait_until(lambda: _runs(client, "mismatch") == before["mismatch"] + 3, timeout=30)
    assert (_runs(client, "match"), _runs(client, "error")) == (before["match"] + 1, before["error"])


@pytest.mark.parametrize(("rollout", "message"), [
    ({"rename": {"candidate": "shop_next"}}, r"bridges\.shop\.rollouts\.rename: rollouts are for reads"),
    ({"export": {"candidate": "shop_next"}}, r"bridges\.shop\.rollouts\.export: rollouts are for reads"),
    ({"get_item": {"candidate": "nowhere"}}, r"bridges\.shop\.rollouts\.get_item\.candidate: no bridge instance"),
])
def test_a_bad_rollout_fails_at_start_naming_its_key(tmp_path, rollout, message):
    with pytest.raises(ConfigError, match=message):
        _app(tmp_path, rollout)
