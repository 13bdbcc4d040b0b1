"""Logins answered within the caller's deadline: a database that accepts connections but
never greets costs a request its deadline, not the driver's whole-second (libpq: 2 s at
least, MariaDB Connector/ODBC: unbounded) login timeout."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import DeadlineExceeded
from bridges.core.testing import wait_until
from rdbms import RdbmsSettings, open_connection
from rdbms.login import login_within

TOLERANCE_S = 0.5  # the hand-over from the login thread


@pytest.mark.unit
def test_a_login_in_time_gives_its_connection_or_its_error() -> None:
    assert login_within(lambda: "cnxn", Deadline(5), lambda c: None) == "cnxn"

    def refused() -> str:
        raise ConnectionRefusedError("no")

    with pytest.raises(ConnectionRefusedError):
        login_within(refused, Deadline(5), lambda c: None)


@pytest.mark.unit
def test_a_late_login_is_handed_to_on_late_once_it_ends() -> None:
    release, late = threading.Event(), []
    ended = threading.Event()

    def slow() -> str:
        release.wait(10)
        return "late cnxn"

    with pytest.raises(DeadlineExceeded, match="logging in"):
        login_within(slow, Deadline(0.05), lambda c: (late.append(c), ended.set()))
    assert late == []
    release.set()
    assert ended.wait(5) and late == ["late cnxn"]


class _Silent:
    """A TCP proxy to a database that, once ``silent``, accepts connections and never answers."""

    def __init__(self, port: int) -> None:
        self.port_to, self.silent, self.held = port, False, []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.silent:
                self.held.append(client)
                continue
            upstream = socket.create_connection(("127.0.0.1", self.port_to))
            self.held += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.server.close()
        for s in self.held:
            s.close()


@pytest.fixture
def silent(request: pytest.FixtureRequest) -> Iterator[tuple[_Silent, object]]:
    dialect = request.param
    target = request.getfixturevalue(f"{dialect}_target")
    port = 5432 if dialect == "postgresql" else 3306
    proxy = _Silent(port)
    options = {k: v for k, v in target.options.items() if k != "db_schema"}
    options["connection"] = options["connection"].replace(f"Port={port}", f"Port={proxy.port}")
    db = open_connection(RdbmsSettings(**options, connect_timeout_s=30), system="orders", secrets=target.secrets)
    proxy.silent = True  # from now on every login meets a server that never greets
    try:
        yield proxy, db
    finally:
        db.close()
        proxy.close()


def _logins() -> int:
    return sum(t.name == "rdbms-login" for t in threading.enumerate())


@pytest.mark.live
@pytest.mark.fault
@pytest.mark.timeout(60)
@pytest.mark.parametrize("silent", ["postgresql", "mariadb"], indirect=True)
def test_a_login_to_a_silent_database_ends_at_the_request_deadline(silent) -> None:
    """A query (the pool opens a connection) and an export (a connection of its own) each
    answer 504 at their 1 s deadline, though the login timeout is 30 s; the logins left
    behind end by the driver's own timeout, the deadline rounded up (none hangs)."""
    _, db = silent
    for call in (lambda: db.query("SELECT 1 AS x"), lambda: db.stream("SELECT 1 AS x")):
        started = time.monotonic()
        with deadline_scope(Deadline(1.0)), pytest.raises(DeadlineExceeded, match="logging in"):
            call()
        assert time.monotonic() - started <= 1.0 + TOLERANCE_S
    assert db.status()["streams_running"] == 0
    assert wait_until(lambda: _logins() == 0, timeout=10), "a login outlived the driver's timeout"
