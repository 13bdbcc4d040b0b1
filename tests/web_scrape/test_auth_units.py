"""Login kinds and cassette rules without a browser: Authorization values are secrets (a
cookie's attributes are not), the recorder's HTTP authenticator answers once, declared
request rules match, static assets are recognised."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from werkzeug.datastructures import Authorization

from web_scrape import HttpAuthenticator, SecretBook, authorization_secrets, find_secret_values, ignore, stub
from web_scrape.har import is_static
from web_scrape.routing import first_rule

pytestmark = pytest.mark.unit

DIGEST = ('Digest username="agent1", realm="HelpDesk 2005", nonce="MTIzNDU2Nzg5MA==", uri="/helpdesk/nav.php", '
          'algorithm=MD5, response="c48f15b036966922ea64a5efffb4cf17", qop=auth, nc=00000001, cnonce="166a832d"')
CHALLENGE = 'Digest realm="HelpDesk 2005", qop="auth", algorithm=MD5, nonce="MTIzNDU2Nzg5MA=="'


def test_every_authorization_value_is_a_secret_in_any_form():
    basic = "Basic YWdlbnQxOmhkLVBhc3MuMjAwNQ=="
    network = json.dumps({"request": {"headers": [{"name": "Authorization", "value": DIGEST},
                                                  {"name": "proxy-authorization", "value": basic}]}})
    found = find_secret_values(network)
    assert DIGEST in found and "c48f15b036966922ea64a5efffb4cf17" in found and "YWdlbnQxOmhkLVBhc3MuMjAwNQ==" in found
    assert "c48f15b036966922ea64a5efffb4cf17" in find_secret_values(f"Authorization: {DIGEST}\nHost: x")
    assert basic in find_secret_values(json.dumps({"headers": {"authorization": basic}}))
    # written JSON-escaped (a trace) or raw: redacted either way, the hash included
    book = SecretBook()
    for text in (network, f"GET /x\nAuthorization: {DIGEST}"):
        redacted = book.redact_text(text, find_secret_values(text))
        assert "c48f15b0" not in redacted and "YWdlbnQx" not in redacted and "<<REDACTED>>" in redacted
    assert authorization_secrets("Bearer abcdef123456") == {"Bearer abcdef123456", "abcdef123456"}


def test_a_cookies_attributes_are_not_secrets():
    header = {"name": "Set-Cookie", "value": "PHPSESSID=0123456789abcdef01234567ab; Path=/helpdesk; "
                                             "Expires=Thu, 19 Nov 1981 08:52:00 GMT; HttpOnly"}
    assert find_secret_values(json.dumps(header)) == {"0123456789abcdef01234567ab"}
    # the digest challenge (nonce, realm) is public: nothing in it is a secret
    assert find_secret_values(json.dumps({"name": "WWW-Authenticate", "value": CHALLENGE})) == set()


def test_the_authenticator_answers_a_digest_challenge_then_preemptively():
    auth = HttpAuthenticator("digest", "agent1", "hd-Pass.2005")
    assert auth.preemptive("GET", "http://h/helpdesk/nav.php") is None
    answer = auth.answer("GET", "http://h/helpdesk/nav.php", [CHALLENGE])
    assert answer.startswith("Digest ") and 'uri="/helpdesk/nav.php"' in answer and "hd-Pass" not in answer
    later = auth.preemptive("GET", "http://h/helpdesk/index.php?x=1")
    assert 'uri="/helpdesk/index.php?x=1"' in later and "nc=00000002" in later
    assert auth.answer("GET", "http://h/x", ['Basic realm="HelpDesk 2005"']) is None  # never downgraded
    auth.refused = True
    assert auth.preemptive("GET", "http://h/x") is None and auth.answer("GET", "http://h/x", [CHALLENGE]) is None
    auth.reset()
    assert auth.answer("GET", "http://h/x", [CHALLENGE]) is not None


def test_the_authenticators_digest_is_what_a_server_checks():
    auth = HttpAuthenticator("digest", "agent1", "pw-123456")
    value = auth.answer("GET", "http://h/p?q=1", [CHALLENGE])
    request = httpx.Request("GET", "http://h/p?q=1", headers={"Authorization": value})
    parsed = Authorization.from_header(request.headers["Authorization"])
    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1, ha2 = md5(f"agent1:{parsed.realm}:pw-123456"), md5(f"GET:{parsed.uri}")
    assert parsed.response == md5(f"{ha1}:{parsed.nonce}:{parsed.nc}:{parsed.cnonce}:auth:{ha2}")


def test_basic_answers_and_declared_rules_match():
    assert HttpAuthenticator("basic", "u", "p").answer("GET", "http://h/", ['Basic realm="r"']) == "Basic dTpw"
    rules = (ignore("*/poll*", methods=["get"]), stub("https://stats.example/*", status=204))
    assert first_rule(rules, "GET", "http://h/app/poll?n=3").action == "ignore"
    assert first_rule(rules, "POST", "http://h/app/poll") is None
    assert first_rule(rules, "POST", "https://stats.example/hit").fulfil_args()["status"] == 204
    assert first_rule(rules, "GET", "http://h/app/page") is None


def test_static_assets_are_recognised():
    def response(mime: str, status: int = 200) -> dict:
        return {"status": status, "content": {"mimeType": mime}}

    get = {"method": "GET", "url": "<<ORIGIN>>/s.css"}
    assert is_static(get, response("text/css")) and is_static(get, response("application/javascript"))
    assert is_static(get, response("image/png")) and not is_static(get, response("text/html; charset=utf-8"))
    assert not is_static({**get, "method": "POST"}, response("text/css"))
    assert not is_static(get, response("text/css", 404))
