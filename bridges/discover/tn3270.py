"""``bridges discover tn3270`` below the command line: walk a TN3270 host's screens with a real
s3270, write the bridge module, and the prompt an engineer walks the screens at.

The password is typed into the host's non-display field once and goes nowhere else: not into
the captured screens (non-display fields read blank), the source, the options or any message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridges.core.errors import InvalidInput
from mainframe import LiveTerminal, Screen
from mainframe.discover import (
    Kind,
    NextStep,
    Origin,
    Walk,
    WalkError,
    bridge_source,
    capture_walk,
    classify,
    discover_screens,
    operation_name,
    parse_step,
    parse_walk,
    steps_from,
)

__all__ = ["PROMPT_HELP", "Discovery", "discover", "prompt_steps", "render", "walk_file_steps"]

PROMPT_HELP = (
    "steps: a key (ENTER, PF1-PF24, PA1-PA3, CLEAR); type FIELD=value (a fixed value); "
    "input FIELD=value (an operation parameter); read (the operation reads this screen); done"
)


@dataclass
class Discovery:
    """What a walk gave: the bridge module's source, its screens and operation, and the
    bridge options the walk used."""

    source: str
    screens: list[str]
    operation: str
    options: dict[str, Any] = field(default_factory=dict)
    walk: Walk | None = None


def render(screen: Screen) -> str:
    """The screen as the engineer sees it, row numbers on the left, then its input fields by
    name and the keys its legend names."""
    ruler = "    " + "".join(str(c // 10 % 10) if c % 10 == 0 else " " for c in range(1, screen.cols + 1))
    lines = [ruler] + [f"{n:>2}  {line.rstrip()}" for n, line in enumerate(screen.lines, 1)]
    fields = classify(screen)
    inputs = [
        f"{f.name} ({f.row},{f.col} len {f.length}{', numeric' if f.numeric else ''}{', hidden' if f.hidden else ''})"
        for f in fields
        if f.kind is Kind.INPUT
    ]
    lines.append("input fields: " + (", ".join(inputs) or "none"))
    return "\n".join(lines)


def walk_file_steps(text: str) -> NextStep:
    """The steps of a walk file, in order (a bad line fails before anything is sent)."""
    return steps_from(parse_walk(text))


def prompt_steps(ask: Callable[[str], str], say: Callable[[str], None]) -> NextStep:
    """Show each screen, ask for a step; a line that is no step is explained and asked again.
    End of input ends the walk as ``done`` does."""
    line_no = 0
    shown: list[Screen] = []

    def next_step(screen: Screen):
        nonlocal line_no
        if not shown or shown[-1] is not screen:  # a new screen; after ``type`` it is the same one
            say(render(screen))
            shown[:] = [screen]
        while True:
            line_no += 1
            try:
                text = ask("discover> ")
            except EOFError:
                return None
            if text.strip().lower() in ("help", "?"):
                say(PROMPT_HELP)
                continue
            try:
                step = parse_step(text, line_no)
            except WalkError as exc:
                say(f"{exc.detail}\n{PROMPT_HELP}")
                continue
            if step is not None:
                return step

    return next_step


def discover(
    host: str,
    port: int,
    *,
    bridge: str,
    user: str | None,
    password: str | None,
    next_step: NextStep,
    code_page: str = "cp037",
    model: int = 2,
    lu_name: str | None = None,
    operation: str | None = None,
    forgive: Callable[[WalkError | InvalidInput], None] | None = None,
    executable: str = "s3270",
) -> Discovery:
    """Connect, sign on once (unless ``user`` is None: a host without a sign-on), follow the
    steps, and write the bridge module."""
    terminal = LiveTerminal(host, port, code_page=code_page, model=model, lu_name=lu_name, executable=executable)
    try:
        walk = capture_walk(terminal, next_step, user=user, password=password, forgive=forgive)
    finally:
        terminal.close()
    screens = discover_screens(walk)
    origin = Origin(bridge, host, port, user or "", code_page=code_page, operation=operation)
    source = bridge_source(walk, screens, origin)
    options: dict[str, Any] = {"host": host, "port": port, "code_page": code_page, "model": model}
    if user is not None:
        options["user"] = user
    if lu_name:
        options["pool"] = {"lu_names": [lu_name], "min_size": 1, "max_size": 1}
    return Discovery(source, [s.name for s in screens], operation_name(walk, screens, origin), options, walk)
