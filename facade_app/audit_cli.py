"""``bridges audit verify`` and ``bridges audit tail``: check and read the hash-chained audit
store that ``facade.audit_store`` names (by default ``audit.db`` in ``facade.state_dir``), or the one
``--store URL`` names (the demo's has no configuration file: ``--store sqlite:///var/demo/audit.db``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bridges.core.config import load_config
from facade_app.audit_chain import AuditChain, store_url

__all__ = ["add_audit_commands"]


def _chain(args: argparse.Namespace) -> AuditChain | None:
    url = args.store or store_url(load_config(args.config))
    if url is None:
        print("bridges audit: facade.audit_store is off: there is no chained audit store", file=sys.stderr)
        return None
    return AuditChain(url)


def _verify(args: argparse.Namespace) -> int:
    chain = _chain(args)
    if chain is None:
        return 2
    broken = chain.verify()
    if broken is not None:
        print(f"bridges audit verify: {broken}", file=sys.stderr)
        return 1
    newest = chain.tail(1)
    last = f"; the last is {newest[0][0]}, hash {newest[0][1]}" if newest else ""
    print(f"audit chain intact{last}")
    return 0


def _tail(args: argparse.Namespace) -> int:
    chain = _chain(args)
    if chain is None:
        return 2
    for seq, digest, entry in chain.tail(args.lines):
        print(json.dumps({"seq": seq, "hash": digest, **entry}, ensure_ascii=False))
    return 0


def add_audit_commands(sub: Any) -> None:
    """Add ``bridges audit verify`` and ``bridges audit tail``."""
    audit = sub.add_parser("audit", help="verify or read the hash-chained audit store").add_subparsers(
        dest="audit_command", required=True
    )
    p = audit.add_parser("verify", help="check the chain; name the first edited, deleted or reordered record")
    p.add_argument("--config", default="bridges.toml", help="TOML configuration file")
    p.add_argument("--store", help="SQLAlchemy URL of the audit store (instead of the configuration's)")
    p.set_defaults(func=_verify)
    p = audit.add_parser("tail", help="print the newest records as JSON lines (with their seq and hash)")
    p.add_argument("--config", default="bridges.toml", help="TOML configuration file")
    p.add_argument("--store", help="SQLAlchemy URL of the audit store (instead of the configuration's)")
    p.add_argument("-n", "--lines", type=int, default=20, help="how many records (default 20)")
    p.set_defaults(func=_tail)
