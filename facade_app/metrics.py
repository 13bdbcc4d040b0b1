"""Prometheus metrics of the facade, served at ``/metrics`` to operator keys.

Every attempt through the pipeline counts once, whatever its caller path (HTTP, MCP, a
review decision): its latency in a histogram by bridge and operation, and its outcome
(``ok``, an error type such as ``unavailable`` or ``rate-limited``, ``queued-for-review``…)
in a counter. Rate-limit rejections and refused legacy sign-ons have counters of their
own, and so do a rollout's candidate runs (match, mismatch, error) and the shadowed writes
reconciliation settles (matched, disagreeing), and the audit store's writer its lost events (by
reason) and failed appends. Pool use (in use, idle, callers waiting),
breaker state, the review queue's depth and the audit writer's queue are gauges sampled every few seconds and when
``/metrics`` is read.

Under gunicorn, prometheus_client's multiprocess mode adds up every worker's samples:
``PROMETHEUS_MULTIPROC_DIR`` must name a folder shared by the workers and be set before
``prometheus_client`` is first imported (``facade_app.wsgi`` sets it: a folder per
gunicorn master under ``facade.state_dir``), and a worker that exits is marked dead
(:func:`child_exit`, gunicorn's hook) so its gauges stop counting.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from typing import Any

from flask import Flask, Response, g
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bridges.core.errors import Forbidden, LoginRefused, RateLimited, Unauthenticated
from bridges.core.runtime import Runtime
from facade_app.auth import OPERATOR_SCOPE, scope_granted

__all__ = ["Metrics", "child_exit", "register_metrics"]

log = logging.getLogger("legacy_bridges.facade")
_BREAKER = {"closed": 0, "half-open": 1, "open": 2}
_SAMPLE_S = 5.0

CALLS = Counter(
    "legacy_bridges_calls",
    "Calls through the facade by bridge, operation and outcome (ok, queued-for-review, or the error type).",
    ["bridge", "operation", "outcome"],
)
LATENCY = Histogram(
    "legacy_bridges_call_seconds",
    "Latency of each call through the facade, refused ones included.",
    ["bridge", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RATE_LIMITED = Counter(
    "legacy_bridges_rate_limited", "Calls refused because the caller's rate budget was spent.", ["bridge", "operation"]
)
SIGN_ON_REFUSED = Counter(
    "legacy_bridges_sign_on_refused", "Calls that met a sign-on or login the legacy system refused.", ["bridge"]
)
POOL = Gauge(
    "legacy_bridges_pool",
    "Sessions, connections or browser contexts of each bridge by state (in_use, "
    "idle) and callers waiting for one, summed over live workers.",
    ["bridge", "state"],
    multiprocess_mode="livesum",
)
BREAKER = Gauge(
    "legacy_bridges_breaker_state",
    "Circuit breaker of each bridge: 0 closed, 1 half-open, 2 open (the worst of the live workers).",
    ["bridge"],
    multiprocess_mode="livemax",
)
ROLLOUT_RUNS = Counter(
    "legacy_bridges_rollout_runs",
    "Candidate runs of a rollout by bridge, operation and outcome (match, mismatch, error).",
    ["bridge", "operation", "outcome"],
)
SHADOWS_SETTLED = Counter(
    "legacy_bridges_shadows_settled",
    "Shadowed writes settled by reconciliation by bridge, operation and outcome (matched, disagreeing).",
    ["bridge", "operation", "outcome"],
)
AUDIT_LOST = Counter(
    "legacy_bridges_audit_lost",
    "Audit events that never reached the audit store, by reason (queue-full, refused, unwritten-at-exit, "
    "stopped); the audit file and log still hold them.",
    ["reason"],
)
AUDIT_ERRORS = Counter("legacy_bridges_audit_store_errors", "Failed appends to the audit store (each retried).")
AUDIT_QUEUE = Gauge(
    "legacy_bridges_audit_queue", "Audit events waiting for the store's writer, summed over live workers.",
    multiprocess_mode="livesum",
)
REVIEWS = Gauge(
    "legacy_bridges_reviews_pending", "Writes waiting for a second person's decision.", multiprocess_mode="livemax"
)


def _labels(event: str, known: set[str]) -> tuple[str, str]:
    """(bridge, operation) of an audit event (``custmast.get_customer``, ``custmast.reset``,
    ``custmast.change_address.approve``); a bridge nobody configured is ``unknown``, so a
    caller cannot grow the label set."""
    bridge, _, operation = event.partition(".")
    if bridge not in known:
        return "unknown", operation if bridge == "reviews" else "unknown"
    return bridge, operation or "unknown"


def _pool_numbers(status: dict[str, Any], in_flight: int) -> dict[str, float]:
    """In use, idle and waiting from a bridge's status, whichever transport's shape it has."""
    pool = status.get("pool") if isinstance(status.get("pool"), dict) else status
    in_use = pool.get("busy", pool.get("pool_checked_out", in_flight))
    return {"in_use": in_use, "idle": pool.get("idle", pool.get("pool_idle", 0)), "waiting": pool.get("waiting", 0)}


class Metrics:
    """Counts attempts as the pipeline finishes them; samples gauges of one runtime."""

    def __init__(self, runtime: Runtime, pending: Any = None, audit_queue: Any = None) -> None:
        self.runtime = runtime
        self.pending = pending  # a callable giving the review queue's depth
        self.audit_queue = audit_queue  # a callable giving the audit writer's queue length
        self._known = set(runtime.bridges)
        self._recent: dict[str, deque[float]] = {name: deque(maxlen=200) for name in runtime.bridges}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def observe(self, event: str, outcome: str, seconds: float, error: BaseException | None) -> None:
        """Count one finished attempt."""
        bridge, operation = _labels(event, self._known)
        LATENCY.labels(bridge, operation).observe(seconds)
        if bridge in self._recent:
            self._recent[bridge].append(seconds)
        CALLS.labels(bridge, operation, outcome).inc()
        if isinstance(error, RateLimited):
            RATE_LIMITED.labels(bridge, operation).inc()
        elif isinstance(error, LoginRefused):
            SIGN_ON_REFUSED.labels(bridge).inc()

    def rollout_run(self, bridge: str, operation: str, outcome: str) -> None:
        """Count one candidate run of a rollout (configured names only, so the label set is fixed)."""
        ROLLOUT_RUNS.labels(bridge, operation, outcome).inc()

    def shadow_settled(self, bridge: str, operation: str, outcome: str) -> None:
        """Count one shadowed write that reconciliation settled."""
        SHADOWS_SETTLED.labels(bridge, operation, outcome).inc()

    def audit_lost(self, reason: str, count: int) -> None:
        """Count audit events the store will never hold."""
        AUDIT_LOST.labels(reason).inc(count)

    def audit_failed(self) -> None:
        """Count one failed (retried) append to the audit store."""
        AUDIT_ERRORS.inc()

    def recent(self, bridge: str) -> list[float]:
        """Latencies (seconds) of this worker's last 200 calls of ``bridge``, for the console."""
        return list(self._recent.get(bridge, ()))

    def sample(self) -> None:
        """Set the gauges from this worker's bridges and the review queue."""
        for name, runtime in self.runtime.bridges.items():
            try:
                guard = runtime.guard.status()
                for state, value in _pool_numbers(runtime.bridge.status() or {}, guard["in_flight"]).items():
                    POOL.labels(name, state).set(value)
                BREAKER.labels(name).set(_BREAKER.get(str(guard["breaker"]), 0))
            except Exception as exc:  # a status must never stop the metrics
                log.debug("metrics: no status of %s (%s)", name, type(exc).__name__)
        if self.audit_queue is not None:
            AUDIT_QUEUE.set(self.audit_queue())
        if self.pending is not None:
            try:
                REVIEWS.set(self.pending())
            except Exception as exc:  # the review store is down: the gauge keeps its last value
                log.debug("metrics: no review queue depth (%s)", type(exc).__name__)

    def start(self) -> None:
        """Sample every few seconds in the background (each worker its own gauges)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="metrics-sampler", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(_SAMPLE_S):
            self.sample()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()


def _exposition() -> bytes:
    """Every worker's samples added up (multiprocess mode), else this process's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        from prometheus_client import REGISTRY

        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


def register_metrics(app: Flask, metrics: Metrics) -> None:
    """Add ``/metrics`` (Prometheus text format; a key holding ``ops`` is needed)."""

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        """The facade's metrics, for operators' scrapers."""
        caller = g.get("caller")
        if caller is None:
            raise g.get("auth_error") or Unauthenticated("an API key holding the ops scope is required")
        if not scope_granted(OPERATOR_SCOPE, caller.scopes):
            raise Forbidden(f"key '{caller.name}' lacks scope {OPERATOR_SCOPE}")
        metrics.sample()
        response = Response(_exposition(), mimetype=CONTENT_TYPE_LATEST)
        response.headers["Cache-Control"] = "no-store"
        return response


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook: a worker that exited no longer counts in the live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
