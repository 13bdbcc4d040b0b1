"""The operator console in real Chromium against the demo world: sign in, the demo bridges
green, CUSTMAST stopped goes red and restarted goes green, a call's audit row, and a queued
``change_address`` approved by a second key in the browser. Each page's screenshot is kept
in ``var/test-artifacts/console``. An operator resets, with the page's button, a bridge whose
login the host refused."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx
import pytest

from bridges.core.config import parse_config
from facade_app import create_app
from facade_app.demo import DEFAULT_DEMO_KEY, demo_config, demo_world
from facade_app.server import make_dev_server
from fixtures.custmast import start_host
from mainframe.testing import demo_host, need_s3270
from tests.bridges.custmast.conftest import CODE_PAGE
from web_scrape.testing import need_chromium

pytestmark = [pytest.mark.live, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "test-artifacts" / "console"
REVIEWER_KEY = "demo-reviewer-key"  # the demo's reviewer (custmast:review)
# what the page needs to show a state change: its reload interval plus a readiness TTL and a ping
WITHIN_MS = 30_000


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    chromium = need_chromium()
    workdir = tmp_path_factory.mktemp("console")
    with demo_world(workdir) as world:
        data = demo_config(world)
        data["facade"]["readiness_ttl_s"] = 1.0
        app = create_app(parse_config(data, base_dir=workdir))
        server = make_dev_server(app, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", world, workdir / "audit.jsonl", chromium
        finally:
            server.shutdown()
            app.extensions["legacy_bridges"]["runtime"].close()
            world["custmast"].stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = need_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(served, browser):
    context = browser.new_context(base_url=served[0])
    yield context.new_page()
    context.close()


def _sign_in(page, key: str) -> None:
    page.goto("/console/sign-in")
    page.get_by_label("API key").fill(key)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # keyboard use: the form submits from its field


def _row(page, bridge: str):
    return page.locator(f"#bridge-{bridge}")


def test_sign_in_and_see_the_demo_bridges_green_then_custmast_red_and_green_again(served, page):
    _, world, _, _ = served
    _sign_in(page, DEFAULT_DEMO_KEY)
    page.wait_for_url("**/console/bridges")
    assert page.locator("#signed-in-as").inner_text() == "demo"
    for bridge in ("orders", "custmast", "helpdesk"):
        page.wait_for_selector(f"#bridge-{bridge}[data-status=ok]", timeout=WITHIN_MS)
    page.screenshot(path=str(SHOTS / "bridges-green.png"), full_page=True)

    host = world["custmast"]
    port = host.port
    host.stop()
    page.wait_for_selector("#bridge-custmast[data-status=failing]", timeout=WITHIN_MS)
    page.screenshot(path=str(SHOTS / "bridges-custmast-red.png"), full_page=True)

    world["custmast"] = start_host(host="127.0.0.1", port=port)  # the same address the bridge knows
    page.wait_for_selector("#bridge-custmast[data-status=ok]", timeout=WITHIN_MS)
    page.screenshot(path=str(SHOTS / "bridges-custmast-green-again.png"), full_page=True)


def test_a_call_is_found_in_the_audit_and_opens_to_its_details(served, page):
    base, _, _, _ = served
    request_id = f"console-{uuid.uuid4().hex[:8]}"
    answer = httpx.get(f"{base}/v1/orders/get_order", params={"order_no": "0000100001"},
                       headers={"Authorization": f"Bearer {DEFAULT_DEMO_KEY}", "X-Request-ID": request_id})
    assert answer.status_code == 200
    _sign_in(page, DEFAULT_DEMO_KEY)
    page.goto("/console/audit")
    page.get_by_label("Bridge").select_option("orders")
    page.get_by_label("Caller").select_option("demo")
    page.get_by_role("button", name="Filter").click()
    page.screenshot(path=str(SHOTS / "audit.png"), full_page=True)
    page.get_by_role("link", name=f"{request_id[:12]}…").first.click()
    page.wait_for_url(f"**/console/audit/{request_id}")
    assert "orders.get_order" in page.content() and "0000100001" in page.content()
    page.screenshot(path=str(SHOTS / "audit-event.png"), full_page=True)


def test_a_queued_address_change_is_approved_by_a_second_key_in_the_browser(served, page):
    base, world, audit, _ = served
    number = "84603489"
    street = f"Storgatan {uuid.uuid4().int % 200 + 1}"
    queued = httpx.post(f"{base}/v1/custmast/change_address", json={"customer": number, "street": street},
                        headers={"Authorization": f"Bearer {DEFAULT_DEMO_KEY}"})
    assert queued.status_code == 202, queued.text
    review_id = queued.json()["id"]
    _sign_in(page, DEFAULT_DEMO_KEY)  # the author sees it, with no way to decide it
    page.goto("/console/reviews")
    assert page.locator(f"#approve-{review_id}").count() == 0
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, REVIEWER_KEY)
    page.wait_for_url("**/console/reviews")
    shown = page.locator(f"#review-{review_id}").inner_text()
    assert street in shown and "Dry run when queued" in shown
    page.screenshot(path=str(SHOTS / "reviews-pending.png"), full_page=True)
    page.locator(f"#approve-{review_id}").click()
    page.wait_for_selector("p.flash-ok")
    assert "executed" in page.locator("p.flash-ok").inner_text()
    page.screenshot(path=str(SHOTS / "reviews-approved.png"), full_page=True)
    assert world["custmast"].customer(number).street == street  # the demo host holds the new address
    events = audit.read_text(encoding="utf-8")
    assert '"event": "custmast.change_address", "effect": "write", "caller": "demo"' in events
    assert '"event": "custmast.change_address.approve", "effect": "write", "caller": "demo-reviewer"' in events
    assert street not in events  # the address is personal data: a keyed digest in the audit
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, DEFAULT_DEMO_KEY)  # an operator key reads the audit
    page.goto("/console/audit?bridge=custmast&operation=change_address")  # the audit store's page: both keys
    callers = page.locator("tr.audit-row td:nth-child(3)").all_inner_texts()
    assert "demo" in callers and "demo-reviewer" in callers, callers
    page.screenshot(path=str(SHOTS / "audit-both-keys.png"), full_page=True)
    page.goto("/console/keys")
    page.screenshot(path=str(SHOTS / "keys.png"), full_page=True)


def test_an_operator_resets_a_bridge_whose_login_was_refused_with_the_button_on_its_row(browser, tmp_path):
    need_s3270()
    user, operator_key = "LOCKTEST", "console-reset-ops-key"
    with demo_host(codepage=CODE_PAGE) as host:
        config = parse_config({
            "crosswalk": str(ROOT / "fixtures/crosswalk-v1.csv"),
            "facade": {"audit_log": str(tmp_path / "audit.jsonl"), "readiness_ttl_s": 1.0},
            "api_keys": [{"name": "operator", "key": {"env": "CONSOLE_RESET_OPS_KEY", "default": operator_key},
                          "scopes": ["ops"]}],
            "bridges": {"custmast": {
                "secrets": {"password": {"env": "CUSTMAST_TEST_PASSWORD", "default": "Dem0-Pass"}},
                "options": {"host": host.host, "port": host.port, "code_page": CODE_PAGE, "user": user,
                            "pool": {"min_size": 0, "max_size": 1}},
                "guard": {"read_retries": 0}}},
        }, base_dir=ROOT)
        host.revoke(user)  # the host's administrator revoked the bridge's user
        app = create_app(config)
        server = make_dev_server(app, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            context = browser.new_context(base_url=base)
            page = context.new_page()
            try:
                _sign_in(page, operator_key)
                page.wait_for_url("**/console/bridges")
                page.wait_for_selector("#bridge-custmast[data-status=failing]", timeout=WITHIN_MS)
                assert page.locator("#reset-custmast").is_visible()
                assert host.sign_on_attempts(user) == 1
                page.screenshot(path=str(SHOTS / "bridges-login-refused.png"), full_page=True)

                host.unlock(user)  # the account is fixed; the bridge does not try again by itself
                page.reload()
                assert host.sign_on_attempts(user) == 1
                page.locator("#reset-custmast").focus()
                with page.expect_navigation():
                    page.keyboard.press("Enter")  # keyboard use: the button takes Enter
                assert "Bridge custmast reset" in page.locator("p.flash-ok").inner_text()
                page.wait_for_selector("#bridge-custmast[data-status=ok]", timeout=WITHIN_MS)
                assert page.locator("#reset-custmast").count() == 0
                assert host.sign_on_attempts(user) == 2
                page.screenshot(path=str(SHOTS / "bridges-reset.png"), full_page=True)
            finally:
                context.close()
            events = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
            assert '"event": "custmast.reset", "effect": "ops", "caller": "operator"' in events
        finally:
            server.shutdown()
            app.extensions["legacy_bridges"]["runtime"].close()
