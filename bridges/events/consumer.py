"""A durable consumer of the change events: it resumes where it was after a crash, losing none.

    reader = DurableReader(durable="crm-sync", subject="legacy.orders.>")
    for event in reader.read(idle_s=5):
        handle(event)        # acknowledged when the next event is asked for
    reader.close()

The consumer's position lives in JetStream under its durable name, not in the process: a
reader killed (``kill -9``, a lost host) and started again under the same name goes on from
the first event it had not acknowledged. An event is acknowledged only once the caller asks
for the next one (or the read ends after it), so the event being handled at a crash is handed
out again after ``ack_wait_s``: delivery is at least once, and a redelivered event may come
after later ones. A consumer dedupes by the CloudEvent ``id`` (the change id, the same for
every delivery of one change). A read stopped early (``break``) hands its current event back
at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from bridges.events.jetstream import DEFAULT_URL, NatsLoop

__all__ = ["DurableReader"]


class DurableReader:
    """Reads ``subject``'s CloudEvents through the durable JetStream consumer ``durable`` (created when missing:
    from the stream's first event, or with ``new_only`` from the events published after it is created)."""

    def __init__(
        self,
        durable: str,
        url: str = DEFAULT_URL,
        *,
        subject: str = "legacy.>",
        stream: str | None = None,
        new_only: bool = False,
        ack_wait_s: float = 30.0,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self._loop = NatsLoop(url, connect_timeout_s)
        try:
            self._sub = self._loop.run(
                self._subscribe(durable, subject, stream, new_only, ack_wait_s), connect_timeout_s + 5
            )
        except BaseException:
            self._loop.stop()
            raise

    async def _subscribe(self, durable: str, subject: str, stream: str | None, new_only: bool, ack_wait: float) -> Any:
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.NEW if new_only else DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait,
        )
        return await self._loop.js.pull_subscribe(subject, durable=durable, stream=stream, config=config)

    async def _fetch(self, timeout: float) -> list[Any]:
        """The next event (one at a time: a pull for more would hold the first until they came), or none."""
        from nats.errors import TimeoutError as NatsTimeout

        try:
            return await self._sub.fetch(1, timeout=timeout)
        except NatsTimeout:
            return []

    def read(self, idle_s: float = 1.0, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Events as they arrive, until none came for ``idle_s`` (or ``limit`` were read); each acknowledged
        when the next is asked for (a read stopped while handling one hands it back at once)."""
        count = 0
        quiet_until = time.monotonic() + idle_s
        while limit is None or count < limit:
            wait = min(5.0, quiet_until - time.monotonic())  # short pulls: a stop is not stuck in a long one
            if wait <= 0:
                return
            msgs = self._loop.run(self._fetch(wait), wait + 10)
            if not msgs:
                continue
            (msg,) = msgs
            try:
                yield json.loads(msg.data)
            except GeneratorExit:
                self._loop.run(msg.nak(), 5)
                raise
            self._loop.run(msg.ack(), 5)
            count += 1
            quiet_until = time.monotonic() + idle_s

    def close(self) -> None:
        """Disconnect (the durable consumer stays, with its position)."""
        self._loop.stop()
