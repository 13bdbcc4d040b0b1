"""``bridges check --config FILE``: every bad configuration serve would refuse, each named by its key."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from facade_app.cli import main

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
crosswalk = "{root}/fixtures/crosswalk-v1.csv"

[facade]
rate_limit = "600/minute"

[[api_keys]]
name = "ops"
key = {{ env = "CHECK_TEST_KEY", default = "k-123456" }}
scopes = ["custmast:read", "custmast:write", "helpdesk:*", "custmast:review"]
rate_limit = "60/minute"

[bridges.custmast]
secrets = {{ password = {{ env = "CHECK_TEST_PW", default = "pw-123456" }} }}
options = {{ host = "127.0.0.1", port = 3270, pool = {{ max_size = 2, lu_names = ["LU0001", "LU0002"] }} }}

[bridges.helpdesk]
secrets = {{ password = {{ env = "CHECK_TEST_PW", default = "pw-123456" }} }}
cassette = {{ path = "{root}/fixtures/cassettes/helpdesk/session.yaml", mode = "none" }}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bridges.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _check(tmp_path, text, capsys, *extra):
    code = main(["check", "--config", str(_write(tmp_path, text)), *extra])
    return code, capsys.readouterr()


def test_a_good_configuration_passes(tmp_path, capsys):
    code, out = _check(tmp_path, GOOD.format(root=ROOT), capsys)
    assert code == 0, out.err
    assert out.out.strip().endswith(": ok")


BAD = [
    ("an unknown bridge option", ('port = 3270,', 'port = 3270, hostt = "x",'),
     "bridges.custmast.options.hostt"),
    ("a bad option value", ('host = "127.0.0.1"', 'host = "127.0.0.1)Quit("'), "bridges.custmast.options.host"),
    ("LU names fewer than max_size", ('lu_names = ["LU0001", "LU0002"]', 'lu_names = ["LU0001"]'),
     "bridges.custmast.options.pool"),
    ("duplicate LU names", ('lu_names = ["LU0001", "LU0002"]', 'lu_names = ["LU0001", "lu0001"]'),
     "bridges.custmast.options.pool.lu_names"),
    ("an invalid LU name", ('"LU0002"', '"LU 0002"'), "bridges.custmast.options.pool.lu_names"),
    ("a scope naming an unknown bridge", ('"helpdesk:*"', '"helpdsk:*"'), "api_keys[0].scopes"),
    ("a scope naming an unknown effect", ('"custmast:write"', '"custmast:delete"'), "api_keys[0].scopes"),
    ("a bad facade rate limit", ('rate_limit = "600/minute"', 'rate_limit = "600 per fortnight"'),
     "facade.rate_limit"),
    ("a bad key rate limit", ('rate_limit = "60/minute"', 'rate_limit = "sixty"'), "api_keys[0].rate_limit"),
    ("a secret that is not set", ('env = "CHECK_TEST_PW", default = "pw-123456"', 'env = "CHECK_TEST_UNSET_PW"'),
     "bridges.custmast.secrets.password"),
    ("a required secret left out", ('[bridges.custmast]\nsecrets = { password = { env = "CHECK_TEST_PW", '
                                    'default = "pw-123456" } }', '[bridges.custmast]'),
     "bridges.custmast.secrets.password"),
    ("a missing cassette for mode none", ("session.yaml", "gone.yaml"), "bridges.helpdesk.cassette.path"),
    ("an unknown bridge kind", ("[bridges.helpdesk]", "[bridges.helpdesk]\nkind = \"helpdeks\""), "helpdeks"),
    ("an unknown configuration key", ("[facade]", "[facade]\nrate_limitt = \"1/second\""), "facade.rate_limitt"),
]


@pytest.mark.parametrize(("what", "change", "key"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_configuration_exits_non_zero_naming_the_key(tmp_path, capsys, monkeypatch, what, change, key):
    monkeypatch.delenv("CHECK_TEST_UNSET_PW", raising=False)
    text = GOOD.format(root=ROOT)
    old, new = change
    assert old in text, what
    code, out = _check(tmp_path, text.replace(old, new, 1), capsys)
    assert code != 0, what
    assert key in out.err, out.err
    assert "pw-123456" not in out.err and "k-123456" not in out.err


def test_recording_with_several_workers_is_refused(tmp_path, capsys):
    text = GOOD.format(root=ROOT).replace('session.yaml", mode = "none"', 'new.yaml", mode = "once"')
    assert _check(tmp_path, text, capsys)[0] == 0
    code, out = _check(tmp_path, text, capsys, "--workers", "2")
    assert code != 0 and "bridges.helpdesk.cassette.mode" in out.err and "one worker" in out.err
    assert "facade.rate_limit_storage" in out.err  # … and what serve refuses for several workers, too


def test_several_workers_without_a_budget_store_refuse_a_live_bridge_s_budget_naming_it(tmp_path, capsys):
    text = GOOD.format(root=ROOT).replace('rate_limit = "600/minute"',
                                          'rate_limit = "600/minute"\nrate_limit_storage = "redis://127.0.0.1:6379"')
    code, out = _check(tmp_path, text, capsys, "--workers", "2")
    assert code != 0 and "bridges.custmast.options.pool" in out.err and "facade.budget_store" in out.err
    assert "helpdesk" not in out.err  # a replayed bridge opens no session of the legacy system
    text = text.replace("[facade]", '[facade]\nbudget_store = "redis://127.0.0.1:6379"')
    assert _check(tmp_path, text, capsys, "--workers", "2")[0] == 0


def test_the_command_line_check_and_version(tmp_path):
    bad = _write(tmp_path, GOOD.format(root=ROOT).replace('"helpdesk:*"', '"nosuch:read"'))
    out = subprocess.run([sys.executable, "-m", "facade_app.cli", "check", "--config", str(bad)],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 2 and "api_keys[0].scopes" in out.stderr and "nosuch:read" in out.stderr
    version = subprocess.run([sys.executable, "-m", "facade_app.cli", "--version"], capture_output=True, text=True,
                             timeout=60, cwd=ROOT)
    assert version.returncode == 0 and version.stdout.startswith("bridges 0.")


@pytest.mark.timeout(30)
def test_serve_refuses_to_record_with_two_workers_before_starting_any(tmp_path, capsys):
    text = GOOD.format(root=ROOT).replace('session.yaml", mode = "none"', 'new.yaml", mode = "all"')
    code = main(["serve", "--config", str(_write(tmp_path, text)), "--workers", "2", "--port", "0"])
    assert code == 2 and "bridges.helpdesk.cassette.mode" in capsys.readouterr().err
