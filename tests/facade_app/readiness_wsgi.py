"""Two shops whose pings are counted in a file shared by every worker, as a WSGI module for a
real gunicorn (``T_READY_STATE``: the state folder; ``T_READY_PINGS``: the count file)."""

import os

from flask import jsonify

from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import BridgeContext, NoSettings
from bridges.core.runtime import BridgeRuntime, Runtime
from facade_app import create_app
from tests.facade_app.conftest import Shop, make_config


class CountedShop(Shop):
    """Each ping appends one line (``<bridge> <pid>``) to the count file."""

    def ping(self):
        with open(os.environ["T_READY_PINGS"], "a", encoding="utf-8") as fh:
            fh.write(f"{self.context.instance_name} {os.getpid()}\n")
        return super().ping()


runtime = Runtime({name: BridgeRuntime(CountedShop(NoSettings(), BridgeContext(name)), Guard(GuardSettings()))
                   for name in ("shop", "stock")})
config = make_config(state_dir=os.environ["T_READY_STATE"], readiness_ttl_s=1.0)
app = create_app(config, runtime, several_processes=True)


@app.get("/pid")
def pid():
    """Which worker answered (for the test only)."""
    return jsonify(pid=os.getpid())
