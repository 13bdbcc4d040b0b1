"""``crosswalk build`` on the demo systems with their shared identifiers withheld: CUSTMAST read over
TN3270 through its bridge, ORDERS over ODBC, HELPDESK's accounts as its tickets show them. The known
crosswalk is recovered with no false link; the links no data can settle go to the review file."""

from __future__ import annotations

import csv

import pytest

from bridges.core.config import parse_config
from bridges.core.crosswalk import Crosswalk
from bridges.core.registry import build_runtime
from bridges.custmast.models import BrowseCustomers, GetCustomer
from bridges.linkage import Record, build_crosswalk, diff_crosswalks, evaluate, write_outputs
from fixtures.linkage import custmast_records, helpdesk_records, noisy, orders_records
from fixtures.orders.load_sqlite import build_sqlite
from fixtures.world import CROSSWALK_PATH
from mainframe.testing import demo_host, need_s3270
from rdbms.live import OdbcConnection
from tests.rdbms.databases import need_driver

pytestmark = pytest.mark.live

ORDERS_SQL = "SELECT CMCUSN, CMNAME, CMADR1, CMCITY, CMPSTC, CMCTRY, CMPHON FROM VCUSMST"


def _custmast_over_tn3270() -> list[Record]:
    """Every customer of the demo host through the CUSTMAST bridge: the browse for the numbers, then
    each inquiry screen (no crosswalk configured: the bridge knows no canonical id)."""
    need_s3270()
    with demo_host(codepage="cp037") as host:
        entry = {
            "options": {"host": host.host, "port": host.port, "code_page": "cp037"},
            "secrets": {"password": {"env": "UNSET_CUSTMAST_PW", "default": "Dem0-Pass"}},
        }
        runtime = build_runtime(parse_config({"bridges": {"custmast": entry}}))
        try:
            bridge = runtime.bridges["custmast"].bridge
            numbers, start = [], None
            while True:
                page = bridge.browse_customers(BrowseCustomers(start_at=start, limit=200))
                numbers += [c.custmast_no for c in page.customers]
                if page.end_of_list:
                    break
                start = page.next_start_at
            records = []
            for number in numbers:
                c = bridge.get_customer(GetCustomer(customer=number))
                assert c.customer_id is None  # the shared identifier is withheld
                fields = [c.name, c.street or "", c.city or "", c.postcode or "", c.country or ""]
                records.append(Record("custmast", c.custmast_no, *fields, phones=(c.phone,) if c.phone else ()))
            return [r.normalise() for r in records]
        finally:
            runtime.close()


@pytest.fixture(scope="module")
def demo_records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Record]]:
    need_driver("SQLite3")
    db = build_sqlite(tmp_path_factory.mktemp("linkage") / "orders.sqlite")
    orders = OdbcConnection(f"Driver=SQLite3;Database={db}", "sqlite", pool_size=1)
    try:
        rows = orders.query(ORDERS_SQL, max_rows=10_000).rows
    finally:
        orders.close()
    return {"custmast": _custmast_over_tn3270(), "orders": orders_records(rows), "helpdesk": helpdesk_records()}


def test_the_known_crosswalk_is_recovered_with_no_false_link(demo_records, tmp_path):
    assert [len(rs) for rs in demo_records.values()] == [600, 600, 524]
    result = build_crosswalk(demo_records)
    quality = evaluate(result, Crosswalk.load(CROSSWALK_PATH), demo_records)
    print(quality)
    assert quality["precision"] == 1.0
    assert quality["pairs"]["custmast-orders"]["recall"] == 1.0
    # HELPDESK knows a customer by name alone when no ticket gives a phone: 3 of its 524 accounts show only
    # a name two customers share, so no data can settle them (0.9943 is the most any method can link).
    assert quality["pairs"]["custmast-helpdesk"]["recall"] == 0.9943 and quality["recall"] == 0.9964
    assert quality["recall_after_review"] == 1.0  # the rest are in the review file
    crosswalk, matches, review = write_outputs(result, tmp_path)
    assert Crosswalk.load(crosswalk).systems == ["custmast", "helpdesk", "orders"]
    with review.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == quality["review_items"] > 0 and {"name_a", "name_b", "same_customer"} <= set(rows[0])
    assert matches.stat().st_size > 0


def test_a_messier_silo_still_links_and_ids_carry_over_between_versions(demo_records, tmp_path):
    records = {**demo_records, "custmast": noisy(custmast_records())}
    result = build_crosswalk(records, previous=Crosswalk.load(CROSSWALK_PATH))
    quality = evaluate(result, Crosswalk.load(CROSSWALK_PATH), records)
    assert quality["precision"] == 1.0 and quality["pairs"]["custmast-orders"]["recall"] >= 0.99
    assert result.version == 2
    path, _, _ = write_outputs(result, tmp_path)
    changes = diff_crosswalks(CROSSWALK_PATH, path)
    assert (changes["from_version"], changes["to_version"]) == (1, 2)
    assert not changes["new_ids"]  # every record kept an id, linked or alone
    helpdesk = {r.id for r in records["helpdesk"]}
    gone = [line.split(" ", 1) for line in changes["gone_ids"]]  # accounts of v1 with no ticket: not in HELPDESK
    assert len(gone) == 600 - 524 and all(s == "helpdesk" and i not in helpdesk for s, i in gone)
    # Only records left unlinked (in review) move: to an id of their own, never to another customer.
    linked = {(link.right.system, link.right.id) for link in result.links if link.decision == "accept"}
    linked |= {(link.left.system, link.left.id) for link in result.links if link.decision == "accept"}
    moved = [line.split(": ")[0].split(" ") for line in changes["moved"]]
    assert moved and all((system, local) not in linked for system, local in moved)
    assert all(line.split(" -> ")[1] in changes["added"] for line in changes["moved"])


def test_the_demo_records_come_from_the_systems_as_served(demo_records):
    # CUSTMAST over TN3270 shows what its file holds (trailing blanks trimmed by the bridge).
    served = {r.id: r for r in custmast_records()}
    assert all(served[r.id].norm == r.norm for r in demo_records["custmast"])
