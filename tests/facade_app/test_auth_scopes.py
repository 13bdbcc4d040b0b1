"""Scopes are confined to their bridge: ``<bridge>:*`` grants that bridge only, ``*`` all.

Unit checks of :mod:`facade_app.auth` and one facade serving two instances of the same
bridge, where a key holding ``shop:*`` must get 403 from ``depot``."""

from __future__ import annotations

import pytest

from bridges.core.config import ApiKeySettings, parse_config
from bridges.core.errors import Forbidden, Unauthenticated
from facade_app.auth import Caller, KeyRing, presented_key, scope_granted
from tests.facade_app.conftest import KEY, OTHER_KEY, READONLY_KEY, Shop, auth

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("required", "granted", "expected"),
    [
        ("shop:read", ["shop:read"], True),
        ("shop:write", ["shop:read"], False),
        ("shop:read", ["shop:*"], True),
        ("shop:write", ["shop:*"], True),
        ("shop:review", ["shop:*"], True),
        ("depot:read", ["shop:*"], False),  # a bridge wildcard never reaches another bridge
        ("shopping:read", ["shop:*"], False),  # nor one whose name merely starts the same
        ("shop:read", ["shopping:*"], False),
        ("depot:read", ["*"], True),
        ("depot:read", ["*:read"], False),  # not a supported form: grants nothing
        ("depot:read", [], False),
        ("depot:read", ["depot"], False),
        ("depot:read", ["read"], False),
        ("depot:read", ["shop:read", "depot:read"], True),
    ],
)
def test_scope_granted(required, granted, expected):
    assert scope_granted(required, granted) is expected


def test_caller_require_names_every_missing_scope():
    class Op:
        scopes = ("depot:read", "depot:write")
        qualified_name = "depot.move"

    Caller("c", frozenset({"depot:read", "depot:write"})).require(Op())  # type: ignore[arg-type]
    with pytest.raises(Forbidden) as err:
        Caller("clerk", frozenset({"shop:*"})).require(Op())  # type: ignore[arg-type]
    assert "depot:read" in err.value.detail and "depot:write" in err.value.detail
    assert "'clerk'" in err.value.detail and "depot.move" in err.value.detail


def test_keyring_finds_the_key_among_several_and_refuses_others():
    ring = KeyRing([
        ApiKeySettings.model_validate({"name": "a", "key": {"env": "T_RING_A", "default": "alpha-key"},
                                       "scopes": ["shop:read"], "rate_limit": "5/minute"}),
        ApiKeySettings.model_validate({"name": "b", "key": {"env": "T_RING_B", "default": "beta-key"}}),
    ])
    a = ring.authenticate("alpha-key")
    assert (a.name, a.scopes, a.rate_limit) == ("a", frozenset({"shop:read"}), "5/minute")
    assert ring.authenticate("beta-key").name == "b"
    for bad in (None, "", "alpha", "alpha-key ", "beta-keyX"):
        with pytest.raises(Unauthenticated):
            ring.authenticate(bad)


def test_presented_key_reads_bearer_then_x_api_key():
    assert presented_key({"Authorization": "Bearer k1"}) == "k1"
    assert presented_key({"Authorization": "bearer  k1 "}) == "k1"
    assert presented_key({"Authorization": "Bearer   "}) is None
    assert presented_key({"Authorization": "Basic k1", "X-API-Key": "k2"}) == "k2"
    assert presented_key({"X-API-Key": "k2"}) == "k2"
    assert presented_key({"X-API-Key": ""}) is None
    assert presented_key({}) is None


@pytest.fixture
def two_shops():
    from bridges.core.guard import Guard, GuardSettings
    from bridges.core.operation import BridgeContext, NoSettings
    from bridges.core.runtime import BridgeRuntime, Runtime
    from facade_app import create_app

    config = parse_config({
        "facade": {"rate_limit": "1000/minute"},
        "api_keys": [
            {"name": "all", "key": {"env": "T_KEY_ALL", "default": KEY}, "scopes": ["shop:*"]},
            {"name": "ro", "key": {"env": "T_KEY_RO", "default": READONLY_KEY}, "scopes": ["depot:read"]},
            {"name": "root", "key": {"env": "T_KEY_OTHER", "default": OTHER_KEY}, "scopes": ["*"]},
        ],
    })
    bridges = {
        name: BridgeRuntime(Shop(NoSettings(), BridgeContext(name)), Guard(GuardSettings(read_retries=0)),
                            instance=name)
        for name in ("shop", "depot")
    }
    app = create_app(config, Runtime(bridges))
    return app.test_client(), {name: rt.bridge for name, rt in bridges.items()}


def test_a_bridge_wildcard_is_confined_to_its_bridge_over_http(two_shops):
    client, shops = two_shops
    assert client.get("/v1/shop/get_item?item_no=0001", headers=auth(KEY)).status_code == 200
    denied = client.get("/v1/depot/get_item?item_no=0001", headers=auth(KEY))
    assert denied.status_code == 403 and "depot:read" in denied.get_json()["detail"]
    write = client.post("/v1/depot/rename", json={"item_no": "0001", "name": "x"}, headers=auth(KEY))
    assert write.status_code == 403
    assert shops["depot"].items["0001"][0] == "Grüner Tee"  # the bridge was never called
    assert client.get("/v1/depot/get_item?item_no=0001", headers=auth(READONLY_KEY)).status_code == 200
    assert client.get("/v1/shop/get_item?item_no=0001", headers=auth(READONLY_KEY)).status_code == 403
    assert client.get("/v1/depot/get_item?item_no=0001", headers=auth(OTHER_KEY)).status_code == 200


def test_a_scope_with_more_colons_belongs_to_the_bridge_before_the_first():
    assert scope_granted("shop:reports:read", ["shop:*"]) is True
    assert scope_granted("shop:reports:read", ["shop:reports:*"]) is False


def test_refusals_say_what_is_wrong_without_the_key():
    ring = KeyRing([ApiKeySettings.model_validate({"name": "a", "key": {"env": "T_RING_A", "default": "alpha-key"}})])
    for missing in (None, ""):
        with pytest.raises(Unauthenticated) as err:
            ring.authenticate(missing)
        assert err.value.detail == "an API key is required: send 'Authorization: Bearer <key>'"
    with pytest.raises(Unauthenticated) as err:
        ring.authenticate("wrong-key")
    assert err.value.detail == "the API key is not valid" and "wrong-key" not in str(err.value.to_problem())


def test_forbidden_lists_the_missing_scopes_comma_separated():
    class Op:
        scopes = ("depot:read", "depot:write")
        qualified_name = "depot.move"

    with pytest.raises(Forbidden) as err:
        Caller("clerk", frozenset()).require(Op())  # type: ignore[arg-type]
    assert err.value.detail == "key 'clerk' lacks scope depot:read, depot:write for depot.move"


def test_a_key_with_a_lone_surrogate_from_the_environment_still_works(monkeypatch):
    # os.environ holds undecodable bytes as lone surrogates (surrogateescape); such a key must not crash.
    monkeypatch.setenv("T_RING_SURROGATE", "key-\udcff-1")
    ring = KeyRing([ApiKeySettings.model_validate({"name": "s", "key": {"env": "T_RING_SURROGATE"}})])
    assert ring.authenticate("key-\udcff-1").name == "s"
    with pytest.raises(Unauthenticated):
        ring.authenticate("key-\udcfe-1")


def test_a_key_whose_variable_is_not_set_names_its_place_in_the_file(monkeypatch):
    from bridges.core.errors import ConfigError

    monkeypatch.delenv("T_RING_UNSET", raising=False)
    keys = [ApiKeySettings.model_validate({"name": "a", "key": {"env": "T_RING_A", "default": "alpha-key"}}),
            ApiKeySettings.model_validate({"name": "b", "key": {"env": "T_RING_UNSET"}})]
    with pytest.raises(ConfigError, match=r"^api_keys\.1\.key: environment variable T_RING_UNSET is not set"):
        KeyRing(keys)
