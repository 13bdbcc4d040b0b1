"""gunicorn settings for the facade, for a gunicorn command line of your own::

    LEGACY_BRIDGES_CONFIG=bridges.toml gunicorn -c python:facade_app.gunicorn_conf facade_app.wsgi:app

``bridges serve`` sets the same: SIGTERM drains a worker (:mod:`facade_app.drain`) within
``graceful_timeout`` (the longest call the configuration allows, then time to sign off),
and a worker that exited stops counting in the live gauges.
"""

import os
from typing import Any

from bridges.core.config import load_config
from facade_app.drain import drain_timeout_s
from facade_app.drain import post_worker_init as post_worker_init

__all__ = ["child_exit", "graceful_timeout", "post_worker_init", "worker_class"]

worker_class = "gthread"
graceful_timeout = drain_timeout_s(load_config(os.environ.get("LEGACY_BRIDGES_CONFIG", "bridges.toml")))


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's hook in the master (prometheus_client is imported only here, after the
    worker chose the metrics folder)."""
    from facade_app.metrics import child_exit as mark_dead

    mark_dead(server, worker)
