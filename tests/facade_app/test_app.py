"""The facade's HTTP behaviour: auth, scopes, validation, errors, ETag, audit, streaming."""

import json

import pytest

from tests.facade_app.conftest import KEY, OPS_KEY, OTHER_KEY, READONLY_KEY, auth

pytestmark = pytest.mark.unit

PROBLEM = "application/problem+json"


def test_read_returns_typed_json_with_exact_decimals(client):
    r = client.get("/v1/shop/get_item?item_no=0001", headers=auth())
    assert r.status_code == 200
    assert r.get_json() == {"item_no": "0001", "name": "Grüner Tee", "price": "3.50"}


@pytest.mark.parametrize("headers", [{}, auth("wrong"), {"Authorization": "Basic abc"}, {"X-API-Key": ""}])
def test_no_or_bad_key_is_401_problem(client, headers):
    r = client.get("/v1/shop/get_item?item_no=0001", headers=headers)
    assert r.status_code == 401 and r.mimetype == PROBLEM
    body = r.get_json()
    assert body["type"] == "/problems/unauthenticated" and body["status"] == 401
    assert "wrong" not in r.get_data(as_text=True)


def test_x_api_key_header_also_works(client):
    assert client.get("/v1/shop/get_item?item_no=0001", headers={"X-API-Key": KEY}).status_code == 200


def test_missing_scope_is_403(client):
    r = client.get("/v1/shop/get_item?item_no=0001", headers=auth(OTHER_KEY))
    assert r.status_code == 403 and "shop:read" in r.get_json()["detail"]
    r = client.post("/v1/shop/rename", json={"item_no": "0001", "name": "x"}, headers=auth(READONLY_KEY))
    assert r.status_code == 403 and "shop:write" in r.get_json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "item_no=1",
        "item_no=0001'",
        "item_no=0001%22%3B%20DROP%20TABLE%20x%3B--",
        "item_no=%C3%A9%C3%9F%E2%82%AC1",
        "item_no=0001%0A",
        "item_no=" + "9" * 5000,
        "",
        "item_no=0001&item_no=0002",
        "item_no=0001&debug=1",
    ],
)
def test_bad_query_input_is_422_naming_the_field(client, query):
    r = client.get(f"/v1/shop/get_item?{query}", headers=auth())
    assert r.status_code == 422 and r.mimetype == PROBLEM
    errors = r.get_json()["errors"]
    assert errors and all({"field", "message", "type"} <= set(e) for e in errors)
    assert len(r.get_data()) < 2000  # the bad value is never echoed back


def test_huge_query_is_414(client):
    r = client.get("/v1/shop/get_item?item_no=" + "9" * 1_000_000, headers=auth())
    assert r.status_code == 414 and r.mimetype == PROBLEM


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"item_no": "0001", "name": 5}', "application/json"),
        ('{"item_no": "0001"}', "application/json"),
        ('{"item_no": "0001", "name": ""}', "application/json"),
        ('{"item_no": "0001", "name": "' + "x" * 31 + '"}', "application/json"),
        ("[1, 2]", "application/json"),
        ("{not json", "application/json"),
        ('{"item_no": "0001", "name": "x"}', "text/plain"),
        ('{"item_no": ["0001"], "name": "x"}', "application/json"),
    ],
)
def test_bad_write_body_is_422(client, body, content_type):
    r = client.post("/v1/shop/rename", data=body, headers={**auth(), "Content-Type": content_type})
    assert r.status_code == 422 and r.mimetype == PROBLEM


def test_body_over_the_limit_is_413(client):
    big = json.dumps({"item_no": "0001", "name": "x" * 2_000_000})
    r = client.post("/v1/shop/rename", data=big, headers={**auth(), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.mimetype == PROBLEM


def test_write_is_post_and_changes_state(client, app_and_shop):
    r = client.post("/v1/shop/rename", json={"item_no": "0001", "name": "Tee ß€"}, headers=auth())
    assert r.status_code == 200 and r.get_json()["name"] == "Tee ß€"
    assert app_and_shop[1].items["0001"][0] == "Tee ß€"
    assert client.get("/v1/shop/rename", headers=auth()).status_code == 405


def test_not_found_and_unknown_routes_are_404_problems(client):
    r = client.get("/v1/shop/get_item?item_no=0002", headers=auth())
    assert r.status_code == 404 and r.get_json()["type"] == "/problems/not-found"
    r = client.get("/v1/shop/nope", headers=auth())
    assert r.status_code == 404 and r.mimetype == PROBLEM


def test_unavailable_carries_retry_after(client):
    r = client.get("/v1/shop/get_item?item_no=9999", headers=auth())
    assert r.status_code == 503 and r.headers["Retry-After"] == "7"


def test_unexpected_exception_is_500_without_its_text(client, caplog):
    r = client.get("/v1/shop/get_item?item_no=6666", headers=auth())
    assert r.status_code == 500 and r.mimetype == PROBLEM
    assert "hunter2" not in r.get_data(as_text=True) and "exploded" not in r.get_data(as_text=True)


def test_etag_and_if_none_match(client):
    r = client.get("/v1/shop/get_item?item_no=0001", headers=auth())
    etag = r.headers["ETag"]
    again = client.get("/v1/shop/get_item?item_no=0001", headers={**auth(), "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and again.get_data() == b""
    client.post("/v1/shop/rename", json={"item_no": "0001", "name": "Neu"}, headers=auth())
    changed = client.get("/v1/shop/get_item?item_no=0001", headers={**auth(), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_request_id_is_echoed_or_made(client):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    r = client.get("/healthz", headers={"X-Request-ID": "bad id <script>" + "x" * 200})
    assert r.headers["X-Request-ID"] != "bad id" and len(r.headers["X-Request-ID"]) == 32


def test_rate_limit_per_key_is_429_with_retry_after(client):
    for _ in range(3):
        assert client.get("/v1/shop/get_item?item_no=0001", headers=auth(READONLY_KEY)).status_code == 200
    r = client.get("/v1/shop/get_item?item_no=0001", headers=auth(READONLY_KEY))
    assert r.status_code == 429 and r.mimetype == PROBLEM
    assert 1 <= int(r.headers["Retry-After"]) <= 61
    assert client.get("/v1/shop/get_item?item_no=0001", headers=auth()).status_code == 200  # other key unaffected
    assert client.get("/healthz").status_code == 200  # public routes are not limited


def test_audit_records_each_call_without_secrets(client, tmp_path):
    client.get("/v1/shop/get_item?item_no=0001", headers=auth())
    client.post("/v1/shop/rename", json={"item_no": "0001", "name": "y", "password": "hunter2"}, headers=auth())
    client.get("/v1/shop/get_item?item_no=0001", headers=auth("wrong-key-value"))
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(e["event"], e["status"], e["caller"]) for e in lines] == [
        ("shop.get_item", 200, "all"), ("shop.rename", 200, "all"), ("shop.get_item", 401, None)]
    assert lines[1]["effect"] == "write" and lines[1]["input"]["password"] == "<<REDACTED>>"
    text = (tmp_path / "audit.jsonl").read_text()
    assert "hunter2" not in text and KEY not in text and "wrong-key-value" not in text


def test_stream_ndjson_and_csv(client, app_and_shop):
    r = client.get("/v1/shop/export?count=1200", headers=auth())
    assert r.status_code == 200 and r.mimetype == "application/x-ndjson"
    rows = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
    assert len(rows) == 1200 and rows[5] == {"n": 5, "label": 'row 5, "quoted"', "amount": "0.05"}
    r = client.get("/v1/shop/export?count=3", headers={**auth(), "Accept": "text/csv"})
    assert r.mimetype == "text/csv"
    assert r.get_data(as_text=True).splitlines() == [
        "n,label,amount", '0,"row 0, ""quoted""",0', '1,"row 1, ""quoted""",0.01', '2,"row 2, ""quoted""",0.02']
    assert app_and_shop[1].closed_streams == 2


def test_readyz_reports_each_bridge_and_fails_when_one_does(app_and_shop):
    app, shop = app_and_shop
    app.extensions["legacy_bridges"]["readiness"].ttl_s = 0  # every probe pings
    client = app.test_client()
    r = client.get("/readyz", headers=auth(OPS_KEY))
    assert r.status_code == 200 and r.get_json()["bridges"]["shop"]["status"] == "ok"
    shop.healthy = False
    r = client.get("/readyz", headers=auth(OPS_KEY))
    assert r.status_code == 503 and r.get_json()["bridges"]["shop"]["error"] == "shop host unreachable"


def test_public_pages_need_no_key(client):
    for path in ("/healthz", "/openapi.json", "/docs", "/tools/openai.json", "/tools/anthropic.json",
                 "/problems/invalid-input"):
        assert client.get(path).status_code == 200, path


def test_docs_page_shows_every_operation(client):
    html = client.get("/docs").get_data(as_text=True)
    for path in ("/v1/shop/get_item", "/v1/shop/rename", "/v1/shop/export"):
        assert path in html


def test_tools_are_generated_from_declarations(client):
    tools = client.get("/tools/anthropic.json").get_json()
    by_name = {t["name"]: t for t in tools}
    assert set(by_name) == {"shop_get_item", "shop_rename", "shop_export"}
    assert "CHANGES the legacy system" in by_name["shop_rename"]["description"]
    assert by_name["shop_get_item"]["input_schema"]["properties"]["item_no"]["pattern"] == "^[0-9]{4}$"


def test_with_a_key_the_tool_json_holds_only_the_tools_its_scopes_grant(client):
    readonly = client.get("/tools/openai.json", headers=auth(READONLY_KEY)).get_json()
    assert sorted(t["function"]["name"] for t in readonly) == ["shop_export", "shop_get_item"]
    assert client.get("/tools/openai.json", headers=auth(OTHER_KEY)).get_json() == []


def test_query_parameters_use_field_aliases():
    from pydantic import BaseModel, ConfigDict, Field

    from facade_app.operations import _parameter_names

    class Filters(BaseModel):
        from_: str | None = Field(None, alias="from")
        to: str | None = None

    class ByName(Filters):
        model_config = ConfigDict(populate_by_name=True)

    assert _parameter_names(Filters) == {"from", "to"}
    assert _parameter_names(ByName) == {"from", "from_", "to"}
