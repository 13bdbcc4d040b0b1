"""``bridges watch`` (legacy changes onto NATS JetStream), ``bridges events tail`` (read them back),
``bridges events webhook`` (forward them to a URL, signed) and ``bridges events recommend`` (orders →
recommendations, asking the facade)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

__all__ = ["add_watch_commands"]


def _cmd_watch(args: argparse.Namespace) -> int:
    from bridges.events.config import load_watch_config
    from bridges.events.watcher import build_watcher

    config = load_watch_config(args.config)
    watcher = build_watcher(config, owner=args.owner)
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    port = args.metrics_port if args.metrics_port is not None else config.metrics_port
    server = watcher.serve_metrics(config.metrics_host, port) if port is not None else None
    try:
        if args.once:
            for state in watcher.sources.values():
                watcher.poll_once(state)
            print(json.dumps(watcher.health(), indent=2))
        else:
            print(f"bridges watch: {len(watcher.sources)} sources, owner {watcher.owner}", file=sys.stderr, flush=True)
            watcher.run(stop)
    finally:
        if server is not None:
            server.shutdown()
        watcher.close()
    return 0


def _cmd_tail(args: argparse.Namespace) -> int:
    from bridges.events.consumer import DurableReader
    from bridges.events.jetstream import StreamReader

    reader: DurableReader | StreamReader
    if args.durable:
        reader = DurableReader(
            args.durable,
            args.url,
            subject=args.subject,
            stream=args.stream,
            new_only=args.new,
            ack_wait_s=args.ack_wait_s,
        )
    else:
        reader = StreamReader(args.url, subject=args.subject, stream=args.stream, new_only=args.new)
    try:
        for event in reader.read(idle_s=args.idle_s if args.idle_s > 0 else 3600 * 24 * 365, limit=args.limit):
            print(json.dumps(event, ensure_ascii=False), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        reader.close()
    return 0


def _cmd_webhook(args: argparse.Namespace) -> int:
    import os

    from bridges.events.webhooks import WebhookForwarder

    secret = os.environ.get(args.secret_env)
    if not secret:
        print(f"bridges events webhook: set the shared secret (whsec_…) in ${args.secret_env}", file=sys.stderr)
        return 2
    forwarder = WebhookForwarder(
        args.endpoint,
        secret,
        name=args.name,
        subject=args.subject,
        stream=args.stream,
        prefix=args.prefix,
        url=args.url,
        max_attempts=args.max_attempts,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server = None
    if args.metrics_port is not None:
        from bridges.events.metrics_http import serve_metrics

        server = serve_metrics("127.0.0.1", args.metrics_port, forwarder.metrics, forwarder.health)
    try:
        forwarder.run(stop)
    finally:
        if server is not None:
            server.shutdown()
        forwarder.close()
    return 0


def _cmd_recommend(args: argparse.Namespace) -> int:
    import os

    from facade_app.client import FacadeClient
    from facade_app.recommend import RecommendationConsumer

    key = os.environ.get(args.key_env)
    if not key:
        print(f"bridges events recommend: set the facade API key in ${args.key_env}", file=sys.stderr)
        return 2
    consumer = RecommendationConsumer(
        FacadeClient(args.facade, key, retries=2),
        url=args.url,
        stream=args.stream,
        prefix=args.prefix,
        source=args.source,
        durable=args.durable,
        new_only=args.new,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        consumer.run(stop)
    finally:
        consumer.close()
    return 0


def add_watch_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``watch`` and ``events tail|webhook|recommend`` to the ``bridges`` command's sub-parsers."""
    p = sub.add_parser("watch", help="publish legacy changes as CloudEvents on NATS JetStream, losing none")
    p.add_argument("--config", default="watch.toml", help="the watch file (sources, store, broker)")
    p.add_argument("--owner", help="this process's name in the source leases (default: host:pid:random)")
    p.add_argument("--metrics-port", type=int, help="serve /metrics and /healthz here (overrides metrics_port)")
    p.add_argument("--once", action="store_true", help="poll each source once, print its state and exit")
    p.set_defaults(func=_cmd_watch)

    events = sub.add_parser("events", help="read the change events")
    commands = events.add_subparsers(dest="events_command", required=True)
    p = commands.add_parser("tail", help="print the events of a subject as JSON lines")
    p.add_argument("--url", default="nats://127.0.0.1:4222")
    p.add_argument("--subject", default="legacy.>", help="e.g. legacy.orders.> (one source)")
    p.add_argument("--stream", help="the stream (default: the one holding the subject)")
    p.add_argument("--new", action="store_true", help="only events published from now on")
    p.add_argument("--limit", type=int, help="stop after this many events")
    p.add_argument("--idle-s", type=float, default=0, help="stop when none came for this long (0: never)")
    p.add_argument(
        "--durable",
        help="a durable consumer's name: a restart resumes after the last event printed (at least once; dedupe by id)",
    )
    p.add_argument("--ack-wait-s", type=float, default=30.0, help="with --durable: an unacked event comes back after")
    p.set_defaults(func=_cmd_tail)

    p = commands.add_parser("webhook", help="POST a subject's events to a URL, signed (Standard Webhooks)")
    p.add_argument("--endpoint", required=True, help="the receiver's URL")
    p.add_argument("--name", required=True, help="this webhook's name (its durable consumer and dead letters)")
    p.add_argument("--secret-env", default="LEGACY_BRIDGES_WEBHOOK_SECRET", help="variable holding the whsec_ secret")
    p.add_argument("--url", default="nats://127.0.0.1:4222")
    p.add_argument("--subject", default="legacy.>")
    p.add_argument("--stream", default="LEGACY_EVENTS")
    p.add_argument("--prefix", default="legacy", help="dead letters go to <prefix>_deadletter.<name>")
    p.add_argument(
        "--max-attempts", type=int, default=20, help="then the event is dead-lettered (20: after 117-156 s of failures)"
    )
    p.add_argument("--metrics-port", type=int, help="serve delivered, retries and dead letters on /metrics here")
    p.set_defaults(func=_cmd_webhook)

    p = commands.add_parser("recommend", help="turn order-created events into recommendation events (asks the facade)")
    p.add_argument("--facade", required=True, help="the facade's base URL")
    p.add_argument("--key-env", default="LEGACY_BRIDGES_API_KEY", help="variable holding the facade API key")
    p.add_argument("--url", default="nats://127.0.0.1:4222")
    p.add_argument("--stream", default="LEGACY_EVENTS")
    p.add_argument("--prefix", default="legacy", help="the subjects' first part (as bridges watch)")
    p.add_argument("--source", default="orders", help="the watch source whose created events are orders")
    p.add_argument("--durable", default="recommend", help="the durable consumer's name (resumes where it was)")
    p.add_argument("--new", action="store_true", help="on first start, only orders placed from now on")
    p.set_defaults(func=_cmd_recommend)
