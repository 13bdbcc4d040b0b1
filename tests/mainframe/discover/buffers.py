"""Screens s3270 read from the CUSTMAST demo host (``ReadBuffer(Ascii)`` output, saved as it came):
the sign-on screen, the menu after sign-on, and the inquiry showing customer 84603489."""

from __future__ import annotations

from pathlib import Path

from mainframe.discover.classify import Kind, classify
from mainframe.discover.walk import Capture, SignOnCapture, Typed, Walk
from mainframe.s3270 import parse_read_buffer
from mainframe.snapshot import Screen

__all__ = ["buffer_lines", "captured", "demo_walk"]

HERE = Path(__file__).resolve().parent / "buffers"


def buffer_lines(name: str) -> tuple[tuple[int, int], list[str]]:
    """The 0-based cursor and the ``ReadBuffer(Ascii)`` rows saved as ``buffers/<name>.txt``."""
    first, *rows = (HERE / f"{name}.txt").read_text(encoding="ascii").splitlines()
    _, row, col = first.split()
    return (int(row), int(col)), rows


def captured(name: str) -> Screen:
    """The saved buffer parsed as the live terminal parses it."""
    cursor, rows = buffer_lines(name)
    return parse_read_buffer(rows, cursor)


def demo_walk() -> Walk:
    """A walk over the saved screens: sign on, menu 1 with a customer number, the inquiry, PF3 back."""
    sign_on_screen = captured("cmsign")
    inputs = [f for f in classify(sign_on_screen) if f.kind is Kind.INPUT]
    menu, inquiry = captured("cmmenu"), captured("cminq")
    return Walk(
        sign_on=SignOnCapture(sign_on_screen, inputs[0], inputs[1]),
        captures=[
            Capture(
                menu,
                (Typed((10, 28), "selection", "1", False), Typed((12, 28), "customer_no", "84603489", True)),
                "Enter",
            ),
            Capture(inquiry, (), "PF3"),
            Capture(captured("cmmenu")),
        ],
        read=1,
    )
