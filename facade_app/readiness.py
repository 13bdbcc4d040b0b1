"""Readiness from cached bridge states: a probe storm never becomes a load storm.

    readiness = Readiness(runtime, ttl_s=10, requires="any")
    ready, states = readiness.process()
    state = readiness.bridge("orders")

Each bridge's last ping is trusted for ``ttl_s``. When it is older, the first caller
pings (at most one ping per bridge is in flight in a process) while everyone else is
answered the last known state at once; only before any state is known do callers wait,
bounded, for the ping in flight. When several worker processes serve, a
:class:`~facade_app.readiness_board.ReadinessBoard` in the state folder makes that one
ping per bridge per TTL for all of them together. Which bridges must be ok for the process to be ready
is ``requires``: ``"all"``, ``"any"`` (the default: one failing system does not take the
healthy ones out of a load balancer) or a list of bridge names.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, jsonify
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import NotFound

from bridges.core.errors import BridgeError, LoginRefused
from bridges.core.runtime import BridgeRuntime, Runtime
from facade_app.auth import OPERATOR_SCOPE, scope_granted
from facade_app.readiness_board import ReadinessBoard

__all__ = ["OPERATOR_SCOPE", "BridgeState", "Readiness", "register_readiness"]

"""The scope a key needs to see readiness details (``*`` holds it too)."""

_FIRST_PING_WAIT_S = 10.0
log = logging.getLogger("legacy_bridges.facade")


@dataclass(frozen=True)
class BridgeState:
    """One bridge's last ping: ``ok`` or ``failing`` (``unknown`` before the first answer)."""

    status: str
    checked_at: float | None = None  # Unix time of the ping
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the last ping succeeded."""
        return self.status == "ok"

    def report(self) -> dict[str, Any]:
        """The state as operators see it (ISO 8601 time of the ping and what it said)."""
        checked = None if self.checked_at is None else \
            datetime.fromtimestamp(self.checked_at, UTC).isoformat(timespec="milliseconds")
        return {"status": self.status, "checked_at": checked, **self.details}


class _Slot:
    """One bridge's cached state and whether a ping is in flight."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.state: BridgeState | None = None
        self.in_flight = False


def _ping(runtime: BridgeRuntime, now: float) -> BridgeState:
    try:
        details = dict(runtime.bridge.ping() or {})
        status = "ok"
    except BridgeError as exc:
        details, status = {"error": exc.detail}, "failing"
        if isinstance(exc, LoginRefused):
            details["login_refused"] = True  # no retry helps: an operator resets it once the account is fixed
    except Exception as exc:  # a ping must never take /readyz down with it
        details, status = {"error": type(exc).__name__}, "failing"
    return BridgeState(status, now, details)


class Readiness:
    """Cached, single-flight bridge pings and the process's readiness policy."""

    def __init__(self, runtime: Runtime, ttl_s: float, requires: str | list[str] = "any",
                 clock: Callable[[], float] = time.time, board: ReadinessBoard | None = None) -> None:
        self.runtime = runtime
        self.ttl_s = ttl_s
        self.requires = requires
        self.board = board  # shared with the other workers of this host, when several serve
        self._clock = clock
        self._slots = {name: _Slot() for name in runtime.bridges}

    def forget(self, name: str) -> None:
        """Drop ``name``'s cached state, so the next look pings afresh (after an operator's reset)."""
        slot = self._slots[name]
        with slot.cond:
            slot.state = None

    def names(self) -> list[str]:
        """The bridges served."""
        return list(self._slots)

    def bridge(self, name: str) -> BridgeState:
        """``name``'s state: cached while fresh, else pinged by this caller or the one before."""
        slot = self._slots[name]
        with slot.cond:
            if slot.state is not None and self._clock() - slot.state.checked_at < self.ttl_s:  # type: ignore[operator]
                return slot.state
            if slot.in_flight:
                if slot.state is not None:
                    return slot.state  # stale but known: answer now, one ping is on its way
                slot.cond.wait_for(lambda: not slot.in_flight, timeout=_FIRST_PING_WAIT_S)
                return slot.state or BridgeState("unknown", None, {"error": "the first ping has not answered"})
            slot.in_flight = True
        state = BridgeState("failing", self._clock(), {"error": "the ping did not finish"})
        try:
            state = self._refresh(name)
        finally:
            with slot.cond:
                slot.state, slot.in_flight = state, False
                slot.cond.notify_all()
        return state

    def _refresh(self, name: str) -> BridgeState:
        """A fresh state: pinged here, or — with a board — published by another worker."""
        if self.board is None:
            return _ping(self.runtime.bridges[name], self._clock())
        now = self._clock()
        try:
            shared = self.board.read(name)
            if shared is not None and now - shared[1] < self.ttl_s:
                return BridgeState(*shared)
            claimed = self.board.claim(name, now, self.ttl_s)
        except (DBAPIError, OSError) as exc:  # readiness never fails for want of its board
            log.warning("readiness board unusable (%s): pinging %s from this worker", type(exc).__name__, name)
            return _ping(self.runtime.bridges[name], now)
        if claimed:
            state = _ping(self.runtime.bridges[name], self._clock())
            try:
                self.board.publish(name, state.status, state.checked_at or now, state.details)
            except (DBAPIError, OSError) as exc:
                log.warning("readiness board unusable (%s): %s's state stays in this worker", type(exc).__name__, name)
            return state
        if shared is not None:
            return BridgeState(*shared)  # stale: another worker's ping is on its way
        return self._first_published(name)

    def _first_published(self, name: str) -> BridgeState:
        """Wait (bounded) for the first state another worker is pinging for."""
        deadline = time.monotonic() + _FIRST_PING_WAIT_S
        while time.monotonic() < deadline:
            shared = self.board.read(name) if self.board else None
            if shared is not None:
                return BridgeState(*shared)
            time.sleep(0.05)  # polling another process's answer: there is nothing to wait on
        return BridgeState("unknown", None, {"error": "the first ping has not answered"})

    def process(self) -> tuple[bool, dict[str, BridgeState]]:
        """Whether the process is ready under the policy, and every bridge's state."""
        states = {name: self.bridge(name) for name in self._slots}
        if self.requires == "all":
            ready = all(s.ok for s in states.values())
        elif self.requires == "any":
            ready = not states or any(s.ok for s in states.values())
        else:
            ready = all(states[name].ok for name in self.requires if name in states)
        return ready, states

    def details(self, name: str, state: BridgeState) -> dict[str, Any]:
        """What operators see of one bridge: its ping, its guard and its own status."""
        runtime = self.runtime.bridges[name]
        report = state.report()
        report["guard"] = runtime.guard.status()
        try:
            for key, value in (runtime.bridge.status() or {}).items():
                report.setdefault(key, value)  # the ping's own status and time win
        except Exception as exc:  # a status must never take /readyz down with it
            report["status_error"] = type(exc).__name__
        return report


def register_readiness(app: Flask, readiness: Readiness) -> None:
    """Add ``/readyz`` (the process, under ``facade.ready_requires``) and ``/readyz/<bridge>``.

    Both are public and answer ``{"status": "ok" | "failing"}`` with 200 or 503; a key
    holding the ``ops`` scope also sees each bridge's ping, guard and pool state."""

    def operator() -> bool:
        caller = g.get("caller")
        return caller is not None and scope_granted(OPERATOR_SCOPE, caller.scopes)

    def answer(ready: bool, body: dict[str, Any]) -> Response:
        response = jsonify({"status": "ok" if ready else "failing", **body})
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/readyz")
    def readyz() -> Response:
        """Whether the process should take traffic; details for operators."""
        ready, states = readiness.process()
        if not operator():
            return answer(ready, {})
        return answer(ready, {"requires": readiness.requires,
                              "bridges": {n: readiness.details(n, s) for n, s in states.items()}})

    @app.get("/readyz/<bridge>")
    def readyz_bridge(bridge: str) -> Response:
        """Whether one bridge's legacy system answers; details for operators."""
        if bridge not in readiness.names():
            raise NotFound("no such bridge")
        state = readiness.bridge(bridge)
        return answer(state.ok, readiness.details(bridge, state) if operator() else {})
