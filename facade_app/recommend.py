"""The guide's middleware example as a consumer: an order placed in ORDERS → a recommendation event.

    consumer = RecommendationConsumer(FacadeClient(facade_url, api_key), prefix="legacy")
    consumer.run(stop)      # until stop is set

It reads the ``<prefix>.orders.created`` events ``bridges watch`` publishes, asks the facade
(over HTTP, through the typed client) for the ordering customer's customer-360 — the CUSTMAST
record and the open HELPDESK tickets — and publishes a ``legacy.recommendation`` CloudEvent on
``<prefix>.recommendations.created`` in the same stream, which ``bridges events webhook
--subject <prefix>.recommendations.>`` delivers, signed, as the notification.

The consumer is a durable JetStream pull consumer: an order event is acked only once its
recommendation is stored, so a consumer that dies in between handles the order again, and the
recommendation's id (derived from the order event's id) lets JetStream drop the second copy.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import json
import logging
import threading
from typing import Any

from bridges.customer360 import Customer360Bridge
from bridges.customer360.models import Customer360
from bridges.events.changes import canonical_json
from bridges.events.jetstream import DEFAULT_URL, NatsLoop
from facade_app.client import FacadeClient

__all__ = ["RecommendationConsumer", "recommend"]

log = logging.getLogger("legacy_bridges.events")


def recommend(order: dict[str, Any], view: Customer360) -> dict[str, Any]:
    """What to do about a new ``order`` given what the systems know of its customer (a plain rule, no model)."""
    customer = view.customer.data
    tickets = view.tickets.data
    open_tickets = tickets.open_total if tickets else 0
    if tickets is None or customer is None:
        action, reason = "review", "a system did not answer in time; check the customer by hand"
    elif open_tickets:
        newest = tickets.tickets[0]
        action = "call-before-shipping"
        reason = f"{open_tickets} open helpdesk ticket(s), newest {newest.ticket_no}: {newest.subject}"
    else:
        action, reason = "thank-you", "no open helpdesk tickets"
    return {
        "order_no": order.get("ohorno") or order.get("order_no"),
        "customer_id": view.customer_id,
        "customer_name": customer.name if customer else None,
        "phone": customer.phone if customer else None,
        "open_tickets": open_tickets,
        "ticket_nos": [t.ticket_no for t in tickets.tickets[:5]] if tickets else [],
        "action": action,
        "reason": reason,
    }


class RecommendationConsumer:
    """Turns order-created events into recommendation events (:meth:`run` until stopped)."""

    def __init__(
        self,
        facade: FacadeClient,
        *,
        url: str = DEFAULT_URL,
        stream: str = "LEGACY_EVENTS",
        prefix: str = "legacy",
        source: str = "orders",
        customer_field: str = "ohcusn",
        durable: str = "recommend",
        new_only: bool = False,
    ) -> None:
        self.facade = facade.bridge(Customer360Bridge)
        self.stream, self.prefix = stream, prefix
        self.subject = f"{prefix}.{source}.created"
        self.out_subject = f"{prefix}.recommendations.created"
        self.customer_field, self.durable, self.new_only = customer_field, durable, new_only
        self.handled = 0
        self._loop = NatsLoop(url, 5.0)

    def recommendation_event(self, order_event: dict[str, Any]) -> dict[str, Any]:
        """The recommendation CloudEvent for one order-created CloudEvent (calls the facade)."""
        order = order_event["data"]["new"]
        view = self.facade.get_customer_360(customer=str(order[self.customer_field]).strip())
        assert isinstance(view, Customer360)
        return {
            "specversion": "1.0",
            "id": hashlib.sha256(f"recommendation\x1f{order_event['id']}".encode()).hexdigest()[:32],
            "source": "legacy-bridges/recommendations",
            "type": "legacy.recommendation",
            "subject": order_event["subject"],
            "time": dt.datetime.now(dt.UTC).isoformat(),
            "datacontenttype": "application/json",
            "data": recommend(order, view) | {"order_event": order_event["id"]},
        }

    async def _handle(self, msg: Any) -> None:
        order_event = json.loads(msg.data)
        # the facade call is blocking HTTP: off the loop, so the NATS connection keeps its heartbeats
        event = await asyncio.get_running_loop().run_in_executor(None, self.recommendation_event, order_event)
        await self._loop.js.publish(
            self.out_subject,
            canonical_json(event).encode(),
            stream=self.stream,
            headers={"Nats-Msg-Id": event["id"], "Content-Type": "application/cloudevents+json"},
        )
        await msg.ack()
        self.handled += 1

    async def _subscribe(self) -> Any:
        from nats.js.api import ConsumerConfig, DeliverPolicy

        config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW if self.new_only else DeliverPolicy.ALL)
        return await self._loop.js.pull_subscribe(self.subject, durable=self.durable, stream=self.stream, config=config)

    async def _run(self, psub: Any, stop: threading.Event) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        while not stop.is_set():
            try:
                batch = await psub.fetch(1, timeout=0.5)
            except NatsTimeout:
                continue
            for msg in batch:
                try:
                    await self._handle(msg)
                except Exception as exc:  # the facade or the broker failed: the event comes back later
                    log.warning("recommend: order event not handled (%s: %s)", type(exc).__name__, exc)
                    await msg.nak(delay=1)

    def start(self, stop: threading.Event) -> concurrent.futures.Future[None]:
        """Subscribe (returning once subscribed), then handle order events on the consumer's loop until ``stop``."""
        psub = self._loop.run(self._subscribe(), 10)
        return asyncio.run_coroutine_threadsafe(self._run(psub, stop), self._loop.loop)

    def run(self, stop: threading.Event) -> None:
        """Handle order events until ``stop`` is set."""
        self.start(stop).result()

    def close(self) -> None:
        """Disconnect."""
        self._loop.stop()
