"""Events on NATS JetStream: publishing acknowledged and deduplicated by change id, and reading them back.

JetStream is the default broker because it does what at-least-once delivery with
exactly-once *effect* needs on the broker's side, with nothing of ours to run: a publish
is answered only once the stream has stored the message (the ack the watcher waits for
before committing its offset), and a message whose ``Nats-Msg-Id`` was seen within the
stream's duplicate window is acknowledged as a duplicate and not stored again — a
watcher that crashed between publishing and committing publishes the same change ids
again, and consumers see each change once.

Each event is a structured-mode CloudEvent (``Content-Type: application/cloudevents+json``)
on ``<prefix>.<source>.<kind>`` (``legacy.orders.updated``); the stream holds ``<prefix>.>``.

nats-py is asyncio; the sink runs its own event loop on a thread, so a watcher calls
:meth:`JetStreamSink.publish` as a plain blocking function.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Coroutine, Iterator, Sequence
from typing import Any, TypeVar

from bridges.core.errors import Unavailable
from bridges.events.changes import ChangeEvent

__all__ = ["DEFAULT_URL", "JetStreamSink", "NatsLoop", "StreamReader"]

DEFAULT_URL = "nats://127.0.0.1:4222"
_T = TypeVar("_T")


class NatsLoop:
    """An asyncio loop on a daemon thread, a connection to NATS made on it (``nc``, ``js``), and :meth:`run`
    to call a coroutine on it from any thread (Unavailable when it fails or takes longer than ``timeout``)."""

    def __init__(self, url: str, connect_timeout_s: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="nats-loop", daemon=True)
        self.thread.start()
        self.timeout = connect_timeout_s
        try:
            self.nc = self.run(self._connect(url, connect_timeout_s), connect_timeout_s + 2)
        except BaseException:
            self.stop()
            raise
        self.js = self.nc.jetstream()

    @staticmethod
    async def _connect(url: str, timeout: float) -> Any:
        import nats

        return await nats.connect(
            url,
            connect_timeout=max(1, int(timeout)),
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
        )

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float) -> _T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except Exception as exc:
            future.cancel()
            raise Unavailable(f"NATS JetStream: {type(exc).__name__ or 'timeout'}: {exc}", retry_after=2) from None

    async def _close(self) -> None:
        if getattr(self, "nc", None) is not None:
            with contextlib.suppress(Exception):  # closing a connection already gone: nothing left to release
                await self.nc.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        with contextlib.suppress(Exception):  # a loop that cannot close in time is stopped all the same
            asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(self.timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(self.timeout)


class JetStreamSink:
    """Publishes change events to a JetStream stream, returning once every one is acknowledged.

    The stream ``stream`` (subjects ``<prefix>.>``, file storage, duplicate window
    ``duplicate_window_s``) is created when missing. A publish that is not acknowledged
    within ``ack_timeout_s`` raises :class:`~bridges.core.errors.Unavailable` and the caller
    commits nothing. ``duplicates`` counts publishes the stream recognised as already stored.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        stream: str = "LEGACY_EVENTS",
        prefix: str = "legacy",
        duplicate_window_s: float = 600.0,
        ack_timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
        max_in_flight: int = 1000,
    ) -> None:
        self.stream, self.prefix = stream, prefix
        self.ack_timeout_s = ack_timeout_s
        self.max_in_flight = max_in_flight
        self.published = 0
        self.duplicates = 0
        self._loop = NatsLoop(url, connect_timeout_s)
        try:
            self._loop.run(self._ensure_stream(duplicate_window_s), ack_timeout_s)
        except BaseException:
            self._loop.stop()
            raise

    async def _ensure_stream(self, window: float) -> None:
        from nats.js.api import StorageType, StreamConfig
        from nats.js.errors import NotFoundError

        js = self._loop.js
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(
                StreamConfig(
                    name=self.stream, subjects=[f"{self.prefix}.>"], storage=StorageType.FILE, duplicate_window=window
                )
            )

    def subject(self, event: ChangeEvent) -> str:
        """Where ``event`` is published: ``<prefix>.<source>.<kind>``."""
        return f"{self.prefix}.{event.source}.{event.kind}"

    async def _publish(self, events: Sequence[ChangeEvent]) -> list[Any]:
        js = self._loop.js
        acks: list[Any] = []
        for start in range(0, len(events), self.max_in_flight):
            futures = [
                await js.publish_async(
                    self.subject(e),
                    e.to_json(),
                    stream=self.stream,
                    headers={"Nats-Msg-Id": e.id, "Content-Type": "application/cloudevents+json"},
                )
                for e in events[start : start + self.max_in_flight]
            ]
            acks += await asyncio.wait_for(asyncio.gather(*futures), self.ack_timeout_s)
        return acks

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Publish ``events`` and wait for the stream to acknowledge each (Unavailable if it does not)."""
        if not events:
            return
        acks = self._loop.run(self._publish(events), self.ack_timeout_s * (1 + len(events) // self.max_in_flight))
        self.published += len(acks)
        self.duplicates += sum(1 for ack in acks if ack.duplicate)

    def close(self) -> None:
        """Close the connection and stop the loop."""
        self._loop.stop()


class StreamReader:
    """Reads the CloudEvents of a stream in order, from the start or from new ones only (an ordered consumer).

    ``subject`` filters (``legacy.orders.>``); :meth:`read` yields each event's JSON as a dict."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        subject: str = "legacy.>",
        stream: str | None = None,
        new_only: bool = False,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self._loop = NatsLoop(url, connect_timeout_s)
        self._queue: asyncio.Queue[Any] | None = None
        try:
            self._loop.run(self._subscribe(subject, stream, new_only), connect_timeout_s + 5)
        except BaseException:
            self._loop.stop()
            raise

    async def _subscribe(self, subject: str, stream: str | None, new_only: bool) -> None:
        from nats.js.api import DeliverPolicy

        self._queue = asyncio.Queue()
        self._sub = await self._loop.js.subscribe(
            subject,
            stream=stream,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW if new_only else DeliverPolicy.ALL,
            cb=self._queue.put,
        )

    async def _next(self, timeout: float) -> Any:
        assert self._queue is not None
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    def read(self, idle_s: float = 1.0, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Events as they arrive, until none came for ``idle_s`` (or ``limit`` were read)."""
        count = 0
        while limit is None or count < limit:
            msg = asyncio.run_coroutine_threadsafe(self._next(idle_s), self._loop.loop).result(idle_s + 5)
            if msg is None:
                return
            count += 1
            yield json.loads(msg.data)

    def close(self) -> None:
        """Stop reading."""
        self._loop.stop()
