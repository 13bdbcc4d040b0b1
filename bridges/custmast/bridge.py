"""The CUSTMAST bridge: a CICS-style customer master reached over TN3270."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from pydantic import Field

from bridges.core.customers import CustomerListing
from bridges.core.errors import BridgeError, InvalidInput, NotFound, UnexpectedScreen
from bridges.core.operation import Effect, Example, operation
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
)
from bridges.custmast.screens import (
    navigator as screen_navigator,
)
from mainframe import (
    Screen,
    ScreenDef,
    SignOnSpec,
    Terminal,
    TN3270Bridge,
    TN3270Settings,
    redacted_snapshot,
    untypeable,
)

__all__ = ["CustmastBridge", "CustmastSettings", "is_home"]

SYSTEM = "custmast"


def is_home(screen: Screen) -> bool:
    """Where a pooled session may rest: the menu, or the inquiry screen (lookups are the hot path)."""
    return Menu.matches(screen) or Inquiry.matches(screen)


class CustmastSettings(TN3270Settings):
    """How to reach CUSTMAST (the ``options`` table of ``[bridges.custmast]``)."""

    user: str = Field("DEMO01", min_length=1, max_length=8, description="CUSTMAST user id of the pooled sessions.")
    max_browse_screens: int = Field(20, ge=1, le=200, description="Screens one browse may page through.")


class CustmastBridge(TN3270Bridge):
    """Customers of the CUSTMAST customer master (green screens, pooled sessions).

    Pooled sessions are signed on and rest on the menu or on the inquiry screen; every
    operation starts from there and returns there. The transport base owns the pool, the
    sign-on (declared below: CUSTMAST revokes a user after three wrong passwords, so a
    refused sign-on is never tried again), cassettes, ping, status and close."""

    name = "custmast"
    title = "CUSTMAST customer master"
    description = (
        "The distributor's CICS-style customer master, reached by TN3270 terminal emulation through a pool "
        "of signed-on sessions. Customer ids are canonical (C-00001); CUSTMAST numbers are accepted too."
    )
    Settings = CustmastSettings
    screens = SCREENS
    sign_on = SignOnSpec(SignOn, home=Menu, sign_off="PF12")
    home_screens = (Menu, Inquiry)
    rejections = (busy_rejection(5.0),)
    volatile = (CLOCK,)
    navigator = screen_navigator()
    customer_listing = CustomerListing(
        operation="browse_customers",
        items="customers",
        id="custmast_no",
        cursor=("start_at", "next_start_at"),
        input={"limit": 200},
        fields={"name": "name", "city": "city", "country": "country"},
        detail="get_customer",
        detail_input=("customer", "custmast_no"),
        detail_fields={"street": "street", "postcode": "postcode", "phone": "phone"},
    )
    """The customers: the browse (200 a call), each one's address and phone from its inquiry screen."""

    def _go_home(self, terminal: Terminal, screen: Screen) -> None:
        if not self.is_home(screen):
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
            self.expect(Inquiry.press(terminal, "PF3"), Menu)  # parked on the inquiry: back to the menu
        values = {"selection": selection}
        if number:
            values["customer_no"] = number
        screen = Menu.press(terminal, "Enter", **values)
        self.expect(screen, expected)
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
        with self.session() as terminal:
            # The inquiry screen is a home screen too: a session parked there looks up in one screen,
            # and stays there (a refused number or an unknown customer leaves it there as well).
            if terminal.last is not None and Inquiry.matches(terminal.last):
                screen = Inquiry.press(terminal, "Enter", customer_no=number)
                self.expect(screen, Inquiry)
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
        with self.session() as terminal:
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
                    self.expect(screen, Browse)
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
        with self.session() as terminal:
            screen = self._from_menu(terminal, "3", number, AddressChange)
            with self._then_home(terminal):
                AddressChange.check_errors(screen)
                old = {name: AddressChange.input_fields()[name].read(screen) for name in ADDRESS_PARTS}
                new = {**old, **given}
                screen = AddressChange.press(terminal, "Enter", screen, **given)
                if AddressChange.matches(screen):
                    AddressChange.check_errors(screen)  # refused address, record changed meanwhile…
                else:
                    self.expect(screen, ConfirmChange)
                    changed = True
                    screen = ConfirmChange.press(terminal, "PF3" if change.dry_run else "PF10")
                    self.expect(screen, AddressChange)
                    AddressChange.check_errors(screen)
                    committed = not change.dry_run and AddressChange.message_text(screen).startswith("CM042I")
                message = AddressChange.message_text(screen)
        return AddressChangeResult(
            customer_id=self._canonical(number), custmast_no=number, dry_run=change.dry_run,
            committed=committed, changed=changed, old=Address(**old), new=Address(**new), message=message,
        )
