"""The CUSTMAST bridge: a CICS-style customer master reached over TN3270."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from bridges.core.cassette import Cassette
from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import BridgeError, ConfigError, InvalidInput, NotFound, Unavailable, UnexpectedScreen
from bridges.core.operation import Bridge, BridgeContext, Effect, Example, operation
from bridges.custmast.models import (
    ADDRESS_PARTS,
    Address,
    AddressChangeResult,
    BrowseCustomers,
    ChangeAddress,
    Customer,
    CustomerPage,
    CustomerSummary,
    GetCustomer,
)
from bridges.custmast.screens import (
    CLOCK,
    SCREENS,
    AddressChange,
    Browse,
    ConfirmChange,
    Inquiry,
    Menu,
    SignOn,
    busy_rejection,
    navigator,
)
from mainframe import (
    TRANSPORT,
    CodePage,
    HostName,
    LiveTerminal,
    PoolSettings,
    RecordingTerminal,
    ReplayingTerminal,
    Screen,
    ScreenDef,
    SessionPool,
    Terminal,
    identify,
    redacted_snapshot,
    untypeable,
)

__all__ = ["CustmastBridge", "CustmastSettings", "is_home"]

SYSTEM = "custmast"


def is_home(screen: Screen) -> bool:
    """Where a pooled session may rest: the menu, or the inquiry screen (lookups are the hot path)."""
    return Menu.matches(screen) or Inquiry.matches(screen)


class CustmastSettings(BaseModel):
    """How to reach CUSTMAST (the ``options`` table of ``[bridges.custmast]``)."""

    model_config = {"extra": "forbid"}

    host: HostName = Field("127.0.0.1", description="TN3270 server host.")
    port: int = Field(3270, ge=1, le=65535, description="TN3270 server port.")
    code_page: CodePage = Field("cp037", description="The host's EBCDIC code page (cp037, cp1047, cp1140, cp1141).")
    model: Literal[2, 4] = Field(2, description="3270 model: 2 (24x80) or 4 (43x80).")
    user: str = Field("DEMO01", min_length=1, max_length=8, description="CUSTMAST user id of the pooled sessions.")
    pool: PoolSettings = Field(default_factory=PoolSettings)
    max_browse_screens: int = Field(20, ge=1, le=200, description="Screens one browse may page through.")
    busy_retry_after_s: float = Field(5.0, ge=0, description="Retry-After when the host's session limit is reached.")
    executable: str = Field("s3270", description="The s3270 program.")
    trace_dir: Path | None = Field(None, description="s3270 wire traces go here (paused while typing a hidden field).")


class CustmastBridge(Bridge):
    """Customers of the CUSTMAST customer master (green screens, pooled sessions).

    Pooled sessions are signed on and rest on the menu or on the inquiry screen; every
    operation starts from there and returns there."""

    name = "custmast"
    title = "CUSTMAST customer master"
    description = (
        "The distributor's CICS-style customer master, reached by TN3270 terminal emulation through a pool "
        "of signed-on sessions. Customer ids are canonical (C-00001); CUSTMAST numbers are accepted too."
    )
    Settings = CustmastSettings
    required_secrets = ("password",)

    def __init__(self, settings: CustmastSettings, context: BridgeContext) -> None:  # type: ignore[override]
        super().__init__(settings, context)
        self.password = context.secrets.get("password")
        if not self.password:
            raise ConfigError(f"bridges.{context.instance_name}.secrets.password is required (the CUSTMAST password)")
        self.navigator = navigator()
        self.cassette: Cassette | None = None
        pool_settings = settings.pool
        background = True
        if context.cassette is not None:
            self.cassette = Cassette.open(context.cassette, transport=TRANSPORT, system=SYSTEM,
                                          secrets={"password": self.password})
            # One session at a time, opened on demand: a cassette is one ordered story.
            pool_settings = pool_settings.model_copy(update={"min_size": 0, "max_size": 1, "lu_names": []})
            background = False
        self.mode = "live" if self.cassette is None else ("replay" if self.cassette.replaying else "record")
        self.pool = SessionPool(self._open_session, pool_settings, is_home=is_home, sign_off=self._sign_off,
                                name=f"{context.instance_name}-sessions", background=background)

    # -- sessions -----------------------------------------------------------------------

    def _terminal(self, lu_name: str | None) -> Terminal:
        if self.cassette is not None and self.cassette.replaying:
            return ReplayingTerminal(self.cassette, code_page=self.settings.code_page, secrets=[self.password],
                                     rejections=(busy_rejection(self.settings.busy_retry_after_s),))
        live = LiveTerminal(self.settings.host, self.settings.port, code_page=self.settings.code_page,
                            model=self.settings.model, lu_name=lu_name, executable=self.settings.executable,
                            trace_dir=self.settings.trace_dir,
                            rejections=(busy_rejection(self.settings.busy_retry_after_s),))
        if self.cassette is not None:
            return RecordingTerminal(live, self.cassette, code_page=self.settings.code_page,
                                     secrets=[self.password], volatile=[CLOCK])
        return live

    def _open_session(self, lu_name: str | None) -> Terminal:
        """Connect and sign on; the session is returned on the menu (home).

        A refused sign-on raises :class:`LoginRefused` (declared on :class:`SignOn`): the
        pool then signs on no more, for CUSTMAST revokes a user after three wrong passwords."""
        terminal = self._terminal(lu_name)
        try:
            screen = terminal.connect()
            self._expect(screen, SignOn)
            screen = SignOn.press(terminal, "Enter", screen, user_id=self.settings.user, password=self.password)
            if SignOn.matches(screen):
                SignOn.check_errors(screen)
            self._expect(screen, Menu)
            return terminal
        except BaseException:
            terminal.close()
            raise

    def _expect(self, screen: Screen, expected: type[ScreenDef]) -> None:
        found = identify(screen, SCREENS, expected=expected.__name__)
        if found is not expected:
            found.check_errors(screen)
            raise UnexpectedScreen(f"CUSTMAST showed {found.__name__} where {expected.__name__} was expected",
                                   snapshot=redacted_snapshot(screen))

    def _go_home(self, terminal: Terminal, screen: Screen) -> None:
        if not is_home(screen):
            self.navigator.go(terminal, Menu, screen)

    @contextmanager
    def _then_home(self, terminal: Terminal) -> Iterator[None]:
        """Leave the application screen with PF3 and walk back to the menu afterwards.

        When the body failed, a failure on the way home is dropped: the pool's home
        check discards a session that did not make it back."""
        try:
            yield
        except BaseException:
            if not terminal.broken:
                with suppress(BridgeError):
                    self._go_home(terminal, terminal.send("PF3"))
            raise
        self._go_home(terminal, terminal.send("PF3"))

    def _sign_off(self, terminal: Terminal) -> None:
        """PF12 (from either home screen): end the CUSTMAST session politely before the connection closes."""
        terminal.send("PF12")

    def _number(self, ref: str) -> str:
        """The CUSTMAST number of a canonical id or CUSTMAST number."""
        if ref.startswith("C-"):
            local = self.context.crosswalk.local(SYSTEM, ref) if self.context.crosswalk else None
            if local is None:
                raise NotFound(f"no CUSTMAST customer is mapped to {ref}")
            return local
        return ref

    def _canonical(self, number: str) -> str | None:
        return self.context.crosswalk.canonical(SYSTEM, number) if self.context.crosswalk else None

    def _check_typeable(self, **values: str) -> None:
        for name, value in values.items():
            reason = untypeable(value, self.settings.code_page)
            if reason:
                raise InvalidInput(f"{name} {reason}", errors=[{"field": name, "message": reason, "type": "code_page"}])

    def _from_menu(self, terminal: Terminal, selection: str, number: str | None,
                   expected: type[ScreenDef]) -> Screen:
        if terminal.last is not None and Inquiry.matches(terminal.last):
            self._expect(Inquiry.press(terminal, "PF3"), Menu)  # parked on the inquiry: back to the menu
        values = {"selection": selection}
        if number:
            values["customer_no"] = number
        screen = Menu.press(terminal, "Enter", **values)
        self._expect(screen, expected)
        return screen

    # -- operations -----------------------------------------------------------------------

    @operation(
        summary="Get one customer",
        description="The customer's name, address, phone, credit limit and customer-since date, read from "
        "CUSTMAST's customer inquiry screen. Accepts the canonical id or the CUSTMAST number.",
        examples=[
            Example({"customer": "C-00001"}, summary="By canonical id"),
            Example({"customer": "84603489"}, summary="By CUSTMAST number"),
        ],
    )
    def get_customer(self, query: GetCustomer) -> Customer:
        number = self._number(query.customer)
        with self.pool.session() as terminal:
            # The inquiry screen is a home screen too: a session parked there looks up in one screen,
            # and stays there (a refused number or an unknown customer leaves it there as well).
            if terminal.last is not None and Inquiry.matches(terminal.last):
                screen = Inquiry.press(terminal, "Enter", customer_no=number)
                self._expect(screen, Inquiry)
            else:
                screen = self._from_menu(terminal, "1", number, Inquiry)
            Inquiry.check_errors(screen)
            data = Inquiry.read(screen)
        if not data.get("name"):
            raise UnexpectedScreen("CUSTMAST showed the inquiry screen without a customer",
                                   snapshot=redacted_snapshot(screen))
        data.pop("message", None)
        data.pop("screen_id", None)
        return Customer(customer_id=self._canonical(number), custmast_no=number, **data)

    @operation(
        summary="List customers in CUSTMAST number order",
        description="Pages through CUSTMAST's customer browse with PF8 until `limit` customers are read or the "
        "list ends (at most `max_browse_screens` screens per call). Continue with `next_start_at`.",
        examples=[
            Example({"limit": 5}, summary="The first five customers"),
            Example({"start_at": "5", "limit": 20}, summary="From number 50000000 on"),
        ],
    )
    def browse_customers(self, query: BrowseCustomers) -> CustomerPage:
        start = self._number(query.start_at) if query.start_at and query.start_at.startswith("C-") else query.start_at
        if start:
            start = start.ljust(8, "0")
        rows: list[dict[str, str]] = []
        end = False
        screens = 0
        with self.pool.session() as terminal:
            screen = self._from_menu(terminal, "2", start, Browse)
            with self._then_home(terminal):
                while True:
                    Browse.check_errors(screen)
                    screens += 1
                    rows.extend(Browse.table.rows(screen))  # type: ignore[union-attr]
                    end = Browse.table.end(screen)  # type: ignore[union-attr]
                    if end or len(rows) >= query.limit or screens >= self.settings.max_browse_screens:
                        break
                    screen = Browse.press(terminal, Browse.table.next_key)  # type: ignore[union-attr]
                    self._expect(screen, Browse)
        returned = rows[: query.limit]
        more = len(rows) > query.limit or not end
        next_start = f"{int(returned[-1]['custmast_no']) + 1:08d}" if returned and more else None
        return CustomerPage(
            customers=[
                CustomerSummary(customer_id=self._canonical(r["custmast_no"]), custmast_no=r["custmast_no"],
                                name=r["name"], city=r["city"] or None, country=r["country"] or None)
                for r in returned
            ],
            next_start_at=next_start,
            end_of_list=not more,
            screens_read=screens,
        )

    @operation(
        summary="Change a customer's address",
        description="Types the new address parts into CUSTMAST's address change screen (parts left out keep "
        "their stored value), checks the confirmation screen and commits with PF10. With dry_run the change "
        "is validated by CUSTMAST but cancelled before the commit key, and nothing is saved.",
        effect=Effect.WRITE,
        examples=[
            Example({"customer": "C-00001", "street": "Hauptstraße 5", "city": "Köln", "postcode": "50667",
                     "country": "DE", "dry_run": True}, summary="Validate a change without saving it"),
            Example({"customer": "84603489", "street": "Storgatan 12"}, summary="Change the street only"),
        ],
    )
    def change_address(self, change: ChangeAddress) -> AddressChangeResult:
        given = change.changes()
        self._check_typeable(**given)
        number = self._number(change.customer)
        committed = changed = False
        with self.pool.session() as terminal:
            screen = self._from_menu(terminal, "3", number, AddressChange)
            with self._then_home(terminal):
                AddressChange.check_errors(screen)
                old = {name: AddressChange.input_fields()[name].read(screen) for name in ADDRESS_PARTS}
                new = {**old, **given}
                screen = AddressChange.press(terminal, "Enter", screen, **given)
                if AddressChange.matches(screen):
                    AddressChange.check_errors(screen)  # refused address, record changed meanwhile…
                else:
                    self._expect(screen, ConfirmChange)
                    changed = True
                    screen = ConfirmChange.press(terminal, "PF3" if change.dry_run else "PF10")
                    self._expect(screen, AddressChange)
                    AddressChange.check_errors(screen)
                    committed = not change.dry_run and AddressChange.message_text(screen).startswith("CM042I")
                message = AddressChange.message_text(screen)
        return AddressChangeResult(
            customer_id=self._canonical(number), custmast_no=number, dry_run=change.dry_run,
            committed=committed, changed=changed, old=Address(**old), new=Address(**new), message=message,
        )

    # -- health -----------------------------------------------------------------------------

    def ping(self) -> dict[str, Any]:
        """Borrow a session and read its screen afresh (live and record modes).

        When every session is busy the pool is working, not failing: that is reported, not raised."""
        if self.mode == "replay":
            return {"mode": self.mode}
        try:
            with deadline_scope(Deadline(3.0)), self.pool.session() as terminal:
                screen = terminal.screen()
        except Unavailable:
            if self.pool.status()["busy"] >= self.pool.settings.max_size:
                return {"mode": self.mode, "home": None, "note": "every session is busy"}
            raise
        return {"mode": self.mode, "home": is_home(screen)}

    def status(self) -> dict[str, Any]:
        """Mode and pool state, with no round trip."""
        return {"mode": self.mode, "pool": self.pool.status()}

    def reset(self) -> None:
        """An operator's reset: sign on again after a refused sign-on (once, then as needed)."""
        self.pool.reset()

    def close(self) -> None:
        """Sign off nothing (sessions just end), close the pool, save a recording."""
        self.pool.close()
        if self.cassette is not None:
            self.cassette.save()
