"""The real-part rule itself: with ``CI=true`` a test whose real part is missing fails, never
skips; without it, the same test skips with the reason.

The rule is shown the way CI would meet it: pytest runs real s3270 tests of this project in a
subprocess whose PATH holds every program of ours except ``s3270``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bridges.core import testing
from bridges.core.testing import default_sigint, in_ci, need, wait_until

ROOT = Path(__file__).resolve().parents[3]
# Real-part tests that need s3270 and nothing else missing (fixtures start in-process).
S3270_TESTS = [
    "tests/mainframe/test_live_terminal.py::test_lu_name_claim",
    "tests/bridges/custmast/test_faults.py::test_no_answer_at_all_is_504_too",
]


@pytest.mark.unit
@pytest.mark.parametrize(("value", "expected"), [("true", True), ("TRUE", True), ("1", True), ("yes", True),
                                                  ("", False), ("false", False), ("0", False), ("no", False)])
def test_in_ci_reads_the_ci_variable(monkeypatch, value, expected):
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


@pytest.mark.unit
def test_in_ci_is_false_without_the_variable(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert in_ci() is False


@pytest.mark.unit
def test_need_fails_in_ci_and_skips_elsewhere(monkeypatch):
    need(True, "present")  # a present part: nothing happens
    monkeypatch.setenv("CI", "true")
    with pytest.raises((pytest.fail.Exception, pytest.skip.Exception)) as caught:  # a skip here must fail
        need(False, "the thing")
    assert caught.type is pytest.fail.Exception and "real part missing in CI: the thing" in str(caught.value)
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="real part missing: the thing"):
        need(False, "the thing")


@pytest.mark.unit
def test_wait_until_returns_as_soon_as_the_condition_holds_and_false_at_the_bound():
    answers = iter([False, False, True])
    assert wait_until(lambda: next(answers), timeout=5) is True
    assert wait_until(lambda: False, timeout=0.05) is False


def _path_without(program: str, dest: Path) -> str:
    """A PATH of one folder linking every program on the current PATH but ``program``."""
    dest.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            if entry.name != program and not (dest / entry.name).exists():
                (dest / entry.name).symlink_to(entry.path)
    return str(dest)


def _start_pytest(path: str, ci: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER"}}
    env["PATH"] = path
    if ci is not None:
        env["CI"] = ci
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-rfs", *S3270_TESTS],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """The real-part tests run with s3270 hidden, under CI and outside it: both runs at once (each
    is mostly pytest starting up), each test reading its own."""
    path = _path_without("s3270", tmp_path_factory.mktemp("no-s3270") / "bin")
    started = {"ci": _start_pytest(path, "true"), "outside": _start_pytest(path, None)}
    done = {}
    try:
        for name, proc in started.items():
            out, err = proc.communicate(timeout=240)
            done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    finally:
        for proc in started.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return done


def _counts(output: str) -> dict[str, int]:
    summary = output.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|error|errors)", summary)}


@pytest.mark.live
@pytest.mark.timeout(300)
def test_under_ci_a_hidden_real_part_fails_the_run_instead_of_skipping(tmp_path, runs):
    assert shutil.which("s3270", path=_path_without("s3270", tmp_path / "probe")) is None
    done = runs["ci"]
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    counts = _counts(done.stdout)  # a fixture that needs the part reports its test as an error
    assert counts.get("failed", 0) + counts.get("errors", counts.get("error", 0)) == len(S3270_TESTS), out
    assert "skipped" not in counts and "passed" not in counts, out
    assert out.count("real part missing in CI") >= len(S3270_TESTS) and "s3270" in out


@pytest.mark.live
@pytest.mark.timeout(300)
def test_outside_ci_the_same_tests_skip_with_the_reason(runs):
    done = runs["outside"]
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert _counts(done.stdout) == {"skipped": len(S3270_TESTS)}, out
    assert "real part missing: s3270 is not installed" in out


@pytest.mark.unit
def test_the_module_documents_its_public_names():
    for name in testing.__all__:
        assert getattr(testing, name).__doc__, name
