"""Web cassettes: size with each static asset stored once vs every fetch recorded, and replay
stability of a page with a background XHR declared ignored.

A small app (tests/web_scrape/asset_app.py) whose every page loads a 120 KB script, a 30 KB
style sheet and a 20 KB image, polls an unread counter every 20 ms and posts analytics.
40 calls are recorded twice — static assets once per cassette (now) and every fetch (before)
— then the cassette is replayed ROUNDS times on one browser (rewound each round).

    .venv/bin/python bench/web_cassettes.py [--calls 40] [--rounds 20]

The last line is the headline figure.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridges.core.cassette import CassetteSettings  # noqa: E402
from bridges.core.deadline import Deadline, deadline_scope  # noqa: E402
from tests.web_scrape.asset_app import ASSET_RULES, AssetApp, PageNo, ReadHeading  # noqa: E402
from web_scrape import BrowserPort, Credential, PortSettings  # noqa: E402

NOBODY = Credential("nobody", "")


def _port(url: str, tape: Path, mode: str, rules=ASSET_RULES) -> BrowserPort:
    return BrowserPort(PortSettings(base_url=url, trace="off"), system="assets",
                       cassette=CassetteSettings(path=tape, mode=mode), requests=rules)


def _calls(port: BrowserPort, calls: int) -> list[str]:
    out = []
    for number in range(1, calls + 1):
        with deadline_scope(Deadline(30)):
            out.append(port.run(ReadHeading(), PageNo(number=number), NOBODY).heading)
    return out


def record(app: AssetApp, tape: Path, calls: int, dedupe: bool) -> tuple[int, list[str]]:
    port = _port(app.url, tape, "all")
    port.recorder.dedupe_static = dedupe
    try:
        headings = _calls(port, calls)
    finally:
        port.close()
    return tape.stat().st_size, headings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    app = AssetApp()
    with tempfile.TemporaryDirectory() as folder:
        before, _ = record(app, Path(folder) / "every-fetch.yaml", args.calls, dedupe=False)
        tape = Path(folder) / "assets.yaml"
        after, headings = record(app, tape, args.calls, dedupe=True)
        app.stop()
        print(f"cassette of {args.calls} calls, every static fetch recorded: {before / 1e6:.2f} MB")
        print(f"cassette of {args.calls} calls, each static asset once:     {after / 1e6:.2f} MB "
              f"({before / after:.0f}x smaller)")
        port = _port("http://assets.invalid/", tape, "none")
        failures, started = 0, time.perf_counter()
        try:
            for _round in range(args.rounds):
                port.rewind()
                try:
                    assert _calls(port, args.calls) == headings
                except Exception as exc:
                    failures += 1
                    print(f"round {_round + 1}: {type(exc).__name__}: {str(exc)[:160]}")
        finally:
            port.close()
        per_call = (time.perf_counter() - started) / (args.rounds * args.calls) * 1000
        print(f"replay with the poll ignored and analytics stubbed: {failures} failures in {args.rounds} rounds "
              f"of {args.calls} calls ({per_call:.0f} ms a call, one browser)")
        print(f"web cassette: {after / 1e6:.2f} MB for {args.calls} calls with each static asset once "
              f"(was {before / 1e6:.2f} MB); {failures}/{args.rounds} replay rounds failed")


if __name__ == "__main__":
    main()
