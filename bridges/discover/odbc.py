"""``bridges discover odbc``: a database → a bridge module (and the package's configuration).

Reflection, sampling and codec suggestions live in the transport (:mod:`rdbms.discover`,
:mod:`rdbms.discover_source`); this module picks the dialect, writes the module over a
package's ``bridge.py`` and points the package's configuration at the database.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from bridges.core.errors import ConfigError
from rdbms import connstr
from rdbms.discover import Discovery, discover
from rdbms.discover_source import bridge_source
from rdbms.settings import RdbmsSettings

__all__ = ["dialect_of", "discover_source", "update_config", "write_package"]

_DRIVER_DIALECTS = (
    ("sqlite", "sqlite"),
    ("postgres", "postgresql"),
    ("psql", "postgresql"),
    ("mariadb", "mariadb"),
    ("mysql", "mariadb"),
)


def dialect_of(connection: str) -> str | None:
    """The dialect a DSN-less connection string's driver names (None for a DSN: say ``--dialect``)."""
    driver = (connstr.get(connstr.parse_connection_string(connection), "Driver") or "").lower()
    return next((dialect for word, dialect in _DRIVER_DIALECTS if word in driver), None)


def discover_source(
    connection: str,
    name: str,
    *,
    dialect: str | None = None,
    user: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    tables: str | None = None,
    sample_rows: int = 200,
    timeout_s: float = 10.0,
    allow_write_account: bool = False,
) -> tuple[str, Discovery, dict[str, Any]]:
    """(the bridge module's source, what was found, the bridge's ``options``) for the database
    ``connection`` reaches; the password is a secret and goes nowhere but the driver."""
    dialect = dialect or dialect_of(connection)
    if dialect is None:
        raise ConfigError("--dialect: the connection string names no driver I know (sqlite, postgresql, mariadb)")
    options: dict[str, Any] = {"connection": connection, "dialect": dialect}
    if user:
        options["user"] = user
    if schema:
        options["db_schema"] = schema
    settings = RdbmsSettings(connection=connection, dialect=dialect, user=user, allow_write_account=allow_write_account)
    found = discover(
        settings, password=password, schema=schema, tables=tables, sample_rows=sample_rows, timeout_s=timeout_s
    )
    source = bridge_source(found, name, source=connstr.redact(connection, [password or ""]))
    return source, found, options


def _bridge_module(package: Path) -> Path:
    found = sorted(p for p in package.glob("*/bridge.py") if p.parent.name not in {"tests", "cassettes"})
    if len(found) != 1:
        raise ConfigError(
            f"--package {package}: expected one <package>/bridge.py (from `bridges new`), found {len(found)}"
        )
    return found[0]


def update_config(path: Path, instance: str, options: dict[str, Any], password_env: str | None = None) -> None:
    """Set ``options`` (merged over what is there) on the bridge ``instance`` in a YAML or TOML config,
    and its password secret as a reference to the variable ``password_env`` when given."""
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix == ".toml" else (yaml.safe_load(text) or {})
    entry = data.setdefault("bridges", {}).setdefault(instance, {})
    entry["options"] = {**entry.get("options", {}), **options}
    if password_env:
        entry.setdefault("secrets", {})["password"] = {"env": password_env}
    if path.suffix == ".toml":
        try:
            import tomli_w
        except ImportError:  # a test dependency only: YAML configurations (what `bridges new` writes) need none
            raise ConfigError(f"{path}: set bridges.{instance}.options by hand ({options})") from None
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def write_package(package: Path, source: str, options: dict[str, Any], password_env: str | None = None) -> Path:
    """Write ``source`` over the package's bridge module and ``options`` (and the password's variable)
    into its configuration; the module's path."""
    module = _bridge_module(package)
    module.write_text(source, encoding="utf-8")
    for name in ("bridges.yaml", "bridges.yml", "bridges.toml"):
        if (package / name).is_file():
            update_config(package / name, package.name.replace("-", "_"), options, password_env)
    return module
