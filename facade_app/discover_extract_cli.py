"""``bridges discover extract``: read a COBOL copybook (and a sample extract), write an extract bridge module.

    bridges discover extract --copybook CUSTBAL.cpy --extract CUSTBAL.D20240131.DAT --name custbal --out bridge.py

The module goes to ``--out`` (with the copybook copied beside it, where the bridge reads it) or
to standard output; what the sample showed (record count, decode check, trailer) goes to
standard error.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from facade_app.discover_cli import transport_parser, write_source

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    from bridges.discover.extract import bridge_source, discover_extract

    copybook = Path(args.copybook)
    found = discover_extract(
        copybook.read_text(encoding="utf-8"),
        record=args.record,
        codepage=args.codepage,
        extract=Path(args.extract) if args.extract else None,
        sample=args.sample,
    )
    source = bridge_source(args.name, copybook.name, found, pattern=args.pattern)
    for note in found.notes:
        print(note, file=sys.stderr)
    write_source(source, args.out, f"an extract bridge for {found.layout.name} ({found.layout.length}-byte records)")
    if args.out and Path(args.out).parent.resolve() != copybook.parent.resolve():
        shutil.copy(copybook, Path(args.out).parent / copybook.name)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``extract`` to the ``discover`` sub-commands."""
    p = transport_parser(sub, "extract", __doc__, "read a COBOL copybook and a sample extract; write an extract bridge")
    p.add_argument("--copybook", required=True, help="the COBOL copybook (.cpy) describing the records")
    p.add_argument("--extract", help="a sample extract file to check the copybook against")
    p.add_argument("--record", help="the 01 record of the detail lines (default: the copybook's first)")
    p.add_argument("--codepage", default="cp037", help="the extract's EBCDIC code page (default cp037)")
    p.add_argument("--name", default="extract", help="the bridge's name (default: extract)")
    p.add_argument("--pattern", default="*", help="file-name pattern of the extracts (default: *)")
    p.add_argument("--sample", type=int, default=100, help="records of the sample decoded (default 100)")
    p.add_argument("--out", help="write the module here (default: standard output)")
    p.set_defaults(func=_run)
