"""``bridges discover tn3270``: a walk through the CUSTMAST demo host becomes a bridge module, and
``bridges new`` + ``bridges discover`` a package whose generated tests pass live, then in replay
with the host stopped."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bridges.core.errors import ConfigError
from bridges.discover.tn3270 import Discovery
from facade_app.cli import main
from facade_app.discover_tn3270 import host_and_port, write_package
from facade_app.scaffold import scaffold
from mainframe.testing import demo_host, need_s3270

ROOT = Path(__file__).resolve().parents[2]
WALK = ROOT / "fixtures" / "custmast" / "discover-walk.txt"
PASSWORD = "Dem0-Pass"  # the demo host's published password


@pytest.fixture(scope="module")
def host() -> Iterator[Any]:
    need_s3270()
    with demo_host(codepage="cp037") as running:
        yield running


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("127.0.0.1:3270", ("127.0.0.1", 3270)),
        ("mainframe.example", ("mainframe.example", 3270)),
        ("[::1]:2323", ("[::1]", 2323)),
        ("[::1]", ("[::1]", 3270)),
    ],
)
def test_host_and_port(value, parts):
    assert host_and_port(value) == parts


@pytest.mark.unit
def test_a_bad_port_is_refused_naming_the_option():
    with pytest.raises(ConfigError, match="--host"):
        host_and_port("127.0.0.1:99999")


@pytest.mark.unit
def test_writing_a_package_replaces_its_module_and_updates_its_options(tmp_path):
    package = scaffold("tn3270", "acme-crm", tmp_path)
    discovery = Discovery(
        "SOURCE\n",
        ["SignOn"],
        "read_x",
        {"host": "10.0.0.9", "port": 2323, "user": "OPS01", "pool": {"lu_names": ["LU01"]}},
    )
    written = write_package(package, discovery, "ACME_PW")
    assert written == [package / "acme_crm" / "bridge.py", package / "bridges.yaml"]
    assert (package / "acme_crm" / "bridge.py").read_text(encoding="utf-8") == "SOURCE\n"
    text = (package / "bridges.yaml").read_text(encoding="utf-8")
    assert text.startswith("# The acme-crm bridge")  # the leading comment is kept
    entry = yaml.safe_load(text)["bridges"]["acme_crm"]
    assert entry["options"] == {
        "host": "10.0.0.9",
        "port": 2323,
        "code_page": "cp037",
        "user": "OPS01",
        "pool": {"lu_names": ["LU01"]},
    }
    assert entry["secrets"]["password"] == {"env": "ACME_PW"} and entry["cassette"]["mode"] == "none"


@pytest.mark.unit
def test_a_configuration_laid_out_otherwise_is_written_anew_with_the_options(tmp_path):
    package = scaffold("tn3270", "acme", tmp_path)
    (package / "bridges.yaml").write_text("{bridges: {acme: {kind: acme, options: {port: 1}}}}", encoding="utf-8")
    write_package(package, Discovery("SOURCE\n", [], "read_x", {"port": 2323}), None)
    data = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))
    assert data == {"bridges": {"acme": {"kind": "acme", "options": {"port": 2323}}}}


@pytest.mark.live
def test_discover_writes_the_module_from_a_walk_file(host, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DISCOVER_TEST_PASSWORD", PASSWORD)
    out = tmp_path / "bridge.py"
    code = main(
        [
            "discover",
            "tn3270",
            "--host",
            host.address,
            "--user",
            "DEMO01",
            "--password-env",
            "DISCOVER_TEST_PASSWORD",
            "--walk",
            str(WALK),
            "--out",
            str(out),
            "--name",
            "custmast_tn",
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "3 screens (SignOn, MainMenu, CustomerInquiry), operation read_customer_inquiry" in printed.out
    source = out.read_text(encoding="utf-8")
    assert 'name = "custmast_tn"' in source and "class CustomerInquiry(_Screen):" in source
    assert PASSWORD not in source + printed.out + printed.err


@pytest.mark.live
def test_at_the_prompt_each_screen_is_shown_and_bad_steps_are_explained(host, monkeypatch, capsys):
    monkeypatch.setenv("DISCOVER_TEST_PASSWORD", PASSWORD)
    monkeypatch.setattr(sys, "stdin", io.StringIO("help\ntype nmae=1\nPF99\ntype selection=1\nENTER\nread\n"))
    code = main(
        ["discover", "tn3270", "--host", host.address, "--user", "DEMO01", "--password-env", "DISCOVER_TEST_PASSWORD"]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "CMMENU" in printed.err and "input fields: selection (10,28 len 1, numeric)" in printed.err
    assert "no input field 'nmae'" in printed.err and "is not a key" in printed.err
    assert "class CustomerInquiry(" in printed.out and "def read_customer_inquiry(" in printed.out
    assert PASSWORD not in printed.out + printed.err


@pytest.mark.live
def test_a_wrong_password_is_refused_once_and_writes_nothing(host, tmp_path, monkeypatch, capsys):
    host.unlock("LOCKTEST")
    before = host.sign_on_attempts("LOCKTEST")
    monkeypatch.setenv("DISCOVER_TEST_PASSWORD", "not-the-one")
    out = tmp_path / "bridge.py"
    code = main(
        [
            "discover",
            "tn3270",
            "--host",
            host.address,
            "--user",
            "LOCKTEST",
            "--password-env",
            "DISCOVER_TEST_PASSWORD",
            "--walk",
            str(WALK),
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr()
    assert code == 2 and "refused the sign-on" in printed.err and not out.exists()
    assert host.sign_on_attempts("LOCKTEST") == before + 1
    assert "not-the-one" not in printed.out + printed.err


def _run_pytest(package: Path, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), f"{package.name.upper()}_PASSWORD": password}
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
@pytest.mark.parametrize(
    ("walk", "operation", "seen"),
    [
        (WALK, "read_customer_inquiry", "Storgatan 209"),
        (WALK.with_name("discover-walk-browse.txt"), "read_customer_browse", "CMBRW"),
    ],
    ids=["inquiry", "browse-table"],
)
def test_new_then_discover_gives_a_package_whose_tests_pass_live_then_in_replay_with_the_host_stopped(
    tmp_path, monkeypatch, walk, operation, seen
):
    need_s3270()
    package = tmp_path / "acme_tn"
    monkeypatch.setenv("ACME_TN_PASSWORD", PASSWORD)  # the secret bridges.yaml names
    with demo_host(codepage="cp037") as running:
        assert main(["new", "--transport", "tn3270", package.name, "--dir", str(tmp_path)]) == 0
        discover = ["discover", "tn3270", "--host", running.address, "--user", "DEMO01", "--walk", str(walk)]
        assert main([*discover, "--package", str(package)]) == 0
        options = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))["bridges"]["acme_tn"]
        assert options["options"]["port"] == running.port
        live = _run_pytest(package, PASSWORD, "-m", "live", "--bridges-record=once")
        assert live.returncode == 0 and "1 passed" in live.stdout, live.stdout + live.stderr
    source = (package / "acme_tn" / "bridge.py").read_text(encoding="utf-8")
    assert f"def {operation}(" in source
    cassette = (package / "cassettes" / "acme_tn.yaml").read_text(encoding="utf-8")
    assert PASSWORD not in cassette and seen in cassette
    replay = _run_pytest(package, PASSWORD)
    assert replay.returncode == 0 and "2 passed" in replay.stdout, replay.stdout + replay.stderr
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,I,B,UP,SIM,RUF", "acme_tn"],
        cwd=package,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert lint.returncode == 0, lint.stdout


@pytest.mark.live
@pytest.mark.slow
def test_a_host_without_a_sign_on_gives_a_package_that_needs_no_password(tmp_path, monkeypatch):
    """CUSTMAST's first screen read as if it were the application: no sign-on, no password secret."""
    need_s3270()
    package = tmp_path / "first_screen"
    walk = tmp_path / "walk.txt"
    walk.write_text("read\ndone\n", encoding="utf-8")
    monkeypatch.delenv("FIRST_SCREEN_PASSWORD", raising=False)
    with demo_host(codepage="cp037") as running:
        assert main(["new", "--transport", "tn3270", package.name, "--dir", str(tmp_path)]) == 0
        assert (
            main(
                [
                    "discover",
                    "tn3270",
                    "--host",
                    running.address,
                    "--no-sign-on",
                    "--walk",
                    str(walk),
                    "--package",
                    str(package),
                ]
            )
            == 0
        )
        entry = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))["bridges"]["first_screen"]
        assert "password" not in entry["secrets"]
        live = _run_pytest(package, "", "-m", "live", "--bridges-record=once")
        assert live.returncode == 0 and "1 passed" in live.stdout, live.stdout + live.stderr
        assert running.sign_on_attempts("DEMO01") == 0
    source = (package / "first_screen" / "bridge.py").read_text(encoding="utf-8")
    assert "sign_on = None" in source
    replay = _run_pytest(package, "")
    assert replay.returncode == 0 and "2 passed" in replay.stdout, replay.stdout + replay.stderr
