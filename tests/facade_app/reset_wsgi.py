"""The test facade as a gunicorn WSGI module whose shop answers with its worker's pid and how
many times that worker's bridge was reset (state folder from ``T_RESET_STATE``)."""

import os

from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import BridgeContext, NoSettings
from bridges.core.runtime import BridgeRuntime, Runtime
from facade_app import create_app
from tests.facade_app.conftest import Item, Lookup, Shop, make_config


class CountingShop(Shop):
    """The shop, counting resets; ``get_item`` names the worker and its count."""

    resets = 0

    def reset(self) -> None:
        self.resets += 1

    def get_item(self, q: Lookup) -> Item:
        return Item(item_no=q.item_no, name=f"{os.getpid()}:{self.resets}", price=1)


shop = CountingShop(NoSettings(), BridgeContext("shop"))
runtime = Runtime({"shop": BridgeRuntime(shop, Guard(GuardSettings(read_retries=0)))})
app = create_app(make_config(state_dir=os.environ["T_RESET_STATE"]), runtime, several_processes=True)
