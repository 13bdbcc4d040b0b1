"""Replay stability: the committed CUSTMAST scenario and HELPDESK session, replayed N times each.

Each round builds a fresh runtime from the committed cassette in mode ``none`` (no TN3270 host,
no helpdesk app; real Chromium for HELPDESK), makes the recorded calls, checks each answer or
typed error, and checks the whole cassette was played. Goal: 0 failures in 50 rounds each.
The last line is the headline figure.

    .venv/bin/python bench/replay_stability.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridges.core.config import parse_config  # noqa: E402
from bridges.core.errors import BridgeError, LegacyError, NotFound  # noqa: E402
from bridges.core.registry import build_runtime  # noqa: E402
from bridges.helpdesk.demo import replay_bridge_config  # noqa: E402
from fixtures.helpdesk import search_tickets  # noqa: E402

CUSTMAST = ROOT / "fixtures" / "cassettes" / "custmast" / "scenario.yaml"


def _expect_error(kind: type[BridgeError], call: Callable[[], object]) -> None:
    try:
        call()
    except kind:
        return
    raise AssertionError(f"expected {kind.__name__}")


def custmast_round() -> None:
    """The committed CUSTMAST scenario (tests/bridges/custmast/test_cassettes.py), replayed."""
    config = parse_config({"crosswalk": "fixtures/crosswalk-v1.csv", "bridges": {"custmast": {
        "secrets": {"password": {"env": "CUSTMAST_TEST_PASSWORD", "default": "Dem0-Pass"}},
        "options": {"code_page": "cp1140"}, "guard": {"deadline_s": 5, "read_retries": 0},
        "cassette": {"path": str(CUSTMAST), "mode": "none"}}}}, base_dir=ROOT)
    runtime = build_runtime(config)
    try:
        call = runtime.call
        assert call("custmast", "get_customer", {"customer": "C-00001"}).custmast_no == "84603489"
        _expect_error(NotFound, lambda: call("custmast", "get_customer", {"customer": "12345674"}))
        assert len(call("custmast", "browse_customers", {"limit": 20}).customers) == 20
        change = call("custmast", "change_address", {
            "customer": "C-00001", "street": "Rue de la Paix 7 \"bis\"", "city": "Paris", "postcode": "75002",
            "country": "FR", "dry_run": True})
        assert change.dry_run and not change.committed
        assert call("custmast", "get_customer", {"customer": "C-00002"}).customer_id == "C-00002"
        cassette = runtime.bridges["custmast"].bridge.cassette
    finally:
        runtime.close()
    assert cassette.remaining == 0, f"{cassette.remaining} interactions not played"


def helpdesk_round() -> None:
    """The committed HELPDESK session (tests/bridges/helpdesk/test_replay.py), replayed in Chromium."""
    config = parse_config({"crosswalk": "fixtures/crosswalk-v1.csv",
                           "bridges": {"helpdesk": replay_bridge_config()}}, base_dir=ROOT)
    expected = search_tickets("ACC/E-10007")
    runtime = build_runtime(config)
    try:
        call = runtime.call
        assert call("helpdesk", "search_tickets", {"customer": "C-00001"}).total == len(expected)
        assert call("helpdesk", "search_tickets", {"customer": "C-00001", "page": 2}).tickets
        call("helpdesk", "search_tickets", {"customer": "C-00001", "status": "resolved", "opened_from": "2004-01-01"})
        assert call("helpdesk", "get_ticket", {"ticket_no": expected[0].number}).ticket_no == expected[0].number
        _expect_error(NotFound, lambda: call("helpdesk", "get_ticket", {"ticket_no": "HD-1999-000001"}))
        _expect_error(LegacyError, lambda: call("helpdesk", "get_ticket", {"ticket_no": expected[1].number}))
        assert call("helpdesk", "get_ticket", {"ticket_no": expected[1].number}).ticket_no == expected[1].number
        remaining = runtime.bridges["helpdesk"].bridge.port.status()["cassette_remaining"]
    finally:
        runtime.close()
    assert remaining == 0, f"{remaining} answers not played"


def measure(name: str, one_round: Callable[[], None], rounds: int) -> int:
    failures = 0
    started = time.perf_counter()
    for n in range(rounds):
        try:
            one_round()
        except Exception as exc:  # a failed round is counted and described, not fatal
            failures += 1
            print(f"{name} round {n + 1}: {type(exc).__name__}: {exc}")
    print(f"{name}: {rounds - failures}/{rounds} replays ok in {time.perf_counter() - started:.1f} s")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    failed_custmast = measure("custmast scenario", custmast_round, args.rounds)
    failed_helpdesk = measure("helpdesk session", helpdesk_round, args.rounds)
    print(f"replay failures: custmast {failed_custmast}/{args.rounds}, helpdesk {failed_helpdesk}/{args.rounds}")
    return 0 if failed_custmast == failed_helpdesk == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
