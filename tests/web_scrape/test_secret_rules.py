"""Finding and redacting secrets at their edges: every place a token, password or cookie value
hides in HTML, JSON objects and JSON lines; the six-character floor; names of discovered
secrets; redaction of extra values longest first, in raw, URL- and JSON-encoded forms."""

from __future__ import annotations

import json

import pytest

from web_scrape.secrets import SecretBook, find_secret_values, parse_cookie_header

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("html", "found"), [
    ('<input type="hidden" name="csrf_token" value="abcdef123">', {"abcdef123"}),
    ("<input type=PASSWORD value=xyzxyz1>", {"xyzxyz1"}),  # by type alone, unquoted, any case
    ('<input type="password" value=\'secret99\'>', {"secret99"}),  # no name at all
    ('<input name="pwd" value="hunter22">', {"hunter22"}),
    ('<input name="q" value="search-term">', set()),
    ('<input name="csrf_token">', set()),  # no value
    ('<input name="csrf_token" value="">', set()),
    ('<input name="csrf_token" value="abcdef">', {"abcdef"}),  # six characters: a secret
    ('<input name="csrf_token" value="abcde">', set()),  # five: an ordinary word
])
def test_html_inputs(html, found):
    assert find_secret_values(f"<form>{html}</form>") == found


def test_every_source_in_one_text_adds_up():
    text = "\n".join([
        '<input name="csrf" value="html-token-1">',
        "{not json at all}",
        '{"name": "csrf", "value": "json-token-2"}',
        "{broken line",
        '{"cookies": [{"name": "sid", "value": "line-cookie-3"}], "x": {"y": 1}}',
    ])
    assert find_secret_values(text) == {"html-token-1", "json-token-2", "line-cookie-3"}


@pytest.mark.parametrize(("data", "found"), [
    ({"name": "Cookie", "value": "a=abcdef1; b=ghijkl2"}, {"abcdef1", "ghijkl2"}),
    ({"name": "Set-Cookie", "value": "sid=abcdef123; Path=/somewhere; HttpOnly"}, {"abcdef123"}),
    ({"name": "q", "type": "password", "value": "pw123456"}, {"pw123456"}),
    ({"name": "q", "type": "text", "value": "visible1"}, set()),
    ({"name": "csrf_token", "type": "text", "value": "tok123456"}, {"tok123456"}),
    ({"value": "no-name-at-all"}, set()),
    ({"name": "csrf", "value": "tok123456", "cookies": ["junk", {"value": "cookie-98765"}]},
     {"tok123456", "cookie-98765"}),
    ({"a": {"name": "csrf", "value": "first-secret"}, "b": [{"name": "csrf", "value": "second-secret"}],
      "c": None}, {"first-secret", "second-secret"}),
])
def test_json_lines(data, found):
    assert find_secret_values(json.dumps(data)) == found


def test_a_cookie_value_may_hold_equals_signs():
    assert parse_cookie_header("sid=abc=def; theme=dark") == [("sid", "abc=def"), ("theme", "dark")]


def test_discovered_secrets_are_numbered_per_kind_from_six_characters():
    book = SecretBook({"password": "Dem0-Pass"})
    assert book.names() == {"PASSWORD"}
    assert book.discover("cookie", "short") is None
    assert book.discover("cookie", "sixsix") == "COOKIE_1"
    assert book.discover("cookie", "another-one") == "COOKIE_2"
    assert book.discover("csrf", "token-value") == "CSRF_1"
    assert book.discover("cookie", "sixsix") == "COOKIE_1"  # known already
    assert book.names() == {"PASSWORD", "COOKIE_1", "COOKIE_2", "CSRF_1"}
    assert sorted(book.values()) == sorted(["Dem0-Pass", "sixsix", "another-one", "token-value"])


def test_the_scrubber_follows_the_book_as_it_grows():
    book = SecretBook()
    assert book.scrubber.scrub("x=later-secret") == "x=later-secret"
    book.add("token", "later-secret")
    assert book.scrubber.scrub("x=later-secret") == "x=<<TOKEN>>"
    book.discover("cookie", "a cookie/1")
    assert book.scrubber.scrub("c=a+cookie%2F1&d=a%20cookie%2F1") == "c=<<COOKIE_1_URLENC>>&d=<<COOKIE_1_PCTENC>>"


def test_extra_values_are_redacted_longest_first_in_every_form():
    book = SecretBook()
    text = 'raw abcdefgh, url abcdefgh%2B1, json "quote\\"d-value", long abcdefgh+1 short abcde'
    out = book.redact_text(text, extra=["abcdefgh", "abcdefgh+1", 'quote"d-value', "abcde"])
    assert out == 'raw <<REDACTED>>, url <<REDACTED>>, json "<<REDACTED>>", long <<REDACTED>> short abcde'
    assert book.redact_text("sixsix", extra=["sixsix"]) == "<<REDACTED>>"


def test_an_authorization_value_its_credentials_and_a_digest_response_are_secrets():
    from web_scrape.secrets import authorization_secrets

    assert authorization_secrets("  Basic dXNlcjpwYXNz ") == {"Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"}
    assert authorization_secrets("tok123456") == {"tok123456"}
    digest = 'Digest username="u", response="0123456789abcdef0123456789abcdef", nonce="n1"'
    assert authorization_secrets(digest) == {digest, digest[len("Digest "):], "0123456789abcdef0123456789abcdef"}


@pytest.mark.parametrize("data", [
    {"name": "Authorization", "value": "Bearer abcdef123"},
    {"headers": {"Proxy-Authorization": "Bearer abcdef123"}},
])
def test_authorization_headers_in_json_by_name_or_key(data):
    assert find_secret_values(json.dumps(data)) == {"Bearer abcdef123", "abcdef123"}


def test_an_authorization_line_in_a_log():
    text = "GET / HTTP/1.1\nAuthorization: Basic QWxhZGRpbjpvcGVu\nAccept: */*"
    assert find_secret_values(text) == {"Basic QWxhZGRpbjpvcGVu", "QWxhZGRpbjpvcGVu"}
    with_form = '<input name="csrf" value="form-token-1">\n' + text
    assert find_secret_values(with_form) == {"form-token-1", "Basic QWxhZGRpbjpvcGVu", "QWxhZGRpbjpvcGVu"}


def test_json_objects_inside_a_line_are_read_past_one_that_is_not_json():
    text = 'var a = {not json}; var b = {"name": "csrf", "value": "mid-line-token"}; x'
    assert find_secret_values(text) == {"mid-line-token"}


def test_every_part_of_a_json_document_adds_up():
    from web_scrape.secrets import _secrets_in_json

    data = {"name": "csrf", "value": "own-token-1", "authorization": "Bearer auth-token-2",
            "cookies": [{"value": "cookie-value-3"}], "a": [{"cookies": [{"value": "nested-cookie-4"}]}], "z": None}
    assert _secrets_in_json(data) == {"own-token-1", "Bearer auth-token-2", "auth-token-2", "cookie-value-3",
                                      "nested-cookie-4"}
    assert _secrets_in_json([{"name": "csrf", "value": "list-token-5"}, 7]) == {"list-token-5"}


def test_extra_values_inside_others_are_redacted_after_them():
    assert SecretBook().redact_text("x abcdefgh y", extra=["bcdefg", "abcdefgh"]) == "x <<REDACTED>> y"
