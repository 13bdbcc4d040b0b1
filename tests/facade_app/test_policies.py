"""Write policies per operation: direct, review, or a CEL rule over the input (both sides of a
threshold, and a rule that cannot be evaluated: refused, never run), over HTTP and MCP alike."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from mcp import Client
from pydantic import BaseModel, Field

from bridges.core.config import parse_config
from bridges.core.errors import ConfigError
from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import Bridge, BridgeContext, Effect, NoSettings, operation
from bridges.core.runtime import BridgeRuntime, Runtime
from facade_app import create_app
from facade_app.auth import KeyRing
from facade_app.mcp_tools import build_mcp_server
from facade_app.policies import Policies
from tests.facade_app.conftest import KEY, auth

pytestmark = pytest.mark.unit


class Refund(BaseModel):
    account: str = Field(pattern=r"^[0-9]{4}$")
    amount: Decimal = Field(gt=0, le=1_000_000)
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    note: str | None = None
    dry_run: bool = False


class Refunded(BaseModel):
    account: str
    amount: Decimal
    paid: bool = False


class Ledger(BaseModel):
    account: str = Field(pattern=r"^[0-9]{4}$")


class Till(Bridge):
    """A bridge with one write that has an amount (the threshold) and a country."""

    name = "till"
    title = "Test till"

    def __init__(self, settings, context):
        super().__init__(settings, context)
        self.refunds: list[Refund] = []

    @operation(summary="Refund an amount", effect=Effect.WRITE)
    def refund(self, r: Refund) -> Refunded:
        """Pays an amount back (with dry_run: checks it, pays nothing)."""
        if not r.dry_run:
            self.refunds.append(r)
        return Refunded(account=r.account, amount=r.amount, paid=not r.dry_run)

    @operation(summary="Read an account")
    def balance(self, q: Ledger) -> Refunded:
        """Reads one account."""
        return Refunded(account=q.account, amount=Decimal(0))


def _config(tmp_path, policies, review_writes=False):
    return parse_config({
        "facade": {"rate_limit": "1000/minute", "review_store": f"sqlite:///{tmp_path / 'r.db'}",
                   "audit_log": str(tmp_path / "audit.jsonl")},
        "api_keys": [{"name": "clerk", "key": {"env": "T_POL_KEY", "default": KEY}, "scopes": ["till:*"]}],
        "bridges": {"till": {"review_writes": review_writes, "policies": policies}},
    })


def _app(tmp_path, policies, review_writes=False):
    till = Till(NoSettings(), BridgeContext("till"))
    runtime = Runtime({"till": BridgeRuntime(till, Guard(GuardSettings(read_retries=0)))})
    return create_app(_config(tmp_path, policies, review_writes), runtime), till


def _audit(tmp_path):
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]


THRESHOLD = {"refund": {"policy": "review", "when": "input.amount > 500"}}


def test_a_threshold_rule_runs_small_writes_and_queues_large_ones(tmp_path):
    app, till = _app(tmp_path, THRESHOLD)
    client = app.test_client()
    small = client.post("/v1/till/refund", json={"account": "0001", "amount": "500.00"}, headers=auth())
    assert small.status_code == 200
    assert [r.amount for r in till.refunds] == [Decimal("500.00")]
    large = client.post("/v1/till/refund", json={"account": "0001", "amount": "500.01"}, headers=auth())
    assert large.status_code == 202
    assert large.get_json()["status"] == "pending"
    assert large.get_json()["dry_run"] == {"account": "0001", "amount": "500.01", "paid": False}  # for the approver
    assert len(till.refunds) == 1  # the large one waits for a second person
    assert [e["outcome"] for e in _audit(tmp_path)] == ["ok", "queued-for-review"]


def test_a_rule_over_a_country_queues_changes_abroad_only(tmp_path):
    rule = {"refund": {"policy": "review", "when": 'input.country != null && input.country != "DE"'}}
    app, till = _app(tmp_path, rule)
    client = app.test_client()
    codes = [client.post("/v1/till/refund", json={"account": "0001", "amount": "1", **extra}, headers=auth())
             .status_code for extra in ({}, {"country": "DE"}, {"country": "SE"})]
    assert codes == [200, 200, 202]
    assert len(till.refunds) == 2


def test_a_rule_that_cannot_be_evaluated_refuses_the_write_and_runs_nothing(tmp_path):
    # note is null unless given: startsWith() of null has no overload in CEL
    app, till = _app(tmp_path, {"refund": {"policy": "direct", "when": 'input.note.startsWith("ok")',
                                           "otherwise": "review"}})
    client = app.test_client()
    r = client.post("/v1/till/refund", json={"account": "0001", "amount": "7", "note": "Sekret-1234567"},
                    headers=auth())
    assert r.status_code == 202  # evaluated: false, so the other policy
    r = client.post("/v1/till/refund", json={"account": "0001", "amount": "7"}, headers=auth())
    assert r.status_code == 403
    problem = r.get_json()
    assert "could not be evaluated" in problem["detail"] and "nothing was run" in problem["detail"]
    assert till.refunds == []
    assert client.get("/v1/reviews?status=pending", headers=auth()).get_json()["reviews"].__len__() == 1
    assert _audit(tmp_path)[-1]["outcome"] == "forbidden"
    assert "Sekret" not in problem["detail"]


def test_a_rule_giving_no_boolean_refuses_the_write(tmp_path):
    app, till = _app(tmp_path, {"refund": {"policy": "review", "when": "input.account"}})
    r = app.test_client().post("/v1/till/refund", json={"account": "0001", "amount": "7"}, headers=auth())
    assert r.status_code == 403 and "not a boolean" in r.get_json()["detail"]
    assert till.refunds == []


def test_review_writes_stays_the_default_and_a_policy_overrides_it_per_operation(tmp_path):
    app, till = _app(tmp_path / "a", {}, review_writes=True)
    r = app.test_client().post("/v1/till/refund", json={"account": "0001", "amount": "1"}, headers=auth())
    assert r.status_code == 202 and till.refunds == []
    app, till = _app(tmp_path / "b", {"refund": {"policy": "direct"}}, review_writes=True)
    r = app.test_client().post("/v1/till/refund", json={"account": "0001", "amount": "1"}, headers=auth())
    assert r.status_code == 200 and len(till.refunds) == 1


def test_mcp_calls_follow_the_same_policy(tmp_path):
    app, till = _app(tmp_path, THRESHOLD)
    pipeline = app.extensions["legacy_bridges"]["pipeline"]
    caller = KeyRing(app.extensions["legacy_bridges"]["config"].api_keys).authenticate(KEY)

    async def run():
        async with Client(build_mcp_server(pipeline, caller)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            small = await client.call_tool("till_refund", {"account": "0001", "amount": "20"})
            large = await client.call_tool("till_refund", {"account": "0001", "amount": "900"})
            return tools, small, large

    tools, small, large = asyncio.run(run())
    assert "may be queued" in tools["till_refund"].description
    assert small.structured_content == {"account": "0001", "amount": "20", "paid": True}
    assert large.structured_content["status"] == "pending"
    assert len(till.refunds) == 1


@pytest.mark.parametrize(("policies", "message"), [
    ({"refund": {"when": "input.amount >"}}, "bridges.till.policies.refund.when: not a valid CEL expression"),
    ({"nothing": {"policy": "review"}}, "bridges.till.policies.nothing: the till bridge has no operation"),
    ({"balance": {"policy": "review"}}, "bridges.till.policies.balance: till.balance only reads"),
])
def test_a_bad_policy_fails_at_start_naming_its_key(tmp_path, policies, message):
    with pytest.raises(ConfigError, match="^" + message.replace(".", r"\.")):
        _app(tmp_path, policies)


def test_an_unknown_policy_mode_is_refused_by_the_configuration():
    with pytest.raises(ConfigError, match=r"bridges\.till\.policies\.refund\.policy"):
        parse_config({"bridges": {"till": {"policies": {"refund": {"policy": "maybe"}}}}})


def test_policies_are_checked_for_served_operations_only():
    policies = Policies.from_config(parse_config({"bridges": {"other": {"policies": {"x": {"policy": "review"}}}}}),
                                    {})
    assert ("other", "x") in policies.rules
