"""``bridges new``: a package per transport whose generated tests pass live, then in replay
with the demo system stopped (through the pytest plugin, without installing anything)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from bridges.core.errors import ConfigError
from bridges.core.testing import need
from facade_app.cli import main
from facade_app.scaffold import TRANSPORTS, scaffold

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"tn3270": "Dem0-Pass", "web": "hd-Pass.2005"}  # the demo systems' published passwords


def _run_pytest(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.update({f"{package.name.upper()}_PASSWORD": p for t, p in PASSWORDS.items() if package.name.endswith(t)})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.unit
@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
def test_new_writes_an_installable_package(tmp_path, transport, capsys):
    assert main(["new", "--transport", transport, "acme-crm", "--dir", str(tmp_path)]) == 0
    package = tmp_path / "acme-crm"
    assert "acme-crm" in capsys.readouterr().out
    project = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "acme-crm" and project["project"]["dependencies"] == ["legacy-bridges"]
    assert project["project"]["entry-points"]["legacy_bridges.bridges"] == {"acme_crm": "acme_crm.bridge:Bridge"}
    for relative in (
        "acme_crm/__init__.py",
        "acme_crm/py.typed",
        "acme_crm/bridge.py",
        "tests/conftest.py",
        "tests/test_bridge.py",
        "README.md",
        "cassettes",
    ):
        assert (package / relative).exists(), relative
    config = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))
    entry = config["bridges"]["acme_crm"]
    assert entry["kind"] == "acme_crm" and entry["cassette"]["path"] == "cassettes/acme_crm.yaml"
    assert config["api_keys"][0]["key"] == {"env": "ACME_CRM_API_KEY"}
    for source in [*(package / "acme_crm").glob("*.py"), *(package / "tests").glob("*.py")]:
        compile(source.read_text(encoding="utf-8"), str(source), "exec")
    # Linted under the package's own configuration, where legacy-bridges is third-party.
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=package, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.unit
def test_new_refuses_a_bad_name_or_a_folder_in_use(tmp_path):
    with pytest.raises(ConfigError, match="NAME"):
        scaffold("odbc", "Acme CRM", tmp_path)
    with pytest.raises(ConfigError, match="transport"):
        scaffold("ftp", "acme", tmp_path)
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="not empty"):
        scaffold("odbc", "acme", tmp_path)
    assert main(["new", "--transport", "odbc", "acme", "--dir", str(tmp_path)]) == 2


@contextmanager
def _demo_system(transport: str) -> Iterator[dict[str, str]]:
    """The transport's demo system running (tn3270 or web), and the ``bridges new`` flags that point at it."""
    if transport == "tn3270":
        from mainframe.testing import demo_host, need_s3270

        need_s3270()
        with demo_host() as host:
            yield {"--host": host.host, "--port": str(host.port)}
    else:
        from fixtures.helpdesk import start_app
        from web_scrape.testing import need_chromium

        need_chromium()
        with start_app(port=0) as app:
            yield {"--url": app.entry_url}


@pytest.mark.live
@pytest.mark.slow
# odbc: the same new, live, database gone, replay path, with the same assertions and more, is
# test_installed_packages_find_the_plugin_and_the_bridge_through_their_entry_points below
@pytest.mark.parametrize("transport", sorted(set(TRANSPORTS) - {"odbc"}))
def test_generated_tests_pass_live_then_in_replay_with_the_system_stopped(tmp_path, transport):
    package = tmp_path / f"demo_{transport}"
    with _demo_system(transport) as flags:
        args = [a for pair in flags.items() for a in pair]
        assert main(["new", "--transport", transport, package.name, "--dir", str(tmp_path), *args]) == 0
        live = _run_pytest(package, "-m", "live", "--bridges-record=once")
        assert live.returncode == 0 and "passed" in live.stdout, live.stdout + live.stderr
    cassette = package / "cassettes" / f"{package.name}.yaml"
    assert cassette.exists()
    if transport in PASSWORDS:
        assert PASSWORDS[transport] not in cassette.read_text(encoding="utf-8")
    replay = _run_pytest(package)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "2 passed" in replay.stdout, replay.stdout  # conformance and the example, from the cassette


@pytest.mark.live
@pytest.mark.slow
def test_installed_packages_find_the_plugin_and_the_bridge_through_their_entry_points(tmp_path):
    """legacy-bridges and a generated package installed (pip --target): pytest loads the plugin
    through its pytest11 entry point, the conftest adds nothing, and the bridge's kind resolves
    through its legacy_bridges.bridges entry point."""
    import pyodbc

    from fixtures.orders.load_sqlite import build_sqlite

    need("SQLite3" in pyodbc.drivers(), "the SQLite ODBC driver (Debian package libsqliteodbc)")
    database = build_sqlite(tmp_path / "orders.sqlite")
    scaffold("odbc", "shop-kit", tmp_path, dsn=f"Driver=SQLite3;Database={database}")
    package = tmp_path / "shop-kit"
    # The installs live outside pytest's temporary folder, which the secret scan reads as
    # artifacts, and the project is built from a copy: pip would leave build/ in the checkout.
    with tempfile.TemporaryDirectory() as installs:
        source = Path(installs) / "legacy-bridges"
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "tests", "bench"))
        _installed_package_runs_its_tests(package, database, tmp_path, site=Path(installs) / "site", project=source)


def _installed_package_runs_its_tests(package: Path, database: Path, tmp_path: Path, *, site: Path,
                                      project: Path) -> None:
    for source in (project, package):
        built = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--no-build-isolation",
                "--target",
                str(site),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert built.returncode == 0, built.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = (
        "import bridges, sys; from importlib.metadata import entry_points; "
        "from bridges.core.registry import available_bridges; "
        "print(bridges.__file__, available_bridges()['shop_kit'], "
        "[e.value for e in entry_points(group='pytest11', name='legacy_bridges')])"
    )
    seen = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert seen.returncode == 0, seen.stderr
    assert seen.stdout.split() == [
        str(site / "bridges" / "__init__.py"),
        "shop_kit.bridge:Bridge",
        "['bridges.core.pytest_plugin']",
    ]
    live = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "live", "--bridges-record=once"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert live.returncode == 0 and "1 passed" in live.stdout, live.stdout + live.stderr
    database.unlink()
    replay = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert replay.returncode == 0 and "2 passed" in replay.stdout, replay.stdout + replay.stderr
