"""The interactive API docs in real Chromium: Swagger UI renders the facade's OpenAPI 3.1
document from bundled assets, and "Try it out" with a key under "Authorize" gets a real answer."""

from __future__ import annotations

import threading

import pytest

from facade_app.server import make_dev_server
from tests.facade_app.conftest import KEY, make_app
from web_scrape.testing import need_chromium

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]


@pytest.fixture
def base_url():
    app, _ = make_app()
    server = make_dev_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_try_it_out_calls_the_facade_with_the_authorized_key(base_url):
    from playwright.sync_api import sync_playwright

    chromium = need_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            outside = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base_url) else None)
            # No deep link: Swagger UI's scroll to a linked operation can keep the page moving, and
            # Playwright waits for a stable button (a 30 s timeout under load).
            page.goto(f"{base_url}/docs/api/")
            page.get_by_role("button", name="Authorize").first.click()
            bearer = page.locator(".auth-container").first  # the document's bearer scheme
            bearer.get_by_label("auth-bearer-value").fill(KEY)
            bearer.get_by_role("button", name="Apply credentials").click()
            bearer.get_by_role("button", name="Close").click()
            operation = page.locator("#operations-shop-shop_get_item")
            operation.locator(".opblock-summary-control").click()  # open the operation
            operation.get_by_role("button", name="Try it out").click()
            operation.locator("input[placeholder=item_no]").fill("0001")
            operation.get_by_role("button", name="Execute").click()
            status = operation.locator(".live-responses-table tr.response .response-col_status").first
            status.wait_for(timeout=20_000)
            assert status.inner_text().strip() == "200"
            assert "Grüner Tee" in operation.locator(".live-responses-table").inner_text()
            assert outside == [], outside  # no CDN, no other host
        finally:
            browser.close()
