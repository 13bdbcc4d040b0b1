"""``bridges discover web``: a web bridge written from the pages of a live application.

    plan = discover_plan(DiscoverSettings(base_url=url, user="agent1"), password, name="desk")
    source = render(plan)                                          # what ``--out`` writes
    report = write_into_package(Path("desk"), plan, password_env="DESK_PASSWORD")   # ``--package``

Discovery itself (logging in, capturing forms, tables and pagination, planning the
operations) is :mod:`web_scrape.discover_capture`; this module places the result in a
package made by ``bridges new --transport web``: its ``<pkg>/bridge.py`` is replaced
wholesale and the bridge's ``options`` in ``bridges.yaml`` (or ``bridges.toml``) are set
to what discovery used — the base URL and the user, never the password (its secret names
the environment variable discovery read it from).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bridges.core.errors import ConfigError
from web_scrape.discover_capture import DiscoverSettings, discover
from web_scrape.discover_plan import BridgePlan
from web_scrape.discover_source import bridge_source

__all__ = [
    "DiscoverSettings",
    "PackageLayout",
    "WriteReport",
    "discover_plan",
    "find_package",
    "render",
    "write_into_package",
]

_ENTRY_POINT = re.compile(r'^\s*"?([a-z][a-z0-9_]*)"?\s*=\s*"([\w.]+):Bridge"', re.M)


@dataclass(frozen=True)
class PackageLayout:
    """Where a ``bridges new`` package keeps its bridge and configuration."""

    root: Path
    name: str
    """The bridge's registered name (the entry point's key)."""
    bridge_py: Path
    config: Path | None


@dataclass(frozen=True)
class WriteReport:
    """What :func:`write_into_package` wrote."""

    bridge_py: Path
    lines: int
    operations: list[str]
    config: Path | None


def find_package(root: Path) -> PackageLayout:
    """The layout of the package at ``root``: its entry point's name and module, its config."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        raise ConfigError(f"{root} is not a bridge package (no pyproject.toml); make one with bridges new")
    points = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("entry-points", {})
    bridges = points.get("legacy_bridges.bridges", {})
    if not bridges:
        found = _ENTRY_POINT.findall(pyproject.read_text(encoding="utf-8"))
        bridges = {name: f"{module}:Bridge" for name, module in found}
    if len(bridges) != 1:
        raise ConfigError(f"{pyproject}: expected one legacy_bridges.bridges entry point, found {len(bridges)}")
    name, target = next(iter(bridges.items()))
    module = target.split(":", 1)[0]
    bridge_py = root.joinpath(*module.split(".")).with_suffix(".py")
    if not bridge_py.parent.is_dir():
        raise ConfigError(f"{pyproject}: entry point {name} names {module}, but {bridge_py.parent} is missing")
    config = next((root / n for n in ("bridges.yaml", "bridges.yml", "bridges.toml") if (root / n).is_file()), None)
    return PackageLayout(root, name, bridge_py, config)


def discover_plan(settings: DiscoverSettings, password: str, *, name: str) -> BridgePlan:
    """Log in, capture and plan (see :func:`web_scrape.discover_capture.discover`)."""
    return discover(settings, password, name=name)


def render(plan: BridgePlan) -> str:
    """The bridge module's source."""
    return bridge_source(plan)


def _set_options(
    config: Path, instance: str, options: dict[str, Any], *, needs_password: bool, password_env: str | None
) -> None:
    """Set ``bridges.<instance>.options`` keys in a YAML or TOML configuration, keeping the rest
    (and the file's leading comment); the password secret becomes a reference to ``password_env``
    when given, and is dropped for an application without a login."""
    text = config.read_text(encoding="utf-8")
    header = "".join(line for line in text.splitlines(keepends=True)[:20] if line.startswith("#"))
    if config.suffix == ".toml":
        try:
            import tomli_w
        except ImportError:
            raise ConfigError(f"{config}: writing TOML needs tomli-w; set the options by hand") from None
        data = tomllib.loads(text)
        dump = tomli_w.dumps
    else:
        data = yaml.safe_load(text) or {}

        def dump(value: dict[str, Any]) -> str:
            return yaml.safe_dump(value, sort_keys=False, allow_unicode=True)

    entry = data.setdefault("bridges", {}).setdefault(instance, {})
    entry["options"] = {**(entry.get("options") or {}), **options}
    if needs_password and password_env:
        entry.setdefault("secrets", {})["password"] = {"env": password_env}
    if not needs_password and isinstance(entry.get("secrets"), dict):
        entry["secrets"].pop("password", None)
        if not entry["secrets"]:
            del entry["secrets"]
    body = dump(data)
    config.write_text(header + body if header and not body.startswith(header) else body, encoding="utf-8")


def write_into_package(root: Path, plan: BridgePlan, *, password_env: str | None = None) -> WriteReport:
    """Replace the package's bridge module with the discovered one and point its options at
    the application discovery saw (and its password secret at ``password_env``, when given)."""
    layout = find_package(root)
    source = render(plan)
    layout.bridge_py.write_text(source, encoding="utf-8")
    if layout.config is not None:
        _set_options(
            layout.config,
            layout.name,
            {"base_url": plan.base_url, "user": plan.user},
            needs_password=plan.login.kind != "none",
            password_env=password_env,
        )
    return WriteReport(layout.bridge_py, source.count("\n"), plan.operations, layout.config)
