"""Capturing a walk with a real s3270 against the CUSTMAST demo host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bridges.core.errors import LoginRefused
from mainframe.discover import Kind, WalkError, capture_walk, classify, discover_screens, parse_walk, steps_from
from mainframe.live import LiveTerminal
from mainframe.testing import demo_host, need_s3270

pytestmark = pytest.mark.live

PASSWORD = "Dem0-Pass"  # the demo host's published password
WALK = """
type selection=1
ENTER
input customer_no=84603489
ENTER
read
PF3
"""


@pytest.fixture(scope="module")
def host() -> Iterator[Any]:
    need_s3270()
    with demo_host(codepage="cp037") as running:
        yield running


def _terminal(host: Any) -> LiveTerminal:
    return LiveTerminal(host.host, host.port, code_page="cp037", model=2)


def test_a_walk_signs_on_and_captures_every_screen_it_passes(host):
    terminal = _terminal(host)
    try:
        walk = capture_walk(terminal, steps_from(parse_walk(WALK)), user="DEMO01", password=PASSWORD)
    finally:
        terminal.close()
    assert walk.sign_on is not None and walk.sign_on.password_field.hidden
    assert [c.screen.text(1, 2, 6).strip() for c in walk.captures] == ["CMMENU", "CMINQ", "CMINQ", "CMMENU"]
    assert [c.key for c in walk.captures] == ["Enter", "Enter", "PF3", None]
    assert [(t.name, t.value, t.parameter) for c in walk.captures for t in c.typed] == [
        ("selection", "1", False),
        ("customer_no", "84603489", True),
    ]
    assert walk.read == 2 and walk.read_capture.screen.contains("Storgatan 209")
    outputs = {f.name for f in classify(walk.read_capture.screen) if f.kind is Kind.OUTPUT}
    assert {"name", "street", "city", "credit_limit"} <= outputs
    assert [s.name for s in discover_screens(walk)] == ["SignOn", "MainMenu", "CustomerInquiry"]
    everything = repr(walk)
    assert PASSWORD not in everything


def test_a_refused_sign_on_is_tried_once_and_says_so(host):
    host.unlock("LOCKTEST")
    before = host.sign_on_attempts("LOCKTEST")
    terminal = _terminal(host)
    try:
        with pytest.raises(LoginRefused, match="refused the sign-on: CM002E") as refused:
            capture_walk(terminal, steps_from(parse_walk(WALK)), user="LOCKTEST", password="wrong-one")
    finally:
        terminal.close()
    assert host.sign_on_attempts("LOCKTEST") == before + 1
    assert "wrong-one" not in str(refused.value)


def test_a_field_the_screen_does_not_have_stops_a_walk_file(host):
    terminal = _terminal(host)
    try:
        with pytest.raises(WalkError, match="line 1: no input field 'nmae'"):
            capture_walk(terminal, steps_from(parse_walk("type nmae=x\nENTER")), user="DEMO01", password=PASSWORD)
    finally:
        terminal.close()


def test_at_a_prompt_a_bad_step_is_reported_and_the_walk_goes_on(host):
    heard = []
    steps = parse_walk("type nmae=x\ntype selection=12\nENTER\ntype selection=1\nENTER\n")
    terminal = _terminal(host)
    try:
        walk = capture_walk(terminal, steps_from(steps), user="DEMO01", password=PASSWORD, forgive=heard.append)
    finally:
        terminal.close()
    assert [type(e).__name__ for e in heard] == ["WalkError", "InvalidInput"]  # unknown field; 2 digits in 1
    assert [c.screen.text(1, 2, 6).strip() for c in walk.captures] == ["CMMENU", "CMINQ"]


def test_a_fixed_value_for_a_non_display_field_is_refused(host):
    terminal = _terminal(host)
    try:
        with pytest.raises(WalkError, match="password is a non-display field; give it with input"):
            capture_walk(terminal, steps_from(parse_walk("type user_id=DEMO01 password=Dem0-Pass\nENTER")))
    finally:
        terminal.close()
