"""Mutation testing of the safety modules (mutmut 3), one module at a time.

Not part of the pytest run (too slow): ``.venv/bin/python tests/mutation/run.py`` runs every
module listed in ``tests/mutation/modules.toml`` against only the tests that guard it, and prints
the share of mutants killed per module; the last line is the lowest score. ``--module auth``
runs one (by its key in the file), ``--jobs N`` sets mutmut's children (default: the cores).

Why mutmut and not cosmic-ray: mutmut 3 records which tests reach each mutated function and
forks each mutant from one warm interpreter, running only those tests; cosmic-ray starts the
whole test command afresh per mutant. On 2 cores that is minutes against hours.

Each module is mutated in a scratch copy of the project (``--workdir``, default a folder under
the system temp dir) so the worktree is never touched and two runs never collide. A mutant
listed under ``equivalent`` in the TOML file (with why it cannot change behaviour) counts as
neither killed nor survived; one that no test reaches counts as survived.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = Path(__file__).with_name("modules.toml")
PACKAGES = ["bridges", "mainframe", "rdbms", "web_scrape", "facade_app", "fixtures"]
KILLED = {1, 3, 36, -24, 24, 152, 255, 37}  # a failing test, a crash, a timeout, a type check


def _scratch_copy(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    if dest.exists():
        shutil.rmtree(dest)
    for name in files:
        src = ROOT / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def _mutmut_table(module: dict, tests: list[str]) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    patterns = [r"^\s*__all__", r"description=", r"^\s*(log|logger)\.", *module.get("skip_lines", [])]
    return "\n".join([
        "", "[tool.mutmut]",
        f"source_paths = {toml_list(PACKAGES)}",
        f"only_mutate = {toml_list(module['files'])}",
        f"do_not_mutate_patterns = {toml_list(patterns)}",
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}",
        'pytest_add_cli_args = ["-p", "no:randomly", "-q", "--timeout=120"]',
        "timeout_multiplier = 10.0",
        "timeout_constant = 5.0",
        "use_git_change_detection = false",
        "",
    ])


def run_module(key: str, module: dict, workdir: Path, jobs: int) -> dict[str, object]:
    """Mutate one module in its own scratch copy; its counts and surviving mutants."""
    scratch = workdir / key
    _scratch_copy(scratch)
    with (scratch / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write(_mutmut_table(module, module["tests"]))
    env = {**os.environ, "CI": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    mutmut = Path(sys.executable).with_name("mutmut")
    started = time.monotonic()
    log = scratch / "mutmut.log"
    only = module.get("mutants", [])  # globs of mutant names: the functions that hold the safety rule
    with log.open("w", encoding="utf-8") as out:
        subprocess.run([str(mutmut), "run", "--max-children", str(jobs), *only], cwd=scratch, env=env,
                       stdout=out, stderr=subprocess.STDOUT, check=False)
    codes: dict[str, int | None] = {}
    for meta in (scratch / "mutants").rglob("*.meta"):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    if only:
        codes = {name: code for name, code in codes.items() if any(fnmatch.fnmatch(name, g) for g in only)}
    equivalent = set(module.get("equivalent", {}))
    counted = {name: code for name, code in codes.items() if name not in equivalent}
    killed = sorted(n for n, c in counted.items() if c in KILLED)
    survived = sorted(n for n, c in counted.items() if c not in KILLED)
    total = len(counted)
    return {"module": key, "files": module["files"], "mutants": len(codes), "equivalent": len(codes) - total,
            "killed": len(killed), "survived": survived, "score": len(killed) / total if total else 1.0,
            "seconds": round(time.monotonic() - started), "log": str(log)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="a key of modules.toml (repeatable); default: all")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "legacy-bridges-mutation")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--threshold", type=float, default=0.9, help="exit 1 when a module scores below it")
    args = parser.parse_args(argv)
    modules = tomllib.loads(MODULES.read_text(encoding="utf-8"))["module"]
    chosen = args.module or list(modules)
    unknown = [k for k in chosen if k not in modules]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; known: {sorted(modules)}")
    results = []
    print(f"{'module':<14} {'mutants':>7} {'equiv':>5} {'killed':>6} {'survived':>8} {'score':>6} {'time':>6}")
    for key in chosen:
        r = run_module(key, modules[key], args.workdir, args.jobs)
        results.append(r)
        print(f"{key:<14} {r['mutants']:>7} {r['equivalent']:>5} {r['killed']:>6} {len(r['survived']):>8} "
              f"{r['score']:>6.1%} {r['seconds']:>5}s", flush=True)
        for name in r["survived"]:
            print(f"    survived: {name}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    lowest = min(results, key=lambda r: r["score"])
    print(f"lowest score: {lowest['score']:.1%} ({lowest['module']})")
    return 0 if lowest["score"] >= args.threshold else 1


if __name__ == "__main__":
    sys.exit(main())
