"""Probing a TN3270 host without a session: reachable, TN3270E offered or not; nothing is sent."""

from __future__ import annotations

import socket
import threading

import pytest

from mainframe.assess import probe_host, session_limit
from mainframe.snapshot import Screen

pytestmark = pytest.mark.unit


def _one_shot_server(first: bytes) -> tuple[int, list[bytes]]:
    """A loopback server that sends ``first`` and records what the client sent before closing."""
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(first)
            conn.settimeout(2)
            try:
                while chunk := conn.recv(64):
                    received.append(chunk)
            except OSError:  # the probe closed: nothing more to read
                pass
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1], received


@pytest.mark.parametrize(
    ("first", "tn3270e"),
    [(b"\xff\xfd\x28", True), (b"\xff\xfd\x18", False), (b"", None)],
    ids=["tn3270e", "plain-tn3270", "silent"],
)
def test_the_first_negotiation_tells_tn3270e_and_nothing_is_sent(first, tn3270e):
    port, received = _one_shot_server(first)
    probe = probe_host("127.0.0.1", port, timeout_s=0.5)
    assert (probe.reachable, probe.tn3270e, probe.error) == (True, tn3270e, "")
    assert received == []


def test_a_closed_port_is_reported_not_raised():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    probe = probe_host("127.0.0.1", port)
    assert not probe.reachable and probe.error.startswith("cannot connect")


def test_a_session_limit_message_is_recognised_and_nothing_else():
    def screen(*lines: str) -> Screen:
        return Screen(24, 80, tuple(line.ljust(80) for line in lines))

    busy = screen("CUSTMAST", "", "CM099E SYSTEM BUSY - MAXIMUM   SESSIONS REACHED - TRY LATER")
    assert session_limit([None, busy]) == "CM099E SYSTEM BUSY - MAXIMUM SESSIONS REACHED - TRY LATER"
    assert session_limit([screen("IKJ56425I LOGON REJECTED, TOO MANY SESSIONS")]) is not None
    quiet = [screen("SESSION ENDED BY USER"), screen("MAXIMUM CREDIT 1000"), screen("SESSIONS: 3 OPEN")]
    assert session_limit(quiet) is None
