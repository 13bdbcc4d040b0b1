"""CUSTMAST through real s3270 against the demo host over TCP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bridges.core.conformance import assert_conformant
from bridges.core.errors import InvalidInput, NotFound, Unavailable
from bridges.custmast import CustmastBridge
from fixtures.world import customers
from tests.bridges.custmast.conftest import custmast_config

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]

WORLD = {c.canonical_id: c for c in customers()}


@pytest.fixture
def runtime(host, make_runtime):
    return make_runtime(custmast_config(host, pool={"min_size": 1, "max_size": 2}))


def test_every_operation_is_documented_with_examples():
    assert_conformant(CustmastBridge)


@pytest.mark.parametrize("ref", ["C-00001", "84603489"])
def test_get_customer_by_canonical_id_or_custmast_number(runtime, ref):
    c = WORLD["C-00001"]
    got = runtime.call("custmast", "get_customer", {"customer": ref})
    assert got.customer_id == "C-00001" and got.custmast_no == c.custmast_no
    assert got.name == c.name and got.city == c.city and got.postcode == c.postcode
    assert got.credit_limit == Decimal(c.credit_limit_cents) / 100
    assert got.customer_since == c.customer_since and isinstance(got.customer_since, date)


def test_not_found_and_refused_numbers(runtime):
    with pytest.raises(NotFound):
        runtime.call("custmast", "get_customer", {"customer": "12345674"})  # valid check digit, unknown
    with pytest.raises(NotFound, match="CHECK DIGIT"):  # no customer can have it: no such record
        runtime.call("custmast", "get_customer", {"customer": "12345678"})
    with pytest.raises(NotFound):
        runtime.call("custmast", "get_customer", {"customer": "C-99999"})
    for bad in ({"customer": "1234"}, {"customer": "C-1"}, {"customer": 84603489}, {}):
        with pytest.raises(InvalidInput):
            runtime.call("custmast", "get_customer", bad)
    # The session survived every refusal and is home again.
    assert runtime.call("custmast", "get_customer", {"customer": "C-00002"}).customer_id == "C-00002"
    assert runtime.bridges["custmast"].bridge.pool.status()["discarded"] == 0


def test_browse_pages_with_pf8_and_continues(runtime):
    ordered = sorted(WORLD.values(), key=lambda c: c.custmast_no)
    first = runtime.call("custmast", "browse_customers", {"limit": 20})
    assert [r.custmast_no for r in first.customers] == [c.custmast_no for c in ordered[:20]]
    assert first.screens_read == 2 and not first.end_of_list
    assert first.customers[0].customer_id == ordered[0].canonical_id
    second = runtime.call("custmast", "browse_customers", {"start_at": first.next_start_at, "limit": 5})
    assert [r.custmast_no for r in second.customers] == [c.custmast_no for c in ordered[20:25]]
    last = runtime.call("custmast", "browse_customers", {"start_at": ordered[-3].custmast_no, "limit": 50})
    assert [r.custmast_no for r in last.customers] == [c.custmast_no for c in ordered[-3:]]
    assert last.end_of_list and last.next_start_at is None


def test_browse_is_bounded(host, make_runtime):
    runtime = make_runtime(custmast_config(host, max_browse_screens=3, pool={"min_size": 0, "max_size": 1}))
    page = runtime.call("custmast", "browse_customers", {"limit": 200})
    assert page.screens_read == 3 and len(page.customers) == 45 and page.next_start_at


def test_change_address_dry_run_saves_nothing_and_commit_round_trips(runtime):
    before = runtime.call("custmast", "get_customer", {"customer": "C-00010"})
    new = {"street": "Königsallee 1 \"B\"", "city": "Düsseldorf", "postcode": "40212", "country": "DE"}
    dry = runtime.call("custmast", "change_address", {"customer": "C-00010", **new, "dry_run": True})
    assert dry.dry_run and not dry.committed and dry.changed and dry.message.startswith("CM043I")
    assert dry.old.street == before.street
    assert runtime.call("custmast", "get_customer", {"customer": "C-00010"}).street == before.street
    done = runtime.call("custmast", "change_address", {"customer": "C-00010", **new})
    assert done.committed and done.message.startswith("CM042I")
    after = runtime.call("custmast", "get_customer", {"customer": "C-00010"})
    assert (after.street, after.city, after.postcode, after.country) == tuple(new.values())
    again = runtime.call("custmast", "change_address", {"customer": "C-00010", **new})
    assert not again.changed and not again.committed and again.message.startswith("CM044W")
    assert runtime.bridges["custmast"].bridge.pool.status()["discarded"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"street": "x" * 41}, "street"),
        ({"city": "y" * 31}, "city"),
        ({"postcode": "12345678901"}, "postcode"),
        ({"street": "two\nlines"}, "street"),
        ({"street": "tab\there"}, "street"),
        ({"street": "trailing "}, "street"),
        ({"country": "de"}, "country"),
        ({"street": 42}, "street"),
        ({"street": "a" * 100_000}, "street"),
    ],
)
def test_a_value_that_does_not_fit_its_field_is_422_naming_it(runtime, change, field):
    body = {"customer": "C-00011", "street": "Mill Lane 1", "city": "Leeds", "postcode": "LS1 4AP",
            "country": "GB", **change}
    with pytest.raises(InvalidInput) as err:
        runtime.call("custmast", "change_address", body)
    assert [e["field"] for e in err.value.context["errors"]] == [field]


def test_a_character_outside_the_code_page_is_422(host, make_runtime):
    runtime = make_runtime(custmast_config(host, code_page="cp037", pool={"min_size": 0, "max_size": 1}))
    with pytest.raises(InvalidInput, match="cp037") as err:
        runtime.call("custmast", "change_address", {"customer": "C-00011", "street": "Straße 5 €",
                                                    "city": "Leeds", "postcode": "LS1", "country": "GB"})
    assert err.value.context["errors"][0]["field"] == "street"


def test_readiness_shows_the_pool(runtime):
    report = runtime.readiness()["custmast"]
    assert report["status"] == "ok" and report["mode"] == "live" and report["home"] is True
    assert report["pool"]["max_size"] == 2


def test_change_address_parts_left_out_keep_their_value(runtime):
    before = runtime.call("custmast", "get_customer", {"customer": "C-00012"})
    done = runtime.call("custmast", "change_address", {"customer": "C-00012", "street": "Neue Straße 5"})
    assert done.committed and done.new.city == before.city and done.old.street == before.street
    after = runtime.call("custmast", "get_customer", {"customer": "C-00012"})
    assert (after.street, after.city, after.postcode, after.country) == (
        "Neue Straße 5", before.city, before.postcode, before.country)
    with pytest.raises(InvalidInput) as err:
        runtime.call("custmast", "change_address", {"customer": "C-00012", "dry_run": True})
    assert "at least one" in err.value.context["errors"][0]["message"]


def test_model_4_screens_hold_34_customers(host, make_runtime):
    runtime = make_runtime(custmast_config(host, model=4, pool={"min_size": 0, "max_size": 1}))
    page = runtime.call("custmast", "browse_customers", {"limit": 34})
    assert page.screens_read == 1 and len(page.customers) == 34
    assert runtime.call("custmast", "get_customer", {"customer": "C-00001"}).customer_id == "C-00001"


def test_pooled_sessions_claim_their_lu_names(host, make_runtime):
    runtime = make_runtime(custmast_config(host, pool={"min_size": 2, "max_size": 2,
                                                       "lu_names": ["LU0011", "LU0012"]}))
    pool = runtime.bridges["custmast"].bridge.pool
    assert pool.wait_ready(10)
    with pool.session() as a, pool.session() as b:
        assert {a.last.text(2, 73, 6), b.last.text(2, 73, 6)} == {"LU0011", "LU0012"}
    # A name another session holds is not granted: 503, the name goes back to the pool.
    clash = make_runtime(custmast_config(host, pool={"min_size": 0, "max_size": 1, "lu_names": ["LU0011"]}))
    with pytest.raises(Unavailable, match=r"LU0011|session limit"):
        clash.call("custmast", "get_customer", {"customer": "C-00001"})
    assert clash.bridges["custmast"].bridge.pool.status()["lu_free"] == 1
