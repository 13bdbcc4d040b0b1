"""The typed client, replayed from vcrpy cassettes recorded against a live facade.

Record again with ``VCR_RECORD_MODE=all .venv/bin/python -m pytest tests/facade_app/test_client.py``
(a facade in front of the test bridge is started on a loopback port while recording).
"""

from __future__ import annotations

import os
import threading
from decimal import Decimal
from pathlib import Path

import pytest
import vcr

from bridges.core.errors import Forbidden, InvalidInput, NotFound, Unauthenticated, Unavailable
from facade_app.client import FacadeClient
from tests.facade_app.conftest import KEY, READONLY_KEY, Item, Shop, make_app

pytestmark = pytest.mark.replay

CASSETTES = Path(__file__).parent / "cassettes"
RECORD_MODE = os.environ.get("VCR_RECORD_MODE", "none")
RECORDED_BASE = "http://127.0.0.1:18931"  # the port the cassettes were recorded on

recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode=RECORD_MODE,
    filter_headers=["authorization", "x-api-key"],
    match_on=["method", "scheme", "host", "port", "path", "query", "body"],
    decode_compressed_response=True,
)


@pytest.fixture(scope="module")
def base_url():
    if RECORD_MODE == "none":
        yield RECORDED_BASE  # replay: nothing listens there
        return
    from werkzeug.serving import make_server

    app, _ = make_app()
    server = make_server("127.0.0.1", int(RECORDED_BASE.rsplit(":", 1)[1]), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield RECORDED_BASE
    server.shutdown()


def test_typed_read(base_url):
    with recorder.use_cassette("client_typed_read.yaml"), FacadeClient(base_url, KEY) as client:
        item = client.bridge(Shop).get_item(item_no="0001")
    assert isinstance(item, Item)
    assert item.price == Decimal("3.50") and item.name == "Grüner Tee"


def test_typed_write(base_url):
    with recorder.use_cassette("client_typed_write.yaml"), FacadeClient(base_url, KEY) as client:
        item = client.bridge(Shop).rename({"item_no": "0001", "name": "Matcha ß"})
    assert item.name == "Matcha ß"


def test_problems_become_typed_errors(base_url):
    with recorder.use_cassette("client_errors.yaml"), FacadeClient(base_url, KEY) as client:
        shop = client.bridge(Shop)
        with pytest.raises(NotFound):
            shop.get_item(item_no="0002")
        with pytest.raises(Unavailable) as err:
            shop.get_item(item_no="9999")
        assert err.value.retry_after == 7
    with recorder.use_cassette("client_auth_errors.yaml"):
        with FacadeClient(base_url, "not-a-key") as client, pytest.raises(Unauthenticated):
            client.bridge(Shop).get_item(item_no="0001")
        with FacadeClient(base_url, READONLY_KEY) as client, pytest.raises(Forbidden):
            client.bridge(Shop).rename(item_no="0001", name="x")


def test_invalid_input_fails_locally_without_a_request(base_url):
    with recorder.use_cassette("client_nothing_sent.yaml", record_mode="none", allow_playback_repeats=False) as cas:
        client = FacadeClient(base_url, KEY)
        with pytest.raises(InvalidInput) as err:
            client.bridge(Shop).get_item(item_no="12'; DROP")
        assert err.value.context["errors"][0]["field"] == "item_no"
        assert cas.play_count == 0


def test_unknown_operation_is_an_attribute_error():
    client = FacadeClient(RECORDED_BASE, KEY)
    with pytest.raises(AttributeError, match="get_item"):
        _ = client.bridge(Shop).get_itme


def test_cassettes_hold_no_key():
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert KEY not in text and READONLY_KEY not in text, path.name
