"""``bridges discover odbc``: reflect and sample a database read-only, write a bridge module for it.

    bridges discover odbc --connect "Driver=SQLite3;Database=orders.db" --package acme
    bridges discover odbc --dsn orders --dialect mariadb --user reader --password-env ORDERS_PW --out bridge.py

With ``--package`` (a package made by ``bridges new --transport odbc``) the module replaces
the package's ``bridge.py`` and the package's configuration is pointed at the database;
otherwise it goes to ``--out`` or standard output. The password is read from the environment
variable ``--password-env`` names, never from the command line, and is written nowhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facade_app.discover_cli import add_destination, password_from_env, transport_parser, write_source

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    from bridges.discover.odbc import discover_source, write_package

    connection = args.connect or f"DSN={args.dsn}"
    password = password_from_env(args.password_env)
    package = Path(args.package) if args.package else None
    name = (package.name if package else args.name).replace("-", "_").lower()
    source, found, options = discover_source(
        connection,
        name,
        dialect=args.dialect,
        user=args.user,
        password=password,
        schema=args.schema,
        tables=args.tables,
        sample_rows=args.sample,
        timeout_s=args.timeout,
        allow_write_account=args.allow_write_account,
    )
    declared = sum(1 for v in found.views if v.key)
    report = f"discovered {declared} view(s); left out {len(found.views) - declared + len(found.skipped)}"
    if package is not None:
        module = write_package(package, source, options, args.password_env)
        print(f"{module}: {report}", file=sys.stderr)
    else:
        write_source(source, args.out, report)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``odbc`` to the ``discover`` sub-commands."""
    p = transport_parser(
        sub,
        "odbc",
        __doc__,
        "reflect and sample a database read-only; write declared views",
        allow_abbrev=False,  # `--password` must not pass for `--password-env`: a password is never an argument
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--connect", metavar="CONNSTR", help="ODBC connection string (no password in it)")
    where.add_argument("--dsn", help="ODBC data source name (then say --dialect)")
    p.add_argument(
        "--dialect",
        choices=("sqlite", "postgresql", "mariadb"),
        help="the database behind the driver (default: from the connection string's Driver)",
    )
    p.add_argument("--user", help="account name (UID); use a SELECT-only account")
    p.add_argument("--password-env", metavar="VAR", help="environment variable holding the account's password")
    p.add_argument("--schema", help="schema (PostgreSQL) or database (MariaDB) to reflect; default: the account's")
    p.add_argument("--tables", metavar="PATTERN", help="tables and views to include: comma-separated patterns (V*)")
    p.add_argument("--sample", type=int, default=200, help="rows sampled per table or view (default 200)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds allowed each query (default 10)")
    p.add_argument(
        "--allow-write-account", action="store_true", help="discover even when the account can write (not recommended)"
    )
    add_destination(
        p,
        package="a package made by `bridges new`: replace its bridge.py",
        name="discovered",
        name_help="the bridge's name without --package (default discovered)",
    )
    p.set_defaults(func=_run)
