"""No input reaches a 500: a corpus of bad inputs sent over real sockets to every route.

Each answer is a 4xx problem+json, the server stays up, and every operation route writes
one audit line per request (found by its request id).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import uuid

import pytest

from tests.facade_app.conftest import KEY, make_app, make_config

pytestmark = pytest.mark.live

MAX_BODY = 16_384
MAX_QUERY = 1024
BODY_TIMEOUT = 0.5

# (method, path, query parameter to spoil, operation route?, reads a JSON body?)
ROUTES = [
    ("GET", "/v1/shop/get_item", "item_no", True, False),
    ("GET", "/v1/shop/export", "count", True, False),
    ("POST", "/v1/shop/rename", "q", True, True),
    ("GET", "/v1/reviews", "status", False, False),
    ("GET", "/v1/reviews/abc", "q", False, False),
    ("POST", "/v1/reviews/abc/approve", "q", False, False),
    ("POST", "/v1/reviews/abc/reject", "q", False, True),
    ("GET", "/healthz", "q", False, False),
    ("GET", "/readyz", "q", False, False),
    ("GET", "/openapi.json", "q", False, False),
    ("GET", "/docs", "q", False, False),
    ("GET", "/problems/invalid-input", "q", False, False),
    ("GET", "/tools/openai.json", "q", False, False),
]

QUERIES = {  # percent-encoded values of a query parameter, and the answer every route gives
    "invalid-utf8": ("%ff%fe", 422),
    "lone-surrogate-utf8": ("%ED%A0%80", 422),
    "too-long": ("x" * (MAX_QUERY + 1), 414),
    # A NUL is a character: the operation's model refuses it (its pattern says so); other routes ignore `q`.
    "nul": ("a%00b", None),
}

_DEEP = b"[" * 1000 + b"]" * 1000
BODIES = {  # JSON bodies that a route reading one refuses with 422
    "nested-1000-arrays": b'{"item_no": "0001", "name": ' + _DEEP + b"}",
    "nested-1000-objects": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "bare-nesting": _DEEP,
    "lone-surrogate": b'{"item_no": "0001", "name": "\\ud800"}',
    "lone-surrogate-key": b'{"item_no": "0001", "name": "x", "\\udfff": 1}',
    "invalid-utf8": b'{"item_no": "0001", "name": "\xff\xfe"}',
    "nul-escaped": b'{"item_no": "0001", "name": "a\\u0000b"}',
    "nul-raw": b'{"item_no": "0001", "name": "a\x00b"}',
    "nan": b'{"item_no": "0001", "name": NaN}',
    "huge-int": b'{"item_no": "0001", "name": 1' + b"0" * 5000 + b"}",
    "not-an-object": b'["0001", "x"]',
    "truncated": b'{"item_no": "0001", "na',
}

TRANSPORT = ["declared-too-large", "chunked-too-large", "stalled-body"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The test facade on a real threaded server (port 0), its audit file, and its port."""
    from werkzeug.serving import make_server

    audit = tmp_path_factory.mktemp("bad-input") / "audit.jsonl"
    app, _ = make_app(make_config(audit_log=str(audit), max_body_bytes=MAX_BODY, max_query_bytes=MAX_QUERY,
                                  body_timeout_s=BODY_TIMEOUT, rate_limit="100000/minute"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, audit
    server.shutdown()
    thread.join(timeout=10)


def exchange(port: int, method: str, target: str, *, body: bytes | None = None, content_type: str = "application/json",
             chunked: bool = False, stall: bool = False, request_id: str = "") -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection, written by hand; the status, headers and body of its answer."""
    head = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Authorization: Bearer {KEY}",
            f"X-Request-ID: {request_id or uuid.uuid4().hex}", "Connection: close"]
    payload = b""
    if body is not None:
        head.append(f"Content-Type: {content_type}")
        if chunked:
            head.append("Transfer-Encoding: chunked")
            payload = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 1024]), body[i:i + 1024])
                               for i in range(0, len(body), 1024)) + b"0\r\n\r\n"
        elif stall:  # announce more than is ever sent, and keep the connection open
            head.append(f"Content-Length: {len(body) + 100}")
            payload = body
        else:
            head.append(f"Content-Length: {len(body)}")
            payload = body
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def assert_problem(status: int, headers: dict[str, str], body: bytes, expected: int | None, what: str) -> None:
    assert 400 <= status < 500, f"{what}: {status} {body[:200]!r}"
    if expected is not None:
        assert status == expected, f"{what}: {status} {body[:200]!r}"
    assert headers.get("content-type", "").startswith("application/problem+json"), what
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].startswith("/problems/"), what


def audited_ids(audit) -> set[str]:
    return {json.loads(line)["request_id"] for line in audit.read_text(encoding="utf-8").splitlines()}


def still_up(port: int) -> bool:
    status, _, _ = exchange(port, "GET", "/healthz")
    return status == 200


@pytest.mark.parametrize("case", sorted(QUERIES))
def test_bad_query_strings_on_every_route(served, case):
    port, audit = served
    value, expected = QUERIES[case]
    ids = {}
    for method, path, param, is_operation, _ in ROUTES:
        if expected is None and param == "q":
            continue
        rid = uuid.uuid4().hex
        body = b'{"item_no": "0001", "name": "x"}' if method == "POST" else None
        answer = exchange(port, method, f"{path}?{param}={value}", body=body, request_id=rid)
        assert_problem(*answer, expected or 422, f"{case} on {method} {path}")
        if is_operation:
            ids[rid] = path
    assert still_up(port)
    missing = [path for rid, path in ids.items() if rid not in audited_ids(audit)]
    assert not missing, f"no audit line for {missing}"


@pytest.mark.parametrize("case", sorted(BODIES))
def test_bad_json_bodies_on_every_route_that_reads_one(served, case):
    port, audit = served
    ids = {}
    for method, path, _, is_operation, reads_body in ROUTES:
        if not reads_body:
            continue
        rid = uuid.uuid4().hex
        answer = exchange(port, method, path, body=BODIES[case], request_id=rid)
        # A review that does not exist is 404 before its body is read; an operation refuses the body.
        assert_problem(*answer, 422 if is_operation else None, f"{case} on {method} {path}")
        if is_operation:
            ids[rid] = path
            assert json.loads(answer[2])["errors"], case
    assert still_up(port)
    assert set(ids) <= audited_ids(audit)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", TRANSPORT)
def test_oversized_and_stalled_bodies_on_every_route(served, case):
    port, audit = served
    ids = {}
    for method, path, _, is_operation, _ in ROUTES:
        rid = uuid.uuid4().hex
        if case == "declared-too-large":
            answer = exchange(port, method, path, body=b"x" * (MAX_BODY + 1), request_id=rid)
            expected = 413
        elif case == "chunked-too-large":
            answer = exchange(port, method, path, body=b"x" * (MAX_BODY + 4096), chunked=True, request_id=rid)
            expected = 413
        else:
            answer = exchange(port, method, path, body=b'{"item_no": ', stall=True, request_id=rid)
            expected = 408
        assert_problem(*answer, expected, f"{case} on {method} {path}")
        if is_operation:
            ids[rid] = path
    assert still_up(port)
    assert set(ids) <= audited_ids(audit)


def test_a_chunked_body_within_the_limit_is_read(served):
    port, _ = served
    status, _, body = exchange(port, "POST", "/v1/shop/rename", body=b'{"item_no": "0001", "name": "Chunked tea"}',
                               chunked=True)
    assert status == 200 and json.loads(body)["name"] == "Chunked tea"


def test_unicode_that_is_valid_passes(served):
    port, _ = served
    status, _, body = exchange(port, "POST", "/v1/shop/rename",
                               body='{"item_no": "0001", "name": "Grüner Tee 🍵"}'.encode())
    assert status == 200 and json.loads(body)["name"] == "Grüner Tee 🍵"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("worker_class", ["gthread", "sync"])
def test_gunicorn_frees_its_only_worker_from_a_stalled_body(tmp_path, worker_class):
    """One worker with one thread: a client that stalls mid-body gets 408 at the body deadline
    (far below gunicorn's own worker timeout), and the next caller is served by the same worker."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    env = {**os.environ, "T_SHOP_AUDIT": str(tmp_path / "audit.jsonl"), "T_SHOP_BODY_TIMEOUT": "1",
           "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}", "--workers", "1",
         "--threads", "1", "--worker-class", worker_class, "--timeout", "60",
         "tests.facade_app.shop_wsgi:app"],
        cwd=root, env=env, pass_fds=[listener.fileno()], stderr=subprocess.PIPE, text=True)
    listener.close()
    try:
        assert exchange(port, "GET", "/healthz")[0] == 200  # the queue waits for the worker to boot
        stalled = exchange(port, "POST", "/v1/shop/rename", body=b'{"item_no": "00', stall=True)
        assert_problem(*stalled, 408, f"stalled body under gunicorn {worker_class}")
        status, _, body = exchange(port, "GET", "/v1/shop/get_item?item_no=0001")
        assert status == 200 and json.loads(body)["item_no"] == "0001"
        pids = {json.loads(line)["pid"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()}
        assert len(pids) == 1, "the worker was not restarted: it was freed"
        assert proc.poll() is None
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err[-3000:]
