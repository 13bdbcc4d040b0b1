"""The operator console: sign in with a key (session cookie, CSRF on every form), pages by
scope, audit filters, and four-eyes decisions through the same pipeline as the API."""

from __future__ import annotations

import json
import re

import pytest

from bridges.core.config import parse_config
from tests.facade_app.conftest import KEY, OPS_KEY, auth, make_app

pytestmark = pytest.mark.unit

REVIEWER = "key-reviewer-000"


@pytest.fixture
def console(tmp_path, request):
    store = {"file": "off", "store": f"sqlite:///{tmp_path / 'audit.db'}"}[getattr(request, "param", "store")]
    config = parse_config({
        "facade": {"review_store": f"sqlite:///{tmp_path / 'reviews.db'}", "audit_log": str(tmp_path / "a.jsonl"),
                   "audit_store": store},
        "api_keys": [
            {"name": "clerk", "key": {"env": "T_CLERK", "default": KEY}, "scopes": ["shop:*"]},
            {"name": "boss", "key": {"env": "T_BOSS", "default": REVIEWER}, "scopes": ["shop:review"]},
            {"name": "ops", "key": {"env": "T_OPS", "default": OPS_KEY}, "scopes": ["ops"]},
        ],
        "bridges": {"shop": {"review_writes": True}},
    })
    app, shop = make_app(config)
    return app, shop, tmp_path / "a.jsonl"


def _token(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _sign_in(client, key):
    form = client.get("/console/sign-in")
    return client.post("/console/sign-in", data={"key": key, "csrf_token": _token(form)})


def test_sign_in_sets_a_strict_http_only_cookie_holding_no_key(console):
    app, _, _ = console
    client = app.test_client()
    assert client.get("/console/bridges").headers["Location"].startswith("/console/sign-in")
    signed = _sign_in(client, OPS_KEY)
    assert signed.status_code == 302
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert OPS_KEY not in cookie
    page = client.get("/console/bridges")
    assert page.status_code == 200 and 'id="bridge-shop"' in page.get_data(as_text=True)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_wrong_key_or_a_form_without_its_csrf_token_is_refused(console):
    app, _, _ = console
    client = app.test_client()
    wrong = _sign_in(client, "not-a-key")
    assert wrong.status_code == 401 and "not valid" in wrong.get_data(as_text=True)
    forged = client.post("/console/sign-in", data={"key": OPS_KEY})
    assert forged.status_code == 400 and "lb_console=" not in forged.headers.get("Set-Cookie", "")
    _sign_in(client, OPS_KEY)
    assert client.post("/console/sign-out").status_code == 400  # no token: still signed in
    assert client.get("/console/keys").status_code == 200


def test_operator_pages_need_the_ops_scope_and_keys_never_show(console):
    app, _, _ = console
    reviewer = app.test_client()
    _sign_in(reviewer, REVIEWER)
    assert reviewer.get("/console/bridges").status_code == 403
    assert reviewer.get("/console/reviews").status_code == 200
    operator = app.test_client()
    _sign_in(operator, OPS_KEY)
    keys = operator.get("/console/keys").get_data(as_text=True)
    assert "clerk" in keys and "shop:review" in keys
    assert KEY not in keys and REVIEWER not in keys and OPS_KEY not in keys


@pytest.mark.parametrize("console", ["store", "file"], indirect=True)
def test_audit_events_filter_and_open_to_their_details(console):
    """From the audit store when there is one, else from the audit file: the same page."""
    app, _, _ = console
    api = app.test_client()
    api.get("/v1/shop/get_item?item_no=0001", headers={**auth(), "X-Request-ID": "find-me-1"})
    api.get("/v1/shop/get_item?item_no=0404", headers=auth())
    api.get("/v1/shop/get_item?item_no=0001", headers={**auth(), "X-Request-ID": "find-me.2"})
    operator = app.test_client()
    _sign_in(operator, OPS_KEY)
    found = operator.get("/console/audit?bridge=shop&outcome=not-found").get_data(as_text=True)
    assert found.count('class="audit-row"') == 1 and "not-found" in found
    ok = operator.get("/console/audit?caller=clerk&outcome=ok").get_data(as_text=True)
    assert "find-me-1" in ok and "find-me.2" in ok and ok.count('class="audit-row"') == 2
    by_operation = operator.get("/console/audit?bridge=shop&operation=get_item").get_data(as_text=True)
    assert by_operation.count('class="audit-row"') == 3
    assert operator.get("/console/audit?bridge=shop&operation=rename").get_data(as_text=True).count(
        'class="audit-row"') == 0
    later = operator.get("/console/audit?since=2999-01-01").get_data(as_text=True)
    assert later.count('class="audit-row"') == 0 and "No events match" in later
    detail = operator.get("/console/audit/find-me-1").get_data(as_text=True)
    assert "shop.get_item" in detail and "0001" in detail and "find-me.2" not in detail
    assert "0404" not in operator.get("/console/audit/find-me_1").get_data(as_text=True)  # LIKE's _ is literal


def test_a_queued_write_is_approved_by_a_second_key_in_the_console_never_by_its_author(console):
    app, shop, audit = console
    queued = app.test_client().post("/v1/shop/rename", json={"item_no": "0001", "name": "Oolong"}, headers=auth())
    review_id = queued.get_json()["id"]
    author = app.test_client()
    _sign_in(author, KEY)
    page = author.get("/console/reviews")
    assert "You asked for this change" in page.get_data(as_text=True)
    refused = author.post(f"/console/reviews/{review_id}/approve", data={"csrf_token": _token(page)},
                          follow_redirects=True)
    assert "Not approved" in refused.get_data(as_text=True) and shop.items["0001"][0] == "Grüner Tee"
    reviewer = app.test_client()
    _sign_in(reviewer, REVIEWER)
    page = reviewer.get("/console/reviews")
    assert f'id="approve-{review_id}"' in page.get_data(as_text=True)
    done = reviewer.post(f"/console/reviews/{review_id}/approve", data={"csrf_token": _token(page)},
                         follow_redirects=True)
    assert "executed" in done.get_data(as_text=True) and shop.items["0001"][0] == "Oolong"
    events = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    decisions = [(e["caller"], e["outcome"]) for e in events if e["event"] == "shop.rename.approve"]
    assert decisions == [("clerk", "forbidden"), ("boss", "executed")]
    assert [e["caller"] for e in events if e["event"] == "shop.rename"] == ["clerk"]


def test_a_rejection_needs_a_reason(console):
    app, _, _ = console
    review_id = app.test_client().post("/v1/shop/rename", json={"item_no": "0001", "name": "Sencha"},
                                       headers=auth()).get_json()["id"]
    reviewer = app.test_client()
    _sign_in(reviewer, REVIEWER)
    token = _token(reviewer.get("/console/reviews"))
    empty = reviewer.post(f"/console/reviews/{review_id}/reject", data={"csrf_token": token, "reason": " "},
                          follow_redirects=True)
    assert "needs a reason" in empty.get_data(as_text=True)
    given = reviewer.post(f"/console/reviews/{review_id}/reject", data={"csrf_token": token, "reason": "typo"},
                          follow_redirects=True)
    assert "rejected" in given.get_data(as_text=True)
    assert app.test_client().get(f"/v1/reviews/{review_id}", headers=auth(REVIEWER)).get_json()["reason"] == "typo"


def test_shadow_mode_shows_agreement_and_the_disagreeing_fields_and_reconciles_on_demand(tmp_path):
    config = parse_config({
        "facade": {"review_store": f"sqlite:///{tmp_path / 'r.db'}", "audit_log": str(tmp_path / "a.jsonl")},
        "api_keys": [{"name": "agent", "key": {"env": "T_SC_AGENT", "default": KEY}, "scopes": ["shop:*"]},
                     {"name": "ops", "key": {"env": "T_SC_OPS", "default": OPS_KEY}, "scopes": ["ops"]}],
        "bridges": {"shop": {"policies": {"rename": {"policy": "shadow", "observe": "get_item"}}}},
    })
    app, shop = make_app(config)
    shop.items.update({"0002": ("Sencha", 4), "0003": ("Oolong", 5)})
    client = app.test_client()
    for item, name in (("0001", "Matcha"), ("0002", "Bancha"), ("0003", "Pu-erh")):
        assert client.post("/v1/shop/rename", json={"item_no": item, "name": name}, headers=auth()).status_code == 202
    shop.items["0001"] = ("Matcha", 3)  # a person makes the first change as proposed
    shop.items["0002"] = ("Gyokuro", 4)  # and the second one otherwise; nobody makes the third
    agent = app.test_client()
    _sign_in(agent, KEY)
    assert agent.get("/console/shadow").status_code == 403
    operator = app.test_client()
    _sign_in(operator, OPS_KEY)
    page = operator.get("/console/shadow")
    assert 'id="shadow-unmatched">3<' in page.get_data(as_text=True)
    assert operator.post("/console/shadow/reconcile").status_code == 400  # no CSRF token: refused
    done = operator.post("/console/shadow/reconcile", data={"csrf_token": _token(page)}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Reconciled: 1 matched, 1 disagreeing, 1 pending, 0 failed." in html
    for cell, value in (("total", "3"), ("matched", "1"), ("disagreeing", "1"), ("unmatched", "1"),
                        ("rate", "50.0 %")):
        assert re.search(rf'id="shadow-{cell}"[^>]*>{re.escape(value)}<', html), cell
    disagreeing = operator.get("/console/shadow?status=disagreeing").get_data(as_text=True)
    assert disagreeing.count('class="shadow"') == 1
    assert re.search(r"<th scope=\"row\">name</th><td>Sencha</td><td>Bancha</td><td class=\"failing\">Gyokuro</td>",
                     disagreeing)
    assert [n for n, _ in shop.items.values()] == ["Matcha", "Gyokuro", "Oolong"]  # the console wrote nothing
    events = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert ("shadow.reconcile", "ops", 200) in [(e["event"], e["caller"], e["status"]) for e in events]


def test_a_bridge_whose_login_was_refused_gets_a_reset_button_that_needs_ops_and_its_csrf_token(console):
    from bridges.core.errors import LoginRefused

    app, shop, audit = console
    refused = [True]

    def ping():
        if refused[0]:
            raise LoginRefused("the test shop refused the bridge's login", bridge="shop")
        return {"mode": "test"}

    shop.ping = ping
    shop.reset = lambda: refused.clear() or refused.append(False)
    operator = app.test_client()
    _sign_in(operator, OPS_KEY)
    page = operator.get("/console/bridges")
    assert 'id="reset-shop"' in page.get_data(as_text=True)
    assert operator.post("/console/bridges/shop/reset", data={}).status_code == 400  # no CSRF token: not run
    assert refused == [True]
    clerk = app.test_client()
    _sign_in(clerk, KEY)
    assert clerk.post("/console/bridges/shop/reset", data={"csrf_token": _token(clerk.get("/console/reviews"))}
                      ).status_code == 403
    done = operator.post("/console/bridges/shop/reset", data={"csrf_token": _token(page)}, follow_redirects=True)
    assert "Bridge shop reset" in done.get_data(as_text=True) and refused == [False]
    assert 'id="reset-shop"' not in done.get_data(as_text=True)  # pinged afresh: signed on again
    events = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert ("shop.reset", "ops", 200) in [(e["event"], e["caller"], e["status"]) for e in events]
