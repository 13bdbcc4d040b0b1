"""``bridges assess``: a systems and data readiness assessment, read-only, as JSON and Markdown.

    bridges assess --config bridges.toml --out assessment/
    bridges assess --connect "Driver=SQLite3;Database=orders.db" --out assessment/
    bridges assess --dsn orders --dialect mariadb --user reader --password-env ORDERS_PW
    bridges assess --tn3270 127.0.0.1:3270 --user DEMO01 --password-env PW --walk walk.txt
    bridges assess --url http://127.0.0.1:8081/helpdesk/ --user agent1 --password-env PW
    bridges assess --extract CUSTBAL.D20240131.DAT --copybook CUSTBAL.cpy [--record CUSTBAL-DETAIL]
    bridges assess --config bridges.toml --customers orders=VCUSMST --records custmast=custmast.csv

``--customers SYSTEM=RELATION`` (a database system's assessed relation of customers, its columns
mapped by the personal data found in them), ``--customers BRIDGE`` (a configured bridge's customers
read through its own read operations, as its customer listing says, at most ``--max-customers``) and
``--records SYSTEM=FILE`` (records files, as ``bridges crosswalk build`` reads) compare systems through
the crosswalk: customers per system, ids not mapped, customers under two ids, the overlap, and fields
that disagree.

With ``--config`` every enabled database, TN3270, web and extract bridge is assessed through its own
settings (account, schema, TLS, its ``max_rows`` capping the sample, its guard's ``deadline_s``
bounding each query; a TN3270 bridge's walk given as ``--walk NAME=FILE``), and the facade it serves
(HTTP or HTTPS); otherwise the system given. ``--extract`` with ``--copybook`` adds an extract file,
its fields profiled like columns (alone or beside the others). Every connection without encryption
is a ``no_tls`` security finding: TN3270 without TLS, ODBC without SSL, an ``http://`` web
application, the facade without HTTPS. A host is signed on and a web application logged in to only
when the password is known, once; only the declared walk's fields are typed into, and no web form
is submitted. Progress goes to standard error (Ctrl-C stops; ``--resume`` goes on from what was done); the reports go to
``--out`` (``assessment.json``, ``assessment.md`` and ``assessment.html``, with charts), or the
Markdown one to standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["add_assess_command"]


def _password(args: argparse.Namespace) -> str | None:
    from bridges.core.errors import ConfigError

    if not args.password_env:
        return None
    password = os.environ.get(args.password_env)
    if not password:
        raise ConfigError(f"--password-env: environment variable {args.password_env} is not set")
    return password


def _walks(values: list[str]) -> dict[str, Path]:
    walks = {}
    for value in values:
        name, eq, path = value.rpartition("=")
        walks[name if eq else ""] = Path(path)
    return walks


def _targets(args: argparse.Namespace) -> list[Any]:
    """The systems to assess; a bad option, setting or file is a ConfigError (a clear message, no traceback)."""
    from pydantic import ValidationError

    from bridges.core.errors import ConfigError

    try:
        return _given(args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors()[:3])
        raise ConfigError(problems) from None
    except OSError as exc:
        raise ConfigError(f"{exc.filename or ''}: {exc.strerror or exc}") from None


def _given(args: argparse.Namespace) -> list[Any]:
    from bridges.assess import ExtractTarget
    from bridges.core.errors import ConfigError

    extracts = []
    if args.extract or args.copybook:
        if not (args.extract and args.copybook):
            raise ConfigError("--extract and --copybook go together")
        extracts.append(
            ExtractTarget(Path(args.extract).name, Path(args.copybook), Path(args.extract), args.record, args.code_page)
        )
    if not (args.config or args.connect or args.dsn or args.tn3270 or args.url):
        if not extracts:
            raise ConfigError("say what to assess: --config, --connect, --dsn, --tn3270, --url or --extract")
        return extracts
    return [*_systems(args), *extracts]


def _systems(args: argparse.Namespace) -> list[Any]:
    from bridges.assess import database_target, facade_target, host_target, targets_from_config, web_target
    from bridges.core.errors import ConfigError
    from bridges.discover.odbc import dialect_of

    walks = _walks(args.walk)
    if args.config:
        targets, others = targets_from_config(args.config, tables=args.tables, walks=walks)
        for name in others:
            print(f"bridges assess: {name}: no assessment for this kind of bridge yet", file=sys.stderr)
        if not targets and not args.extract:
            raise ConfigError(f"{args.config}: no enabled database, TN3270 or web bridge to assess")
        return [*targets, facade_target(args.config)]
    if args.tn3270:
        from facade_app.discover_tn3270 import host_and_port

        host, port = host_and_port(args.tn3270)
        password = _password(args) if args.user else None
        target = host_target(
            host, port, user=args.user, password=password, tls=args.tls, code_page=args.code_page, walk=walks.get("")
        )
        return [target]
    if args.url:
        password = _password(args) if args.user else None
        return [web_target(args.url, user=args.user, password=password, start=args.start)]
    connection = args.connect or f"DSN={args.dsn}"
    dialect = args.dialect or dialect_of(connection)
    if dialect is None:
        raise ConfigError("--dialect: the connection string names no driver I know (sqlite, postgresql, mariadb)")
    target = database_target(
        connection,
        dialect,
        user=args.user,
        password=_password(args),
        schema=args.schema,
        tables=args.tables,
        timeout_s=args.timeout,
        allow_write_account=args.allow_write_account,
    )
    return [target]


def _customers(args: argparse.Namespace, targets: list[Any], systems: list[dict[str, Any]]) -> dict[str, Any]:
    """The customer records of each ``--customers SYSTEM=RELATION``: the assessed relation's rows, read
    through its database's read-only connection (at most its ``max_rows``), its columns mapped by what
    the assessment found in them (:func:`bridges.assess.across.customer_columns`)."""
    from bridges.assess import DatabaseTarget
    from bridges.assess.across import customer_columns, records_from_rows
    from bridges.core.errors import ConfigError

    databases = [(t, s) for t, s in zip(targets, systems, strict=False) if isinstance(t, DatabaseTarget)]
    records = {}
    for value in (v for v in args.customers if "=" in v):
        system, _, name = value.partition("=")
        if not system or not name:
            raise ConfigError(f"--customers {value!r}: give SYSTEM=RELATION")
        named = [(t, s) for t, s in databases if t.name == system] or (databases if len(databases) == 1 else [])
        if not named:
            raise ConfigError(f"--customers {value!r}: no database system {system!r} assessed")
        target, entry = named[0]
        if "database" not in entry:
            raise ConfigError(f"--customers {value!r}: {target.name} was not assessed: {entry.get('error', '')}")
        relations = {r["name"].lower(): r for r in entry["database"]["relations"]}
        relation = relations.get(name.lower())
        if relation is None:
            raise ConfigError(f"--customers {value!r}: {name} was not assessed (see --tables)")
        records[system] = records_from_rows(system, *target.customer_rows(relation, customer_columns(relation)))
    return records


def _limits(values: list[str]) -> dict[str, int]:
    """``--max-customers [BRIDGE=]N`` values by bridge (``""``: every other one)."""
    from bridges.assess.customers import MAX_CUSTOMERS
    from bridges.core.errors import ConfigError

    limits = {"": MAX_CUSTOMERS}
    for value in values:
        name, _, number = value.rpartition("=")
        if not number.isdigit() or int(number) < 1:
            raise ConfigError(f"--max-customers {value!r}: give [BRIDGE=]N, N a whole number above 0")
        limits[name] = int(number)
    return limits


def _bridge_customers(
    args: argparse.Namespace, checkpoint: Any, progress: Callable[[str, str], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(records, how each was read) of every ``--customers BRIDGE``: read through the configured bridge's
    read operations, in a runtime built from the configuration (its guards, deadlines and budgets)."""
    from bridges.assess.customers import listing_of, read_customers
    from bridges.core.config import load_config
    from bridges.core.errors import ConfigError
    from bridges.core.registry import build_runtime

    wanted = [v for v in args.customers if "=" not in v]
    if not wanted:
        return {}, {}
    limits = _limits(args.max_customers)
    if not args.config:
        raise ConfigError(f"--customers {wanted[0]}: a bridge's customers are read through --config's bridges")
    config = load_config(args.config)
    runtime = build_runtime(config)
    records, reads = {}, {}
    try:
        for system in wanted:
            listing = listing_of(runtime, config, system)

            def save(state: dict[str, Any], system: str = system) -> None:
                if checkpoint is not None:
                    checkpoint.add_customers(system, state)

            records[system], reads[system] = read_customers(
                runtime,
                system,
                listing,
                limit=limits.get(system, limits[""]),
                progress=lambda text, system=system: progress(system, text),
                saved=checkpoint.customers(system) if checkpoint is not None else None,
                save=save,
            )
    finally:
        runtime.close()
    return records, reads


def _crosswalk_path(args: argparse.Namespace) -> Path | None:
    """The crosswalk --records and --customers are compared through; it and the records files are checked
    before anything is read."""
    from bridges.core.config import load_config
    from bridges.core.errors import ConfigError

    if not (args.records or args.customers):
        return None
    path = args.crosswalk
    if path is None and args.config:
        config = load_config(args.config)
        path = config.path(config.crosswalk) if config.crosswalk else None
    if path is None:
        raise ConfigError("--records, --customers: say --crosswalk FILE (or set crosswalk in the configuration)")
    if not Path(path).is_file():
        raise ConfigError(f"--crosswalk {path}: no such file")
    for value in args.records:
        if not Path(value.partition("=")[2]).is_file():
            raise ConfigError(f"--records {value!r}: give SYSTEM=FILE.csv, an existing file")
    return Path(path)


def _across(
    args: argparse.Namespace,
    targets: list[Any],
    systems: list[dict[str, Any]],
    checkpoint: Any = None,
    progress: Callable[[str, str], None] = lambda system, text: None,
) -> dict[str, Any] | None:
    """The across-systems entry when customer records are given (--records files, --customers relations or
    bridges), compared through --crosswalk or the configuration's."""
    if not (args.records or args.customers):
        return None
    from bridges.assess.across import across_systems
    from bridges.core.crosswalk import Crosswalk
    from bridges.core.errors import ConfigError
    from bridges.linkage import read_records

    path = _crosswalk_path(args)
    records = {}
    for value in args.records:
        system, eq, file = value.partition("=")
        if not eq or not system or not file:
            raise ConfigError(f"--records {value!r}: give SYSTEM=FILE.csv")
        try:
            records[system] = read_records(file, system)
        except OSError as exc:
            raise ConfigError(f"--records {value!r}: {exc.strerror or exc}") from None
    records.update(_customers(args, targets, systems))
    try:
        crosswalk = Crosswalk.load(path)
    except OSError as exc:
        raise ConfigError(f"--crosswalk {path}: {exc.strerror or exc}") from None
    read, reads = _bridge_customers(args, checkpoint, progress)
    records.update(read)
    across = across_systems(records, crosswalk)
    for system, how in reads.items():
        across["systems"][system]["read"] = how
    return across


@contextlib.contextmanager
def _progress_shown() -> Iterator[Callable[[str, str], None]]:
    """A progress callback: a rich spinner line on a terminal, plain lines otherwise (logs, CI)."""
    if not sys.stderr.isatty():
        yield lambda system, relation: print(f"assessing {system}: {relation}", file=sys.stderr, flush=True)
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} done"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("assessing", total=None)

        def show(system: str, relation: str) -> None:
            bar.update(task, description=f"assessing {system}: {relation}", advance=1)

        yield show


def _run(args: argparse.Namespace) -> int:
    from bridges.assess import assess_targets, build_report, markdown_report
    from bridges.assess.checkpoint import Checkpoint
    from bridges.core.errors import BridgeError, ConfigError

    targets = _targets(args)
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date.today()
    except ValueError as exc:
        raise ConfigError(f"--as-of {args.as_of!r}: give a date as YYYY-MM-DD ({exc})") from None
    _crosswalk_path(args)  # a missing crosswalk is said before a long assessment, not after
    if args.resume and not args.out:
        raise ConfigError("--resume: give the --out folder of the assessment to resume")
    plan = {
        "systems": [[t.name, t.transport, t.where()] for t in targets],
        "as_of": as_of.isoformat(),
        "sample": args.sample,
        "count_limit": args.count_limit,
        "tables": args.tables,
        "customers": args.customers,
        "max_customers": args.max_customers,
    }
    checkpoint = Checkpoint(Path(args.out), plan, resume=args.resume) if args.out else None
    try:
        with _progress_shown() as progress:
            systems = assess_targets(
                targets,
                sample_rows=args.sample,
                count_limit=args.count_limit,
                as_of=as_of,
                progress=progress,
                checkpoint=checkpoint,
            )
            across = _across(args, targets, systems, checkpoint, progress)
    except KeyboardInterrupt:
        if checkpoint is None:
            raise
        print(f"bridges assess: stopped; what is done is in {checkpoint.path}: rerun with --resume", file=sys.stderr)
        return 130
    except BridgeError as exc:
        if checkpoint is None or isinstance(exc, ConfigError):
            raise
        print(
            f"bridges assess: {exc.detail}; what is done is in {checkpoint.path}: rerun with --resume", file=sys.stderr
        )
        return 1
    report = build_report(systems, as_of=as_of, across=across)
    if args.out:
        from bridges.assess import write_reports

        json_path, md_path, html_path = write_reports(report, Path(args.out))
        if checkpoint is not None:
            checkpoint.finish()
        s = report["summary"]
        print(
            f"{json_path}, {md_path}, {html_path}: {s['systems']} system(s), {s['relations']} relation(s), "
            f"{sum(p['columns'] for p in s['preparation'])} finding(s)",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(markdown_report(report))
    return 1 if any("error" in s for s in systems) else 0


def add_assess_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``bridges assess`` on the ``bridges`` command's sub-parsers."""
    p = sub.add_parser(
        "assess",
        help="assess legacy systems read-only: counts, profiles, legacy formats, keys, personal data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # `--password` must not pass for `--password-env`: a password is never an argument
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--config", help="configuration file: assess its enabled database bridges")
    where.add_argument("--connect", metavar="CONNSTR", help="ODBC connection string (no password in it)")
    where.add_argument("--dsn", help="ODBC data source name (then say --dialect)")
    where.add_argument(
        "--tn3270", metavar="HOST[:PORT]", help="a TN3270 host (with --user: signed on, --walk followed)"
    )
    where.add_argument("--url", help="a web application's base URL (with --user: logged in, --start pages visited)")
    p.add_argument("--extract", metavar="FILE", help="an extract file to profile by its --copybook")
    p.add_argument("--copybook", metavar="FILE", help="the COBOL copybook of --extract's records")
    p.add_argument("--record", help="--extract: the copybook's 01 record of the detail lines (default: its first)")
    p.add_argument("--dialect", choices=("sqlite", "postgresql", "mariadb"), help="without --config: the database")
    p.add_argument("--user", help="database account (use a SELECT-only one), TN3270 user id or web user")
    p.add_argument("--password-env", metavar="VAR", help="environment variable holding the account's password")
    p.add_argument("--schema", help="schema (PostgreSQL) or database (MariaDB); default: the account's")
    p.add_argument("--tables", metavar="PATTERN", help="relations to include: comma-separated patterns (V*)")
    p.add_argument(
        "--sample", type=int, default=1000, help="rows sampled per relation (default 1000, capped by max_rows)"
    )
    p.add_argument("--count-limit", type=int, default=1_000_000, help="rows a bounded COUNT reads at most")
    p.add_argument("--timeout", type=float, default=10.0, help="without --config: seconds allowed each query")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date freshness is measured from (default today)")
    p.add_argument("--allow-write-account", action="store_true", help="assess even when the account can write")
    p.add_argument(
        "--walk",
        action="append",
        default=[],
        metavar="[BRIDGE=]FILE",
        help="a walk file (as `bridges discover tn3270 --walk` reads) for --tn3270, or for a configured TN3270 bridge",
    )
    p.add_argument("--tls", action="store_true", help="--tn3270: TN3270 over TLS")
    p.add_argument("--code-page", default="cp037", help="--tn3270, --extract: the EBCDIC code page (default cp037)")
    p.add_argument("--start", action="append", metavar="PATH", help="--url: a page to visit, relative (repeatable)")
    p.add_argument(
        "--records",
        action="append",
        default=[],
        metavar="SYSTEM=FILE",
        help="a system's customer records (CSV, as `bridges crosswalk build` reads): compare systems via the crosswalk",
    )
    p.add_argument(
        "--customers",
        action="append",
        default=[],
        metavar="SYSTEM=RELATION|BRIDGE",
        help="an assessed database relation holding a system's customers (read up to max_rows), or a configured "
        "bridge whose customers are read through its read operations: compare via the crosswalk",
    )
    p.add_argument(
        "--max-customers",
        action="append",
        default=[],
        metavar="[BRIDGE=]N",
        help="--customers BRIDGE: customers read through a bridge at most (default 1000; repeatable per bridge)",
    )
    p.add_argument("--crosswalk", metavar="FILE", help="the crosswalk for --records (default: the configuration's)")
    p.add_argument("--resume", action="store_true", help="go on with the stopped assessment in --out (Ctrl-C stops)")
    p.add_argument("--out", metavar="DIR", help="write assessment.json, .md and .html here")
    p.set_defaults(func=_run)
