"""``bridges discover web``: log in to a web application and write a bridge from its pages.

    bridges discover web --url http://host/helpdesk/ --user agent1 --password-env HELPDESK_PASSWORD \\
        --package bridges-pkgs/desk

The password is read from the named environment variable and goes only to the browser;
it is never printed or written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bridges.core.errors import ConfigError
from facade_app.discover_cli import add_destination, password_from_env, transport_parser

__all__ = ["add_parser"]


def add_parser(transports: Any) -> None:
    """Add ``web`` to ``bridges discover``."""
    p = transport_parser(
        transports,
        "web",
        __doc__,
        "log in to a web application, capture its forms, tables and pagination, and write a bridge",
    )
    p.add_argument("--url", required=True, help="the application's base URL (the folder of its pages)")
    p.add_argument(
        "--login",
        choices=("auto", "form", "basic", "digest", "none"),
        default="auto",
        help="how the application asks for the password (default: find out)",
    )
    p.add_argument("--user", default="", help="the user to log in as")
    p.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")
    p.add_argument(
        "--start",
        nargs="+",
        metavar="PATH",
        default=[""],
        help="pages to visit, relative to the URL (default: the URL itself)",
    )
    p.add_argument("--login-path", default="", help="the login form's page, when the start page does not show it")
    p.add_argument("--no-submit", action="store_true", help="describe search forms without submitting them")
    add_destination(
        p,
        package="a package made by bridges new: its bridge.py is replaced and its config's options set",
        name=None,
        name_help="the bridge's name without --package (default: the URL's last folder)",
    )
    p.set_defaults(func=_cmd_discover_web)


def _default_name(url: str) -> str:
    folder = url.rstrip("/").rsplit("/", 1)[-1] if url.count("/") > 2 else ""
    cleaned = "".join(c if c.isalnum() else "_" for c in folder.casefold()).strip("_")
    return cleaned if cleaned[:1].isalpha() else "web"


def _cmd_discover_web(args: argparse.Namespace) -> int:
    from bridges.discover.web import DiscoverSettings, discover_plan, find_package, render, write_into_package

    password = password_from_env(args.password_env) or ""
    if args.user and not password and args.login != "none":
        raise ConfigError("--user needs --password-env naming the variable that holds the password")
    layout = find_package(Path(args.package)) if args.package else None
    name = layout.name if layout else args.name or _default_name(args.url)
    settings = DiscoverSettings(
        base_url=args.url,
        user=args.user,
        login=args.login,
        start=args.start,
        login_path=args.login_path,
        submit_searches=not args.no_submit,
    )
    plan = discover_plan(settings, password, name=name)
    if layout is None:
        source = render(plan)
        if args.out:
            Path(args.out).write_text(source, encoding="utf-8")
        else:
            sys.stdout.write(source)
        operations = ", ".join(plan.operations) or "none"
        print(f"bridges discover web: {source.count(chr(10))} lines; operations: {operations}", file=sys.stderr)
        return 0
    report = write_into_package(layout.root, plan, password_env=args.password_env)
    print(f"{report.bridge_py}: {report.lines} lines; operations: {', '.join(report.operations) or 'none'}")
    if report.config is not None:
        print(f"{report.config}: options of {layout.name} set to {plan.base_url} as {plan.user or 'nobody'}")
    if not plan.operations:
        print("no search form gave a results table: the bridge has no operation yet", file=sys.stderr)
        return 1
    return 0
