"""``bridges discover <transport>``: one sub-command per transport, each registered in :data:`DISCOVERERS`.

A transport's command lives in its own module, exposing ``add_parser(sub)`` that adds its
sub-command to ``sub`` (set ``func`` as the other commands do); adding a transport here is one line.
The argument plumbing the transports share (their parser, where the module goes, the password
from the environment, writing the module) is here too.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any

from bridges.core.errors import ConfigError

__all__ = [
    "DISCOVERERS",
    "add_destination",
    "add_discover_parser",
    "password_from_env",
    "transport_parser",
    "write_source",
]

DISCOVERERS: dict[str, str] = {
    "extract": "facade_app.discover_extract_cli",
    "odbc": "facade_app.discover_odbc_cli",
    "tn3270": "facade_app.discover_tn3270",
    "web": "facade_app.discover_web",
}
"""Transport → the module whose ``add_parser(sub)`` adds ``bridges discover <transport>``."""


def add_discover_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``discover`` and its sub-commands to the ``bridges`` command's sub-parsers."""
    parser = sub.add_parser("discover", help="look at a legacy system and write a bridge for it to edit")
    transports = parser.add_subparsers(dest="transport", required=True, metavar="TRANSPORT")
    for module in DISCOVERERS.values():
        importlib.import_module(module).add_parser(transports)


def transport_parser(
    transports: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    doc: str | None,
    summary: str,
    **kwargs: Any,
) -> argparse.ArgumentParser:
    """``bridges discover <name>``'s parser: ``summary`` in the list of transports, ``doc`` (its
    module's docstring) as its description, laid out as written."""
    return transports.add_parser(  # type: ignore[no-any-return]
        name, help=summary, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs
    )


def add_destination(parser: argparse.ArgumentParser, *, package: str, name: str | None, name_help: str) -> None:
    """Where the module goes: ``--package`` (``package`` says what is done to it) or ``--out``
    (neither: standard output); and ``--name``, the bridge's name without a package."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--package", metavar="DIR/NAME", help=package)
    where.add_argument("--out", metavar="FILE", help="write the module here (default: standard output)")
    parser.add_argument("--name", default=name, help=name_help)


def password_from_env(var: str | None) -> str | None:
    """The password in the environment variable ``var`` (``--password-env``), None when none is
    named; :class:`ConfigError` when it is not set (a password is never an argument)."""
    if not var:
        return None
    value = os.environ.get(var)
    if not value:
        raise ConfigError(f"--password-env: environment variable {var} is not set")
    return value


def write_source(source: str, out: str | None, report: str) -> None:
    """The module to ``out`` (then ``<out>: <report>`` on standard error) or to standard output."""
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(source, encoding="utf-8")
        print(f"{out}: {report}", file=sys.stderr)
    else:
        sys.stdout.write(source)
