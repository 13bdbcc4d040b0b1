"""The TN3270 bridge base: a bridge declares its screens and sign-on; the base owns the wiring.

    class PayrollBridge(TN3270Bridge):
        name = "payroll"
        Settings = PayrollSettings                 # a TN3270Settings subclass
        screens = (SignOn, Menu, Employee)
        sign_on = SignOnSpec(SignOn, home=Menu)    # SignOn.errors declare LoginRefused rules
        rejections = (Rejection(Busy, "PAYROLL is busy"),)
        volatile = (Volatile(1, 72, 8, "HH:MM:SS"),)

        @operation(summary="Get one employee", examples=[...])
        def get_employee(self, query: GetEmployee) -> Employee:
            with self.session() as terminal:
                screen = Menu.press(terminal, "Enter", selection="1", number=query.number)
                self.expect(screen, Employee)
                return Employee(**Employee.read(screen))

The base owns the settings (:class:`TN3270Settings`, validated at start naming each key),
the password secret, the session pool (which stops signing on after a refused sign-on),
the declared sign-on and sign-off, rejection screens, cassettes by configuration (record,
replay or live: one session at a time when a cassette is in use), ping, status, reset
and close. Live, with a lease store in its context (``facade.budget_store``), the pool's
``max_size`` and ``lu_names`` are one budget leased by every process serving the bridge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from bridges.core.cassette import Cassette
from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import ConfigError, Unavailable, UnexpectedScreen
from bridges.core.operation import Bridge, BridgeContext
from mainframe.cassette import TRANSPORT, RecordingTerminal, ReplayingTerminal, Volatile
from mainframe.live import LiveTerminal
from mainframe.pool import PoolSettings, SessionPool
from mainframe.port import Terminal
from mainframe.rejection import Rejection
from mainframe.screens import ScreenDef, identify, redacted_snapshot
from mainframe.settings import CodePage, HostName
from mainframe.snapshot import Screen

__all__ = ["SignOnSpec", "TN3270Bridge", "TN3270Settings"]


class TN3270Settings(BaseModel):
    """The options every TN3270 bridge takes; subclass it to add a bridge's own (and to
    give ``user`` a default)."""

    model_config = {"extra": "forbid"}

    host: HostName = Field("127.0.0.1", description="TN3270 server host.")
    port: int = Field(3270, ge=1, le=65535, description="TN3270 server port.")
    code_page: CodePage = Field("cp037", description="The host's EBCDIC code page (cp037, cp1047, cp1140, cp1141).")
    model: Literal[2, 4] = Field(2, description="3270 model: 2 (24x80) or 4 (43x80).")
    user: str = Field(min_length=1, max_length=8, description="User id of the pooled sessions.")
    pool: PoolSettings = Field(default_factory=PoolSettings)
    busy_retry_after_s: float = Field(5.0, ge=0, description="Retry-After when the host rejects a connection "
                                      "(its session limit is reached).")
    executable: str = Field("s3270", description="The s3270 program.")
    trace_dir: Path | None = Field(None, description="s3270 wire traces go here (paused while typing a hidden field).")
    tls: bool = Field(False, description="TN3270 over TLS (s3270's `L:` prefix); the host's certificate is always "
                      "verified.")
    ca_file: Path | None = Field(None, description="CA certificates (PEM) the host's certificate must chain to; "
                                 "default: the system's.")
    tls_server_name: HostName | None = Field(None, description="The name the host's certificate must carry, when "
                                             "`host` is not it (an IP address, a tunnel's loopback end).")

    def tunnel_target(self) -> tuple[str, int]:
        """The TN3270 host and port, which an SSH tunnel (``[bridges.NAME.tunnel]``) can stand in for."""
        return self.host.strip("[]"), self.port

    def through_tunnel(self, host: str, port: int) -> TN3270Settings:
        """These settings, connecting to ``host``:``port`` (a tunnel's loopback end) instead."""
        update: dict[str, Any] = {"host": host, "port": port}
        if self.tls and self.tls_server_name is None:
            update["tls_server_name"] = self.host  # the certificate still names the real host
        return self.model_copy(update=update)


@dataclass(frozen=True)
class SignOnSpec:
    """A declared sign-on: the screen, its user and password input fields, the key that
    submits them, and the screen a successful sign-on lands on. A refusal is whatever
    ``screen.errors`` declares (a :class:`~mainframe.screens.MessageRule` raising
    :class:`~bridges.core.errors.LoginRefused`). ``sign_off`` is the key that ends a
    session politely from a home screen (None: the connection just closes)."""

    screen: type[ScreenDef]
    home: type[ScreenDef]
    user_field: str = "user_id"
    password_field: str = "password"
    key: str = "Enter"
    sign_off: str | None = None


class TN3270Bridge(Bridge):
    """Base of a bridge to a TN3270 application: declare ``screens``, ``sign_on``, and
    optionally ``home_screens`` (where a pooled session may rest; default: the sign-on's
    home), ``rejections`` and ``volatile`` regions; implement operations with
    :meth:`session` and :meth:`expect`.

    A host that shows its application without a sign-on declares ``sign_on = None``,
    ``home_screens`` (the first screen is one of them) and ``required_secrets = ()``."""

    Settings: ClassVar[type[BaseModel]] = TN3270Settings
    required_secrets = ("password",)
    budget_options = ("pool",)
    screens: ClassVar[tuple[type[ScreenDef], ...]] = ()
    sign_on: ClassVar[SignOnSpec | None]
    home_screens: ClassVar[tuple[type[ScreenDef], ...]] = ()
    rejections: ClassVar[tuple[Rejection, ...]] = ()
    volatile: ClassVar[tuple[Volatile, ...]] = ()

    def __init__(self, settings: TN3270Settings, context: BridgeContext) -> None:  # type: ignore[override]
        super().__init__(settings, context)
        self.password = context.secrets.get("password", "")
        if self.sign_on is not None and not self.password:
            raise ConfigError(f"bridges.{context.instance_name}.secrets.password is required")
        if self.sign_on is None and not self.home_screens:
            raise TypeError(f"{type(self).__name__}: without a sign-on, declare home_screens")
        self._secrets = [self.password] if self.password else []  # what recordings store as placeholders
        self._rejections = tuple(replace(r, retry_after_s=settings.busy_retry_after_s) for r in self.rejections)
        self.cassette: Cassette | None = None
        pool_settings, background = settings.pool, True
        if context.cassette is not None:
            self.cassette = Cassette.open(context.cassette, transport=TRANSPORT, system=self.name,
                                          secrets={"password": self.password} if self.password else {})
            # One session at a time, opened on demand: a cassette is one ordered story.
            pool_settings = pool_settings.model_copy(update={"min_size": 0, "max_size": 1, "lu_names": []})
            background = False
        self.mode = "live" if self.cassette is None else ("replay" if self.cassette.replaying else "record")
        sign_off = self._sign_off if self.sign_on and self.sign_on.sign_off else None
        budget = None
        if context.leases is not None and self.cassette is None:
            budget = context.leases.budget(context.instance_name, limit=pool_settings.max_size,
                                           slots=pool_settings.lu_names or None)
        self.pool = SessionPool(self._open_session, pool_settings, is_home=self.is_home, sign_off=sign_off,
                                name=f"{context.instance_name}-sessions", background=background, budget=budget)

    # -- for operations ---------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Terminal]:
        """A signed-on terminal resting on a home screen, returned to the pool afterwards."""
        with self.pool.session() as terminal:
            yield terminal

    def is_home(self, screen: Screen) -> bool:
        """Whether a pooled session may rest on ``screen``."""
        return any(home.matches(screen) for home in self.home_screens or (self.sign_on.home,))  # type: ignore[union-attr]

    def expect(self, screen: Screen, expected: type[ScreenDef]) -> None:
        """Raise the typed error ``screen`` declares, or :class:`UnexpectedScreen`, unless it is ``expected``."""
        found = identify(screen, self.screens, expected=expected.__name__)
        if found is not expected:
            found.check_errors(screen)
            raise UnexpectedScreen(f"{self.name}: {found.__name__} where {expected.__name__} was expected",
                                   snapshot=redacted_snapshot(screen))

    # -- sessions ---------------------------------------------------------------------------

    def _terminal(self, lu_name: str | None) -> Terminal:
        settings: TN3270Settings = self.settings  # type: ignore[assignment]
        if self.cassette is not None and self.cassette.replaying:
            return ReplayingTerminal(self.cassette, code_page=settings.code_page, secrets=self._secrets,
                                     rejections=self._rejections)
        live = LiveTerminal(settings.host, settings.port, code_page=settings.code_page, model=settings.model,
                            lu_name=lu_name, executable=settings.executable, trace_dir=settings.trace_dir,
                            rejections=self._rejections, tls=settings.tls, ca_file=settings.ca_file,
                            tls_server_name=settings.tls_server_name)
        if self.cassette is not None:
            return RecordingTerminal(live, self.cassette, code_page=settings.code_page, secrets=self._secrets,
                                     volatile=self.volatile)
        return live

    def _open_session(self, lu_name: str | None) -> Terminal:
        """Connect and run the declared sign-on; the session comes back on its home screen."""
        spec = self.sign_on
        terminal = self._terminal(lu_name)
        try:
            screen = terminal.connect()
            if spec is None:  # no sign-on: the first screen is home
                if not self.is_home(screen):
                    self.expect(screen, self.home_screens[0])
                return terminal
            self.expect(screen, spec.screen)
            values = {spec.user_field: self.settings.user, spec.password_field: self.password}  # type: ignore[attr-defined]
            screen = spec.screen.press(terminal, spec.key, screen, **values)
            if spec.screen.matches(screen):
                spec.screen.check_errors(screen)  # a refusal the screen declares: LoginRefused
            self.expect(screen, spec.home)
            return terminal
        except BaseException:
            terminal.close()
            raise

    def _sign_off(self, terminal: Terminal) -> None:
        terminal.send(self.sign_on.sign_off)  # type: ignore[union-attr]

    # -- health -------------------------------------------------------------------------------

    def ping(self) -> dict[str, Any]:
        """Borrow a session and read its screen afresh (live and record modes); every session
        busy is a working pool, reported, not raised."""
        if self.mode == "replay":
            return {"mode": self.mode}
        try:
            with deadline_scope(Deadline(3.0)), self.pool.session() as terminal:
                screen = terminal.screen()
        except Unavailable as exc:
            if exc.context.get("budget_spent"):
                return {"mode": self.mode, "home": None, "note": "other processes hold every session of the budget"}
            if self.pool.status()["busy"] >= self.pool.settings.max_size:
                return {"mode": self.mode, "home": None, "note": "every session is busy"}
            raise
        return {"mode": self.mode, "home": self.is_home(screen)}

    def status(self) -> dict[str, Any]:
        """Mode and pool state, with no round trip."""
        return {"mode": self.mode, "pool": self.pool.status()}

    def reset(self) -> None:
        """An operator's reset: sign on again after a refused sign-on (once, then as needed)."""
        self.pool.reset()

    def close(self) -> None:
        """Sign off idle sessions, close the pool, save a recording."""
        self.pool.close()
        if self.cassette is not None:
            self.cassette.save()
