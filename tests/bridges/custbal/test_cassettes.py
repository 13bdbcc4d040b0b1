"""CUSTBAL cassettes: an SFTP session recorded against a real sshd, then replayed with the server
stopped — the same answers, and nothing of the SSH login in the cassette or beside it."""

from __future__ import annotations

from datetime import date

import pytest

from bridges.core.registry import build_runtime
from fixtures.custmast.extract import extract_name, write_extract
from tests.bridges.custbal.test_sftp import RUN, _config
from tests.ssh_server import ssh_server

pytestmark = pytest.mark.live


def _answers(runtime):
    page = runtime.call("custbal", "list_balances", {"start": 590, "limit": 20})
    exported = [dict(r) for r in runtime.call("custbal", "export_balances", {"status": "blocked"})]
    return page.model_dump(exclude={"extract": {"fetched_at"}}), exported


def test_a_recorded_sftp_session_replays_with_no_ssh_server_and_no_key_material(tmp_path):
    folder = tmp_path / "outgoing"
    folder.mkdir()
    write_extract(folder / extract_name(RUN), RUN)
    write_extract(folder / extract_name(date(2024, 1, 30)), date(2024, 1, 30))
    cassette = tmp_path / "cassettes" / "custbal.yaml"
    with ssh_server(tmp_path / "sshd") as sshd:
        recording = build_runtime(_config(sshd, folder, tmp_path, cassette={"path": str(cassette), "mode": "once"}))
        try:
            recorded = _answers(recording)
            assert recording.readiness()["custbal"]["mode"] == "record"
        finally:
            recording.close()
        secrets = [
            sshd.key_file.read_text(),
            (tmp_path / "sshd" / "client_key.pub").read_text().split()[1],
            (tmp_path / "sshd" / "host_key.pub").read_text().split()[1],
            str(sshd.port),
            str(sshd.key_file),
        ]
        config = _config(sshd, folder, tmp_path, cassette={"path": str(cassette), "mode": "none"})
    # The sshd is stopped now: only the cassette can answer.
    replaying = build_runtime(config)
    try:
        assert replaying.readiness()["custbal"]["mode"] == "replay"
        assert _answers(replaying) == recorded
    finally:
        replaying.close()
    kept = [cassette, *sorted((cassette.parent / "custbal.files").iterdir())]
    assert [p.name for p in kept] == ["custbal.yaml", "CUSTBAL.D20240131.DAT"]
    for path in kept:
        text = path.read_bytes().decode("latin-1")
        assert not [s for s in secrets if s.strip() in text], path.name
    assert "PRIVATE KEY" not in cassette.read_text()
