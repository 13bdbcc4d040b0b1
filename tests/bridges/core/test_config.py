"""Configuration: validated at start, errors name the key, secrets never echoed."""

import pytest

from bridges.core.config import SecretRef, load_config, parse_config
from bridges.core.errors import ConfigError

pytestmark = pytest.mark.unit


def test_a_good_file_loads_and_resolves_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_KEY", "k-123")
    (tmp_path / "bridges.toml").write_text(
        """
        crosswalk = "cw.csv"
        [facade]
        rate_limit = "10/second"
        [[api_keys]]
        name = "svc"
        key = { env = "TEST_KEY" }
        scopes = ["orders:read"]
        [bridges.orders]
        guard = { deadline_s = 3, max_concurrency = 4 }
        cassette = { path = "c/orders.yaml", mode = "once" }
        options = { connection = "x" }
        """,
        encoding="utf-8",
    )
    config = load_config(tmp_path / "bridges.toml")
    assert config.facade.rate_limit == "10/second"
    assert config.bridges["orders"].guard.deadline_s == 3
    assert config.path(config.crosswalk) == tmp_path / "cw.csv"
    assert config.api_keys[0].key.resolve("k").get_secret_value() == "k-123"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[bridges.orders]\nguard = { deadline_s = "soon" }', "bridges.orders.guard.deadline_s"),
        ('[bridges.orders]\nguard = { deadline_s = -1 }', "bridges.orders.guard.deadline_s"),
        ("[facade]\nport = 70000", "facade.port"),
        ('[facade]\nrate_limt = "1/second"', "facade.rate_limt"),
        ('[[api_keys]]\nname = "x"\nkey = "plain-text-key"', "api_keys.0.key"),
        ('[bridges.Orders]\nenabled = true', "bridges"),
    ],
)
def test_a_bad_file_fails_naming_the_key(tmp_path, toml, key):
    (tmp_path / "b.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "b.toml")
    assert key in err.value.detail


def test_secret_values_are_never_echoed(tmp_path):
    (tmp_path / "b.toml").write_text('[[api_keys]]\nname = "x"\nkey = "hunter2-secret"', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "b.toml")
    assert "hunter2" not in err.value.detail


def test_missing_environment_variable_names_key_not_value(monkeypatch):
    monkeypatch.delenv("NOPE_KEY", raising=False)
    config = parse_config({"api_keys": [{"name": "x", "key": {"env": "NOPE_KEY"}}]})
    with pytest.raises(ConfigError, match=r"api_keys\.0\.key: environment variable NOPE_KEY is not set"):
        config.api_keys[0].key.resolve("api_keys.0.key")


def test_secret_repr_hides_value(monkeypatch):
    monkeypatch.setenv("S", "topsecret")
    resolved = SecretRef(env="S").resolve("k")
    assert "topsecret" not in repr(resolved) and "topsecret" not in str(resolved)


def test_invalid_toml_is_a_config_error(tmp_path):
    (tmp_path / "b.toml").write_text("[facade\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "b.toml")


def test_unreadable_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(tmp_path / "absent.toml")


def test_an_empty_secret_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("EMPTY_KEY", "  ")
    with pytest.raises(ConfigError, match=r"api_keys\.0\.key: environment variable EMPTY_KEY is empty"):
        SecretRef(env="EMPTY_KEY").resolve("api_keys.0.key")
    (tmp_path / "s").write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="secret file is empty"):
        SecretRef(file=tmp_path / "s").resolve("k")


def test_check_config_names_what_would_fail_before_building(tmp_path):
    from bridges.core.registry import check_config

    with pytest.raises(ConfigError, match="crosswalk: cannot load"):
        check_config(parse_config({"crosswalk": "missing.csv"}, base_dir=tmp_path))
    with pytest.raises(ConfigError, match=r"bridges\.orders\.options"):
        check_config(parse_config({"bridges": {"orders": {"options": {"dialect": "oracle"}}}}))
    with pytest.raises(ConfigError, match=r"bridges\.orders\.secrets\.password"):
        check_config(parse_config({"bridges": {"orders": {
            "secrets": {"password": {"env": "NOPE_NOT_SET_ANYWHERE"}},
            "options": {"connection": "Driver=SQLite3;Database=x.db", "dialect": "sqlite"}}}}))


def test_a_yaml_configuration_reads_as_the_same_tables(tmp_path):
    (tmp_path / "bridges.yaml").write_text(
        "facade: {rate_limit: 10/minute}\nbridges:\n  orders:\n    options: {dialect: sqlite}\n", encoding="utf-8")
    config = load_config(tmp_path / "bridges.yaml")
    assert config.facade.rate_limit == "10/minute" and config.bridges["orders"].options == {"dialect": "sqlite"}
    assert config.base_dir == tmp_path
    (tmp_path / "bad.yml").write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(tmp_path / "bad.yml")
    (tmp_path / "broken.yaml").write_text("bridges: {orders: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path / "broken.yaml")
