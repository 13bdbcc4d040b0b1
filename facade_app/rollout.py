"""Rollout split for reads: a candidate implementation runs on a share of the calls beside the
current one; the caller always gets the current answer; the two are compared.

    [bridges.orders.rollouts.get_order]
    candidate = "orders_next"     # the same operation, served by another bridge instance
    share = 0.1                   # 10 % of the calls; PUT /v1/rollouts/orders/get_order {"share": 0.2}
    sticky = "input.order_no"     # the same order always gets the same side

Which calls get the candidate is decided by a hash of the sticky value, so a caller (or a
customer) stays on one side as long as the share does not change. The candidate runs after the
answer is ready, on a background thread, straight through its bridge's guard (it is the
facade's own comparison, not a caller's call). Each run is kept in the review queue's database
— a match, a mismatch with both answers and a diff per field, or the candidate's error — and
the share lives there too, so every worker sees a change (or the kill switch, share 0) within a
second.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Float, MetaData, String, Table, Text, func, insert, select, update

from bridges.core.config import Config, RolloutSettings
from bridges.core.errors import BridgeError, ConfigError
from bridges.core.operation import Effect, Operation
from bridges.core.runtime import Runtime
from facade_app.shared_tables import SharedStore

__all__ = ["Rollouts", "field_diff"]

log = logging.getLogger("legacy_bridges.rollout")
_meta = MetaData()
_shares = Table(
    "lb_rollout_shares", _meta,
    Column("name", String(130), primary_key=True),
    Column("share", Float, nullable=False),
    Column("updated_by", String(64)),
    Column("updated_at", Float),
)
_runs = Table(
    "lb_rollout_runs", _meta,
    Column("id", String(32), primary_key=True),
    Column("name", String(130), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("current", Text),
    Column("candidate", Text),
    Column("diff", Text),
)
_SHARE_TTL_S = 1.0


def field_diff(current: Any, candidate: Any, path: str = "", ignore: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``{dotted.path: {"current": …, "candidate": …}}`` for every leaf that differs."""
    if path in ignore:
        return {}
    if isinstance(current, dict) and isinstance(candidate, dict):
        found: dict[str, Any] = {}
        for key in sorted(set(current) | set(candidate), key=str):
            sub = f"{path}.{key}" if path else str(key)
            found.update(field_diff(current.get(key), candidate.get(key), sub, ignore))
        return found
    if isinstance(current, list) and isinstance(candidate, list) and len(current) == len(candidate):
        found = {}
        for i, (a, b) in enumerate(zip(current, candidate, strict=True)):
            found.update(field_diff(a, b, f"{path}[{i}]", ignore))
        return found
    return {} if current == candidate else {path or "(answer)": {"current": current, "candidate": candidate}}


def _bucket(name: str, key: str) -> float:
    digest = hashlib.sha256(f"{name}\0{key}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class _Rollout:
    def __init__(self, name: str, settings: RolloutSettings, candidate: Operation) -> None:
        self.name = name
        self.settings = settings
        self.candidate = candidate
        self.calls = 0  # this process's counts
        self.sampled = 0
        self.share = settings.share
        self.share_read_at = 0.0


class Rollouts(SharedStore):
    """The rollouts of a configuration (see the module's docstring)."""

    def __init__(self, runtime: Runtime, engine_of: Any, rollouts: dict[tuple[str, str], _Rollout] | None = None,
                 workers: int = 4) -> None:
        super().__init__(_meta, engine_of)  # the review queue's database
        self.runtime = runtime
        self.rollouts = rollouts or {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rollout-candidate")
        self.counted: Callable[[str, str, str], None] | None = None  # (bridge, operation, outcome): the metrics

    @classmethod
    def from_config(cls, config: Config, runtime: Runtime, engine_of: Any) -> Rollouts:
        """The rollouts ``config`` declares; :class:`ConfigError` names a bad one's key."""
        found = {}
        for instance, entry in config.bridges.items():
            for name, settings in entry.rollouts.items():
                where = f"bridges.{instance}.rollouts.{name}"
                served = runtime.bridges.get(instance)
                if served is None:
                    continue
                op = served.operations.get(name)
                if op is None or op.effect is not Effect.READ or op.streaming:
                    raise ConfigError(f"{where}: rollouts are for reads that answer one model; {instance} has no "
                                      f"such operation {name!r}")
                other = runtime.bridges.get(settings.candidate)
                candidate = other.operations.get(name) if other else None
                if candidate is None:
                    raise ConfigError(f"{where}.candidate: no bridge instance {settings.candidate!r} serving {name!r}")
                found[(instance, name)] = _Rollout(f"{instance}.{name}", settings, candidate)
        return cls(runtime, engine_of, found)

    def _share(self, rollout: _Rollout) -> float:
        now = time.monotonic()
        if now - rollout.share_read_at > _SHARE_TTL_S:
            with self.engine.connect() as conn:
                stored = conn.execute(select(_shares.c.share).where(_shares.c.name == rollout.name)).scalar()
            rollout.share = rollout.settings.share if stored is None else stored
            rollout.share_read_at = now
        return rollout.share

    def set_share(self, instance: str, operation: str, share: float, by: str) -> dict[str, Any]:
        """Change a rollout's share while serving (0 stops the candidate: the kill switch)."""
        rollout = self.rollouts[(instance, operation)]
        with self.engine.begin() as conn:
            done = conn.execute(update(_shares).where(_shares.c.name == rollout.name)
                                .values(share=share, updated_by=by, updated_at=time.time()))
            if done.rowcount == 0:
                conn.execute(insert(_shares).values(name=rollout.name, share=share, updated_by=by,
                                                    updated_at=time.time()))
        rollout.share, rollout.share_read_at = share, time.monotonic()
        return self.report_one(rollout)

    def observe(self, instance: str, op: Operation, parsed: BaseModel, caller: str, request_id: str,
                current: BaseModel) -> None:
        """After the current answer: run the candidate when this call falls in the share. Never raises."""
        rollout = self.rollouts.get((instance, op.name))
        if rollout is None:
            return
        try:
            rollout.calls += 1
            sticky = rollout.settings.sticky
            if sticky == "caller":
                key = caller
            elif sticky == "request":
                key = request_id
            else:
                key = json.dumps(parsed.model_dump(mode="json", by_alias=True).get(sticky.removeprefix("input.")))
            if _bucket(rollout.name, key) >= self._share(rollout):
                return
            rollout.sampled += 1
            answer = current.model_dump(mode="json")
            self._pool.submit(self._compare, rollout, parsed, answer)
        except Exception:  # the caller's answer is never at risk
            log.exception("rollout %s: cannot run the candidate", rollout.name)

    def _compare(self, rollout: _Rollout, parsed: BaseModel, current: dict[str, Any]) -> None:
        row: dict[str, Any] = {"id": uuid.uuid4().hex, "name": rollout.name, "at": time.time()}
        try:
            bridge = self.runtime.bridges[rollout.candidate.bridge]
            got = bridge.call(rollout.candidate, parsed).model_dump(mode="json")  # type: ignore[union-attr]
            diff = field_diff(current, got, ignore=frozenset(rollout.settings.ignore))
            row["outcome"] = "mismatch" if diff else "match"
            if diff:
                row.update(current=json.dumps(current), candidate=json.dumps(got), diff=json.dumps(diff))
        except BridgeError as exc:
            row.update(outcome="error", candidate=json.dumps(exc.to_problem()))
        except Exception:
            log.exception("rollout %s: the candidate failed", rollout.name)
            row.update(outcome="error", candidate=json.dumps({"title": "unexpected error"}))
        if self.counted is not None:
            self.counted(*rollout.name.split(".", 1), row["outcome"])
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(_runs).values(**row))
        except Exception:
            log.exception("rollout %s: cannot keep a run", rollout.name)

    def report_one(self, rollout: _Rollout, kept: int = 20) -> dict[str, Any]:
        """One rollout's share, counts (runs in every process; calls in this one) and latest mismatches."""
        with self.engine.connect() as conn:
            counts = dict(conn.execute(select(_runs.c.outcome, func.count()).where(_runs.c.name == rollout.name)
                                       .group_by(_runs.c.outcome)).all())
            rows = conn.execute(select(_runs).where(_runs.c.name == rollout.name, _runs.c.outcome == "mismatch")
                                .order_by(_runs.c.at.desc()).limit(kept)).mappings().all()
        runs = sum(counts.values())
        return {
            "rollout": rollout.name, "candidate": rollout.candidate.qualified_name, "share": self._share(rollout),
            "sticky": rollout.settings.sticky, "calls_here": rollout.calls, "sampled_here": rollout.sampled,
            "candidate_runs": runs, "matches": counts.get("match", 0), "mismatches": counts.get("mismatch", 0),
            "candidate_errors": counts.get("error", 0),
            "mismatch_rate": round(counts.get("mismatch", 0) / runs, 4) if runs else None,
            "kept_mismatches": [{"at": r["at"], "current": json.loads(r["current"]),
                                 "candidate": json.loads(r["candidate"]), "diff": json.loads(r["diff"])}
                                for r in rows],
        }

    def report(self) -> list[dict[str, Any]]:
        """Every rollout's report."""
        return [self.report_one(r) for r in self.rollouts.values()]

    def find(self, instance: str, operation: str) -> Mapping[str, Any] | None:
        """Whether ``instance.operation`` has a rollout (None if not)."""
        rollout = self.rollouts.get((instance, operation))
        return None if rollout is None else {"name": rollout.name}
