"""``bridges watch``: every configured source polled on its interval, under a lease, into JetStream.

Several watcher processes may run on one configuration (on one host or several sharing
a PostgreSQL store): each source is owned by one of them at a time through its lease in
the store, renewed at every poll; when its owner dies the lease expires after
``lease_ttl_s`` and another process takes the source over from its committed offset. Each
takeover increments the lease's generation, which every commit and every page's intent checks
in its transaction, so a process that lost its source (stalled past its lease) can neither move
the new owner's offset nor publish anything it had not recorded before the takeover — and that
the new owner published first (:mod:`bridges.events.delivery`).

Metrics per source (Prometheus text on ``/metrics``, JSON on ``/healthz``): lag (seconds
between now and the offset, or since the last complete snapshot), changes published,
changes in the last minute, polls, errors and whether this process owns it.
"""

from __future__ import annotations

import collections
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from bridges.core.codecs import strip_char
from bridges.core.config import load_config
from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import BridgeError, ConfigError
from bridges.core.registry import build_runtime
from bridges.core.runtime import Runtime
from bridges.events.capture import Capture, PollResult, Sink
from bridges.events.config import SourceSettings, WatchConfig
from bridges.events.listing import ListingCapture, operation_pages
from bridges.events.metrics_http import serve_metrics
from bridges.events.sources import ChangeSource, SplitDateTime, TimestampColumn
from bridges.events.start import FromNow
from bridges.events.store import LeaseLost, WatchStore
from rdbms.bridge import DatabaseBridge
from rdbms.tables import DeclaredView, ViewColumn

__all__ = ["SourceState", "Watcher", "build_watcher"]

log = logging.getLogger("legacy_bridges.events")


def _text(value: Any) -> Any:
    return strip_char(value) if isinstance(value, str | bytes) else value


def _relation_view(name: str, settings: SourceSettings) -> DeclaredView:
    """A view over an undeclared relation: its columns as fields of their own name, CHAR trimmed."""
    assert settings.relation is not None
    columns = tuple(ViewColumn(c, c.lower(), Any, _text) for c in settings.columns)
    missing = [k for k in settings.key if k not in settings.columns]
    if missing:
        raise ConfigError(f"sources.{name}.key: {', '.join(missing)} not among its columns")
    return DeclaredView(
        name=name, relation=settings.relation, columns=columns, key=tuple(k.lower() for k in settings.key)
    )


def _source(name: str, settings: SourceSettings, bridge: DatabaseBridge) -> ChangeSource:
    if settings.view is not None:
        view = next((v for v in bridge.views if v.name == settings.view), None)
        if view is None:
            raise ConfigError(f"sources.{name}.view: the {settings.bridge} bridge declares no view {settings.view!r}")
    else:
        view = _relation_view(name, settings)
    change: TimestampColumn | SplitDateTime | None = None
    if settings.change:
        change = TimestampColumn(settings.change)
    elif settings.change_date and settings.change_time:
        change = SplitDateTime(settings.change_date, settings.change_time)
    return ChangeSource(
        name,
        view,
        change,
        settle_s=settings.settle_s,
        overlap_s=settings.overlap_s,
        page_rows=settings.page_rows,
        delete_scan_every=settings.delete_scan_every,
        interval_s=settings.interval_s,
    )


@dataclass
class SourceState:
    """What the watcher knows of one source (the metrics read it)."""

    name: str
    capture: Any
    interval_s: float
    due: float = 0.0
    owned: bool = False
    polls: int = 0
    errors: int = 0
    last_error: str | None = None
    last_poll: float | None = None
    offset_time: float | None = None
    recent: collections.deque[tuple[float, int]] = field(default_factory=collections.deque)

    def lag_s(self, now: float) -> float | None:
        """Seconds the delivered state trails now by (None: never polled)."""
        anchor = self.offset_time if self.offset_time is not None else self.last_poll
        return None if anchor is None else max(0.0, now - anchor)

    def per_minute(self, now: float) -> int:
        """Changes published in the last 60 s."""
        while self.recent and self.recent[0][0] < now - 60:
            self.recent.popleft()
        return sum(n for _, n in self.recent)


class Watcher:
    """Polls ``sources`` (by name) into their captures, each while this process holds its lease."""

    def __init__(
        self,
        sources: dict[str, SourceState],
        store: WatchStore,
        *,
        lease_ttl_s: float = 15.0,
        owner: str | None = None,
        poll_deadline_s: float = 60.0,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.sources = sources
        self.store = store
        self.lease_ttl_s = lease_ttl_s
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.poll_deadline_s = poll_deadline_s
        self._on_close = on_close
        self.registry = CollectorRegistry()
        self._changes = Counter("watch_changes", "Changes published", ["source", "kind"], registry=self.registry)
        self._errors = Counter("watch_errors", "Polls that failed", ["source"], registry=self.registry)
        self._lag = Gauge(
            "watch_lag_seconds", "How far the delivered state trails now", ["source"], registry=self.registry
        )
        self._minute = Gauge(
            "watch_changes_last_minute", "Changes published in the last minute", ["source"], registry=self.registry
        )
        self._owned = Gauge(
            "watch_source_owned", "1 while this process holds the source's lease", ["source"], registry=self.registry
        )
        for state in sources.values():
            state.capture.owner = self.owner
            self._errors.labels(state.name)  # every series from the start, at 0: rates and alerts see a source
            for kind in ("created", "updated", "deleted"):  # before its first change or failure
                self._changes.labels(state.name, kind)

    def poll_once(self, state: SourceState) -> PollResult | None:
        """Renew the lease and poll ``state``'s source once (None: another process owns it, or it failed).

        A failure — the legacy system, the broker or the store — is counted and logged, and the
        source polled again at its next interval from what was committed."""
        try:
            state.owned = self.store.acquire(state.name, self.owner, self.lease_ttl_s)
            self._owned.labels(state.name).set(1 if state.owned else 0)
            if not state.owned:
                return None
            state.polls += 1
            with deadline_scope(Deadline(self.poll_deadline_s)):
                result = state.capture.poll()
        except LeaseLost:
            state.owned = False
            log.warning("watch: %s was taken over by another process", state.name)
            return None
        except (BridgeError, OSError, SQLAlchemyError) as exc:
            state.errors += 1
            state.last_error = f"{type(exc).__name__}: {getattr(exc, 'detail', exc)}"
            self._errors.labels(state.name).inc()
            log.warning("watch: polling %s failed: %s", state.name, state.last_error)
            return None
        now = time.time()
        state.last_poll = now
        if result.offset is not None:
            state.offset_time = result.offset.timestamp()
        state.recent.append((now, len(result.events)))
        for event in result.events:
            self._changes.labels(state.name, event.kind).inc()
        return result

    def run(self, stop: threading.Event) -> None:
        """Poll every source when due until ``stop`` is set; give the leases up on the way out."""
        try:
            while not stop.is_set():
                now = time.monotonic()
                for state in self.sources.values():
                    if state.due <= now:
                        self.poll_once(state)
                        state.due = time.monotonic() + state.interval_s
                wait = min(s.due for s in self.sources.values()) - time.monotonic()
                stop.wait(max(0.0, wait))
        finally:
            for state in self.sources.values():
                if state.owned:
                    self.store.release(state.name, self.owner)

    def health(self) -> dict[str, Any]:
        """Each source's lease, lag, changes in the last minute, polls and errors."""
        now = time.time()
        report = {}
        for state in self.sources.values():
            lag = state.lag_s(now)
            self._lag.labels(state.name).set(lag if lag is not None else float("nan"))
            self._minute.labels(state.name).set(state.per_minute(now))
            report[state.name] = {
                "owned": state.owned,
                "lag_s": lag,
                "changes_last_minute": state.per_minute(now),
                "polls": state.polls,
                "errors": state.errors,
                "last_error": state.last_error,
            }
        return {"owner": self.owner, "sources": report}

    def metrics(self) -> bytes:
        """The Prometheus text exposition."""
        self.health()
        return generate_latest(self.registry)

    def serve_metrics(self, host: str, port: int) -> ThreadingHTTPServer:
        """Serve ``/metrics`` and ``/healthz`` on a daemon thread."""
        return serve_metrics(host, port, self.metrics, self.health)

    def close(self) -> None:
        """Close the sink, the bridges and the store."""
        if self._on_close is not None:
            self._on_close()
        self.store.close()


def build_watcher(config: WatchConfig, sink: Sink | None = None, *, owner: str | None = None) -> Watcher:
    """The watcher ``config`` describes: the bridges it names built, the store opened, JetStream connected
    (unless ``sink`` is given)."""
    facade = load_config(config.path(config.bridges_config))
    wanted = {s.bridge for s in config.sources.values()}
    unknown = wanted - set(facade.bridges)
    if unknown:
        raise ConfigError(f"sources: bridges not configured in {config.bridges_config}: {', '.join(sorted(unknown))}")
    facade = facade.model_copy(update={"bridges": {k: v for k, v in facade.bridges.items() if k in wanted}})
    store_url = config.store or f"sqlite:///{facade.path(facade.facade.state_dir) / 'watch.db'}"
    runtime: Runtime = build_runtime(facade)
    closers: list[Callable[[], None]] = [runtime.close]
    try:
        store = WatchStore(store_url)
        if sink is None:
            from bridges.events.jetstream import JetStreamSink

            jetstream = JetStreamSink(
                config.nats_url,
                stream=config.stream,
                prefix=config.prefix,
                duplicate_window_s=config.duplicate_window_s,
            )
            closers.insert(0, jetstream.close)
            sink = jetstream
        states = {
            name: SourceState(name, _capture(name, settings, runtime, store, sink), settings.interval_s)
            for name, settings in config.sources.items()
        }
    except BaseException:
        for close in closers:
            close()
        raise

    def close_all() -> None:
        for close in closers:
            close()

    return Watcher(states, store, lease_ttl_s=config.lease_ttl_s, owner=owner, on_close=close_all)


def _capture(name: str, settings: SourceSettings, runtime: Runtime, store: WatchStore, sink: Sink) -> Any:
    bridge_runtime = runtime.bridges[settings.bridge]
    if settings.operation is not None:
        _, operation = runtime.find(settings.bridge, settings.operation)
        if operation.effect.value != "read":
            raise ConfigError(f"sources.{name}.operation: {settings.operation} writes; only reads are watched")
        fetch = operation_pages(
            lambda query: bridge_runtime.call(operation, query),
            settings.input,
            settings.rows_field,
            settings.max_pages,
            next_field=settings.next_field,
            cursor_input=settings.cursor_input,
        )
        capture: Any = ListingCapture(name, fetch, settings.key, store, sink)
    else:
        bridge = bridge_runtime.bridge
        if not isinstance(bridge, DatabaseBridge):
            raise ConfigError(
                f"sources.{name}: {settings.bridge} is not a database bridge; watch one of its operations"
            )
        source = _source(name, settings, bridge)
        capture = Capture(
            source, bridge.db, store, sink, relation=bridge.relation(source.view.relation), timezone=settings.timezone
        )
    return FromNow(capture, store, name) if settings.start == "now" else capture
