"""Non-finite floats and exact decimals, in typed answers, NDJSON and CSV, on every database.

The policy: NaN, +Infinity and -Infinity leave as the strings "NaN", "Infinity" and
"-Infinity" — never null (which means missing), never bare ``Infinity`` (invalid JSON).
PostgreSQL stores all three, SQLite ±Infinity, MariaDB none (NULL there).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from bridges.core.streaming import RowStream
from facade_app.streaming import _csv, _ndjson
from tests.rdbms.keyviews import AGREEMENTS, MEASURES, KeyBridge, open_bridge

pytestmark = pytest.mark.live

EXPECTED = {
    "postgresql": {1: 1.5, 2: "NaN", 3: "Infinity", 4: "-Infinity", 5: None, 6: -0.25},
    "sqlite": {1: 1.5, 2: None, 3: "Infinity", 4: "-Infinity", 5: None, 6: -0.25},
    "mariadb": {1: 1.5, 2: None, 3: None, 4: None, 5: None, 6: -0.25},
}


def _strict(text: str):
    def refuse(name: str):
        raise ValueError(f"invalid JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def keys(target):
    bridge = open_bridge(KeyBridge, target)
    yield bridge
    bridge.close()


def test_non_finite_floats_follow_the_policy_in_typed_answers(keys, target) -> None:
    page = keys.list_measures(MEASURES.page_input(limit=50))
    body = _strict(page.model_dump_json())
    assert {r["id"]: r["value"] for r in body["rows"]} == EXPECTED[target.dialect]


def test_non_finite_floats_follow_the_policy_in_ndjson_and_csv(keys, target) -> None:
    fields = list(MEASURES.row_model.model_fields)
    ndjson = b"".join(_ndjson(keys.export_measures(MEASURES.filter_model()), fields))
    rows = [_strict(line) for line in ndjson.splitlines()]
    assert {r["id"]: r["value"] for r in rows} == EXPECTED[target.dialect]
    text = "".join(_csv(keys.export_measures(MEASURES.filter_model()), fields))
    got = {int(r["id"]): r["value"] for r in csv.DictReader(io.StringIO(text))}
    want = {k: "" if v is None else str(v) for k, v in EXPECTED[target.dialect].items()}
    assert got == want


def test_decimals_are_exact_with_their_scale_in_ndjson_and_csv(keys) -> None:
    fields = list(AGREEMENTS.row_model.model_fields)
    rows = [_strict(line) for line in b"".join(_ndjson(keys.export_agreements(AGREEMENTS.filter_model()), fields))
            .splitlines()]
    assert {r["discount_percent"] for r in rows} >= {"0.00", "7.50", "12.50"}
    text = "".join(_csv(keys.export_agreements(AGREEMENTS.filter_model()), fields))
    total = sum(Decimal(r["discount_percent"]) for r in csv.DictReader(io.StringIO(text)))
    assert total == sum(Decimal(r["discount_percent"]) for r in rows) and total.as_tuple().exponent == -2


def test_every_exported_row_is_what_the_output_model_serves(keys) -> None:
    for view, export in ((AGREEMENTS, keys.export_agreements), (MEASURES, keys.export_measures)):
        fields = list(view.row_model.model_fields)
        for row in export(view.filter_model()):
            served = _strict(b"".join(_ndjson(RowStream(iter([row])), fields)))
            assert served == _strict(view.row_model.model_validate(row).model_dump_json())


def test_a_stream_of_plain_rows_is_not_changed() -> None:
    stream = RowStream(iter([{"a": 1}]))
    assert b"".join(_ndjson(stream, ["a"])) == b'{"a":1}\n'
