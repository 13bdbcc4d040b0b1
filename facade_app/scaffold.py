"""``bridges new --transport tn3270|odbc|web NAME [--dir DIR]``: an installable bridge package.

It writes ``DIR/NAME/`` with a pyproject (entry point ``legacy_bridges.bridges``), the bridge
package (class ``Bridge`` on the transport's base, its ``Settings``, one working operation
against the transport's demo system), ``bridges.yaml``, generic tests (conformance, and each
operation's first example live and in replay, through the pytest plugin), ``cassettes/`` and
a README. The templates are package data (``facade_app/scaffold_templates``), rendered with
:class:`string.Template`.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template

from bridges.core.errors import ConfigError

__all__ = ["TRANSPORTS", "add_new_command", "package_name", "scaffold"]

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}\Z")


@dataclass(frozen=True)
class _Transport:
    title: str
    demo: str
    secret: bool


TRANSPORTS = {
    "tn3270": _Transport("TN3270 (green screens)", "the CUSTMAST demo host", secret=True),
    "odbc": _Transport("ODBC (a read-only database)", "the ORDERS demo database", secret=False),
    "web": _Transport("a headless browser (an old web application)", "the HELPDESK demo app", secret=True),
}
"""The transports ``bridges new`` knows, with what their generated operation talks to."""

_DEFAULTS = {
    "host": "127.0.0.1",
    "port": 3270,
    "user": {"tn3270": "DEMO01", "web": "agent1"},
    "dsn": "Driver=SQLite3;Database=/path/to/database.sqlite",
    "dialect": "sqlite",
    "url": "http://127.0.0.1:8081/helpdesk/",
}


def package_name(name: str) -> str:
    """``name`` made a Python identifier (the package, bridge and instance name)."""
    return name.replace("-", "_")


def _template(name: str) -> Template:
    return Template((files("facade_app") / "scaffold_templates" / name).read_text(encoding="utf-8"))


def scaffold(
    transport: str,
    name: str,
    directory: Path | str = ".",
    *,
    host: str | None = None,
    port: int | None = None,
    user: str | None = None,
    dsn: str | None = None,
    dialect: str | None = None,
    url: str | None = None,
    title: str | None = None,
) -> Path:
    """Write the package ``directory/name`` and return its path; :class:`ConfigError` for a bad
    name or transport, or when the folder exists and is not empty."""
    if transport not in TRANSPORTS:
        raise ConfigError(f"--transport: one of {', '.join(TRANSPORTS)}, not {transport!r}")
    if not _NAME.match(name):
        raise ConfigError(f"NAME {name!r}: lower-case letters, digits, '_' and '-', starting with a letter")
    target = Path(directory) / name
    if target.exists() and any(target.iterdir()):
        raise ConfigError(f"{target} exists and is not empty")
    pkg = package_name(name)
    kind = TRANSPORTS[transport]
    values = {
        "name": name,
        "pkg": pkg,
        "env": pkg.upper(),
        "title": title or f"{name} ({transport})",
        "transport": transport,
        "transport_title": kind.title,
        "host": json.dumps(host or _DEFAULTS["host"]),
        "port": str(port or _DEFAULTS["port"]),
        "user": json.dumps(user or _DEFAULTS["user"].get(transport, "")),  # type: ignore[union-attr]
        "dsn": json.dumps(dsn or _DEFAULTS["dsn"]),
        "dialect": dialect or _DEFAULTS["dialect"],
        "url": json.dumps(url or _DEFAULTS["url"]),
        "secret_hint": f"{pkg.upper()}_PASSWORD=... " if kind.secret else "",
    }
    values["title"] = values["title"].replace('"', "'")
    outputs = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        "bridges.yaml": f"{transport}_bridges.yaml.tmpl",
        f"{pkg}/__init__.py": None,
        f"{pkg}/py.typed": None,
        f"{pkg}/bridge.py": f"{transport}_bridge.py.tmpl",
        "tests/conftest.py": "conftest.py.tmpl",
        "tests/test_bridge.py": "test_bridge.py.tmpl",
        "cassettes/.gitkeep": None,
    }
    for relative, template in outputs.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if template is not None:
            text = _template(template).substitute(values)
        elif relative.endswith("__init__.py"):
            text = f'"""The {name} bridge (see bridge.py)."""\n'
        else:
            text = ""
        path.write_text(text, encoding="utf-8")
    return target


def _cmd_new(args: argparse.Namespace) -> int:
    target = scaffold(
        args.transport,
        args.name,
        args.dir,
        host=args.host,
        port=args.port,
        user=args.user,
        dsn=args.dsn,
        dialect=args.dialect,
        url=args.url,
        title=args.title,
    )
    demo = TRANSPORTS[args.transport].demo
    print(f"{target}: a {args.transport} bridge package, its example operation written for {demo}")
    secret = f"{package_name(args.name).upper()}_PASSWORD=... " if TRANSPORTS[args.transport].secret else ""
    print(f"next: cd {target} && {secret}pytest -m live --bridges-record=once && pytest -m replay")
    return 0


def add_new_command(sub: argparse._SubParsersAction) -> None:
    """Register ``bridges new`` on the ``bridges`` command's subparsers."""
    p = sub.add_parser("new", help="create a bridge package (bridge, config, tests) for one transport")
    p.add_argument("--transport", required=True, choices=sorted(TRANSPORTS), help="the legacy system's transport")
    p.add_argument("name", metavar="NAME", help="package and bridge name (lower case; '-' becomes '_' in Python)")
    p.add_argument("--dir", default=".", help="where the package folder NAME is created (default: here)")
    p.add_argument("--title", help="the bridge's title (default: NAME and transport)")
    p.add_argument("--host", help="tn3270: the host (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="tn3270: the port (default 3270)")
    p.add_argument("--user", help="tn3270 and web: the user the bridge signs on as")
    p.add_argument("--dsn", help="odbc: the ODBC connection string (credentials as secrets, not here)")
    p.add_argument("--dialect", choices=("sqlite", "postgresql", "mariadb"), help="odbc: the database (default sqlite)")
    p.add_argument("--url", help="web: the application's base URL")
    p.set_defaults(func=_cmd_new)
