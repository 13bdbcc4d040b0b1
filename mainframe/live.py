"""The live terminal: s3270 driven through py3270, made safe.

py3270 0.3.5 is kept for what it does well (spawning s3270, the command/status
protocol) and fixed where it falls short:

* reads from s3270 are bounded by the call's deadline (py3270 blocks forever);
* s3270 runs with a UTF-8 locale and the session's code page (py3270 leaves both to
  chance, and under ``LANG=C`` s3270 silently drops non-ASCII input);
* command output is decoded as UTF-8 (py3270 decodes ASCII and crashes on ``é``);
* text is typed through :func:`mainframe.s3270.string_action` (py3270 pastes it into
  ``String("…")`` unescaped, so ``"`` is a syntax error and ``\\n`` presses Enter);
* AID keys never block: ``aidWait`` is cleared and the unlock is awaited by a bounded
  ``Wait(N,Unlock)`` (py3270's ``Enter()`` waits forever on a locked keyboard);
* s3270's stderr goes to a file or nowhere (py3270 pipes it and never reads it, so a
  chatty trace could fill the pipe and hang the emulator).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import select
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import py3270

from bridges.core.deadline import current_deadline
from bridges.core.errors import BridgeError, DeadlineExceeded, InvalidInput, LegacyError, Unavailable
from mainframe import s3270
from mainframe.rejection import ConnectionRejected, Rejection, check_rejections
from mainframe.settings import HOST_PATTERN, LU_NAME_PATTERN
from mainframe.snapshot import Position, Screen

__all__ = ["LiveTerminal"]

log = logging.getLogger("legacy_bridges.mainframe")

_MODELS = {2: "3279-2", 3: "3279-3", 4: "3279-4", 5: "3279-5"}
_UTF8_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
_WAIT_MARGIN_S = 0.05
# The end of one answer: "ok" or "error" on a line of its own, after the status line.
_ANSWER_END = re.compile(rb"\n(?:ok|error)\n")


class _ReadTimeout(Exception):
    pass


class _S3270Process(py3270.S3270App):
    """py3270's s3270 process with a UTF-8 locale, no stderr pipe and deadline-bounded reads."""

    def __init__(self, args: list[str], executable: str, stderr_path: Path | None) -> None:
        self.executable = executable
        self.stderr_path = stderr_path
        self.read_until: float | None = None
        self._buffer = b""
        super().__init__(args)

    def spawn_app(self) -> None:
        env = {**os.environ, **_UTF8_ENV}
        stderr = self.stderr_path.open("ab") if self.stderr_path else subprocess.DEVNULL
        try:
            self.sp = subprocess.Popen(
                [self.executable, *self.args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=stderr, env=env, close_fds=True,
            )
        except FileNotFoundError:
            raise Unavailable(f"the 3270 emulator {self.executable!r} is not installed", retry_after=60) from None
        finally:
            if stderr is not subprocess.DEVNULL:
                stderr.close()

    def read_answer(self) -> list[bytes]:
        """Every line of s3270's answer to one command, through its final ``ok``/``error``.

        Read in as few chunks as s3270 writes (one select per chunk, not per line) and
        bounded by ``read_until``."""
        fd = self.sp.stdout.fileno()
        scanned = 0
        while True:
            match = _ANSWER_END.search(self._buffer, max(0, scanned - 8))
            scanned = len(self._buffer)
            if match:
                answer, self._buffer = self._buffer[: match.end()], self._buffer[match.end():]
                return answer.rstrip(b"\n").split(b"\n")
            wait = None if self.read_until is None else self.read_until - time.monotonic()
            if wait is not None and wait <= 0:
                raise _ReadTimeout()
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise _ReadTimeout()
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise BrokenPipeError("s3270 exited")
            self._buffer += chunk

    def kill(self) -> None:
        if self.sp and self.sp.poll() is None:
            self.sp.kill()
            try:
                self.sp.wait(timeout=2)
            except subprocess.TimeoutExpired:  # pragma: no cover - the kernel owes us this
                log.warning("s3270 pid %s did not exit after SIGKILL", self.sp.pid)
        for pipe in (self.sp.stdin, self.sp.stdout):
            if pipe:
                with contextlib.suppress(OSError):  # a dead reader: flushing stdin breaks the pipe
                    pipe.close()


class _Command(py3270.Command):
    """py3270's command, reading s3270's answer robustly and decoding it as UTF-8.

    s3270 4.1 sometimes continues a multi-line error without the ``data:`` prefix
    (``Connect`` to a closed port); py3270 takes that line for the status line and
    desynchronises. Here the answer ends at the first ``ok``/``error`` line, and the
    line before it is the status.
    """

    def execute(self) -> None:
        self.app.write(self.cmdstr + b"\n")
        *lines, result = self.app.read_answer()
        self.status_line = lines.pop() if lines else b""
        self.data = [line[6:] if line.startswith(b"data: ") else line for line in lines]
        return self.handle_result(result.decode("ascii"))

    def handle_result(self, result: str) -> None:
        if result == "ok" or (result == "" and self.cmdstr == b"Quit"):
            return
        if result != "error":
            raise py3270.CommandError(f"unexpected s3270 result {result!r}")
        message = b"".join(self.data).decode("utf-8", "replace").strip() or "[no error message]"
        raise py3270.CommandError(message)


class _Emulator(py3270.Emulator):
    """py3270's emulator driving our process and command classes."""

    def exec_command(self, cmdstr: bytes) -> py3270.Command:
        if self.is_terminated:
            raise py3270.TerminatedError("this session has been closed")
        command = _Command(self.app, cmdstr)
        command.execute()
        self.status = py3270.Status(command.status_line)
        return command

    def terminate(self) -> None:
        if not self.is_terminated:
            self.is_terminated = True
            self.app.kill()


class LiveTerminal:
    """A TN3270 session through a private s3270 process (the live backend of the port).

    ``host``/``port`` name the TN3270 server; ``lu_name`` claims a TN3270E LU;
    ``code_page`` is the host's EBCDIC code page; ``model`` 2 (24×80) or 4 (43×80);
    ``rejections`` are the screens the host shows *instead of* a session (session limit,
    terminal not available): :meth:`connect` raises :class:`ConnectionRejected` (an
    ``Unavailable``) for them, and when the host did not grant the LU name asked for.
    After ``connect``, :attr:`granted_lu_name` is the LU name the host granted.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        code_page: str = "cp037",
        model: int = 2,
        lu_name: str | None = None,
        executable: str = "s3270",
        trace_dir: Path | None = None,
        rejections: tuple[Rejection, ...] = (),
        tls: bool = False,
        ca_file: Path | None = None,
        tls_server_name: str | None = None,
    ) -> None:
        if model not in _MODELS:
            raise InvalidInput(f"3270 model {model} is not one of {sorted(_MODELS)}")
        s3270.codec_for(code_page)  # fail early on an unknown code page
        # Host and LU name end up inside Connect(…): allow nothing that could end the action.
        if not HOST_PATTERN.fullmatch(host) or not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidInput(f"not a TN3270 host and port: {host!r}:{port!r}")
        if lu_name is not None and not LU_NAME_PATTERN.fullmatch(lu_name):
            raise InvalidInput(f"not an LU name: {lu_name!r}")
        if tls_server_name is not None and not HOST_PATTERN.fullmatch(tls_server_name):
            raise InvalidInput(f"not a host name: {tls_server_name!r}")
        self.tls, self.ca_file, self.tls_server_name = tls, ca_file, tls_server_name
        self.host, self.port, self.code_page, self.model, self.lu_name = host, port, code_page, model, lu_name
        self.executable = executable
        self.trace_dir = trace_dir
        self.rejections = tuple(rejections)
        self.granted_lu_name: str | None = None
        """The LU name the host granted (read after ``connect``; None on plain TN3270)."""
        self.broken = False
        self._emulator: _Emulator | None = None
        self._screen: Screen | None = None

    # -- the port -------------------------------------------------------------------

    def connect(self) -> Screen:
        """Spawn s3270, connect, wait for the first unlocked screen."""
        args = ["-xrm", "s3270.unlockDelay: False", "-model", _MODELS[self.model], "-codepage", self.code_page]
        stderr_path = None
        if self.trace_dir:
            self.trace_dir.mkdir(parents=True, exist_ok=True)
            args += ["-trace", "-tracefile", str(self.trace_dir / f"s3270-{os.getpid()}-{id(self)}.trc")]
            stderr_path = self.trace_dir / "s3270.stderr"
        if self.tls:  # the certificate is always verified: against ca_file, or the system's CAs
            args += ["-verifycert"] + (["-cafile", str(self.ca_file)] if self.ca_file else [])
            args += ["-accepthostname", self.tls_server_name] if self.tls_server_name else []
        app = _S3270Process(args, self.executable, stderr_path)
        self._emulator = _Emulator(app=app)
        target = f"{self.lu_name}@{self.host}:{self.port}" if self.lu_name else f"{self.host}:{self.port}"
        target = f"L:{target}" if self.tls else target  # s3270's prefix for TLS from the first byte
        # One line, one round trip: s3270 runs the actions in order and stops at the first error.
        screen = self._exchange(["Toggle(aidWait,clear)", f"Connect({target})"], "the first screen")
        try:
            check_rejections(screen, self.rejections)
            answer = b"".join(self._run("Query(LuName)", "reading the LU name").data).decode("ascii", "replace")
            granted = answer.strip()
            self.granted_lu_name = granted if granted and granted.lower() != "none" else None
            if self.lu_name and (self.granted_lu_name or "").upper() != self.lu_name.upper():
                # A refused TN3270E claim makes s3270 fall back to plain TN3270 without the name.
                raise ConnectionRejected(f"the host did not grant LU name {self.lu_name}", retry_after=1)
        except BridgeError:
            self._fail()
            raise
        return screen

    @property
    def last(self) -> Screen | None:
        """The screen the last call returned."""
        return self._screen

    def screen(self) -> Screen:
        """The current screen, read fresh from the emulator."""
        return self._snapshot()

    def send(self, aid: str | None = None, fields: Mapping[Position, str] | None = None) -> Screen:
        """Type each value into the field starting at its position, then press ``aid``.

        Typing, the key, the bounded wait for the unlock and the screen read go to s3270
        as one line of actions: one round trip per screen.
        """
        action = s3270.aid_action(aid) if aid is not None else None
        current = self._screen or self._snapshot()
        commands = []
        for position, value in (fields or {}).items():
            s3270.check_typed_value(current, position, value, self.code_page)
            commands += [s3270.move_cursor(position), "EraseEOF()", s3270.string_action(value)]
        # A wire trace would hold what is typed into a non-display field (a password) three
        # times over: the action, its echo and the data-stream bytes. Stop tracing around it.
        untraced = bool(self.trace_dir) and any(
            (f := current.field_at(*position)) is not None and f.hidden for position in (fields or {}))
        if untraced:
            self._run("Trace(Off)", "pausing the trace")
        try:
            if action is None:
                if commands:
                    self._run(" ".join(commands), "typing")
                return self._snapshot()
            return self._exchange([*commands, action], f"the answer to {aid}")
        finally:
            if untraced and self._emulator is not None:
                self._run("Trace(On)", "resuming the trace")

    def abort(self) -> None:
        """Kill the emulator process only; safe from another thread (pipes stay open until
        the owner's read sees end-of-file, so no descriptor is reused under its feet)."""
        emulator = self._emulator
        if emulator is not None and emulator.app.sp.poll() is None:
            emulator.app.sp.kill()

    def close(self) -> None:
        """Kill the emulator (its TCP session ends with it)."""
        if self._emulator is not None:
            self._emulator.terminate()
            self._emulator = None

    # -- internals ------------------------------------------------------------------

    def _run(self, command: str, doing: str) -> py3270.Command:
        if self._emulator is None:
            raise Unavailable("the terminal is not connected", retry_after=1)
        deadline = current_deadline()
        self._emulator.app.read_until = time.monotonic() + deadline.remaining()
        try:
            return self._emulator.exec_command(command.encode("utf-8"))
        except _ReadTimeout:
            self._fail()
            raise DeadlineExceeded(f"deadline of {deadline.seconds:g}s passed while {doing}") from None
        except (OSError, ValueError, py3270.TerminatedError):
            self._fail()
            raise Unavailable(f"the 3270 emulator ended while {doing}", retry_after=1) from None
        except py3270.CommandError as exc:
            raise self._translate(str(exc), doing) from None

    def _translate(self, message: str, doing: str) -> BridgeError:
        lowered = message.lower()
        self._fail()
        if "timed out" in lowered or "timeout" in lowered:
            return DeadlineExceeded(f"the host kept the keyboard locked while {doing}")
        if self.tls and any(word in lowered for word in ("certificate", "tls", "ssl", "connection failed")):
            detail = "".join(ch for ch in message.replace("\n", " ") if ch.isascii() and ch.isprintable())[:200]
            return Unavailable(f"TLS: the host's certificate or handshake was refused while {doing}: {detail}",
                               retry_after=1)
        if any(word in lowered for word in ("connect", "refused", "reset", "closed", "host")):
            return Unavailable(f"the host dropped or refused the session while {doing}", retry_after=1)
        printable = "".join(ch for ch in message if ch.isprintable())[:200]
        return LegacyError(f"the 3270 emulator failed while {doing}: {printable}")

    def _exchange(self, actions: list[str], what: str) -> Screen:
        """Run ``actions``, wait (bounded by the deadline) for the keyboard to unlock, read the screen."""
        remaining = current_deadline().remaining()
        if remaining <= 0:
            self._fail()
            raise DeadlineExceeded(f"deadline passed before {what}")
        # s3270's own wait ends a little before the deadline, so its answer ("timed out")
        # arrives before our read of the pipe gives up at the deadline itself.
        wait = max(0.001, remaining - _WAIT_MARGIN_S)
        command = self._run(" ".join([*actions, f"Wait({wait:.3f},Unlock)", "ReadBuffer(Ascii)"]),
                            f"waiting for {what}")
        return self._parse(command, what)

    def _snapshot(self) -> Screen:
        return self._parse(self._run("ReadBuffer(Ascii)", "reading the screen"), "the screen")

    def _parse(self, command: py3270.Command, what: str) -> Screen:
        # The status of this very command (the emulator may be closed meanwhile by the pool).
        status = py3270.Status(command.status_line)
        if not (status.connection_state or b"").startswith(b"C("):
            self._fail()
            raise Unavailable(f"the host closed the session before {what}", retry_after=1)
        lines = [line.decode("ascii", "replace") for line in command.data]
        cursor = (int(status.cursor_row or 0), int(status.cursor_col or 0))
        self._screen = s3270.parse_read_buffer(lines, cursor)
        return self._screen

    def _fail(self) -> None:
        """Mark the session unusable and kill its emulator: its state is unknown."""
        self.broken = True
        self.close()
