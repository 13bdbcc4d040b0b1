"""WSGI entry point for servers such as gunicorn: ``gunicorn 'facade_app.wsgi:app'``.

The configuration file is named by ``LEGACY_BRIDGES_CONFIG`` (default ``bridges.toml``).
Each worker process builds its own bridges (sessions, pools, browsers are never shared
across a fork); the workers share the review queue and their readiness pings through the
state folder, and their metrics through a folder of it per gunicorn master (add
``child_exit = facade_app.wsgi.child_exit`` to a gunicorn configuration of your own, so a
worker that exits stops counting in the live gauges; ``bridges serve`` does), or use
``-c python:facade_app.gunicorn_conf``, which also drains a worker on SIGTERM.
"""

import logging
import os

from bridges.core.config import load_config
from facade_app.logs import configure_logging
from facade_app.metrics_dir import prepare_metrics_dir

__all__ = ["app", "child_exit"]

_config = load_config(os.environ.get("LEGACY_BRIDGES_CONFIG", "bridges.toml"))
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:  # before prometheus_client is imported
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(prepare_metrics_dir(_config.path(_config.facade.state_dir)))
if not logging.getLogger().handlers:  # a server that configured no logging of its own
    configure_logging(_config.facade.log_format, getattr(logging, _config.facade.log_level.upper()))

from facade_app.app import create_app  # noqa: E402  (after the metrics folder is chosen)
from facade_app.metrics import child_exit  # noqa: E402

app = create_app(_config, several_processes=True)
