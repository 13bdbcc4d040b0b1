"""The watch file: the README's example sources read through the ORDERS bridge on its demo SQLite file —
VORDHDR by its CYYMMDD + HHMMSS order stamp, the declared products view snapshot-diffed — and the
mistakes a watch file can hold, each named by its key."""

from __future__ import annotations

import shutil
import sqlite3
from decimal import Decimal

import pytest

from bridges.core.errors import ConfigError
from bridges.events.config import load_watch_config
from bridges.events.store import WatchStore
from bridges.events.watcher import build_watcher
from fixtures.orders.place import place_order
from tests.bridges.events.harness import Consumer
from tests.bridges.orders.helpers import CROSSWALK
from tests.rdbms.databases import need_driver

pytestmark = pytest.mark.live

SOURCES = """
[sources.orders]
bridge = "orders"
relation = "VORDHDR"
key = ["OHORNO"]
columns = ["OHORNO", "OHCUSN", "OHSTAT", "OHTOTL", "OHORDT", "OHORTM"]
change_date = "OHORDT"
change_time = "OHORTM"
page_rows = 500

[sources.products]
bridge = "orders"
view = "products"
"""


@pytest.fixture(scope="module")
def orders_db(tmp_path_factory):
    """The demo ORDERS file, built once for the module."""
    from fixtures.orders import build_sqlite

    need_driver("SQLite3")
    return build_sqlite(tmp_path_factory.mktemp("orders") / "orders.sqlite")


def _files(tmp_path, db, sources: str = SOURCES):
    (tmp_path / "bridges.toml").write_text(
        f'crosswalk = "{CROSSWALK}"\n[bridges.orders.options]\nconnection = "Driver=SQLite3;Database={db}"\n'
        'dialect = "sqlite"\n',
        encoding="utf-8",
    )
    watch = tmp_path / "watch.toml"
    watch.write_text(
        f'bridges_config = "bridges.toml"\nstore = "sqlite:///{tmp_path / "w.db"}"\n{sources}', encoding="utf-8"
    )
    return watch, db


def test_the_readme_sources_read_every_order_and_product_once(tmp_path, orders_db):
    watch, db = _files(tmp_path, orders_db)
    consumer = Consumer()
    watcher = build_watcher(load_watch_config(watch), sink=consumer)
    try:
        for _ in range(2):  # the second poll re-reads the overlap and publishes nothing
            for state in watcher.sources.values():
                watcher.poll_once(state)
    finally:
        watcher.close()
    with sqlite3.connect(db) as conn:
        orders, products = (conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("ORDHDR", "PRDMST"))
    by_source = {name: [e for e in consumer.events if e.source == name] for name in ("orders", "products")}
    assert len(by_source["orders"]) == orders and len(by_source["products"]) == products
    assert {e.kind for e in consumer.events} == {"created"}
    order = by_source["orders"][0].new
    assert set(order) == {"ohorno", "ohcusn", "ohstat", "ohtotl", "ohordt", "ohortm"}
    assert order["ohorno"] == order["ohorno"].strip()  # CHAR trimmed
    assert watcher.health()["sources"]["orders"]["lag_s"] is not None


def _poll_all(watch) -> list:
    """Each source polled once by a watcher started afresh (under the same owner: its leases are its own)."""
    consumer = Consumer()
    watcher = build_watcher(load_watch_config(watch), sink=consumer, owner="restarted")
    try:
        for state in watcher.sources.values():
            watcher.poll_once(state)
    finally:
        watcher.close()
    return consumer.events


def test_sources_started_now_publish_only_what_changes_after_their_baseline(tmp_path, orders_db):
    db = shutil.copy(orders_db, tmp_path / "orders.sqlite")  # its rows are changed: a copy of its own
    now = SOURCES.replace("page_rows = 500", 'page_rows = 5000\nsettle_s = 0\nstart = "now"') + 'start = "now"\n'
    watch, _ = _files(tmp_path, db, now)
    assert _poll_all(watch) == []  # the first start: a baseline of both sources, nothing published
    with sqlite3.connect(db) as conn:
        product = conn.execute("SELECT PRPRNO FROM PRDMST ORDER BY PRPRNO LIMIT 1").fetchone()[0]
        conn.execute("UPDATE PRDMST SET PRLPRC = PRLPRC + 100 WHERE PRPRNO = ?", (product,))
    order_no = place_order(db, customer="0000000001", total_cents=4_200)
    events = _poll_all(watch)  # a restart: the baseline is not recorded again, the changes after it published
    assert [(e.source, e.kind) for e in events] == [("orders", "created"), ("products", "updated")]
    order, updated = events
    assert order.new["ohorno"] == order_no and order.new["ohtotl"] == 4_200
    assert updated.new["product_no"] == product.strip()
    assert Decimal(updated.new["list_price"]) == Decimal(updated.old["list_price"]) + 1  # 100 cents more
    assert _poll_all(watch) == []


def test_a_source_switched_to_now_keeps_its_state_and_a_cut_baseline_is_finished_unpublished(tmp_path, orders_db):
    db = shutil.copy(orders_db, tmp_path / "orders.sqlite")
    products = '[sources.products]\nbridge = "orders"\nview = "products"\n'
    watch, _ = _files(tmp_path, db, products)
    assert len(_poll_all(watch)) > 0  # from the beginning: every product
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE PRDMST SET PRDESC = 'CHANGED' WHERE PRPRNO = (SELECT MIN(PRPRNO) FROM PRDMST)")
    watch, _ = _files(tmp_path, db, products + 'start = "now"\n')
    assert [e.kind for e in _poll_all(watch)] == ["updated"]  # it had state: the change since is not lost

    store = WatchStore(f"sqlite:///{tmp_path / 'cut.db'}")
    try:
        store.set_phase("products", "baseline")  # a watcher killed in the middle of its baseline
        store.commit("products", [('["x"]', "v", "{}")])
    finally:
        store.close()
    watch.write_text(watch.read_text(encoding="utf-8").replace("w.db", "cut.db"), encoding="utf-8")
    assert [e.kind for e in _poll_all(watch)] == []  # the rest of the baseline recorded, still unpublished
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM PRDMST WHERE PRPRNO = (SELECT MIN(PRPRNO) FROM PRDMST)")
    assert [e.kind for e in _poll_all(watch)] == ["deleted"]


@pytest.mark.parametrize(
    ("sources", "named"),
    [
        ('[sources.x]\nbridge = "orders"\n', "name exactly one of view, relation or operation"),
        ('[sources.x]\nbridge = "orders"\nrelation = "VORDHDR"\ncolumns = ["OHORNO"]\n', "needs its key"),
        ('[sources.x]\nbridge = "orders"\nview = "products"\nchange_date = "A"\n', "go together"),
        ('[sources.x]\nbridge = "nowhere"\nview = "products"\n', "bridges not configured"),
        ('[sources.x]\nbridge = "orders"\nview = "customers"\n', "declares no view"),
        ('[sources.x]\nbridge = "orders"\noperation = "get_order"\nkey = ["order_no"]\nchange = "A"\n', "no change"),
    ],
)
def test_a_mistake_in_the_watch_file_is_named(tmp_path, orders_db, sources, named):
    watch, _ = _files(tmp_path, orders_db, sources)
    with pytest.raises(ConfigError, match=named):
        build_watcher(load_watch_config(watch), sink=Consumer())
