"""``bridges discover tn3270``: walk a TN3270 host's screens once and write the bridge module.

    bridges discover tn3270 --host 127.0.0.1:3270 --user DEMO01 --password-env CUSTMAST_PASSWORD \\
        [--lu LU0001] [--walk walk.txt] [--operation get_customer] --package ./acme-crm

With ``--walk FILE`` the steps come from the file (see :mod:`mainframe.discover.walk`); without
it the engineer types them at a prompt, each screen shown with its input fields named. With
``--package`` (a folder ``bridges new --transport tn3270`` wrote) the package's bridge module is
overwritten and its ``bridges.yaml`` options say where the walk went; otherwise the source goes
to ``--out FILE`` or standard output. The password comes from ``--password-env`` or from the
package's configured secret, and is never printed or written.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from bridges.core.config import SecretRef
from bridges.core.errors import ConfigError
from bridges.discover.tn3270 import Discovery, discover, prompt_steps, walk_file_steps
from facade_app.discover_cli import add_destination, password_from_env, transport_parser

__all__ = ["add_parser", "host_and_port", "write_package"]


def host_and_port(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT``; the port defaults to 3270)."""
    host, sep, port = value.rpartition(":")
    if not sep or host.endswith(":") or (value.startswith("[") and not host.endswith("]")):
        return value, 3270
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--host {value!r}: the port must be a number from 1 to 65535")
    return host, int(port)


def _package_parts(package: Path) -> tuple[str, Path, Path]:
    """The bridge name, the bridge module and the configuration of a ``bridges new`` package."""
    try:
        project = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"--package {package}: no readable pyproject.toml ({exc})") from None
    points = project.get("project", {}).get("entry-points", {}).get("legacy_bridges.bridges", {})
    if len(points) != 1:
        raise ConfigError(
            f"--package {package}: pyproject.toml names {len(points)} legacy_bridges.bridges entry "
            "points; discover writes a package with exactly one"
        )
    name, target = next(iter(points.items()))
    module = package / (target.split(":")[0].replace(".", "/") + ".py")
    return name, module, package / "bridges.yaml"


def _configured(config: Path, name: str) -> dict[str, Any]:
    """The package configuration's entry for bridge ``name`` ({} when there is none)."""
    if not config.exists():
        return {}
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return (data.get("bridges") or {}).get(name) or {}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _set_block(text: str, bridge: str, key: str, value: Any) -> str | None:
    """``text`` with the ``key:`` block of ``bridges.<bridge>`` replaced by ``value`` in block
    style, everything else (comments, layout) left as it was; None when the YAML is not laid
    out as expected."""
    lines = text.splitlines(keepends=True)
    try:
        top = lines.index("bridges:\n")
        entry = next(i for i in range(top + 1, len(lines)) if lines[i].strip() == f"{bridge}:")
    except (ValueError, StopIteration):
        return None
    inner = next((_indent(x) for x in lines[entry + 1 :] if x.strip()), 0)
    if inner <= _indent(lines[entry]):
        return None
    end = next((i for i in range(entry + 1, len(lines)) if lines[i].strip() and _indent(lines[i]) < inner), len(lines))
    block = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    new = [" " * inner + line + "\n" for line in block.splitlines()]
    for i in range(entry + 1, end):
        if _indent(lines[i]) == inner and lines[i].strip().startswith(f"{key}:"):
            stop = next((k for k in range(i + 1, end) if lines[k].strip() and _indent(lines[k]) <= inner), end)
            return "".join(lines[:i] + new + lines[stop:])
    return "".join(lines[:end] + new + lines[end:])


def write_package(package: Path, discovery: Discovery, password_env: str | None) -> list[Path]:
    """Overwrite the package's bridge module and update its configured options (and the
    password's variable when given), keeping the rest of ``bridges.yaml`` as it was; the
    files written."""
    name, module, config = _package_parts(package)
    module.write_text(discovery.source, encoding="utf-8")
    if not config.exists():
        return [module]
    text = config.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    entry = data.setdefault("bridges", {}).setdefault(name, {"kind": name})
    options = entry.get("options") or {}
    pool = {**(options.get("pool") or {}), **discovery.options.get("pool", {})}
    entry["options"] = {**options, **discovery.options, **({"pool": pool} if pool else {})}
    changed: str | None = _set_block(text, name, "options", entry["options"])
    secrets = entry.get("secrets") or {}
    if "user" not in discovery.options and "password" in secrets:  # no sign-on: no password to name
        entry["secrets"] = {k: v for k, v in secrets.items() if k != "password"}
        changed = changed and _set_block(changed, name, "secrets", entry["secrets"])
    elif password_env:
        entry["secrets"] = {**secrets, "password": {"env": password_env}}
        changed = changed and _set_block(changed, name, "secrets", entry["secrets"])
    if changed is None or yaml.safe_load(changed) != data:  # laid out otherwise: written anew
        changed = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    config.write_text(changed, encoding="utf-8")
    return [module, config]


def _password(args: argparse.Namespace, entry: dict[str, Any]) -> str:
    if args.password_env:
        return password_from_env(args.password_env) or ""
    ref = (entry.get("secrets") or {}).get("password")
    if ref is None:
        raise ConfigError("--password-env VAR is needed (or a package whose bridges.yaml names the password secret)")
    return SecretRef.model_validate(ref).resolve("bridges.yaml secrets.password").get_secret_value()


def _ask(prompt: str) -> str:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    host, port = host_and_port(args.host)
    package = Path(args.package) if args.package else None
    name = args.name
    entry: dict[str, Any] = {}
    if package is not None:
        name, _, config = _package_parts(package)
        entry = _configured(config, name)
    options = entry.get("options") or {}
    user = None if args.no_sign_on else args.user or options.get("user")
    if not user and not args.no_sign_on:
        raise ConfigError("--user is needed to sign on (or --no-sign-on for a host without one)")
    if args.walk:
        next_step = walk_file_steps(Path(args.walk).read_text(encoding="utf-8"))
        forgive = None
    else:
        _say(f"Walk the screens of {host}:{port}; 'help' lists the steps.")
        next_step, forgive = prompt_steps(_ask, _say), (lambda exc: _say(f"not done: {exc.detail}"))
    discovery = discover(
        host,
        port,
        bridge=name or "discovered",
        user=user,
        password=_password(args, entry) if user else None,
        next_step=next_step,
        code_page=args.code_page or options.get("code_page", "cp037"),
        model=args.model,
        lu_name=args.lu,
        operation=args.operation,
        forgive=forgive,
    )
    summary = f"{len(discovery.screens)} screens ({', '.join(discovery.screens)}), operation {discovery.operation}"
    if package is not None:
        written = write_package(package, discovery, args.password_env)
        print(f"{', '.join(str(p) for p in written)}: {summary}")
    elif args.out:
        Path(args.out).write_text(discovery.source, encoding="utf-8")
        print(f"{args.out}: {summary}")
    else:
        sys.stdout.write(discovery.source)
        _say(summary)
    return 0


def add_parser(transports: argparse._SubParsersAction) -> None:
    """Register ``tn3270`` under ``bridges discover``."""
    p = transport_parser(transports, "tn3270", __doc__, "walk a TN3270 host's screens and write a bridge module")
    p.add_argument("--host", required=True, metavar="HOST:PORT", help="the TN3270 server (port default 3270)")
    p.add_argument("--lu", help="the TN3270E LU name to claim")
    p.add_argument("--user", help="the user to sign on as (default: the package's configured user)")
    p.add_argument("--no-sign-on", action="store_true", help="the host shows its screens without a sign-on")
    p.add_argument(
        "--password-env",
        metavar="VAR",
        help="environment variable holding the password (default: the package's configured password secret)",
    )
    p.add_argument("--code-page", help="the host's EBCDIC code page (default: the package's, else cp037)")
    p.add_argument("--model", type=int, choices=(2, 4), default=2, help="3270 model: 2 (24x80) or 4 (43x80)")
    p.add_argument("--walk", metavar="FILE", help="the steps, one a line (default: ask at a prompt)")
    p.add_argument("--operation", help="the read operation's name (default: read_ and the read screen's name)")
    add_destination(
        p,
        package="a bridges new package: overwrite its bridge module",
        name="discovered",
        name_help="the bridge's name without --package",
    )
    p.set_defaults(func=_run)
