"""A write policy over CUSTMAST's real screens: an address change abroad waits for review, a domestic
one is typed in at once (the rule the configuration states, evaluated on the validated input)."""

from __future__ import annotations

import pytest

from bridges.core.config import WritePolicy
from facade_app import create_app
from tests.bridges.custmast.conftest import custmast_config

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

KEY = "custmast-policy-key"


@pytest.fixture
def client(host, tmp_path):
    config = custmast_config(host, api_keys=[{"name": "clerk", "key": {"env": "CUSTMAST_POLICY_KEY", "default": KEY},
                                              "scopes": ["custmast:*"]}])
    config.facade.review_store = f"sqlite:///{tmp_path / 'reviews.db'}"
    config.bridges["custmast"].policies = {
        "change_address": WritePolicy(policy="review", when='input.country != null && input.country != "DE"')}
    app = create_app(config)
    yield app.test_client()
    app.extensions["legacy_bridges"]["runtime"].close()


def _get(client, customer):
    r = client.get("/v1/custmast/get_customer", query_string={"customer": customer},
                   headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_change_abroad_is_queued_and_a_domestic_one_is_committed(client):
    headers = {"Authorization": f"Bearer {KEY}"}
    before = _get(client, "C-00002")
    abroad = client.post("/v1/custmast/change_address", headers=headers,
                         json={"customer": "C-00002", "city": "Malmö", "country": "SE"})
    assert abroad.status_code == 202 and abroad.get_json()["status"] == "pending"
    preview = abroad.get_json()["dry_run"]  # CUSTMAST checked the change on its screens, for the approver
    assert (preview["changed"], preview["committed"], preview["new"]["country"]) == (True, False, "SE")
    assert _get(client, "C-00002") == before  # nothing was typed into CUSTMAST
    home = client.post("/v1/custmast/change_address", headers=headers,
                       json={"customer": "C-00002", "city": "Köln", "country": "DE"})
    assert home.status_code == 200 and home.get_json()["committed"] is True
    after = _get(client, "C-00002")
    assert (after["city"], after["country"]) == ("Köln", "DE")
