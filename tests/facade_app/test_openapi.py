"""The OpenAPI document and the completeness of every declaration."""

import pytest
from openapi_spec_validator import validate

from bridges.core.conformance import assert_conformant
from bridges.core.registry import available_bridges, load_bridge_class
from facade_app.openapi import build_openapi

pytestmark = pytest.mark.unit


def _all_operations():
    return [op for kind in available_bridges() for op in load_bridge_class(kind).operations.values()]


def test_test_app_document_is_valid_openapi_31(client):
    doc = client.get("/openapi.json").get_json()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    get_item = doc["paths"]["/v1/shop/get_item"]["get"]
    assert get_item["operationId"] == "shop_get_item"
    assert get_item["parameters"][0]["name"] == "item_no" and get_item["parameters"][0]["required"]
    assert {"401", "422", "429", "503", "504"} <= set(get_item["responses"])
    assert "requestBody" in doc["paths"]["/v1/shop/rename"]["post"]
    assert "application/x-ndjson" in doc["paths"]["/v1/shop/export"]["get"]["responses"]["200"]["content"]
    assert "202" in doc["paths"]["/v1/shop/rename"]["post"]["responses"]  # a write may be queued for review
    assert {"/v1/reviews", "/v1/reviews/{review_id}", "/v1/reviews/{review_id}/approve",
            "/v1/reviews/{review_id}/reject"} <= set(doc["paths"])


def test_every_registered_bridge_gives_valid_openapi():
    ops = _all_operations()
    assert ops, "no bridge registered"
    validate(build_openapi(ops))


@pytest.mark.parametrize("kind", sorted(available_bridges()))
def test_every_operation_is_documented_with_an_example(kind):
    # The checks any bridge author runs on an out-of-tree bridge (bridges.core.conformance).
    assert_conformant(load_bridge_class(kind))
