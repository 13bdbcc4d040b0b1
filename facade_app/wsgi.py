"""WSGI entry point for servers such as gunicorn: ``gunicorn 'facade_app.wsgi:app'``.

The configuration file is named by ``LEGACY_BRIDGES_CONFIG`` (default ``bridges.toml``).
Each worker process builds its own bridges (sessions, pools, browsers are never shared
across a fork); the workers share the review queue and their readiness pings through the
state folder.
"""

import os

from bridges.core.config import load_config
from facade_app.app import create_app

__all__ = ["app"]

app = create_app(load_config(os.environ.get("LEGACY_BRIDGES_CONFIG", "bridges.toml")), several_processes=True)
