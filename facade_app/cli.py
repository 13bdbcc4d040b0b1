"""The ``bridges`` command: serve, check, list, openapi, tools, mcp, discover, assess, crosswalk, demo, audit."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bridges.core.config import Config, load_config
from bridges.core.errors import BridgeError
from bridges.core.operation import Operation
from bridges.core.registry import available_bridges, check_config, load_bridge_class
from facade_app.assess_cli import add_assess_command
from facade_app.audit_cli import add_audit_commands
from facade_app.auth import KeyRing
from facade_app.cassette_cli import add_cassette_commands
from facade_app.crosswalk_cli import add_crosswalk_command
from facade_app.discover_cli import add_discover_parser
from facade_app.scaffold import add_new_command
from facade_app.watch_cli import add_watch_commands

if TYPE_CHECKING:
    from facade_app.pipeline import Pipeline

__all__ = ["main"]


def _declared_operations(config_path: str | None) -> Iterable[Operation]:
    """Operations of the configured bridges, or of every registered bridge without a config."""
    if config_path:
        config = load_config(config_path)
        for instance, entry in config.bridges.items():
            if entry.enabled:
                for op in load_bridge_class(entry.kind or instance, config.base_dir).operations.values():
                    yield op.bound_to(instance)
        return
    for kind in available_bridges():
        yield from load_bridge_class(kind).operations.values()


def _cmd_list(args: argparse.Namespace) -> int:
    current = None
    for op in sorted(_declared_operations(args.config), key=lambda o: (o.bridge, o.name)):
        if op.bridge != current:
            current = op.bridge
            print(f"{current}")
        print(f"  {op.http_method:<4} {op.path:<36} {op.effect.value:<5} {op.summary}")
    return 0


def _cmd_openapi(args: argparse.Namespace) -> int:
    from facade_app.openapi import build_openapi

    print(json.dumps(build_openapi(_declared_operations(args.config)), indent=2, ensure_ascii=False))
    return 0


def _cmd_tools(args: argparse.Namespace) -> int:
    from facade_app.tools import anthropic_tools, openai_tools

    maker = openai_tools if args.flavour == "openai" else anthropic_tools
    print(json.dumps(maker(_declared_operations(args.config)), indent=2, ensure_ascii=False))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    # Fail here, with the key named, before any worker starts (a worker that cannot boot
    # would only make gunicorn give up with a less helpful message).
    config = load_config(args.config)
    check_config(config, workers=args.workers)
    KeyRing(config.api_keys)
    from facade_app.server import check_shared_state, run_gunicorn

    check_shared_state(config, args.workers)
    host = args.host if args.host is not None else config.facade.host
    port = args.port if args.port is not None else config.facade.port
    tls = {}
    if config.facade.tls_cert_file is not None and config.facade.tls_key_file is not None:
        # gthread workers build the TLS context for every new connection: a renewed certificate is
        # served from the next connection on, with no restart.
        tls = {"certfile": str(config.path(config.facade.tls_cert_file)),
               "keyfile": str(config.path(config.facade.tls_key_file))}
    from facade_app.logs import configure_logging

    configure_logging(config.facade.log_format,
                      logging.INFO if args.verbose else getattr(logging, config.facade.log_level.upper()))
    run_gunicorn(args.config, host, port, args.workers, extra=tls)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from facade_app.check import check_configuration

    problems = check_configuration(args.config, workers=args.workers)
    for problem in problems:
        print(f"bridges check: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"{args.config}: ok")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("legacy-bridges")
    except PackageNotFoundError:  # a checkout used without installing it
        return "unknown"


def _cmd_mcp(args: argparse.Namespace) -> int:
    import os

    from bridges.core.registry import build_runtime
    from facade_app.mcp_tools import build_mcp_server
    from facade_app.pipeline import Pipeline

    config = load_config(args.config)
    keyring = KeyRing(config.api_keys)
    # stdio serves one key, checked before anything starts; over HTTP each request brings its own
    caller = None if args.http else keyring.authenticate(os.environ.get(args.key_env))
    runtime = build_runtime(config)
    pipeline = None
    try:
        pipeline = Pipeline.from_config(config, runtime)
        if caller is not None:
            build_mcp_server(pipeline, caller).run("stdio")
        else:
            _serve_mcp_http(args, config, pipeline, keyring)
    finally:
        if pipeline is not None:
            pipeline.audit.close()  # the tool calls' events still queued reach the audit store
        runtime.close()
    return 0


def _serve_mcp_http(args: argparse.Namespace, config: Config, pipeline: Pipeline, keyring: KeyRing) -> None:
    from facade_app.mcp_http import McpHttpApp, serve_mcp_http

    host = args.host if args.host is not None else config.facade.host
    tls = {}
    if config.facade.tls_cert_file is not None and config.facade.tls_key_file is not None:
        tls = {"ssl_certfile": str(config.path(config.facade.tls_cert_file)),
               "ssl_keyfile": str(config.path(config.facade.tls_key_file))}
    app = McpHttpApp(pipeline, keyring, path=args.path, host=host)
    serve_mcp_http(app, host, args.port, **tls)


def _cmd_demo(args: argparse.Namespace) -> int:
    from facade_app.demo import run_demo

    return run_demo(host=args.host, port=args.port, workdir=Path(args.workdir))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bridges`` console script."""
    parser = argparse.ArgumentParser(prog="bridges", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="validate a configuration as serve would, without serving")
    p.add_argument("--config", default="bridges.toml", help="TOML configuration file")
    p.add_argument("--workers", type=int, default=1, help="the worker count serve would use (recording needs 1)")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("serve", help="serve the facade under gunicorn")
    p.add_argument("--config", default="bridges.toml", help="TOML configuration file")
    p.add_argument("--host", help="overrides facade.host (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="overrides facade.port (default 8080)")
    p.add_argument("--workers", type=int, default=2,
                   help="worker processes; more than 1 needs shared stores (Redis rate limits)")
    p.set_defaults(func=_cmd_serve)

    for name, func, text in (("list", _cmd_list, "list bridges and operations"),
                             ("openapi", _cmd_openapi, "print the OpenAPI 3.1 document")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--config", help="TOML configuration file (default: every registered bridge)")
        p.set_defaults(func=func)

    p = sub.add_parser("tools", help="print AI tool definitions")
    p.add_argument("--config")
    p.add_argument("--flavour", choices=("openai", "anthropic"), default="openai")
    p.set_defaults(func=_cmd_tools)

    p = sub.add_parser("mcp", help="serve the operations as MCP tools on stdio, or over HTTP (--http)")
    p.add_argument("--config", default="bridges.toml")
    p.add_argument("--key-env", default="LEGACY_BRIDGES_API_KEY",
                   help="stdio: environment variable holding the API key whose scopes the tools get")
    p.add_argument("--http", action="store_true",
                   help="streamable HTTP: each request names its own key (Authorization: Bearer)")
    p.add_argument("--host", help="--http: overrides facade.host (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8090,
                   help="--http: the port (default 8090; 0: a free one, printed once listening)")
    p.add_argument("--path", default="/mcp", help="--http: the endpoint's path (default /mcp)")
    p.set_defaults(func=_cmd_mcp)

    add_discover_parser(sub)
    add_assess_command(sub)
    add_crosswalk_command(sub)

    p = sub.add_parser("demo", help="start the demo legacy systems and the facade in front of them")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workdir", default="var/demo", help="where the demo keeps its database and audit log")
    p.set_defaults(func=_cmd_demo)

    add_new_command(sub)
    add_cassette_commands(sub)
    add_audit_commands(sub)
    add_watch_commands(sub)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except BridgeError as exc:
        print(f"bridges: {exc.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
