"""Graceful drain on SIGTERM: the calls in flight finish, new ones are turned away.

gunicorn already stops accepting connections and waits up to ``graceful_timeout`` for the
open ones; a request that still reaches this worker meanwhile (on a kept-alive connection,
or queued behind busy threads) is answered 503 with Retry-After instead of starting a call
on a legacy system that is about to lose its sessions, and ``/readyz`` answers 503 so a
load balancer stops sending traffic. Once the worker's loop ends, ``atexit`` closes the
runtime: pooled sessions are signed off, leases given back, recordings saved.

The worker learns of SIGTERM through :func:`post_worker_init`, a gunicorn hook (``bridges
serve`` sets it; a gunicorn configuration of your own names ``facade_app.gunicorn_conf``).
"""

from __future__ import annotations

import logging
import math
import signal
import threading
from typing import Any

from flask import Flask, Response, request

from bridges.core.config import Config
from facade_app.problems import http_problem

__all__ = ["RETRY_AFTER_S", "begin", "drain_timeout_s", "draining", "post_worker_init", "register_drain"]

log = logging.getLogger("legacy_bridges.facade")

RETRY_AFTER_S = 1  # another worker or host takes the retry; this one is leaving
SIGN_OFF_MARGIN_S = 5  # after the last call: sessions signed off (1 s each at most), leases, recordings
_draining = threading.Event()


def begin() -> None:
    """Start draining this process (idempotent)."""
    if not _draining.is_set():
        _draining.set()
        log.info("draining: calls in flight finish, new requests get 503")


def draining() -> bool:
    """Whether this process is draining."""
    return _draining.is_set()


def drain_timeout_s(config: Config) -> int:
    """How long a stopping worker may take: the longest call (its bridge's queue wait plus
    deadline), then time to sign off sessions — gunicorn's ``graceful_timeout``."""
    longest = max(
        (entry.guard.queue_timeout_s + entry.guard.deadline_s for entry in config.bridges.values()), default=0.0
    )
    return math.ceil(longest + SIGN_OFF_MARGIN_S)  # gunicorn takes whole seconds


def register_drain(app: Flask) -> None:
    """Answer every request but ``/healthz`` (the process is alive) with 503 while draining."""

    @app.before_request
    def _turn_away() -> Response | None:
        if not _draining.is_set() or request.path == "/healthz":
            return None
        response = http_problem(
            503,
            "Shutting down",
            "this server is shutting down; retry after Retry-After (another server takes the call)",
            "shutting-down",
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response


def post_worker_init(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` hook: SIGTERM starts the drain, then gunicorn's own
    graceful stop (stop accepting, wait for open connections) runs as before."""
    previous = signal.getsignal(signal.SIGTERM)

    def _on_term(signum: int, frame: Any) -> None:
        begin()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, _on_term)
