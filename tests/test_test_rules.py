"""The rules the tests themselves keep: no sleep used for synchronisation, no skip but the
real-part rule's (which fails under CI), and a CI run that turns any skip into a failure."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = sorted((ROOT / "tests").rglob("*.py"))
SLEEP = re.compile(r"\bsleep\(")
WHY = re.compile(r"#.*\bnot (a )?synchronisation\b|#.*\bpac(e|ing)\b|\(a rate, not a synchronisation\)")
SKIP = re.compile(r"pytest\.skip\(|mark\.skip|skipif|importorskip")


def _calls(pattern: re.Pattern[str]) -> list[tuple[Path, int, list[str]]]:
    found = []
    for path in TESTS:
        if path == Path(__file__):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            code = line.split("#", 1)[0]
            if pattern.search(code) and "pg_sleep" not in code:
                found.append((path, i, lines))
    return found


@pytest.mark.unit
def test_every_sleep_in_the_tests_says_why_it_is_not_synchronisation():
    unexplained = [f"{p.relative_to(ROOT)}:{i + 1}: {lines[i].strip()}" for p, i, lines in _calls(SLEEP)
                   if not (WHY.search(lines[i]) or (i and WHY.search(lines[i - 1])))]
    assert not unexplained, "sleeps without '# not synchronisation: …' (wait on an event instead):\n" + "\n".join(
        unexplained)


@pytest.mark.unit
def test_no_test_skips_itself():
    """Skipping is the real-part rule's alone (bridges.core.testing.need), and it fails under CI."""
    skips = [f"{p.relative_to(ROOT)}:{i + 1}: {lines[i].strip()}" for p, i, lines in _calls(SKIP)]
    assert not skips, "use bridges.core.testing.need(...) instead of skipping:\n" + "\n".join(skips)


@pytest.mark.unit
def test_under_ci_any_skip_is_reported_as_a_failure(tmp_path):
    (tmp_path / "conftest.py").write_text(f"pytest_plugins = []\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                                          "from tests.conftest import pytest_runtest_makereport  # noqa: F401\n",
                                          encoding="utf-8")
    (tmp_path / "test_x.py").write_text(textwrap.dedent("""
        import pytest

        def test_skips():
            pytest.skip("a reason")

        @pytest.mark.xfail(reason="known")
        def test_expected_failure():
            assert False
    """), encoding="utf-8")
    for ci, expected in (("true", "1 failed, 1 xfailed"), ("", "1 skipped, 1 xfailed")):
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "CI": ci})
        assert expected in done.stdout, done.stdout + done.stderr
