"""What a page's HTML says about it, without a browser: JavaScript needed or not, layout stable or not."""

from __future__ import annotations

import pytest

from web_scrape.assess import layout_signature, needs_javascript

pytestmark = pytest.mark.unit


def test_a_page_that_builds_itself_in_javascript_is_told_from_one_that_does_not():
    app = "<html><body><div id=app></div><script src=app.js></script></body></html>"
    noscript = "<html><body><p>Tickets</p><noscript>enable JS</noscript><script>x()</script></body></html>"
    plain = "<html><body><table><tr><td>Ticket No.</td><td>Opened</td></tr></table><p>Page 1 of 4</p></body></html>"
    assert needs_javascript(app) == (True, 1)
    assert needs_javascript(noscript) == (True, 1)
    assert needs_javascript(plain) == (False, 0)
    decorated = "<html><body><h1>HelpDesk 2005 - Search tickets by account</h1><script>focus()</script></body></html>"
    assert needs_javascript(decorated) == (False, 1)  # a script, but the page stands without it


def test_layout_signature_ignores_text_and_sees_structure():
    one = "<html><body><table><tr><td>12:00:01</td></tr></table></body></html>"
    two = "<html><body><table><tr><td>12:00:02</td></tr></table></body></html>"
    moved = "<html><body><div><table><tr><td>12:00:02</td></tr></table></div></body></html>"
    assert layout_signature(one) == layout_signature(two)
    assert layout_signature(one) != layout_signature(moved)


def test_a_new_session_on_every_fetch_is_told_from_a_kept_one():
    import itertools
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from web_scrape.assess import probe_site

    numbers = itertools.count()

    class Forgetful(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # a fresh session cookie on every request, even one that sent its cookie
            body = b"<html><body><p>Welcome to the old application, nothing to log in to.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Set-Cookie", f"SID={next(numbers)}; HttpOnly")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forgetful)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        probe = probe_site(f"http://127.0.0.1:{server.server_port}/", timeout_s=5)
    finally:
        server.shutdown()
        server.server_close()
    assert probe.reachable and probe.session_kept is False and probe.login == "none"
