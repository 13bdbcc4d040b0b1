"""The review queue holds across real gunicorn worker processes (a shared SQLite file)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.facade_app.conftest import KEY, auth

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
REVIEWER = "key-reviewer-000"  # as in reviewed_wsgi


@pytest.fixture
def four_workers(tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))  # connections queue until a worker boots
    port = listener.getsockname()[1]
    env = {**os.environ, "T_REVIEW_DB": str(tmp_path / "reviews.db"), "T_REVIEW_AUDIT": str(tmp_path / "a.jsonl"),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}", "--workers", "4",
         "--threads", "4", "--worker-class", "gthread", "tests.facade_app.reviewed_wsgi:app"],
        cwd=ROOT, env=env, pass_fds=[listener.fileno()], stderr=subprocess.PIPE, text=True)
    listener.close()
    try:
        yield f"http://127.0.0.1:{port}", tmp_path / "a.jsonl"
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err[-3000:]


def test_submissions_lookups_and_approvals_across_four_workers_give_no_wrong_answer(four_workers):
    base, audit = four_workers
    wrong: list[str] = []

    def request(method: str, path: str, key: str, **kwargs):
        # A new connection each time, so that any of the four workers may take it.
        with httpx.Client(base_url=base, timeout=60) as http:
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
    assert len({e["pid"] for e in events}) > 1, "one worker took every request: the test proved nothing"
