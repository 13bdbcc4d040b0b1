"""Secrets: found in HTML and JSON, scrubbed in every encoding, restored for replay."""

from __future__ import annotations

import json

import pytest

from web_scrape import SecretBook, find_secret_values

pytestmark = pytest.mark.unit


def test_hidden_tokens_password_values_and_cookies_are_found():
    html = ('<input type="hidden" name="csrf_token" value="0123456789abcdef">'
            "<input type=password name=pw value='hunter22'><input name=q value='not-a-secret'>")
    assert find_secret_values(html) == {"0123456789abcdef", "hunter22"}
    network = json.dumps({"request": {"headers": [{"name": "Cookie", "value": "SID=abcdef123456; x=1"}],
                                      "cookies": [{"name": "SID", "value": "zyxwvu987654"}]}})
    assert find_secret_values(network) == {"abcdef123456", "zyxwvu987654"}


def test_secrets_are_scrubbed_raw_and_url_encoded_and_restored():
    book = SecretBook({"password": "s3cr&t Pä"})
    assert book.discover("COOKIE", "abcdef123456") == "COOKIE_1"
    assert book.discover("COOKIE", "abcdef123456") == "COOKIE_1"
    assert book.discover("COOKIE", "short") is None
    text = "pw=s3cr%26t+P%C3%A4&raw=s3cr&t Pä; SID=abcdef123456"
    scrubbed = book.scrubber.scrub(text)
    assert "s3cr" not in scrubbed and "abcdef123456" not in scrubbed
    assert "<<PASSWORD>>" in scrubbed and "<<COOKIE_1>>" in scrubbed
    assert book.scrubber.restore(scrubbed) == text
    assert book.redact_text("token 99887766554433", extra={"99887766554433"}) == "token <<REDACTED>>"
