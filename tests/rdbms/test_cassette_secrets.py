"""Secret scrubbing in query cassettes, on each database: the account's password — given to
every database here, whether or not it checks one — never reaches the cassette, in the
connection, a parameter or an answer, and replay still matches through the placeholder."""

from __future__ import annotations

import uuid

import pytest

from bridges.core.cassette import CassetteSettings, RecordMode
from rdbms import RdbmsSettings, RecordingConnection, ReplayingConnection, open_connection

pytestmark = pytest.mark.live


def _settings(target) -> RdbmsSettings:
    return RdbmsSettings(**{k: v for k, v in target.options.items() if k != "db_schema"})


def test_the_password_never_reaches_a_query_cassette(target, tmp_path) -> None:
    # MariaDB's reader needs its real password; SQLite and PostgreSQL (trust) ignore one.
    secret = target.secrets.get("password") or f"pw-{uuid.uuid4().hex}"
    tape = CassetteSettings(path=tmp_path / "q.yaml", mode=RecordMode.ONCE)
    lookup = f"SELECT OHORNO, OHCREF FROM {target.relation('VORDHDR')} WHERE OHORNO = ? OR OHCREF = ?"
    recorder = open_connection(_settings(target), system="orders", cassette=tape, secrets={"password": secret})
    assert isinstance(recorder, RecordingConnection)
    try:
        echoed = recorder.query("SELECT ? AS SECRET_ECHO", [secret])
        found = recorder.query(lookup, ["0000100001", secret])
    finally:
        recorder.close()
    assert echoed.rows[0][0] == secret  # the live answer held it
    text = tape.path.read_text(encoding="utf-8")
    assert secret not in text and text.count("<<PASSWORD>>") >= 3, text  # asked twice, answered once
    player = open_connection(_settings(target), system="orders", cassette=tape, secrets={"password": secret})
    assert isinstance(player, ReplayingConnection)
    assert player.query("SELECT ? AS SECRET_ECHO", [secret]).rows == echoed.rows
    assert player.query(lookup, ["0000100001", secret]) == found
