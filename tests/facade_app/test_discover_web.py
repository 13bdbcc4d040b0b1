"""``bridges discover web``: the command's options, the password from the environment only, and
writing into a ``bridges new`` package (its bridge.py replaced, its options pointed at the app)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from facade_app.cli import main
from fixtures.helpdesk import DEMO_PASSWORD, start_app
from tests.web_scrape.discover_pages import BASE, LOGIN, RESULTS, SEARCH
from web_scrape.discover import read_page
from web_scrape.discover_plan import BridgePlan, LoginPlan, plan_search
from web_scrape.testing import need_chromium

ROOT = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).with_name("ruff")
PYPROJECT = """
[project]
name = "desk-bridge"
version = "0.1.0"

[project.entry-points."legacy_bridges.bridges"]
desk = "desk_bridge.bridge:Bridge"
"""


def _static_plan(settings, password, *, name):
    page, answer = read_page(SEARCH, BASE + "search.php"), read_page(RESULTS, BASE + "results.php")
    search = plan_search("search", page.forms[0], "search.php", page.title, answer.tables[0], answer.next_link)
    login = LoginPlan("form", "login.php", read_page(LOGIN, BASE + "login.php").forms[0])
    return BridgePlan(name, "Desk 2005", settings.base_url, settings.user, login, [search], ["search.php"])


@pytest.fixture
def package(tmp_path):
    root = tmp_path / "desk"
    (root / "desk_bridge").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "desk_bridge" / "bridge.py").write_text('"""The scaffold\'s bridge."""\n', encoding="utf-8")
    (root / "bridges.yaml").write_text(
        textwrap.dedent("""\
        # The desk bridge.
        bridges:
          desk:
            secrets:
              password: {env: DESK_PASSWORD}
            options:
              base_url: http://localhost:8080/
              user: someone
              pool_size: 1
        """),
        encoding="utf-8",
    )
    return root


@pytest.mark.unit
def test_a_package_gets_the_discovered_bridge_its_options_and_its_password_variable(package, monkeypatch, capsys):
    monkeypatch.setattr("bridges.discover.web.discover_plan", _static_plan)
    monkeypatch.setenv("DESK_PW", "s3cret-Pass")
    code = main(
        ["discover", "web", "--url", BASE, "--user", "agent1", "--password-env", "DESK_PW", "--package", str(package)]
    )
    assert code == 0
    source = (package / "desk_bridge" / "bridge.py").read_text(encoding="utf-8")
    assert "class Bridge(WebBridge):" in source and 'name = "desk"' in source and "scaffold" not in source
    config = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))
    assert config["bridges"]["desk"]["options"] == {"base_url": BASE, "user": "agent1", "pool_size": 1}
    assert config["bridges"]["desk"]["secrets"] == {"password": {"env": "DESK_PW"}}  # the variable discovery used
    assert (package / "bridges.yaml").read_text(encoding="utf-8").startswith("# The desk bridge.\n")
    out = capsys.readouterr()
    assert "operations: search" in out.out
    assert "s3cret-Pass" not in out.out + out.err + source + (package / "bridges.yaml").read_text()


@pytest.mark.unit
def test_an_application_without_a_login_needs_no_password_secret(package, monkeypatch):
    def open_plan(settings, password, *, name):
        plan = _static_plan(settings, password, name=name)
        plan.login = LoginPlan("none")
        return plan

    monkeypatch.setattr("bridges.discover.web.discover_plan", open_plan)
    assert main(["discover", "web", "--url", BASE, "--login", "none", "--package", str(package)]) == 0
    config = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))
    assert "secrets" not in config["bridges"]["desk"]
    assert "required_secrets = ()" in (package / "desk_bridge" / "bridge.py").read_text(encoding="utf-8")


@pytest.mark.unit
def test_the_password_comes_only_from_a_named_variable_that_is_set(monkeypatch, capsys):
    monkeypatch.delenv("NO_SUCH_PW", raising=False)
    assert main(["discover", "web", "--url", BASE, "--user", "a", "--password-env", "NO_SUCH_PW"]) == 2
    assert "NO_SUCH_PW" in capsys.readouterr().err
    assert main(["discover", "web", "--url", BASE, "--user", "a"]) == 2
    assert "--password-env" in capsys.readouterr().err


@pytest.mark.unit
def test_a_folder_that_is_not_a_bridge_package_is_refused(tmp_path, capsys):
    assert main(["discover", "web", "--url", BASE, "--package", str(tmp_path)]) == 2
    assert "bridges new" in capsys.readouterr().err


@pytest.mark.live
@pytest.mark.timeout(120)
def test_discovering_a_digest_app_prints_a_bridge_and_never_the_password(tmp_path, monkeypatch, capsys):
    need_chromium()
    monkeypatch.setenv("HD_PW", DEMO_PASSWORD)
    out_file = tmp_path / "bridge.py"
    with start_app(auth="digest") as app:
        code = main(
            [
                "discover",
                "web",
                "--url",
                app.entry_url,
                "--user",
                "agent1",
                "--password-env",
                "HD_PW",
                "--out",
                str(out_file),
            ]
        )
    assert code == 0
    source = out_file.read_text(encoding="utf-8")
    assert 'LOGIN = HttpLogin("digest", probe="")' in source and "def search(self, query: SearchInput)" in source
    printed = capsys.readouterr()
    assert "operations: search" in printed.err and DEMO_PASSWORD not in printed.out + printed.err + source


def _run_pytest(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), f"{package.name.upper()}_PASSWORD": DEMO_PASSWORD}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.live
@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("auth", ["form", "digest"])
def test_new_then_discover_gives_tests_that_pass_live_then_in_replay_with_the_app_stopped(
    tmp_path, auth, monkeypatch, capsys
):
    need_chromium()
    monkeypatch.setenv("HD_PW", DEMO_PASSWORD)
    package = tmp_path / f"desk_{auth}"
    with start_app(auth=auth) as app:
        assert main(["new", "--transport", "web", package.name, "--dir", str(tmp_path), "--url", app.entry_url]) == 0
        found = ["--url", app.entry_url, "--user", "agent1", "--password-env", "HD_PW", "--package", str(package)]
        assert main(["discover", "web", *found]) == 0
        assert "operations: search, get_ticket" in capsys.readouterr().out
        live = _run_pytest(package, "-m", "live", "--bridges-record=once")
        assert live.returncode == 0 and "passed" in live.stdout, live.stdout + live.stderr
    source = (package / package.name / "bridge.py").read_text(encoding="utf-8")
    assert "def search(self, query: SearchInput) -> SearchResult:" in source
    assert ("HttpLogin" if auth == "digest" else "LoginSpec") in source
    bridge_py = str(package / package.name / "bridge.py")  # linted with the package's own ruff settings
    lint = subprocess.run([RUFF, "check", bridge_py], capture_output=True, text=True, cwd=package)
    assert lint.returncode == 0, lint.stdout
    formatted = subprocess.run([RUFF, "format", "--check", bridge_py], capture_output=True, text=True, cwd=package)
    assert formatted.returncode == 0, formatted.stdout
    cassette = (package / "cassettes" / f"{package.name}.yaml").read_text(encoding="utf-8")
    assert DEMO_PASSWORD not in cassette and "authorization:" not in cassette.lower()
    replay = _run_pytest(package)  # the app is stopped: only the cassette answers
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "3 passed" in replay.stdout, replay.stdout  # conformance, the search and the ticket
