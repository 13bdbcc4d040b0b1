"""The live terminal against the demo host: sign-on, safe typing, coordinates, no blocking."""

from __future__ import annotations

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import DeadlineExceeded, InvalidInput
from mainframe import LiveTerminal
from mainframe.testing import demo_host, need_s3270

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def host():
    need_s3270()
    with demo_host(codepage="cp1140", lu_names=[f"LU{n:04d}" for n in range(1, 9)]) as running:
        yield running


@pytest.fixture
def menu(host):
    """A terminal signed on and on the menu."""
    terminal = LiveTerminal(host.host, host.port, code_page="cp1140")
    screen = terminal.connect()
    assert screen.text(1, 2, 6) == "CMSIGN" and screen.cursor == (8, 28)
    password = screen.field_at(10, 28)
    assert password.hidden and not password.protected and password.length == 12
    screen = terminal.send("Enter", {(8, 28): "demo01", (10, 28): "Dem0-Pass"})
    assert screen.text(1, 2, 6) == "CMMENU" and "Dem0-Pass" not in screen.all_text
    yield terminal
    terminal.close()


def _load_address_change(terminal):
    screen = terminal.send("Enter", {(10, 28): "3", (12, 28): "84603489"})
    assert screen.text(1, 2, 5) == "CMADR" and screen.cursor == (8, 20)
    return screen


@pytest.mark.parametrize("value", ['"', "'", ")", "(", "\\", ";", "Quit()", "PF(3)", "\\n", "é ß € ü",
                                   'x") Quit() String("y', "\\pf3\\pf12"])
def test_typed_text_reaches_the_host_exactly_and_injects_nothing(menu, value):
    _load_address_change(menu)
    screen = menu.send("Enter", {(8, 20): value})
    # CMADC shows the new street as the host received it.
    assert screen.text(1, 2, 5) == "CMADC", screen.all_text
    assert screen.text(12, 20, 40).rstrip() == value
    assert not menu.broken
    screen = menu.send("PF3")
    assert screen.text(1, 2, 5) == "CMADR"


def test_values_are_checked_against_the_field_before_typing(menu):
    screen = _load_address_change(menu)
    assert screen.field_at(11, 20).length == 2
    with pytest.raises(InvalidInput, match="holds 2"):
        menu.send("Enter", {(11, 20): "DEU"})
    with pytest.raises(InvalidInput, match="no input field"):
        menu.send("Enter", {(6, 20): "x"})  # the protected name
    with pytest.raises(InvalidInput, match="control"):
        menu.send("Enter", {(8, 20): "a\nb"})
    with pytest.raises(InvalidInput):
        menu.send("Quit")
    assert not menu.broken and menu.screen().text(1, 2, 5) == "CMADR"


def test_a_screen_with_no_input_field_does_not_block(menu):
    _load_address_change(menu)
    screen = menu.send("Enter", {(8, 20): "Mill Lane 2"})
    assert screen.text(1, 2, 5) == "CMADC" and not screen.input_fields


def test_a_locked_keyboard_costs_the_deadline_and_breaks_the_session(host, menu):
    host.faults.keyboard_lock = "no-answer"
    try:
        with deadline_scope(Deadline(0.5)), pytest.raises(DeadlineExceeded):
            menu.send("Enter", {(10, 28): "1"})
    finally:
        host.faults.keyboard_lock = None
    assert menu.broken


def test_lu_name_claim(host):
    terminal = LiveTerminal(host.host, host.port, code_page="cp1140", lu_name="LU0007")
    try:
        assert terminal.connect().text(14, 28, 6) == "LU0007"
    finally:
        terminal.close()


def test_connect_tells_the_lu_name_the_host_granted(host):
    with deadline_scope(Deadline(5)):
        chosen = LiveTerminal(host.host, host.port, code_page="cp1140")
        asked = LiveTerminal(host.host, host.port, code_page="cp1140", lu_name="LU0007")
        try:
            chosen.connect()
            asked.connect()
            assert chosen.granted_lu_name in host.lus_in_use() and asked.granted_lu_name == "LU0007"
        finally:
            chosen.close()
            asked.close()


def test_the_hosts_rejection_screen_is_connection_rejected_not_a_screen(host):
    from bridges.core.errors import Unavailable
    from mainframe import ConnectionRejected, Rejection, TextAt

    busy = Rejection(TextAt(1, 2, "CMBUSY"), "the demo host rejected the connection", retry_after_s=7)
    with deadline_scope(Deadline(5)):
        holder = LiveTerminal(host.host, host.port, code_page="cp1140", lu_name="LU0008")
        holder.connect()
        try:
            taken = LiveTerminal(host.host, host.port, code_page="cp1140", lu_name="LU0008", rejections=(busy,))
            with pytest.raises(ConnectionRejected) as err:
                taken.connect()
        finally:
            holder.close()
    assert isinstance(err.value, Unavailable) and err.value.status == 503 and err.value.retry_after == 7
    assert taken.broken


def test_a_redacted_snapshot_blanks_what_was_typed_in_its_text_too(menu):
    from mainframe import redacted_snapshot

    screen = menu.send(None, {(12, 28): "84603489"})
    assert "84603489" in screen.all_text
    snapshot = redacted_snapshot(screen)
    assert "84603489" not in snapshot["text"] and "CMMENU" in snapshot["text"]
    assert all("value" not in f for f in snapshot["fields"] if not f.get("protected"))
