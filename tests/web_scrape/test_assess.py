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
