"""The audit store's writer: calls hand their event to a bounded in-process queue, and a
background thread appends what has gathered in one transaction per batch, so a call never
waits for the store's commit (:meth:`facade_app.audit_chain.AuditChain.append_batch` keeps
the chain whole however many workers append).

What can be lost, and what is never lost silently:

- A **write** operation's answer waits until its event is committed (up to
  :data:`DURABLE_WAIT_S`), so a write the caller was told of is in the store — unless the
  store was down that long, which is logged with the request id.
- A **read**'s event may still be queued when the process dies by ``kill -9`` (or the
  machine fails): at most the queue — in practice the last few milliseconds of calls. The
  JSON-lines audit file (``facade.audit_log``), written before the answer, still holds them.
- On SIGTERM the worker drains (:mod:`facade_app.drain`) and, at exit, the writer commits
  everything queued (up to :data:`CLOSE_WAIT_S`); whatever it could not is counted as lost.
- When the queue is full (the store is slower than the calls, or down), a call waits up to
  :data:`FULL_WAIT_S` for room — the store's pace slows the facade rather than losing events —
  then its event is dropped from the store, logged at ERROR with its request id and counted
  (``legacy_bridges_audit_lost_total{reason="queue-full"}``); the chain stays valid, the gap
  is visible in the metrics, the log and against the audit file.
- A store that fails is retried (backing off up to :data:`MAX_BACKOFF_S`); an event the store
  refuses for good (not an operational failure, three times alone in its batch) is dropped,
  logged and counted ``reason="refused"``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import OperationalError

from facade_app.audit_chain import AuditChain

__all__ = ["BATCH", "CAPACITY", "CLOSE_WAIT_S", "DURABLE_WAIT_S", "FULL_WAIT_S", "MAX_BACKOFF_S", "AuditWriter"]

log = logging.getLogger("legacy_bridges.audit")

CAPACITY = 10_000
"""Events a worker may hold for the store at most."""
BATCH = 500
"""Events appended in one transaction at most."""
LINGER_S = 0.05
"""How long the writer lets a batch gather once an event waits (none when a write waits)."""
FULL_WAIT_S = 2.0
"""How long a call waits for room in a full queue before its event is dropped from the store."""
DURABLE_WAIT_S = 5.0
"""How long a write operation's answer waits for its event's commit."""
CLOSE_WAIT_S = 5.0
"""How long the writer takes at exit to commit what is queued."""
MAX_BACKOFF_S = 5.0
_REFUSALS = 3
_WRITERS: weakref.WeakSet[AuditWriter] = weakref.WeakSet()


def _after_fork() -> None:
    """In a forked child (a gunicorn worker of a preloaded app): the parent's queue, thread and
    pooled connections are not this process's."""
    for writer in list(_WRITERS):
        writer.chain.engine.dispose(close=False)
        writer.chain.reader.dispose(close=False)
        writer._reset()  # the writers' own fork hook


os.register_at_fork(after_in_child=_after_fork)


class AuditWriter:
    """Queues events for an :class:`AuditChain` and appends them from a background thread."""

    def __init__(self, chain: AuditChain, capacity: int = CAPACITY, batch: int = BATCH) -> None:
        self.chain = chain
        self.capacity = capacity
        self.batch = batch
        self._size = batch  # events per transaction now (smaller while finding one the store refuses)
        self.on_lost: Callable[[str, int], None] | None = None
        """Told of events that will never reach the store (reason, how many): the metrics."""
        self.on_error: Callable[[], None] | None = None
        """Told of every failed append (retried): the metrics."""
        self._reset()
        _WRITERS.add(self)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[tuple[int, dict[str, Any]]] = deque()
        self._accepted = 0  # tickets handed out
        self._done = 0  # tickets committed (or refused for good)
        self._urgent = 0  # writes waiting for their commit
        self._closing = False
        self._thread: threading.Thread | None = None

    def _started(self) -> None:
        """Start the writer thread on the first event (under ``_cond``)."""
        if self._thread is None and not self._closing:
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()

    def depth(self) -> int:
        """Events queued in this process, not yet committed."""
        return len(self._queue)

    def submit(self, entry: dict[str, Any], request_id: str, *, durable: bool = False) -> bool:
        """Queue ``entry``; with ``durable``, wait for its commit. False when it was dropped (or,
        durable, not committed in time)."""
        with self._cond:
            self._started()
            deadline = time.monotonic() + FULL_WAIT_S if len(self._queue) >= self.capacity else 0.0
            while len(self._queue) >= self.capacity and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None:
                    break
                self._cond.wait(left)
            if len(self._queue) >= self.capacity or self._closing:
                why = "the writer has stopped" if self._closing else f"the queue stayed full for {FULL_WAIT_S:g} s"
                log.error("audit store: event of request %s dropped: %s", request_id, why)
                self._lost("queue-full" if not self._closing else "stopped", 1)
                return False
            self._accepted += 1
            ticket = self._accepted
            self._queue.append((ticket, entry))
            if not durable:
                # wake the writer only when it sleeps (the queue was empty) or a batch is full:
                # while it lets a batch gather, calls do not pay for a thread switch each
                if len(self._queue) == 1 or len(self._queue) == self._size:
                    self._cond.notify_all()
                return True
            self._urgent += 1
            self._cond.notify_all()
            try:
                committed = self._cond.wait_for(lambda: self._done >= ticket, DURABLE_WAIT_S)
            finally:
                self._urgent -= 1
        if not committed:
            log.error(
                "audit store: event of request %s not committed within %g s (still queued)", request_id, DURABLE_WAIT_S
            )
        return committed

    def flush(self, timeout: float = CLOSE_WAIT_S) -> bool:
        """Wait until everything queued so far is committed; False if ``timeout`` passed first."""
        with self._cond:
            if self._thread is None:
                return not self._queue
            target = self._accepted
            self._urgent += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(lambda: self._done >= target, timeout)
            finally:
                self._urgent -= 1

    def close(self, timeout: float = CLOSE_WAIT_S) -> None:
        """Commit what is queued (up to ``timeout``), stop the thread; what is left is counted lost."""
        self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(1.0)
        with self._cond:
            left = len(self._queue)
            self._queue.clear()
        if left:
            log.error("audit store: %d queued events were not committed before exit", left)
            self._lost("unwritten-at-exit", left)

    def _lost(self, reason: str, count: int) -> None:
        if self.on_lost is not None:
            self.on_lost(reason, count)

    def _next_batch(self) -> list[tuple[int, dict[str, Any]]]:
        with self._cond:
            self._cond.wait_for(lambda: self._queue or self._closing)
            if not self._queue:
                return []
            if not self._urgent and len(self._queue) < self._size:  # let a batch gather
                self._cond.wait_for(lambda: self._urgent or self._closing or len(self._queue) >= self._size, LINGER_S)
            return [self._queue[i] for i in range(min(self._size, len(self._queue)))]

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException:  # a bug, never the store's failure (retried): the next event starts a new thread
            log.exception("audit store: the writer thread stopped")
            raise
        finally:
            with self._cond:
                if self._thread is threading.current_thread():
                    self._thread = None
                self._cond.notify_all()

    def _loop(self) -> None:
        backoff, refusals = 0.1, 0
        while True:
            batch = self._next_batch()
            if not batch:
                return
            try:
                self.chain.append_batch([entry for _, entry in batch])
            except Exception as exc:
                if self.on_error is not None:
                    self.on_error()
                refused = not isinstance(exc, OperationalError)
                refusals = refusals + 1 if refused else 0
                if refused and refusals >= _REFUSALS and len(batch) == 1:
                    log.exception("audit store: event %s refused for good, dropped", batch[0][1].get("request_id"))
                    self._lost("refused", 1)
                    self._commit(batch)
                    refusals = 0
                    continue
                if refused and refusals >= _REFUSALS:  # find the one event the store refuses
                    self._size = max(1, len(batch) // 2)
                log.exception("audit store: cannot append %d events; retrying in %.1f s", len(batch), backoff)
                with self._cond:
                    self._cond.wait_for(lambda: self._closing, backoff)
                    if self._closing:
                        return
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff, refusals, self._size = 0.1, 0, self.batch
            self._commit(batch)

    def _commit(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        last = batch[-1][0]
        with self._cond:
            while self._queue and self._queue[0][0] <= last:  # (close may have emptied the queue)
                self._queue.popleft()
            self._done = max(self._done, last)
            self._cond.notify_all()
