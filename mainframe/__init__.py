"""TN3270 green screens as a library: a safe s3270 terminal, declarative screens, a
session pool and screen cassettes. Usable on its own, without any bridge::

    from mainframe import LiveTerminal
    term = LiveTerminal("127.0.0.1", 3270, code_page="cp037")
    screen = term.connect()
    screen = term.send("Enter", {(8, 28): "DEMO01"})

A bridge to a TN3270 application subclasses :class:`TN3270Bridge` and declares its
screens and sign-on; the base owns settings, the password, the pool, cassettes, ping,
status, reset and close. Everything a bridge author needs is exported here: the port and its live, recording and
replaying terminals (``TRANSPORT`` names screen cassettes), the session pool (which
stops signing on after a :class:`~bridges.core.errors.LoginRefused`), declarative
screens (``LabelField`` included), rejection screens, redacted snapshots, and the
validated setting types (``HostName``, ``LuName``, ``CodePage``).
"""

from mainframe.bridge import SignOnSpec, TN3270Bridge, TN3270Settings
from mainframe.cassette import TRANSPORT, RecordingTerminal, ReplayingTerminal, Volatile
from mainframe.live import LiveTerminal
from mainframe.pool import PoolSettings, Session, SessionPool
from mainframe.port import Terminal
from mainframe.rejection import ConnectionRejected, Rejection, check_rejections
from mainframe.s3270 import codec_for, untypeable
from mainframe.screens import (
    Edge,
    FieldCount,
    InputField,
    LabelField,
    MessageRule,
    Navigator,
    OutputField,
    ScreenDef,
    Table,
    TextAt,
    identify,
    redacted_snapshot,
)
from mainframe.settings import CodePage, HostName, LuName
from mainframe.snapshot import Field, Position, Screen, screen_diff

__all__ = [
    "TRANSPORT",
    "CodePage",
    "ConnectionRejected",
    "Edge",
    "Field",
    "FieldCount",
    "HostName",
    "InputField",
    "LabelField",
    "LiveTerminal",
    "LuName",
    "MessageRule",
    "Navigator",
    "OutputField",
    "PoolSettings",
    "Position",
    "RecordingTerminal",
    "Rejection",
    "ReplayingTerminal",
    "Screen",
    "ScreenDef",
    "Session",
    "SessionPool",
    "SignOnSpec",
    "TN3270Bridge",
    "TN3270Settings",
    "Table",
    "Terminal",
    "TextAt",
    "Volatile",
    "check_rejections",
    "codec_for",
    "identify",
    "redacted_snapshot",
    "screen_diff",
    "untypeable",
]
