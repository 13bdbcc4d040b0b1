"""The watch file: the README's example sources read through the ORDERS bridge on its demo SQLite file —
VORDHDR by its CYYMMDD + HHMMSS order stamp, the declared products view snapshot-diffed — and the
mistakes a watch file can hold, each named by its key."""

from __future__ import annotations

import sqlite3

import pytest

from bridges.core.errors import ConfigError
from bridges.events.config import load_watch_config
from bridges.events.watcher import build_watcher
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
