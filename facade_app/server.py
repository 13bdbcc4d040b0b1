"""Running the facade: gunicorn for real use, Werkzeug's threaded server for the demo."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

__all__ = ["make_dev_server", "run_gunicorn"]


def run_gunicorn(config_path: str, host: str, port: int, workers: int, threads: int = 8,
                 extra: dict[str, Any] | None = None) -> None:
    """Serve ``facade_app.wsgi:app`` under gunicorn (blocks until stopped)."""
    from gunicorn.app.base import BaseApplication

    os.environ["LEGACY_BRIDGES_CONFIG"] = str(config_path)

    class _App(BaseApplication):  # the documented way to embed gunicorn
        def load_config(self) -> None:
            settings = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                        "worker_class": "gthread", "accesslog": None, "timeout": 120, **(extra or {})}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from facade_app.wsgi import app

            return app

    _App().run()


def make_dev_server(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """A threaded Werkzeug server (one process, so in-memory rate limits are exact)."""
    return make_server(host, port, app, threaded=True)
