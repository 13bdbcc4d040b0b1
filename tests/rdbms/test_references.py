"""References inferred from legacy column names (no foreign key declared)."""

from __future__ import annotations

import pytest

from rdbms.references import Sampled, infer_references

pytestmark = pytest.mark.unit


def _rel(name: str, key: tuple[str, ...], columns: dict[str, str], is_view: bool = False) -> Sampled:
    return Sampled(name, name, is_view, key, {column: [] for column in columns}, columns)


def test_a_prefixed_column_references_the_key_with_the_same_stem():
    customers = _rel("CUSMST", ("CMCUSN",), {"CMCUSN": "char", "CMNAME": "char"})
    orders = _rel("ORDHDR", ("OHORNO",), {"OHORNO": "char", "OHCUSN": "char", "OHTOTL": "integer"})
    lines = _rel("ORDLIN", ("OLORNO", "OLLINE"), {"OLORNO": "char", "OLLINE": "decimal"})
    found = {(r.child, r.column, r.parent, r.key) for r in infer_references([customers, orders, lines])}
    assert found == {("ORDHDR", "OHCUSN", "CUSMST", "CMCUSN"), ("ORDLIN", "OLORNO", "ORDHDR", "OHORNO")}


def test_kinds_must_be_comparable_and_a_view_prefers_a_view():
    table = _rel("CUSMST", ("CMCUSN",), {"CMCUSN": "char"})
    view = _rel("VCUSMST", ("CMCUSN",), {"CMCUSN": "char"}, is_view=True)
    child = _rel("VORDHDR", ("OHORNO",), {"OHORNO": "char", "OHCUSN": "char"}, is_view=True)
    numeric = _rel("SALES", ("SLID",), {"SLID": "integer", "SLCUSN": "integer"})
    found = {(r.child, r.parent) for r in infer_references([table, view, child, numeric])}
    assert found == {
        ("VORDHDR", "VCUSMST")
    }  # SLCUSN (a number) is no CHAR customer key; the view and its table pair not
