"""The facade with the bench-only ``bench_big`` bridge registered (gunicorn ``bench.big_wsgi:app``)."""

from __future__ import annotations

from bridges.core import registry

registry._BUILTIN["bench_big"] = "bench.rdbms_export:BigBridge"  # a bench-only bridge, never installed

from facade_app.wsgi import app  # noqa: E402 — after the registration above

__all__ = ["app"]
