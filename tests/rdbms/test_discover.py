"""Discovery over ODBC on SQLite, PostgreSQL and MariaDB, through their read-only accounts.

The catalog is reflected (tables, views, keys, types), every view is sampled, the legacy
shapes of ORDERS are recognised (CHAR, CYYMMDD with sentinels, HHMMSS, cents, scaled
decimals), each key is proven — composite ones included — and the generated bridge starts
on the same database and answers its own examples. Nothing is written: the data's
checksum is the same after, and an account that can write is refused before anything is read.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from bridges.core.conformance import assert_conformant
from bridges.core.errors import BridgeError, Refused
from bridges.core.operation import BridgeContext
from rdbms.discover import Discovery, discover
from rdbms.discover_source import bridge_source
from rdbms.settings import RdbmsSettings

pytestmark = pytest.mark.live


def _discover(target: Any, **kwargs: Any) -> Discovery:
    options = {k: v for k, v in target.options.items() if k != "db_schema"}
    return discover(RdbmsSettings(**options), password=target.secrets.get("password"), schema=target.schema, **kwargs)


def _suggested(found: Discovery, relation: str) -> dict[str, tuple[str, str | None, int | None]]:
    view = next(v for v in found.views if v.relation.name.upper() == relation)
    return {c.column.name.upper(): (c.suggestion.type, c.suggestion.read, c.suggestion.scale) for c in view.columns}


def test_views_keys_and_legacy_codecs_of_orders(target):
    before = target.checksum()
    found = _discover(target, tables="V*", sample_rows=150)
    views = {v.relation.name.upper(): v for v in found.views}
    assert {"VPRDMST", "VORDHDR", "VORDLIN", "VCUSMST", "VCUSPRD"} <= set(views)
    # Keys: the views carry their tables' primary keys, composite ones included, proven on the data.
    assert [c.upper() for c in views["VPRDMST"].key] == ["PRPRNO"]
    assert [c.upper() for c in views["VORDLIN"].key] == ["OLORNO", "OLLINE"]
    assert [c.upper() for c in views["VCUSPRD"].key] == ["CPCUSN", "CPPRNO"]
    if target.dialect == "mariadb":  # the reader cannot see the tables: the key comes from the data, proven
        assert "not declared by the database" in views["VORDLIN"].key_proof
    else:
        assert "primary key of table" in views["VORDLIN"].key_proof
    header = _suggested(found, "VORDHDR")
    assert header["OHORNO"] == ("str", "strip_char", None)
    assert header["OHORDT"] == ("dt.date", "parse_cyymmdd", None)
    assert header["OHRQDT"][1] == "parse_cyymmdd"  # 0 and 9999999 among its values
    assert header["OHORTM"] == ("dt.time", "parse_hhmmss", None)
    assert header["OHTOTL"] == ("Decimal", "cents_to_decimal", None)
    assert header["OHLNCT"][0] == "int"
    assert _suggested(found, "VPRDMST")["PRWGHT"] == ("Decimal", None, 3)
    rqdt = next(c for c in views["VORDHDR"].columns if c.column.name.upper() == "OHRQDT")
    assert "0 and 9999999 read as null" in rqdt.suggestion.note
    assert target.checksum() == before


def test_the_generated_bridge_starts_and_answers_its_examples(target, tmp_path):
    found = _discover(target, tables="VPRDMST,VORDHDR,VORDLIN,VCUSPRD")
    path = tmp_path / f"discovered_{target.dialect}.py"
    path.write_text(bridge_source(found, "acme"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert_conformant(module.Bridge)
    bridge = module.Bridge(
        module.Bridge.Settings(**target.options), BridgeContext("acme", secrets=dict(target.secrets))
    )
    try:
        for name, op in bridge.operations.items():
            if not name.startswith("list_"):
                continue
            page = getattr(bridge, name)(op.input_model.model_validate(dict(op.examples[0].input)))
            assert page.rows, f"{name}: its first example found nothing"
        orders = bridge.list_vordhdr(bridge.operations["list_vordhdr"].input_model(ohorno="0000100001"))
        assert [r.ohorno for r in orders.rows] == ["0000100001"]  # CHAR key bound padded, read trimmed
        assert orders.rows[0].ohordt.year >= 1996 and orders.rows[0].ohtotl.as_tuple().exponent == -2
    finally:
        bridge.close()


def test_unreadable_relations_are_left_out_with_the_reason(postgresql_target):
    # The reader is granted the views only: the tables are in the catalog but not readable.
    found = _discover(postgresql_target, tables="prdmst,vprdmst")
    assert [v.relation.name for v in found.views] == ["vprdmst"]
    assert found.skipped and found.skipped[0][0] == "prdmst" and "not readable" in found.skipped[0][1]


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])
def test_an_account_that_can_write_is_refused_before_anything_is_read(request, dialect):
    target = request.getfixturevalue(f"{dialect}_target")
    options = {k: v for k, v in target.admin_options.items() if k != "db_schema"}
    with pytest.raises(Refused, match="can write"):
        discover(RdbmsSettings(**options), password=target.admin_secrets.get("password"), schema=target.schema)


def test_every_query_is_bounded_by_the_timeout(sqlite_target):
    # A timeout too short for anything: each relation is reported, none hangs, nothing is declared.
    found = _discover(sqlite_target, tables="V*", timeout_s=0.000_001)
    assert not found.views and found.skipped
    assert all("deadline" in why or "timeout" in why.lower() for _, why in found.skipped), found.skipped


def test_the_password_reaches_the_driver_and_nothing_else(mariadb_target):
    password = mariadb_target.secrets["password"]
    found = _discover(mariadb_target, tables="VPRDMST")
    assert password not in bridge_source(found, "acme", source=mariadb_target.options["connection"])
    wrong = password + "-wrong"
    options = {k: v for k, v in mariadb_target.options.items() if k != "db_schema"}
    with pytest.raises(BridgeError) as refused:
        discover(RdbmsSettings(**options), password=wrong)
    assert wrong not in refused.value.detail and password not in refused.value.detail
