"""``bridges crosswalk build`` and ``bridges crosswalk diff``: link customers across silos with no shared id.

    bridges crosswalk build --records custmast=custmast.csv --records orders=orders.csv \\
        --records helpdesk=helpdesk.csv --out crosswalk/ [--previous crosswalk-v1.csv] [--truth known.csv]
    bridges crosswalk diff crosswalk-v1.csv crosswalk/crosswalk-v2.csv

``build`` writes ``crosswalk-vN.csv`` (the project's format), ``matches.csv`` (every pair compared,
its probability and each field's weight) and ``review.csv`` (the uncertain pairs, for a person to
confirm) into ``--out``; with ``--truth`` (a crosswalk known to be right) it prints precision and
recall. Records files are CSV with ``id`` and any of ``name, street, city, postcode, country, phone,
email`` (see :mod:`bridges.linkage.records`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_crosswalk_command"]


def _build(args: argparse.Namespace) -> int:
    from bridges.core.crosswalk import Crosswalk
    from bridges.core.errors import ConfigError
    from bridges.linkage import build_crosswalk, evaluate, read_records, write_outputs

    records = {}
    for value in args.records:
        system, eq, path = value.partition("=")
        if not eq or not system or not path:
            raise ConfigError(f"--records {value!r}: give SYSTEM=FILE.csv")
        records[system] = read_records(path, system)
    if len(records) < 2:
        raise ConfigError("--records: give the records of two systems or more")
    previous = Crosswalk.load(args.previous) if args.previous else None
    result = build_crosswalk(records, accept=args.accept, review=args.review, previous=previous, version=args.version)
    crosswalk, matches, review = write_outputs(result, Path(args.out))
    accepted = sum(1 for link in result.links if link.decision == "accept")
    print(
        f"{crosswalk}: {len(result.rows)} customers from {sum(map(len, records.values()))} records; "
        f"{accepted} links accepted, {len(result.review)} to review in {review}; pairs in {matches}",
        file=sys.stderr,
    )
    if args.truth:
        print(json.dumps(evaluate(result, Crosswalk.load(args.truth), records), indent=2))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from bridges.linkage import diff_crosswalks

    print(json.dumps(diff_crosswalks(Path(args.old), Path(args.new)), indent=2, ensure_ascii=False))
    return 0


def add_crosswalk_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``bridges crosswalk build`` and ``bridges crosswalk diff``."""
    parser = sub.add_parser("crosswalk", help="link customers across systems that share no identifier")
    commands = parser.add_subparsers(dest="crosswalk_command", required=True, metavar="COMMAND")
    p = commands.add_parser(
        "build",
        help="build a crosswalk from records files",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--records", action="append", default=[], metavar="SYSTEM=FILE", help="a system's records (CSV)")
    p.add_argument("--out", required=True, metavar="DIR", help="where the crosswalk, matches and review files go")
    p.add_argument("--previous", metavar="FILE", help="the crosswalk this one follows: its canonical ids are kept")
    p.add_argument("--version", type=int, help="the new crosswalk's version (default: the previous one's + 1, or 1)")
    p.add_argument("--accept", type=float, default=0.9, help="probability at which a link is accepted (0.9)")
    p.add_argument("--review", type=float, default=0.5, help="probability from which a pair goes to review (0.5)")
    p.add_argument("--truth", metavar="FILE", help="a crosswalk known to be right: print precision and recall")
    p.set_defaults(func=_build)
    p = commands.add_parser("diff", help="what changed between two crosswalk versions (JSON)")
    p.add_argument("old")
    p.add_argument("new")
    p.set_defaults(func=_diff)
