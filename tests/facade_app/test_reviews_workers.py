"""The review queue holds across real gunicorn worker processes (a shared SQLite file)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.facade_app.conftest import KEY, auth
from tests.facade_app.gunicorn_run import gunicorn, workers_answering

pytestmark = pytest.mark.live

REVIEWER = "key-reviewer-000"  # as in reviewed_wsgi


@pytest.fixture
def four_workers(tmp_path):
    env = {"T_REVIEW_DB": str(tmp_path / "reviews.db"), "T_REVIEW_AUDIT": str(tmp_path / "a.jsonl")}
    with gunicorn("tests.facade_app.reviewed_wsgi", 4, env) as http:
        # every worker up (bounded), so that the requests below spread over them
        workers_answering(http, "/v1/shop/get_item?item_no=0001", lambda r: _last_pid(tmp_path), at_least=4)
        yield http, tmp_path / "a.jsonl"


def _last_pid(tmp_path):
    return json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()[-1])["pid"]


def test_submissions_lookups_and_approvals_across_four_workers_give_no_wrong_answer(four_workers):
    http, audit = four_workers
    wrong: list[str] = []

    def request(method: str, path: str, key: str, **kwargs):
        return http.request(method, path, headers=auth(key), **kwargs)

    def submit(n: int) -> str | None:
        r = request("POST", "/v1/shop/rename", KEY, json={"item_no": "0001", "name": f"Tea {n}"})
        if r.status_code != 202 or r.json()["status"] != "pending":
            wrong.append(f"submit {n}: {r.status_code}")
            return None
        return r.json()["id"]

    def check(review_id: str, status: str) -> None:
        r = request("GET", f"/v1/reviews/{review_id}", KEY)
        if r.status_code != 200 or r.json()["status"] != status:
            wrong.append(f"lookup {review_id}: {r.status_code} {r.text[:100]}")

    def approve(review_id: str) -> None:
        r = request("POST", f"/v1/reviews/{review_id}/approve", REVIEWER)
        if r.status_code != 200 or r.json()["status"] != "executed":
            wrong.append(f"approve {review_id}: {r.status_code} {r.text[:100]}")

    with ThreadPoolExecutor(8) as pool:
        ids = [i for i in pool.map(submit, range(20)) if i]
        list(pool.map(lambda i: check(i, "pending"), ids))
        pending = request("GET", "/v1/reviews?status=pending", REVIEWER).json()["reviews"]
        if {r["id"] for r in pending} != set(ids):
            wrong.append(f"pending list: {len(pending)} of {len(ids)}")
        list(pool.map(approve, ids))
        list(pool.map(lambda i: check(i, "executed"), ids))
        again = list(pool.map(lambda i: request("POST", f"/v1/reviews/{i}/approve", REVIEWER).status_code, ids))
    assert len(ids) == 20 and wrong == [] and again == [409] * 20
    events = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    executed = [e for e in events if e["outcome"] == "executed"]
    assert len(executed) == 20 and len({e["input"]["review_id"] for e in executed}) == 20  # each ran once
    assert len({e["pid"] for e in events if e["outcome"] == "executed"}) > 1, "one worker did every approval"
