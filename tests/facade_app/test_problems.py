"""Problem types, papercuts of error answers, and an audit writer that never fails a request."""

import json
import logging

import pytest
from werkzeug.exceptions import default_exceptions

import bridges.core.errors as core_errors
import facade_app.request_input as request_input
from facade_app.audit import AuditLog
from facade_app.problems import http_slug
from tests.facade_app.conftest import auth

pytestmark = pytest.mark.unit


def _error_classes(module):
    return [obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, core_errors.BridgeError)]


@pytest.mark.parametrize("slug", sorted({cls.slug for cls in _error_classes(core_errors) + _error_classes(
    request_input)} | {http_slug(code) for code in default_exceptions}))
def test_every_problem_type_the_facade_can_return_has_a_page(client, slug):
    r = client.get(f"/problems/{slug}")
    assert r.status_code == 200 and r.get_json()["description"], slug


def test_unknown_url_is_a_generic_not_found_not_a_missing_legacy_record(client):
    r = client.get("/v1/nothing/here", headers=auth())
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert r.get_json()["type"] == "/problems/unknown-url"
    for path in ("/problems/no-such-type", "/tools/nope.json"):
        assert client.get(path).get_json()["type"] == "/problems/unknown-url", path


def test_legacy_not_found_keeps_its_own_type(client):
    r = client.get("/v1/shop/get_item?item_no=0002", headers=auth())
    assert r.status_code == 404 and r.get_json()["type"] == "/problems/not-found"


def test_401_names_the_bearer_scheme(client):
    r = client.get("/v1/shop/get_item?item_no=0001")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert "WWW-Authenticate" not in client.get("/v1/shop/get_item?item_no=0001", headers=auth()).headers


@pytest.mark.parametrize("path", ["/v1/shop/get_item", "/v1/shop/rename", "/v1/reviews", "/healthz"])
def test_options_is_204_with_allow_and_no_body(client, path):
    r = client.options(path)
    assert r.status_code == 204 and r.data == b"" and "Content-Type" not in r.headers
    assert "OPTIONS" in r.headers["Allow"]
    assert not [k for k, _ in r.headers.items() if k.lower().startswith("access-control-")]


def test_wrong_method_is_405_problem_with_allow(client):
    r = client.delete("/v1/shop/get_item", headers=auth())
    assert r.status_code == 405 and r.get_json()["type"] == "/problems/method-not-allowed"
    assert "GET" in r.headers["Allow"]


def test_500_log_line_carries_the_request_id_of_the_answer(client, caplog):
    with caplog.at_level(logging.ERROR, logger="legacy_bridges.facade"):
        r = client.get("/v1/shop/get_item?item_no=6666", headers=auth())
    assert r.status_code == 500
    request_id = r.get_json()["request_id"]
    assert request_id and any(request_id in rec.getMessage() and rec.exc_info for rec in caplog.records)


def test_audit_escapes_what_it_cannot_encode(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    nested: list = []
    for _ in range(500):
        nested = [nested]
    log.record(event="shop.rename", effect="write", caller="all", request_id="r1", status=422, duration_ms=1.0,
               inputs={"name": "\ud800", "\udfff": "x", "deep": nested, "odd": object()}, outcome="invalid-input")
    line = path.read_text(encoding="utf-8")
    entry = json.loads(line)
    assert entry["request_id"] == "r1" and entry["input"]["name"] == "\ud800"
    assert "\\ud800" in line  # escaped in the file, the same string when read back


def test_audit_never_raises_even_when_a_value_cannot_be_rendered(tmp_path):
    class Hostile:
        def __str__(self):
            raise RuntimeError("no")

    path = tmp_path / "audit.jsonl"
    AuditLog(path).record(event="e", effect="read", caller=None, request_id="r2", status=200, duration_ms=0,
                          inputs={"x": Hostile()}, outcome="ok")
    assert json.loads(path.read_text(encoding="utf-8"))["input"] == {"<<unencodable>>": True}
