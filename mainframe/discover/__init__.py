"""Discovering a TN3270 application's screens: walk them once, get a bridge to edit.

:func:`capture_walk` connects, signs on (once; the password is never kept) and follows the
engineer's steps — typed at a prompt or read from a walk file — capturing every screen;
:func:`classify` tells each field's role from its 3270 attributes; :func:`discover_screens`
merges the captures into distinct screens with recognise rules from protected text; and
:func:`bridge_source` writes the bridge module::

    walk = capture_walk(LiveTerminal(host, port), steps_from(parse_walk(text)),
                        user="DEMO01", password=password)
    source = bridge_source(walk, discover_screens(walk), Origin("payroll", host, port, "DEMO01"))
"""

from mainframe.discover.classify import Kind, ScreenField, classify, signature
from mainframe.discover.screens import DiscoveredScreen, discover_screens
from mainframe.discover.source import Origin, bridge_source, operation_name
from mainframe.discover.walk import (
    Capture,
    NextStep,
    Step,
    Walk,
    WalkError,
    capture_walk,
    parse_step,
    parse_walk,
    steps_from,
)

__all__ = [
    "Capture",
    "DiscoveredScreen",
    "Kind",
    "NextStep",
    "Origin",
    "ScreenField",
    "Step",
    "Walk",
    "WalkError",
    "bridge_source",
    "capture_walk",
    "classify",
    "discover_screens",
    "operation_name",
    "parse_step",
    "parse_walk",
    "signature",
    "steps_from",
]
