"""Human review of writes: queued, approved by someone else, executed once."""

import json
import threading

import pytest

from bridges.core.config import parse_config
from facade_app.review_models import ReviewOut
from tests.facade_app.conftest import KEY, READONLY_KEY, auth, make_app

pytestmark = pytest.mark.unit

REVIEWER = "key-reviewer-000"


@pytest.fixture
def reviewed(tmp_path):
    config = parse_config({
        "facade": {"review_store": f"sqlite:///{tmp_path / 'reviews.db'}", "audit_log": str(tmp_path / "a.jsonl")},
        "api_keys": [
            {"name": "clerk", "key": {"env": "T_CLERK", "default": KEY}, "scopes": ["shop:*"]},
            {"name": "ro", "key": {"env": "T_RO", "default": READONLY_KEY}, "scopes": ["shop:read"]},
            {"name": "boss", "key": {"env": "T_BOSS", "default": REVIEWER}, "scopes": ["shop:review"]},
        ],
        "bridges": {"shop": {"review_writes": True}},
    })
    app, shop = make_app(config)
    return app.test_client(), shop, tmp_path


def _rename(client, name="Oolong", **extra):
    return client.post("/v1/shop/rename", json={"item_no": "0001", "name": name, **extra}, headers=auth())


def test_a_write_is_queued_not_executed(reviewed):
    client, shop, _ = reviewed
    r = _rename(client)
    assert r.status_code == 202 and r.headers["Location"].startswith("/v1/reviews/")
    assert r.get_json()["status"] == "pending" and r.get_json()["requested_by"] == "clerk"
    assert shop.items["0001"][0] == "Grüner Tee"


def test_approval_by_a_reviewer_executes_the_write_once(reviewed):
    client, shop, tmp = reviewed
    location = _rename(client).headers["Location"]
    approved = client.post(location + "/approve", headers=auth(REVIEWER))
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    ReviewOut.model_validate(body)  # the answer is what OpenAPI says it is
    assert body["status"] == "executed" and body["decided_by"] == "boss" and body["result"]["name"] == "Oolong"
    assert shop.items["0001"][0] == "Oolong"
    again = client.post(location + "/approve", headers=auth(REVIEWER))
    assert again.status_code == 409 and again.get_json()["type"] == "/problems/conflict"
    assert client.get(location, headers=auth()).get_json()["status"] == "executed"  # the requester can follow it
    events = [json.loads(line) for line in (tmp / "a.jsonl").read_text().splitlines()]
    assert [(e["event"], e["status"], e["outcome"]) for e in events] == [
        ("shop.rename", 202, "queued-for-review"), ("shop.rename.approve", 200, "executed"),
        ("shop.rename.approve", 409, "conflict")]  # the second decision is refused, and audited


def test_nobody_approves_their_own_write_or_without_the_review_scope(reviewed):
    client, shop, _ = reviewed
    location = _rename(client).headers["Location"]
    assert client.post(location + "/approve", headers=auth()).status_code == 403  # clerk holds shop:* but asked
    assert client.post(location + "/approve", headers=auth(READONLY_KEY)).status_code == 404  # not visible to ro
    assert shop.items["0001"][0] == "Grüner Tee"


def test_rejection_needs_a_reason_and_ends_the_review(reviewed):
    client, shop, _ = reviewed
    location = _rename(client).headers["Location"]
    assert client.post(location + "/reject", json={}, headers=auth(REVIEWER)).status_code == 422
    r = client.post(location + "/reject", json={"reason": "wrong item"}, headers=auth(REVIEWER))
    assert r.get_json()["status"] == "rejected" and r.get_json()["reason"] == "wrong item"
    assert client.post(location + "/approve", headers=auth(REVIEWER)).status_code == 409
    assert shop.items["0001"][0] == "Grüner Tee"


def test_invalid_writes_are_refused_before_queueing(reviewed):
    client, _, _ = reviewed
    assert _rename(client, name="").status_code == 422
    assert client.get("/v1/reviews", headers=auth(REVIEWER)).get_json()["reviews"] == []


def test_reviewers_list_pending_requests(reviewed):
    client, _, _ = reviewed
    _rename(client, "A")
    _rename(client, "B")
    pending = client.get("/v1/reviews?status=pending", headers=auth(REVIEWER)).get_json()["reviews"]
    assert sorted(r["input"]["name"] for r in pending) == ["A", "B"]
    assert client.get("/v1/reviews?status=bogus", headers=auth(REVIEWER)).status_code == 422
    assert client.get("/v1/reviews").status_code == 401


def test_two_reviewers_racing_execute_the_write_once(reviewed):
    client, shop, _ = reviewed
    location = _rename(client, "Race").headers["Location"]
    calls = []
    original = shop.rename

    def counting(r):
        calls.append(r)
        return original(r)

    shop.rename = counting
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        client.post(location + "/approve", headers=auth(REVIEWER)).status_code)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(results).count(200) == 1 and set(results) <= {200, 409}
    assert len(calls) == 1


def test_the_typed_client_raises_review_queued_and_follows_it(reviewed):
    import httpx

    from facade_app.client import FacadeClient, ReviewQueued
    from tests.facade_app.conftest import Shop

    client, _, _ = reviewed
    app = client.application
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://facade")
    with FacadeClient("http://facade", KEY, http=http) as typed:
        with pytest.raises(ReviewQueued) as queued:
            typed.bridge(Shop).rename(item_no="0001", name="Assam")
        review_id = queued.value.review["id"]
        assert typed.review(review_id)["status"] == "pending"


def _events(tmp):
    return [json.loads(line) for line in (tmp / "a.jsonl").read_text().splitlines()]


def test_every_refused_decision_is_audited(reviewed):
    from sqlalchemy import text

    client, shop, tmp = reviewed
    location = _rename(client).headers["Location"]
    review_id = location.rsplit("/", 1)[1]
    assert client.post(location + "/approve", headers=auth()).status_code == 403  # self-approval
    assert client.post(location + "/approve", headers=auth(READONLY_KEY)).status_code == 404  # no review scope
    assert client.post(location + "/reject", json={"reason": "no"}, headers=auth(READONLY_KEY)).status_code == 404
    assert client.post("/v1/reviews/nope/approve", headers=auth(REVIEWER)).status_code == 404
    assert client.post(location + "/reject", json={"reason": "no"}, headers=auth(REVIEWER)).status_code == 200
    assert client.post(location + "/reject", json={"reason": "again"}, headers=auth(REVIEWER)).status_code == 409
    late = _rename(client, "Late").headers["Location"]
    store = client.application.extensions["legacy_bridges"]["pipeline"].reviews
    with store.engine.begin() as conn:  # its time is up
        conn.execute(text("UPDATE lb_write_reviews SET expires_at = 0 WHERE id = :id"), {"id": late.rsplit("/", 1)[1]})
    assert client.get(late, headers=auth(REVIEWER)).get_json()["status"] == "expired"
    assert client.post(late + "/approve", headers=auth(REVIEWER)).status_code == 409  # after expiry
    assert shop.items["0001"][0] == "Grüner Tee"
    decisions = [(e["event"], e["caller"], e["status"], e["outcome"]) for e in _events(tmp) if e["status"] != 202]
    assert decisions == [
        ("shop.rename.approve", "clerk", 403, "forbidden"),
        ("shop.rename.approve", "ro", 404, "not-found"),
        ("shop.rename.reject", "ro", 404, "not-found"),
        ("reviews.approve", "boss", 404, "not-found"),
        ("shop.rename.reject", "boss", 200, "rejected"),
        ("shop.rename.reject", "boss", 409, "conflict"),
        ("shop.rename.approve", "boss", 409, "conflict"),
    ]
    assert _events(tmp)[1]["input"] == {"review_id": review_id, "requested_by": "clerk"}


def test_reviews_carry_iso_times_and_decision_links_only_while_pending(reviewed):
    from datetime import datetime

    client, _, _ = reviewed
    body = _rename(client).get_json()
    for key in ("requested_at", "expires_at"):
        assert datetime.fromisoformat(body[key]).utcoffset().total_seconds() == 0
    assert body["decided_at"] is None and set(body["links"]) == {"self", "approve", "reject"}
    done = client.post(body["links"]["approve"], headers=auth(REVIEWER)).get_json()
    assert done["status"] == "executed" and done["links"] == {"self": body["links"]["self"]}
    assert datetime.fromisoformat(done["decided_at"]) >= datetime.fromisoformat(body["requested_at"])
    ReviewOut.model_validate(done)
