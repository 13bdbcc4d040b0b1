"""The browser transport over HTTPS: the HELPDESK app serves a certificate from a throw-away CA made
by the test; Chromium trusts it only when the bridge's `ca_file` names that CA, and a certificate
another CA signed is refused with a 503 that says TLS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridges.core.config import parse_config
from bridges.core.errors import Unavailable
from bridges.core.registry import build_runtime
from fixtures.helpdesk import DEMO_PASSWORD, start_app
from tests.tls_certs import Authority, make_ca
from web_scrape.testing import need_chromium

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> Authority:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def https_app(ca, tmp_path_factory) -> Iterator[Any]:
    need_chromium()
    issued = ca.issue(tmp_path_factory.mktemp("app"), "127.0.0.1", "localhost")
    with start_app(port=0, tls=issued.server_context()) as app:
        yield app


def _runtime(app: Any, ca_file: Path | None) -> Any:
    options: dict[str, Any] = {"base_url": app.entry_url}
    if ca_file is not None:
        options["ca_file"] = str(ca_file)
    return build_runtime(
        parse_config(
            {
                "crosswalk": "fixtures/crosswalk-v1.csv",
                "bridges": {
                    "helpdesk": {
                        "secrets": {"password": {"env": "HELPDESK_TEST_PASSWORD", "default": DEMO_PASSWORD}},
                        "options": options,
                        "guard": {"deadline_s": 20, "read_retries": 0},
                    }
                },
            },
            base_dir=ROOT,
        )
    )


def test_the_helpdesk_over_https_with_the_configured_ca(https_app, ca):
    assert https_app.entry_url.startswith("https://")
    runtime = _runtime(https_app, ca.cert_file)
    try:
        page = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"})
        assert page.customer_id == "C-00001" and page.total > 0
    finally:
        runtime.close()


@pytest.mark.parametrize("trust", ["another CA", "no CA"])
def test_a_certificate_the_configured_ca_did_not_sign_is_refused(trust, https_app, tmp_path):
    runtime = _runtime(https_app, make_ca(tmp_path, "some other CA").cert_file if trust == "another CA" else None)
    try:
        with pytest.raises(Unavailable, match=r"TLS: the web application's certificate was refused.*ERR_CERT"):
            runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"})
    finally:
        runtime.close()
