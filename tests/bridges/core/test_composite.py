"""Composite operations: parts in parallel under one deadline, typed partial results, and (through
the facade's pipeline) each part with the caller's scopes and its own audit line."""

from __future__ import annotations

import json
import threading

import pytest
from pydantic import BaseModel, Field

from bridges.core.composite import CompositeBridge, CompositeResult, Part, PartCall
from bridges.core.errors import Unavailable
from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import Bridge, BridgeContext, NoSettings, operation
from bridges.core.runtime import BridgeRuntime, Runtime

pytestmark = [pytest.mark.unit, pytest.mark.timeout(60)]


class Ask(BaseModel):
    who: str = Field(pattern=r"^[a-z]{1,10}$")


class Said(BaseModel):
    text: str


class Source(Bridge):
    """Answers at once, fails, or waits for a gate to open (the slow system)."""

    name = "source"

    def __init__(self, settings, context):
        super().__init__(settings, context)
        self.gate = threading.Event()
        self.gate.set()

    @operation(summary="Say something")
    def say(self, q: Ask) -> Said:
        """Says hello, fails for 'down', waits for the gate for 'slow'."""
        if q.who == "down":
            raise Unavailable("the source host is down", retry_after=3)
        if q.who == "slow":
            self.gate.wait(30)
        return Said(text=f"hello {q.who}")


class SaidPart(Part):
    data: Said | None = None


class Both(CompositeResult):
    first: SaidPart
    second: SaidPart


class Pair(BaseModel):
    first: str = Field(pattern=r"^[a-z]{1,10}$")
    second: str = Field(pattern=r"^[a-z]{1,10}$")


class Combo(CompositeBridge):
    """Asks two sources at once."""

    name = "combo"

    @operation(summary="Ask both sources")
    def both(self, q: Pair) -> Both:
        """Both answers, or why one is missing."""
        got = self.call_parts({"first": PartCall("left", "say", {"who": q.first}),
                               "second": PartCall("right", "say", {"who": q.second})}, deadline_s=0.5)
        parts = {}
        for name, (result, ms) in got.items():
            if isinstance(result, BaseModel) and not isinstance(result, Said):
                parts[name] = SaidPart(source=name, available=False, error=result, duration_ms=ms)
            else:
                parts[name] = SaidPart(source=name, available=True, data=result, duration_ms=ms)
        return Both(complete=all(p.available for p in parts.values()), deadline_s=0.5, **parts)


def _runtime():
    left = Source(NoSettings(), BridgeContext("left"))
    right = Source(NoSettings(), BridgeContext("right"))
    combo = Combo(NoSettings(), BridgeContext("combo"))
    guard = GuardSettings(read_retries=0)
    runtime = Runtime({"left": BridgeRuntime(left, Guard(guard)), "right": BridgeRuntime(right, Guard(guard)),
                       "combo": BridgeRuntime(combo, Guard(guard))})
    combo.context.runtime = runtime
    return runtime, left, right


def test_parts_in_process_answer_together():
    runtime, _, _ = _runtime()
    got = runtime.call("combo", "both", {"first": "ann", "second": "bob"})
    assert got.complete is True
    assert (got.first.data.text, got.second.data.text) == ("hello ann", "hello bob")


def test_a_failing_part_is_typed_and_the_other_is_complete():
    runtime, _, _ = _runtime()
    got = runtime.call("combo", "both", {"first": "ann", "second": "down"})
    assert got.complete is False
    assert got.first.available and got.first.data.text == "hello ann"
    assert not got.second.available and got.second.data is None
    assert got.second.error.model_dump() == {"error_type": "unavailable", "status": 503,
                                             "reason": "the source host is down"}


def test_a_part_still_running_at_the_deadline_is_marked_timeout_and_left_behind():
    runtime, _, right = _runtime()
    right.gate.clear()  # the right source does not answer until the test opens the gate
    try:
        got = runtime.call("combo", "both", {"first": "ann", "second": "slow"})
    finally:
        right.gate.set()
    assert got.first.available
    assert got.second.error.error_type == "timeout" and got.second.error.status == 504
    assert "0.5 s" in got.second.error.reason


def test_through_the_facade_each_part_uses_the_callers_scopes_and_is_audited(tmp_path):
    from bridges.core.config import parse_config
    from facade_app import create_app

    runtime, _, _ = _runtime()
    config = parse_config({
        "facade": {"review_store": "sqlite://", "audit_log": str(tmp_path / "audit.jsonl"), "rate_limit": "5/minute"},
        "api_keys": [{"name": "agent", "key": {"env": "T_COMBO_KEY", "default": "combo-key"},
                      "scopes": ["combo:read", "left:read"]}],  # not right:read
    })
    client = create_app(config, runtime).test_client()
    r = client.get("/v1/combo/both?first=ann&second=bob", headers={"Authorization": "Bearer combo-key",
                                                                   "X-Request-ID": "req-1"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["complete"] is False and body["first"]["data"] == {"text": "hello ann"}
    assert body["second"]["error"]["error_type"] == "forbidden"
    events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((e["event"], e["request_id"], e["outcome"]) for e in events) == [
        ("combo.both", "req-1", "partial"), ("left.say", "req-1/left", "ok"), ("right.say", "req-1/right", "forbidden")]
    assert r.headers["X-RateLimit-Remaining"] == "4"  # the parts are not charged again
