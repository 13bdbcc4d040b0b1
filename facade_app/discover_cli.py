"""``bridges discover <transport>``: one sub-command per transport, each registered in :data:`DISCOVERERS`.

A transport's command lives in its own module, exposing ``add_parser(sub)`` that adds its
sub-command to ``sub`` (set ``func`` as the other commands do); adding a transport here is one line.
"""

from __future__ import annotations

import argparse
import importlib

__all__ = ["DISCOVERERS", "add_discover_parser"]

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
