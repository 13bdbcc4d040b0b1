"""Pure pieces of rdbms: typed values in YAML, connection strings, signed cursors, the watchdog."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
import yaml

from bridges.core.errors import ConfigError, NotFound
from rdbms import KeysetCursors
from rdbms.connstr import add_credentials, format_connection_string, parse_connection_string, redact
from rdbms.dialects import rules_for
from rdbms.values import decode_value, encode_value
from rdbms.watchdog import Watchdog

pytestmark = pytest.mark.unit

VALUES = [
    None, True, 0, -7, 2**70, 1.5, "", "Müller & Søn 'quoted' \"double\"\n", Decimal("12.30"), Decimal("-0.001"),
    Decimal("123456789012345678901234567890.12"), dt.date(1996, 1, 2), dt.datetime(2025, 6, 30, 11, 2, 14, 5),
    dt.time(8, 34, 27), b"\x00\xff\x10", bytearray(b"ab"), uuid.UUID(int=5), float("nan"),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_values_survive_a_yaml_round_trip_with_their_type(value: object) -> None:
    back = decode_value(yaml.safe_load(yaml.safe_dump(encode_value(value))))
    if isinstance(value, float) and value != value:
        assert back != back
        return
    expected = bytes(value) if isinstance(value, bytearray) else value
    assert back == expected and type(back) is type(expected)


def test_a_value_of_unknown_type_cannot_be_recorded() -> None:
    with pytest.raises(TypeError):
        encode_value(object())


def test_connection_strings_round_trip_with_braces() -> None:
    text = "Driver={PostgreSQL Unicode};Server=127.0.0.1; Database=test;Opt={a;}}b}"
    pairs = parse_connection_string(text)
    assert pairs == [("Driver", "PostgreSQL Unicode"), ("Server", "127.0.0.1"), ("Database", "test"), ("Opt", "a;}b")]
    assert parse_connection_string(format_connection_string(pairs)) == pairs


def test_a_password_in_the_connection_string_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        add_credentials(parse_connection_string("DSN=orders;PWD=hunter2"), "u", None)
    assert "hunter2" not in str(caught.value)


def test_credentials_are_added_quoted_and_redacted() -> None:
    pairs = add_credentials(parse_connection_string("DSN=orders;UID=old"), "reader", "p;w}d")
    text = format_connection_string(pairs)
    assert parse_connection_string(text)[-2:] == [("UID", "reader"), ("PWD", "p;w}d")]
    assert "p;w}d" not in redact(f"failed: {text}", ["p;w}d"]) and "PWD=***" in redact(text, [])


@pytest.mark.parametrize("bad", ["Driver={unbalanced", "novalue"])
def test_malformed_connection_strings_name_the_problem(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_connection_string(bad)


def test_sqlite_connections_are_hardened_read_only(tmp_path) -> None:
    pairs = rules_for("sqlite").harden(parse_connection_string(f"Driver=SQLite3;Database={tmp_path}/o.db"))
    assert dict(pairs)["Database"] == f"file:{tmp_path}/o.db?mode=ro" and dict(pairs)["NoCreat"] == "1"
    pg = dict(rules_for("postgresql").harden([("Driver", "x")], streaming=True, fetch_rows=500))
    assert pg["UseDeclareFetch"] == "1" and pg["Fetch"] == "500"


def test_signed_cursors_refuse_tampering_and_other_filters() -> None:
    cursors = KeysetCursors("k1")
    fp = cursors.fingerprint(customer="C-00001", status=None)
    token = cursors.dump((1250630, "0000119453"), fp)
    assert cursors.load(token, fp) == (1250630, "0000119453")
    with pytest.raises(NotFound):  # a cursor this service did not issue refers to no page
        cursors.load(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), fp)
    with pytest.raises(NotFound):
        cursors.load(token, cursors.fingerprint(customer="C-00002", status=None))
    with pytest.raises(NotFound):
        KeysetCursors("another-key").load(token, fp)


def test_the_watchdog_fires_late_alarms_only() -> None:
    dog = Watchdog()
    hits: list[str] = []
    fired = threading.Event()
    dog.arm(0.05, lambda: (hits.append("late"), fired.set()))
    kept = dog.arm(0.01, lambda: hits.append("disarmed"))
    kept.disarm()
    assert fired.wait(5)
    assert hits == ["late"]


def test_the_watchdog_fires_an_alarm_armed_behind_a_later_one_first() -> None:
    dog = Watchdog()
    hits: list[str] = []
    done = threading.Event()
    dog.arm(0.3, lambda: (hits.append("later"), done.set()))
    dog.arm(0.02, lambda: hits.append("sooner"))  # due before the one the thread sleeps for: wakes it
    assert done.wait(5)
    assert hits == ["sooner", "later"]


def test_the_watchdog_fires_alarms_armed_after_an_earlier_one() -> None:
    dog = Watchdog()
    hits: list[str] = []
    done = threading.Event()
    first = dog.arm(0.02, lambda: hits.append("first"))
    dog.arm(0.05, lambda: (hits.append("second"), done.set()))  # not the earliest: the thread is not woken
    assert done.wait(5)
    assert hits == ["first", "second"] and first.fired


def test_the_public_surface_is_documented() -> None:
    import rdbms

    for name in rdbms.__all__:
        thing = getattr(rdbms, name)
        if callable(thing):
            assert (thing.__doc__ or "").strip(), f"rdbms.{name} lacks a docstring"


def test_importing_rdbms_loads_no_driver() -> None:
    import subprocess
    import sys

    code = "import sys, rdbms, rdbms.settings, rdbms.recorded; print('pyodbc' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
