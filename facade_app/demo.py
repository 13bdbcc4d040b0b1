"""``bridges demo``: the demo legacy world and the facade in front of it, in one process.

Starts the CUSTMAST TN3270 host and the HELPDESK web app on free loopback ports, builds
the ORDERS SQLite file and CUSTMAST's nightly balance extract, configures the four bridges
against them (embedded defaults, no external server) and the customer-360 over three of them,
warms those three up (a cold browser login is slower than the customer-360's 3 s deadline) and
serves the facade until Ctrl-C, which stops everything cleanly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from bridges.core.config import parse_config
from facade_app.app import create_app
from facade_app.audit_chain import store_url
from facade_app.server import make_dev_server

__all__ = ["DEMO_KEY_ENV", "assess_lines", "demo_config", "demo_world", "run_demo"]

DEMO_KEY_ENV = "LEGACY_BRIDGES_DEMO_KEY"
DEFAULT_DEMO_KEY = "demo-key-not-secret"
_REPO = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def demo_world(workdir: Path) -> Iterator[dict[str, Any]]:
    """Start the demo legacy systems; yield where they are; stop them on exit."""
    from fixtures.custmast import start_host
    from fixtures.custmast.extract import extract_name, write_extract
    from fixtures.helpdesk import start_app
    from fixtures.orders import ensure_sqlite

    workdir.mkdir(parents=True, exist_ok=True)
    orders_db = ensure_sqlite(workdir / "orders.db")  # kept across demo starts while current
    extracts = workdir / "custbal-outgoing"
    extracts.mkdir(exist_ok=True)
    run = date(2024, 1, 31)
    if not (extracts / extract_name(run)).exists():
        write_extract(extracts / extract_name(run), run)
    with contextlib.ExitStack() as stack:
        host = stack.enter_context(start_host(host="127.0.0.1", port=0))
        app = stack.enter_context(start_app(host="127.0.0.1", port=0))
        yield {"orders_db": orders_db, "custmast": host, "helpdesk": app, "custbal": extracts, "workdir": workdir}


def demo_config(world: dict[str, Any]) -> dict[str, Any]:
    """The facade configuration for a running demo world (as TOML would give it)."""
    from bridges.custbal.demo import demo_bridge_config as custbal_config
    from bridges.custmast.demo import demo_bridge_config as custmast_config
    from bridges.customer360.demo import demo_bridge_config as customer360_config
    from bridges.helpdesk.demo import demo_bridge_config as helpdesk_config
    from bridges.orders.demo import demo_bridge_config as orders_config

    return {
        "facade": {"rate_limit": "600/minute", "audit_log": str(world["workdir"] / "audit.jsonl"),
                   "review_store": f"sqlite:///{world['workdir'] / 'reviews.db'}",
                   "state_dir": str(world["workdir"])},  # the audit store audit.db (and its key) beside them
        "crosswalk": str(_REPO / "fixtures" / "crosswalk-v1.csv"),
        "api_keys": [
            {"name": "demo", "key": {"env": DEMO_KEY_ENV, "default": DEFAULT_DEMO_KEY},
             "scopes": ["orders:read", "custmast:read", "custmast:write", "helpdesk:read", "custbal:read",
                        "customer360:read", "ops"]},
            {"name": "demo-readonly", "key": {"env": DEMO_KEY_ENV + "_READONLY", "default": "demo-readonly-key"},
             "scopes": ["orders:read", "custmast:read", "helpdesk:read", "custbal:read", "customer360:read"]},
            {"name": "demo-reviewer", "key": {"env": DEMO_KEY_ENV + "_REVIEWER", "default": "demo-reviewer-key"},
             "scopes": ["custmast:review", "custmast:read"]},
        ],
        "bridges": {
            "orders": orders_config(world["orders_db"]),
            "custmast": {**custmast_config(world["custmast"].host, world["custmast"].port), "review_writes": True},
            "helpdesk": helpdesk_config(world["helpdesk"].entry_url),
            "custbal": custbal_config(world["custbal"]),
            "customer360": customer360_config(),
        },
    }


def assess_lines(world: dict[str, Any]) -> list[str]:
    """How to assess the demo systems before building anything (printed by the demo)."""
    host, app, out = world["custmast"], world["helpdesk"], world["workdir"] / "assessment"
    return [
        "Assess the demo systems first (read-only; JSON, Markdown and HTML with charts in the --out folder):",
        f'  bridges assess --connect "Driver=SQLite3;Database={world["orders_db"]}" --as-of 2025-06-30 --out {out}',
        f"  CUSTMAST_PW=Dem0-Pass bridges assess --tn3270 {host.host}:{host.port} --user DEMO01 "
        "--password-env CUSTMAST_PW --walk fixtures/custmast/discover-walk.txt",
        f"  HELPDESK_PW=hd-Pass.2005 bridges assess --url {app.entry_url} --user agent1 --password-env HELPDESK_PW",
    ]


def _examples(base: str, key: str, assess: list[str] | None = None, audit_store: str | None = None) -> str:
    auth = f'-H "Authorization: Bearer {key}"'
    return "\n".join([
        f"legacy-bridges demo facade on {base}  (docs: {base}/docs, OpenAPI: {base}/openapi.json)",
        "",
        "Try:",
        f'  curl {auth} "{base}/v1/orders/get_order?order_no=0000100001"',
        f'  curl {auth} "{base}/v1/orders/list_orders?customer=C-00001"',
        f'  curl {auth} "{base}/v1/custmast/get_customer?customer=C-00001"',
        f'  curl {auth} "{base}/v1/helpdesk/search_tickets?customer=C-00001"',
        f'  curl {auth} "{base}/v1/custbal/list_balances?limit=5"     # the nightly EBCDIC extract',
        f'  curl {auth} "{base}/v1/customer360/get_customer_360?customer=ACC/E-10007"   # all three, by any id',
        f'  curl "{base}/v1/orders/get_order?order_no=0000100001"            # no key: 401',
        f'  curl {auth} "{base}/v1/orders/get_order?order_no=abc%27%3B--"    # malformed: 422',
        f"  curl {base}/readyz                 # status only; with the key: each bridge's state",
        "",
        f"Operator console (sign in with the key): {base}/console/",
        *([f"Check the audit chain: bridges audit verify --store {audit_store}"] if audit_store else []),
        "",
        *(assess or []),
        *([""] if assess else []),
        "Ctrl-C stops the facade and the demo legacy systems.",
    ])


def run_demo(host: str = "127.0.0.1", port: int = 8080, workdir: Path = Path("var/demo")) -> int:
    """Run the demo until Ctrl-C (or SIGTERM)."""
    from bridges.customer360.demo import warm_up

    key = os.environ.get(DEMO_KEY_ENV, DEFAULT_DEMO_KEY)
    with demo_world(workdir.resolve()) as world:
        config = parse_config(demo_config(world), base_dir=workdir.resolve())
        app = create_app(config)
        server = make_dev_server(app, host, port)
        runtime = app.extensions["legacy_bridges"]["runtime"]
        warm_up(runtime)  # before the banner: the first customer-360 finds every system warm
        audit_store = store_url(config)
        stop = threading.Event()

        def _stop(*_: Any) -> None:
            if not stop.is_set():
                stop.set()
                threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, _stop)
        print(_examples(f"http://{host}:{server.server_port}", key, assess_lines(world), audit_store), flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            runtime.close()
            print("\nstopped: facade, CUSTMAST host, HELPDESK app.", flush=True)
    return 0
