"""The browser owner: one thread that owns Playwright and its Chromium.

Playwright's sync objects are bound to the thread that created them, so every use of a
browser — contexts, pages, routes, traces — runs on its owner thread, fed by a queue.
Callers wait for their job at most until their deadline (plus a short grace for the
owner to notice); a job whose caller gave up is skipped. When the browser or the
Playwright driver dies, the job that saw it fails with :class:`BrowserGone` and the next
job launches a fresh browser.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from playwright.sync_api import sync_playwright

from bridges.core.deadline import Deadline, current_deadline, deadline_scope
from bridges.core.errors import BridgeError, DeadlineExceeded, Unavailable
from web_scrape.errors import BrowserGone, is_browser_gone, translate_playwright_error
from web_scrape.launch import LaunchSettings, launch_browser

__all__ = ["BrowserOwner"]

T = TypeVar("T")
log = logging.getLogger("legacy_bridges.web_scrape")

# How long past its deadline a caller waits for the owner to hand back a result (the
# job itself is bounded by the deadline; this covers the hand-over only).
_HANDOVER_GRACE_S = 1.5


class _Job(Generic[T]):
    __slots__ = ("abandoned", "deadline", "doing", "done", "error", "fn", "value")

    def __init__(self, fn: Callable[[Any], T], deadline: Deadline, doing: str) -> None:
        self.fn = fn
        self.deadline = deadline
        self.doing = doing
        self.done = threading.Event()
        self.abandoned = False
        self.value: T | None = None
        self.error: BaseException | None = None


_STOP = object()


class BrowserOwner:
    """Runs callables against one browser on the thread that owns it.

    ``on_restart`` is called (on the owner thread) whenever a new browser replaces one
    that died, so whoever caches contexts of the old one can drop them.
    """

    def __init__(
        self,
        settings: LaunchSettings | None = None,
        *,
        name: str = "browser",
        on_restart: Callable[[], None] | None = None,
        redact: Callable[[str], str] = lambda s: s,
    ) -> None:
        self.settings = settings or LaunchSettings()
        self.name = name
        self.on_restart = on_restart
        self.redact = redact
        self.generation = 0
        self.launches = 0
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._playwright: Any = None
        self._browser: Any = None
        self._closed = False

    # -- caller side ------------------------------------------------------------------

    def call(self, fn: Callable[[Any], T], *, doing: str = "a browser call") -> T:
        """Run ``fn(browser)`` on the owner thread under the current deadline."""
        if self._closed:
            raise Unavailable(f"{self.name}: the browser owner is closed")
        deadline = current_deadline()
        deadline.check(doing)
        job: _Job[T] = _Job(fn, deadline, doing)
        self._ensure_thread()
        self._queue.put(job)
        if not job.done.wait(deadline.remaining() + _HANDOVER_GRACE_S):
            job.abandoned = True
            raise DeadlineExceeded(f"deadline of {deadline.seconds:g}s passed waiting for the browser ({doing})")
        if job.error is not None:
            raise job.error
        return job.value  # type: ignore[return-value]

    @property
    def alive(self) -> bool:
        """True while the owner thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        """Cheap state for readiness reports."""
        return {"thread": self.alive, "launches": self.launches, "generation": self.generation,
                "queued": self._queue.qsize()}

    def close(self, timeout: float = 10.0) -> None:
        """Stop the owner thread, closing the browser and Playwright."""
        self._closed = True
        with self._lock:
            thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(_STOP)
            thread.join(timeout)

    # -- owner side -------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=f"{self.name}-owner", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        try:
            while True:
                job = self._queue.get()
                if job is _STOP:
                    return
                self._run(job)
        finally:
            self._shutdown()

    def _run(self, job: _Job[Any]) -> None:
        try:
            if job.abandoned or job.deadline.expired:
                job.error = DeadlineExceeded(f"deadline passed before the browser was free ({job.doing})")
                return
            with deadline_scope(job.deadline):
                browser = self._ensure_browser()
                job.value = job.fn(browser)
        except BaseException as exc:  # every failure goes back to the caller, typed
            gone = isinstance(exc, BrowserGone) or is_browser_gone(exc) or not self._browser_connected()
            if gone:
                self._drop_browser()
            error = translate_playwright_error(exc, job.doing, self.redact)
            if gone and not isinstance(error, BrowserGone):
                error = BrowserGone(f"the browser went away during {job.doing}; it is restarted for the next call",
                                    retry_after=1)
            if not isinstance(exc, BridgeError) and not isinstance(error, BrowserGone):
                log.warning("%s: %s failed: %s", self.name, job.doing, error.detail)
            job.error = error
        finally:
            job.done.set()

    def _browser_connected(self) -> bool:
        try:
            return self._browser is not None and self._browser.is_connected()
        except Exception:
            return False

    def _ensure_browser(self) -> Any:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._browser is not None:
            self._drop_browser()
        if self._playwright is None:
            self._playwright = sync_playwright().start()
        try:
            self._browser = launch_browser(self._playwright, self.settings)
        except Exception as exc:
            # The driver itself may be gone: start a fresh one next time.
            self._stop_playwright()
            raise Unavailable(f"{self.name}: cannot launch Chromium ({type(exc).__name__})", retry_after=2) from None
        self.launches += 1
        if self.launches > 1:
            log.warning("%s: browser restarted (launch #%d)", self.name, self.launches)
        return self._browser

    def _drop_browser(self) -> None:
        browser, self._browser = self._browser, None
        self.generation += 1
        if self.on_restart is not None:
            try:
                self.on_restart()
            except Exception:  # a cache that cannot be cleared must not stop the owner
                log.exception("%s: on_restart failed", self.name)
        if browser is not None:
            with contextlib.suppress(Exception):
                browser.close()
        # A dead browser often means a dead driver connection: start both afresh.
        self._stop_playwright()

    def _stop_playwright(self) -> None:
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(Exception):
                playwright.stop()

    def _shutdown(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                self._browser.close()
            self._browser = None
        self._stop_playwright()
