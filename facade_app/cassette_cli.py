"""``bridges record`` and ``bridges replay``: a bridge's cassette from the command line.

    bridges record --config bridges.yaml [--bridge NAME]   # re-record against the live system
    bridges replay --config bridges.yaml [--bridge NAME]   # replay, the legacy system not needed

Both call each read operation's first example, in the order of the bridge's operations,
through the same runtime as the facade: the calls the tests ``bridges new`` writes make, so
either one replays the other's cassette (a cassette is one ordered story).
``--all-examples`` calls every example, ``--writes`` write operations too.

``record`` re-records the cassette (mode ``all``) and writes the answers the operations gave
beside it (``<cassette>.answers.yaml``); it prints the drift of the cassette (what the legacy
system now says differently) and of the answers. ``replay`` answers from the cassette and
prints the drift of the answers against the recorded ones (what the bridge now makes
differently of the same screens, rows or pages); it exits 1 on any drift or miss. No pytest
and no environment variables but the secrets the configuration names (replay needs none).
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

import yaml

from bridges.core.cassette import RecordMode, drift_diff
from bridges.core.cassette_config import configured_for_cassettes
from bridges.core.config import Config, load_config
from bridges.core.errors import BridgeError, ConfigError
from bridges.core.operation import Effect
from bridges.core.registry import build_runtime
from bridges.core.runtime import BridgeRuntime
from bridges.core.streaming import RowStream

__all__ = ["MAX_STREAM_ROWS", "add_cassette_commands", "answers_path", "run_examples", "run_for_bridge"]

MAX_STREAM_ROWS = 100
"""Rows of a streaming operation's example kept as its answer (the rest are not read)."""


def answers_path(cassette: Path) -> Path:
    """Where the answers recorded with ``cassette`` are kept."""
    return cassette.with_name(f"{cassette.stem}.answers.yaml")


def run_examples(
    runtime: BridgeRuntime, include_writes: bool = False, all_examples: bool = False
) -> list[dict[str, Any]]:
    """Call each served operation's first example (or every one) in order; each answer
    (output or problem) as plain data."""
    answers = []
    for op in runtime.operations.values():
        if op.effect is Effect.WRITE and not include_writes:
            continue
        for example in op.examples if all_examples else op.examples[:1]:
            entry: dict[str, Any] = {"operation": op.name, "input": json.loads(json.dumps(dict(example.input)))}
            try:
                result = runtime.call(op, dict(example.input))
                entry["output"] = _plain(op.output_model, result)
            except BridgeError as exc:
                entry["error"] = {"status": exc.status, "title": exc.title, "detail": exc.detail}
            answers.append(entry)
    return answers


def _plain(model: Any, result: Any) -> Any:
    if isinstance(result, RowStream):
        try:
            rows = list(itertools.islice(result, MAX_STREAM_ROWS))
        finally:
            result.close()
        return [model.model_validate(row).model_dump(mode="json") for row in rows]
    return result.model_dump(mode="json")


def run_for_bridge(
    config: Config, instance: str, mode: RecordMode, include_writes: bool = False, all_examples: bool = False
) -> tuple[int, str]:
    """Record (mode ``all``) or replay (``none``) one bridge's examples; (exit status, report)."""
    prepared = configured_for_cassettes(config, mode, only=instance)
    cassette = prepared.bridges[instance].cassette.path  # type: ignore[union-attr]
    before = cassette.read_text(encoding="utf-8") if cassette.exists() else None
    answers_file = answers_path(cassette)
    recorded = answers_file.read_text(encoding="utf-8") if answers_file.exists() else None
    runtime = build_runtime(prepared)
    try:
        answers = run_examples(runtime.bridges[instance], include_writes, all_examples)
    finally:
        runtime.close()  # writes the recording
    text = yaml.safe_dump(answers, sort_keys=False, allow_unicode=True, width=120)
    lines = [f"{instance}: {len(answers)} example call(s), cassette {cassette}"]
    status = 0
    if mode is RecordMode.NONE:
        if recorded is None:
            lines.append(f"  no recorded answers to compare ({answers_file.name}); run bridges record")
        else:
            drift = drift_diff(recorded, text, answers_file.name)
            lines.append(drift or "  answers: no drift")
            status = 1 if drift else 0
        return status, "\n".join(lines)
    after = cassette.read_text(encoding="utf-8") if cassette.exists() else None
    if after is None or after == before:
        incomplete = prepared.bridges[instance].cassette.incomplete_path()  # type: ignore[union-attr]
        return 1, "\n".join([*lines, f"  the recording was not saved (see {incomplete.name} and the log)"])
    answers_file.write_text(text, encoding="utf-8")
    cassette_drift = drift_diff(before, after, cassette.name) if before is not None else ""
    answers_drift = drift_diff(recorded, text, answers_file.name) if recorded is not None else ""
    lines.append(cassette_drift or ("  cassette: no drift" if before is not None else "  cassette: new"))
    lines.append(answers_drift or ("  answers: no drift" if recorded is not None else "  answers: new"))
    return status, "\n".join(lines)


def _cmd(args: argparse.Namespace, mode: RecordMode) -> int:
    config = load_config(args.config)
    names = [n for n, e in config.bridges.items() if e.enabled]
    if args.bridge:
        if args.bridge not in config.bridges:
            raise ConfigError(f"--bridge: no bridge {args.bridge!r} in {args.config} (it has {', '.join(names)})")
        names = [args.bridge]
    worst = 0
    for instance in names:
        try:
            status, report = run_for_bridge(config, instance, mode, args.writes, args.all_examples)
        except BridgeError as exc:
            status, report = 1, f"{instance}: {exc.detail}"
        print(report, flush=True)
        worst = max(worst, status)
    return worst


def add_cassette_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``bridges record`` and ``bridges replay`` on the ``bridges`` command's subparsers."""
    for name, mode, text in (
        ("record", RecordMode.ALL, "re-record bridges' cassettes by running their examples; print the drift"),
        ("replay", RecordMode.NONE, "replay bridges' examples from their cassettes; print drift of the answers"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--config", default="bridges.yaml", help="configuration file (YAML or TOML)")
        p.add_argument("--bridge", help="only this bridge instance (default: every enabled one)")
        p.add_argument("--writes", action="store_true", help="call write operations' examples too")
        p.add_argument("--all-examples", action="store_true", help="call every example, not only the first")
        p.set_defaults(func=lambda args, mode=mode: _cmd(args, mode))
