"""Query cassettes: record against a live database, replay with none; typed values survive,
duplicates replay in order, only SELECTs are recorded, credentials never reach the file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bridges.core.cassette import CassetteSettings, RecordMode
from bridges.core.errors import CassetteMiss, Refused
from rdbms import RdbmsSettings, RecordingConnection, ReplayingConnection, open_connection
from rdbms.values import decode_value


def _settings(target) -> RdbmsSettings:
    return RdbmsSettings(**{k: v for k, v in target.options.items() if k != "db_schema"})


@pytest.mark.live
def test_record_then_replay_gives_the_same_typed_rows(target, tmp_path) -> None:
    tape = CassetteSettings(path=tmp_path / "q.yaml", mode=RecordMode.ONCE)
    header = (f"SELECT OHORNO, OHCUSN, OHORDT, OHTOTL, OHCREF FROM {target.relation('VORDHDR')} "
              "WHERE OHORNO = ? OR OHORNO = ? ORDER BY OHORNO")
    secret = target.secrets.get("password", "no-password-here")
    recorder = open_connection(_settings(target), system="orders", cassette=tape, secrets={"password": secret})
    assert isinstance(recorder, RecordingConnection)
    try:
        first = recorder.query(header, ["0000100001", "0000100002"])
        again = recorder.query(header, ["0000100001", "0000100002"])
        echoed = recorder.query("SELECT ? AS SECRET_ECHO", [secret])
        with pytest.raises(Refused):
            recorder.query("DELETE FROM ORDHDR")
        streamed = [tuple(r) for r in recorder.stream(
            f"SELECT OHORNO FROM {target.relation('VORDHDR')} WHERE OHORNO < ?", ["0000100005"]).rows()]
    finally:
        recorder.close()
    text = tape.path.read_text(encoding="utf-8")
    assert "transport: odbc" in text and "DELETE" not in text
    if "password" in target.secrets:
        assert secret not in text and "<<PASSWORD>>" in text

    # Replay knows the same secret by reference (placeholders match again), not from the file.
    player = open_connection(_settings(target), system="orders", cassette=tape, secrets={"password": secret})
    assert isinstance(player, ReplayingConnection)
    assert player.query(header, ["0000100001", "0000100002"]) == first
    assert player.query(header, ["0000100001", "0000100002"]) == again
    assert player.query("SELECT ? AS SECRET_ECHO", [secret]).rows == echoed.rows
    assert [tuple(r) for r in player.stream(f"SELECT OHORNO FROM {target.relation('VORDHDR')} WHERE OHORNO < ?",
                                            ["0000100005"]).rows()] == streamed
    assert player.status()["remaining"] == 0
    with pytest.raises(CassetteMiss, match="asked"):
        player.query(header, ["0000100001", "0000100002"])


@pytest.mark.replay
def test_decimal_dates_and_bytes_replay_exactly(tmp_path) -> None:
    tape = tmp_path / "typed.yaml"
    tape.write_text(
        "format_version: 1\ntransport: odbc\nsystem: orders\nrecorded_at: 2025-06-30T00:00:00Z\ninteractions:\n"
        "- request: {op: query, sql: 'SELECT A, B, C, D FROM T', params: []}\n"
        "  response:\n"
        "    columns: [[A, decimal], [B, date], [C, bytes], [D, datetime]]\n"
        "    rows: [[{$decimal: '12.30'}, {$date: '1996-01-02'}, {$bytes: AP8=}, {$datetime: '2025-06-30T11:02:14'}]]\n"
        "    truncated: false\n",
        encoding="utf-8",
    )
    player = open_connection(RdbmsSettings(connection="DSN=none", dialect="sqlite"), system="orders",
                             cassette=CassetteSettings(path=tape))
    row = player.query("SELECT A, B, C, D FROM T").rows[0]
    assert row == (Decimal("12.30"), dt.date(1996, 1, 2), b"\x00\xff", dt.datetime(2025, 6, 30, 11, 2, 14))
    assert decode_value({"$decimal": "12.30"}).as_tuple().exponent == -2


@pytest.mark.replay
def test_replay_refuses_what_the_gate_refuses_before_looking_at_the_tape(tmp_path) -> None:
    tape = tmp_path / "empty.yaml"
    tape.write_text("format_version: 1\ntransport: odbc\nsystem: orders\nrecorded_at: 2025-06-30T00:00:00Z\n"
                    "interactions: []\n", encoding="utf-8")
    player = open_connection(RdbmsSettings(connection="DSN=none", dialect="postgresql"), system="orders",
                             cassette=CassetteSettings(path=tape))
    with pytest.raises(Refused):
        player.query("WITH X AS (DELETE FROM T RETURNING *) SELECT * FROM X")
