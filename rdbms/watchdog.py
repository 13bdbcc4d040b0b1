"""One watchdog thread that cancels queries whose deadline has passed.

pyodbc's own ``timeout`` is ignored by the MariaDB and SQLite drivers, while
``cursor.cancel()`` from another thread stops a running statement on all three; a
single timer thread (rather than a ``threading.Timer`` per query) keeps the cost of
arming one to a heap push.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

__all__ = ["Watchdog", "watchdog"]

log = logging.getLogger("legacy_bridges.rdbms.watchdog")


class _Alarm:
    __slots__ = ("callback", "done", "fired", "live")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.live = True
        self.fired = False
        self.done = threading.Event()

    def disarm(self) -> bool:
        """Stop the alarm; True if it had already fired.

        When it fired, wait for the callback to finish: the caller is about to close
        the cursor the callback is cancelling, and a driver freed mid-cancel crashes.
        """
        self.live = False
        if self.fired:
            self.done.wait(10.0)
        else:
            self.callback = _nothing  # let go of the cursor now, not when the deadline would have come
        return self.fired


def _nothing() -> None:
    pass


class Watchdog:
    """Calls a callback at a monotonic time unless disarmed first."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Alarm]] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, callback: Callable[[], None]) -> _Alarm:
        """Call ``callback`` in ``seconds`` unless the returned alarm is disarmed."""
        alarm = _Alarm(callback)
        with self._cond:
            if len(self._heap) > 4096:  # disarmed alarms far in the future: drop them in one sweep
                self._heap = [entry for entry in self._heap if entry[2].live]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, seconds), next(self._seq), alarm))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="rdbms-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is alarm:
                # Woken only for an alarm due before all others: otherwise the thread wakes
                # in time anyway. An export re-arms once per batch with a later deadline, and
                # a wake-up per batch cost it ~0.2 µs a row (GIL hand-overs to this thread).
                self._cond.notify()
        return alarm

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    if self._heap and not self._heap[0][2].live:
                        heapq.heappop(self._heap)
                        continue
                    self._cond.wait(None if not self._heap else self._heap[0][0] - time.monotonic())
                _, _, alarm = heapq.heappop(self._heap)
                if not alarm.live:
                    continue
                alarm.fired = True
            try:
                alarm.callback()
            except Exception:  # a failed cancel must not kill the watchdog
                log.exception("watchdog callback failed")
            finally:
                alarm.done.set()


watchdog = Watchdog()
"""The process-wide watchdog."""
