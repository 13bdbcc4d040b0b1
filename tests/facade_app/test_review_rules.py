"""The review rules the README promises: pending writes expire after ``facade.review_ttl_s``,
and every decision — approval, failed execution, rejection — is audited.

Expiry is shown by moving the wall clock the review store reads (``time.time``), not by
waiting for it."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest

from bridges.core.config import FacadeSettings, parse_config
from tests.facade_app.conftest import KEY, READONLY_KEY, auth, make_app

pytestmark = pytest.mark.unit

REVIEWER = "key-reviewer-000"


def _reviewed(tmp_path, **facade):
    config = parse_config({
        "facade": {"review_store": f"sqlite:///{tmp_path / 'reviews.db'}", "audit_log": str(tmp_path / "a.jsonl"),
                   "rate_limit": "1000/minute", **facade},
        "api_keys": [
            {"name": "clerk", "key": {"env": "T_CLERK", "default": KEY}, "scopes": ["shop:*"]},
            {"name": "boss", "key": {"env": "T_BOSS", "default": REVIEWER}, "scopes": ["shop:review"]},
            {"name": "ro", "key": {"env": "T_RO", "default": READONLY_KEY}, "scopes": ["shop:read"]},
        ],
        "bridges": {"shop": {"review_writes": True}},
    })
    app, shop = make_app(config)
    return app.test_client(), shop


def _queue(client, name="Oolong"):
    r = client.post("/v1/shop/rename", json={"item_no": "0001", "name": name}, headers=auth())
    assert r.status_code == 202, r.get_json()
    return r.get_json(), r.headers["Location"]


def _ttl(review: dict) -> float:
    """Seconds between a review's request and its expiry (the API gives ISO 8601 times)."""
    expires, requested = (datetime.fromisoformat(review[k]) for k in ("expires_at", "requested_at"))
    return (expires - requested).total_seconds()


def _audit(tmp_path):
    return [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def clock(monkeypatch):
    """Shift the wall clock: ``clock(s)`` moves it ``s`` seconds on."""
    real = time.time
    shift = [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + shift[0])

    def move(seconds: float) -> None:
        shift[0] += seconds

    return move


def test_the_default_review_ttl_is_one_day():
    assert FacadeSettings().review_ttl_s == 86_400


def test_a_review_expires_at_its_ttl_by_default(tmp_path):
    client, _ = _reviewed(tmp_path)
    body, _ = _queue(client)
    assert _ttl(body) == pytest.approx(86_400, abs=1)


def test_a_pending_write_expires_after_the_ttl_and_can_no_longer_be_approved(tmp_path, clock):
    client, shop = _reviewed(tmp_path, review_ttl_s=60)
    body, location = _queue(client)
    assert _ttl(body) == pytest.approx(60, abs=1)
    clock(59)
    assert client.get(location, headers=auth()).get_json()["status"] == "pending"
    clock(2)
    assert client.get(location, headers=auth()).get_json()["status"] == "expired"
    pending = client.get("/v1/reviews?status=pending", headers=auth(REVIEWER)).get_json()["reviews"]
    assert pending == []
    late = client.post(location + "/approve", headers=auth(REVIEWER))
    assert late.status_code == 409 and "expired" in late.get_json()["detail"]
    assert client.post(location + "/reject", json={"reason": "late"}, headers=auth(REVIEWER)).status_code == 409
    assert shop.items["0001"][0] == "Grüner Tee"


def test_a_rejection_is_audited_with_who_decided_and_whose_request(tmp_path):
    client, shop = _reviewed(tmp_path)
    body, location = _queue(client)
    r = client.post(location + "/reject", json={"reason": "wrong item"}, headers=auth(REVIEWER))
    assert r.status_code == 200
    events = _audit(tmp_path)
    assert [e["event"] for e in events] == ["shop.rename", "shop.rename.reject"]
    rejected = events[-1]
    assert rejected["caller"] == "boss" and rejected["effect"] == "write"
    assert (rejected["status"], rejected["outcome"]) == (200, "rejected")
    assert rejected["input"] == {"review_id": body["id"], "requested_by": "clerk", "reason": "wrong item"}
    assert shop.items["0001"][0] == "Grüner Tee"


def test_an_approval_whose_write_fails_is_audited_as_failed(tmp_path):
    client, shop = _reviewed(tmp_path)
    body, location = _queue(client)

    def broken(_query):
        from bridges.core.errors import Unavailable

        raise Unavailable("host down", retry_after=3)

    shop.rename = broken
    r = client.post(location + "/approve", headers=auth(REVIEWER))
    assert r.status_code == 503
    review = client.get(location, headers=auth()).get_json()
    assert review["status"] == "failed" and review["result"]["status"] == 503
    approved = _audit(tmp_path)[-1]
    assert approved["event"] == "shop.rename.approve"
    assert (approved["caller"], approved["status"], approved["outcome"]) == ("boss", 503, "failed")
    assert approved["input"] == {"review_id": body["id"], "requested_by": "clerk"}


def test_an_executed_approval_is_audited(tmp_path):
    client, shop = _reviewed(tmp_path)
    body, location = _queue(client)
    assert client.post(location + "/approve", headers=auth(REVIEWER)).status_code == 200
    approved = _audit(tmp_path)[-1]
    assert approved["event"] == "shop.rename.approve"
    assert (approved["caller"], approved["status"], approved["outcome"]) == ("boss", 200, "executed")
    assert approved["input"] == {"review_id": body["id"], "requested_by": "clerk"}
    assert shop.items["0001"][0] == "Oolong"


def test_a_rejection_without_a_json_reason_says_how_to_send_one(tmp_path):
    client, _ = _reviewed(tmp_path)
    _, location = _queue(client)
    not_json = client.post(location + "/reject", data="wrong item", content_type="text/plain",
                           headers=auth(REVIEWER))
    assert not_json.status_code == 422
    assert not_json.get_json()["detail"] == 'a rejection needs a reason: send {"reason": "…"}'
    assert not_json.get_json()["errors"]
    empty = client.post(location + "/reject", json={}, headers=auth(REVIEWER))
    assert empty.status_code == 422 and empty.get_json()["detail"] == "a rejection needs a reason"
    assert [e["field"] for e in empty.get_json()["errors"]] == ["reason"]
    assert client.get(location, headers=auth()).get_json()["status"] == "pending"


def test_a_decision_with_a_bad_request_is_refused_before_anything_is_decided(tmp_path):
    client, shop = _reviewed(tmp_path)
    _, location = _queue(client)
    bad = client.post(location + "/approve?note=%ff", headers=auth(REVIEWER))  # not UTF-8
    assert bad.status_code == 422, bad.get_json()
    assert client.get(location, headers=auth()).get_json()["status"] == "pending"
    assert shop.items["0001"][0] == "Grüner Tee"


def test_decisions_carry_the_callers_rate_budget(tmp_path):
    client, _ = _reviewed(tmp_path)
    _, location = _queue(client)
    decided = client.post(location + "/reject", json={"reason": "no"}, headers=auth(REVIEWER))
    assert decided.status_code == 200 and decided.headers["X-RateLimit-Limit"] == "1000"
    assert int(decided.headers["X-RateLimit-Remaining"]) < 1000
