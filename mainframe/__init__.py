"""TN3270 green screens as a library: a safe s3270 terminal, declarative screens, a
session pool and screen cassettes. Usable on its own, without any bridge::

    from mainframe import LiveTerminal
    term = LiveTerminal("127.0.0.1", 3270, code_page="cp037")
    screen = term.connect()
    screen = term.send("Enter", {(8, 28): "DEMO01"})
"""

from mainframe.cassette import RecordingTerminal, ReplayingTerminal, Volatile
from mainframe.live import LiveTerminal
from mainframe.pool import PoolSettings, Session, SessionPool
from mainframe.port import Terminal
from mainframe.screens import (
    Edge,
    FieldCount,
    InputField,
    MessageRule,
    Navigator,
    OutputField,
    ScreenDef,
    Table,
    TextAt,
    identify,
)
from mainframe.snapshot import Field, Position, Screen, screen_diff

__all__ = [
    "Edge",
    "Field",
    "FieldCount",
    "InputField",
    "LiveTerminal",
    "MessageRule",
    "Navigator",
    "OutputField",
    "PoolSettings",
    "Position",
    "RecordingTerminal",
    "ReplayingTerminal",
    "Screen",
    "ScreenDef",
    "Session",
    "SessionPool",
    "Table",
    "Terminal",
    "TextAt",
    "Volatile",
    "identify",
    "screen_diff",
]
