"""Running the facade: gunicorn for real use, Werkzeug's threaded server for the demo."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from bridges.core.config import Config
from bridges.core.errors import ConfigError

__all__ = ["check_shared_state", "make_dev_server", "run_gunicorn"]


def check_shared_state(config: Config, workers: int) -> None:
    """Raise :class:`ConfigError`, naming each key, when several workers would each keep
    their own copy of state that must be shared (a review queue, rate-limit counters, a
    legacy system's session or connection budget).

    A budget is refused rather than divided among the workers: a worker does not know its
    place among the others (gunicorn numbers none, replaces dead ones, and other hosts may
    serve too), so it could neither take a fair share of a count nor the right LU names."""
    if workers <= 1:
        return
    from bridges.core.registry import per_process_budgets
    from facade_app.audit_chain import store_url
    from facade_app.review_store import is_per_process, review_store_url

    problems = []
    audit_store = store_url(config)
    if audit_store and is_per_process(audit_store):
        problems.append("facade.audit_store is in one process's memory (each worker would chain its own "
                        "trail): use a file or server database, or leave it unset")
    if is_per_process(review_store_url(config)):
        problems.append("facade.review_store is in one process's memory (each worker would see its own "
                        "queue): use a file or server database, or leave it unset")
    if config.facade.rate_limit_storage.startswith("memory://"):
        problems.append("facade.rate_limit_storage = memory:// counts per worker (each would grant the whole "
                        "budget): use redis://host:port")
    budgets = per_process_budgets(config)
    if budgets:
        problems.append(f"{', '.join(budgets)} would be each worker's own (together {workers} times the legacy "
                        "system's budget, the same LU names claimed twice): set facade.budget_store = "
                        "redis://host:port")
    if problems:
        raise ConfigError(f"{workers} workers cannot share per-process state: " + "; ".join(problems)
                          + " — or serve with --workers 1")


def run_gunicorn(config_path: str, host: str, port: int, workers: int, threads: int = 8,
                 extra: dict[str, Any] | None = None) -> None:
    """Serve ``facade_app.wsgi:app`` under gunicorn (blocks until stopped); SIGTERM drains
    each worker (:mod:`facade_app.drain`) within the configuration's longest call."""
    from gunicorn.app.base import BaseApplication

    from bridges.core.config import load_config
    from facade_app.drain import drain_timeout_s, post_worker_init

    os.environ["LEGACY_BRIDGES_CONFIG"] = str(config_path)
    graceful_timeout = drain_timeout_s(load_config(config_path))

    class _App(BaseApplication):  # the documented way to embed gunicorn
        def load_config(self) -> None:
            settings = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                        "worker_class": "gthread", "accesslog": None, "timeout": 120, "child_exit": _child_exit,
                        "post_worker_init": post_worker_init, "graceful_timeout": graceful_timeout, **(extra or {})}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from facade_app.wsgi import app

            return app

    _App().run()


def _child_exit(server: Any, worker: Any) -> None:
    """gunicorn's hook in the master: a worker that exited stops counting in the live gauges."""
    from facade_app.metrics import child_exit

    child_exit(server, worker)


def make_dev_server(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """A threaded Werkzeug server (one process, so in-memory rate limits are exact)."""
    return make_server(host, port, app, threaded=True)
