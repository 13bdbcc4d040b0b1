"""A small in-test bridge and a facade in front of it."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from pydantic import BaseModel, Field

from bridges.core.errors import Unavailable
from bridges.core.operation import Bridge, BridgeContext, Effect, Example, NoSettings, operation
from bridges.core.streaming import RowStream

KEY, READONLY_KEY, OTHER_KEY, OPS_KEY = "key-all-123", "key-ro-456", "key-other-789", "key-ops-000"


class Lookup(BaseModel):
    item_no: str = Field(pattern=r"^[0-9]{4}$", description="Four digits.")


class Item(BaseModel):
    item_no: str
    name: str
    price: Decimal


class Rename(BaseModel):
    item_no: str = Field(pattern=r"^[0-9]{4}$")
    name: str = Field(min_length=1, max_length=30, pattern=r"^[^\x00-\x1f]*$")  # one line, as legacy fields
    password: str | None = None


class Span(BaseModel):
    count: int = Field(ge=0, le=100_000)


class Row(BaseModel):
    n: int
    label: str
    amount: Decimal


class Shop(Bridge):
    """A bridge with one of each kind of operation."""

    name = "shop"
    title = "Test shop"

    def __init__(self, settings, context):
        super().__init__(settings, context)
        self.items = {"0001": ("Grüner Tee", Decimal("3.50"))}
        self.closed_streams = 0
        self.healthy = True
        self.lock = threading.Lock()

    @operation(summary="Get an item", examples=[Example({"item_no": "0001"})])
    def get_item(self, q: Lookup) -> Item:
        """Looks up one item."""
        if q.item_no == "9999":
            raise Unavailable("host down", retry_after=7)
        if q.item_no == "6666":
            raise RuntimeError("driver exploded with password=hunter2")
        found = self.items.get(q.item_no)
        if found is None:
            return None  # type: ignore[return-value]
        return Item(item_no=q.item_no, name=found[0], price=found[1])

    @operation(summary="Rename an item", effect=Effect.WRITE, examples=[Example({"item_no": "0001", "name": "x"})])
    def rename(self, r: Rename) -> Item:
        """Renames one item."""
        with self.lock:
            _, price = self.items[r.item_no]
            self.items[r.item_no] = (r.name, price)
        return Item(item_no=r.item_no, name=r.name, price=price)

    @operation(summary="Export rows", row_model=Row, examples=[Example({"count": 3})])
    def export(self, s: Span) -> RowStream:
        """Streams ``count`` rows."""

        def on_close():
            self.closed_streams += 1

        rows = ((i, f"row {i}, \"quoted\"", Decimal(i) / 100) for i in range(s.count))
        return RowStream(rows, on_close)

    def ping(self):
        if not self.healthy:
            raise Unavailable("shop host unreachable")
        return {"mode": "test"}


def make_config(**facade):
    from bridges.core.config import parse_config

    return parse_config({
        "facade": {"rate_limit": "1000/minute", "review_store": "sqlite:///:memory:", **facade},
        "api_keys": [
            {"name": "all", "key": {"env": "T_KEY_ALL", "default": KEY}, "scopes": ["shop:*"]},
            {"name": "ro", "key": {"env": "T_KEY_RO", "default": READONLY_KEY}, "scopes": ["shop:read"],
             "rate_limit": "3/minute"},
            {"name": "other", "key": {"env": "T_KEY_OTHER", "default": OTHER_KEY}, "scopes": ["orders:read"]},
            {"name": "ops", "key": {"env": "T_KEY_OPS", "default": OPS_KEY}, "scopes": ["ops"]},
        ],
    })


def make_app(config=None):
    from bridges.core.guard import Guard, GuardSettings
    from bridges.core.runtime import BridgeRuntime, Runtime
    from facade_app import create_app

    shop = Shop(NoSettings(), BridgeContext("shop"))
    runtime = Runtime({"shop": BridgeRuntime(shop, Guard(GuardSettings(read_retries=0)))})
    app = create_app(config or make_config(), runtime)
    return app, shop


@pytest.fixture
def app_and_shop(tmp_path):
    return make_app(make_config(audit_log=str(tmp_path / "audit.jsonl")))


@pytest.fixture
def client(app_and_shop):
    return app_and_shop[0].test_client()


def auth(key=KEY):
    return {"Authorization": f"Bearer {key}"}


def metric(client, name, key=OPS_KEY, **labels) -> float:
    """One sample of ``/metrics`` as the facade serves it (0 when absent): counters are
    process-wide, so tests compare a value before and after."""
    from prometheus_client.parser import text_string_to_metric_families

    response = client.get("/metrics", headers=auth(key))
    assert response.status_code == 200, response.get_data(as_text=True)
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0
