"""Outbound webhooks: the events of a JetStream subject POSTed to a URL, signed, retried, dead-lettered.

Requests follow the Standard Webhooks specification (standardwebhooks.com), whose
``standardwebhooks`` library signs them: the body is the CloudEvent, and the headers

* ``webhook-id`` — the change id (the same on every retry: receivers dedupe by it);
* ``webhook-timestamp`` — Unix seconds when this attempt was signed;
* ``webhook-signature`` — ``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``.

A receiver verifies with the shared secret (``whsec_…``, base64) in three lines of Python::

    from standardwebhooks.webhooks import Webhook
    event = Webhook(secret).verify(body_bytes, request_headers)   # raises WebhookVerificationError

(or, by hand: recompute the HMAC, compare in constant time, refuse timestamps more than five
minutes away). A failed delivery — a connection error, a timeout or an answer other than 2xx —
is tried again on a capped exponential schedule with jitter (:func:`retry_delay`): the n-th retry
waits ``min(max_backoff_s, backoff_s × 2^(n−1))`` times a random factor in [0.75, 1] (so forwarders
retrying the same receiver do not come back in step). With the defaults — 0.5 s doubling to a 10 s
cap, 20 attempts — a receiver that comes back is reached again at most 10 s later, and an event is
dead-lettered only after 20 failed attempts spanning at least 117 s (at most 156 s) of failures
(:func:`dead_letter_after_s`): a receiver down for a minute gets everything once it is back. Then
the event goes to the dead-letter subject ``<prefix>_deadletter.<name>`` (stream
``<stream>_DEADLETTER``) with the last error in its headers, and the forwarder moves on. Events are
taken from a durable JetStream consumer one at a time, in stream order, and acked only once
delivered or dead-lettered, so a forwarder that restarts resumes where it was and a receiver gets
them in order (an event waits for the one before it, which is retried first).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import threading
from typing import Any

import httpx
from prometheus_client import CollectorRegistry, Counter, generate_latest
from standardwebhooks.webhooks import Webhook

from bridges.events.jetstream import DEFAULT_URL, NatsLoop

__all__ = ["WebhookForwarder", "dead_letter_after_s", "retry_delay", "sign_headers"]

log = logging.getLogger("legacy_bridges.events")


JITTER = 0.25
"""A retry waits its scheduled delay times a factor drawn from [1 − JITTER, 1]."""


def retry_delay(retry: int, backoff_s: float, max_backoff_s: float, rng: random.Random | None = None) -> float:
    """How long the ``retry``-th retry (1, 2, …) of one event waits: capped exponential, with jitter."""
    scheduled = min(max_backoff_s, backoff_s * 2 ** min(retry - 1, 60))
    return scheduled * (1 - JITTER * (rng or random).random())


def dead_letter_after_s(max_attempts: int, backoff_s: float, max_backoff_s: float) -> tuple[float, float]:
    """The least and the most time between an event's first failed attempt and its dead-lettering (the
    waits between ``max_attempts`` attempts, request times left out): an outage shorter than the first
    is always outlived."""
    longest = sum(min(max_backoff_s, backoff_s * 2 ** min(n - 1, 60)) for n in range(1, max_attempts))
    return longest * (1 - JITTER), longest


def sign_headers(secret: str | bytes, msg_id: str, body: bytes, when: dt.datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers of ``body`` signed with ``secret`` at ``when`` (now by default)."""
    when = when or dt.datetime.now(dt.UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, body.decode()),
        "content-type": "application/cloudevents+json",
    }


async def _wait(stop: threading.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less when ``stop`` is set meanwhile (a stop need not wait out a 10 s backoff)."""
    end = asyncio.get_running_loop().time() + seconds
    while not stop.is_set():
        left = end - asyncio.get_running_loop().time()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.2))


class WebhookForwarder:
    """Forwards the events of ``subject`` (on ``stream``) to ``endpoint``; :meth:`run` until stopped."""

    def __init__(
        self,
        endpoint: str,
        secret: str | bytes,
        *,
        name: str,
        subject: str = "legacy.>",
        stream: str = "LEGACY_EVENTS",
        prefix: str = "legacy",
        url: str = DEFAULT_URL,
        max_attempts: int = 20,
        backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        timeout_s: float = 10.0,
    ) -> None:
        Webhook(secret)  # a malformed secret fails here, not at the first event
        self.endpoint, self.secret, self.name = endpoint, secret, name
        self.subject, self.stream = subject, stream
        self.dead_letter_stream = f"{stream}_DEADLETTER"
        self.dead_letter_subject = f"{prefix}_deadletter.{name}"
        self.max_attempts, self.backoff_s, self.max_backoff_s = max_attempts, backoff_s, max_backoff_s
        self.timeout_s = timeout_s
        self.delivered = 0
        self.retries = 0
        self.dead_letters = 0
        self.registry = CollectorRegistry()
        self._counted = {
            what: Counter(f"webhook_{what}", text, ["webhook"], registry=self.registry)
            for what, text in (
                ("delivered", "Events the receiver accepted"),
                ("retries", "Deliveries tried again"),
                ("dead_letters", "Events given up on and dead-lettered"),
            )
        }
        for counter in self._counted.values():
            counter.labels(name)  # served at 0 from the start: an alert on dead letters sees the webhook at once
        self._loop = NatsLoop(url, 5.0)

    async def _deliver(self, client: httpx.AsyncClient, msg: Any, stop: threading.Event) -> None:
        msg_id = (msg.headers or {}).get("Nats-Msg-Id") or f"{msg.metadata.stream}-{msg.metadata.sequence.stream}"
        error = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                answer = await client.post(
                    self.endpoint, content=msg.data, headers=sign_headers(self.secret, msg_id, msg.data)
                )
                if 200 <= answer.status_code < 300:
                    self.delivered += 1
                    self._counted["delivered"].labels(self.name).inc()
                    await msg.ack()
                    return
                error = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            if attempt == self.max_attempts or stop.is_set():
                break
            self.retries += 1
            self._counted["retries"].labels(self.name).inc()
            delay = retry_delay(attempt, self.backoff_s, self.max_backoff_s)
            log.info("webhook %s: %s failed (%s), attempt %d; again in %.1fs", self.name, msg_id, error, attempt, delay)
            await msg.in_progress()  # the consumer must not hand the event out again while it is being retried
            await _wait(stop, delay)
        if stop.is_set():
            await msg.nak()
            return
        await self._loop.js.publish(
            self.dead_letter_subject,
            msg.data,
            headers={
                "Nats-Msg-Id": f"dl-{self.name}-{msg_id}",
                "Webhook-Error": error[:500],
                "Webhook-Endpoint": self.endpoint,
                "Webhook-Attempts": str(self.max_attempts),
            },
        )
        self.dead_letters += 1
        self._counted["dead_letters"].labels(self.name).inc()
        log.warning("webhook %s: %s dead-lettered after %d attempts (%s)", self.name, msg_id, self.max_attempts, error)
        await msg.ack()

    async def _run(self, stop: threading.Event) -> None:
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js.api import StorageType, StreamConfig
        from nats.js.errors import NotFoundError

        try:
            await self._loop.js.stream_info(self.dead_letter_stream)
        except NotFoundError:
            await self._loop.js.add_stream(
                StreamConfig(
                    name=self.dead_letter_stream,
                    subjects=[f"{self.dead_letter_subject.split('.')[0]}.>"],
                    storage=StorageType.FILE,
                )
            )

        psub = await self._loop.js.pull_subscribe(self.subject, durable=f"webhook-{self.name}", stream=self.stream)
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            while not stop.is_set():
                try:
                    batch = await psub.fetch(1, timeout=0.5)
                except NatsTimeout:
                    continue
                for msg in batch:
                    await self._deliver(client, msg, stop)

    def run(self, stop: threading.Event) -> None:
        """Forward events until ``stop`` is set."""
        asyncio.run_coroutine_threadsafe(self._run(stop), self._loop.loop).result()

    def metrics(self) -> bytes:
        """``webhook_delivered_total``, ``webhook_retries_total`` and ``webhook_dead_letters_total`` (Prometheus)."""
        return generate_latest(self.registry)

    def health(self) -> dict[str, Any]:
        """The counts as JSON."""
        return {
            "webhook": self.name,
            "delivered": self.delivered,
            "retries": self.retries,
            "dead_letters": self.dead_letters,
        }

    def close(self) -> None:
        """Disconnect."""
        self._loop.stop()
