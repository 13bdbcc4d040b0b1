"""CUSTMAST's screens, declared once (see ``fixtures/custmast/SCREENS.md``).

Everything the bridge knows about where things are on CUSTMAST's screens lives here;
the pydantic input models take their length limits from these declarations.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bridges.core.errors import InvalidInput, LoginRefused, NotFound, Unavailable
from mainframe import (
    Edge,
    InputField,
    MessageRule,
    Navigator,
    OutputField,
    Rejection,
    ScreenDef,
    Table,
    TextAt,
    Volatile,
)

__all__ = [
    "CLOCK",
    "AddressChange",
    "Browse",
    "Busy",
    "ConfirmChange",
    "Inquiry",
    "Menu",
    "SignOn",
    "busy_rejection",
    "navigator",
]

CLOCK = Volatile(1, 72, 8, "HH:MM:SS")
"""The header clock, masked in recordings."""


def _amount(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", ""))


def _since(text: str) -> date:
    return datetime.strptime(text.strip().title(), "%d %b %Y").date()


# Number errors shared by the screens that take a customer number.
_NUMBER_ERRORS = (
    MessageRule(r"^CM016E", NotFound, "CUSTMAST has no such customer"),
    # A number whose check digit is wrong cannot belong to a customer: no such record.
    MessageRule(r"^CM015E", NotFound, "CUSTMAST has no such customer: {message}"),
    MessageRule(r"^CM01[34]E", InvalidInput, "CUSTMAST refused the customer number: {message}"),
)


class _Base(ScreenDef):
    message = OutputField(-1, 2, 79)
    screen_id = OutputField(1, 2, 8)
    keys = frozenset({"Enter", "PF3", "PF12", "Clear"})


class SignOn(_Base):
    """CMSIGN: user id and a non-display password."""

    recognise = (TextAt(1, 2, "CMSIGN"),)
    user_id = InputField(8, 28, 8)
    password = InputField(10, 28, 12, hidden=True)
    terminal_name = OutputField(14, 28, 8)
    errors = (
        MessageRule(r"^CM00[12]E", LoginRefused, "CUSTMAST refused the sign-on: wrong user id or password"),
        MessageRule(r"^CM003E", LoginRefused, "CUSTMAST refused the sign-on: the configured user is revoked"),
    )


class Busy(_Base):
    """CMBUSY: the host's session limit is reached."""

    recognise = (TextAt(1, 2, "CMBUSY"),)
    keys: frozenset[str] = frozenset()


def busy_rejection(retry_after_s: float) -> Rejection:
    """CMBUSY instead of a session: the session limit is reached, or the terminal asked for is taken."""
    return Rejection(Busy, "CUSTMAST rejected the connection (session limit)", retry_after_s=retry_after_s)


class Menu(_Base):
    """CMMENU: the home screen of a pooled session."""

    recognise = (TextAt(1, 2, "CMMENU"),)
    selection = InputField(10, 28, 1, numeric=True)
    customer_no = InputField(12, 28, 8, numeric=True)
    terminal_name = OutputField(2, 73, 8)
    errors = _NUMBER_ERRORS


class Inquiry(_Base):
    """CMINQ: one customer."""

    recognise = (TextAt(1, 2, "CMINQ"),)
    customer_no = InputField(4, 20, 8, numeric=True)
    name = OutputField(6, 20, 40)
    street = OutputField(7, 20, 40)
    city = OutputField(8, 20, 30)
    postcode = OutputField(9, 20, 10)
    country = OutputField(10, 20, 2)
    phone = OutputField(11, 20, 20)
    credit_limit = OutputField(12, 20, 14, _amount)
    customer_since = OutputField(13, 20, 11, _since)
    errors = _NUMBER_ERRORS


class Browse(_Base):
    """CMBRW: customers by number, 15 (model 2) or 34 (model 4) to a page."""

    recognise = (TextAt(1, 2, "CMBRW"),)
    keys = frozenset({"Enter", "PF3", "PF7", "PF8", "PF12", "Clear"})
    start_at = InputField(4, 20, 8, numeric=True)
    page = OutputField(4, 71, 4, int)
    table = Table(
        first_row=6,
        last_row=-4,
        columns={"custmast_no": (2, 8), "name": (12, 40), "city": (54, 20), "country": (76, 2)},
        key="custmast_no",
        next_key="PF8",
        end=lambda screen: screen.text(screen.rows, 2, 6) == "CM031I",
    )
    errors = (MessageRule(r"^CM032E", InvalidInput, "CUSTMAST refused the start number: {message}"),)


class AddressChange(_Base):
    """CMADR: load a customer, type the new address, ENTER validates."""

    recognise = (TextAt(1, 2, "CMADR"),)
    customer_no = InputField(4, 20, 8, numeric=True)
    name = OutputField(6, 20, 40)
    street = InputField(8, 20, 40)
    city = InputField(9, 20, 30)
    postcode = InputField(10, 20, 10)
    country = InputField(11, 20, 2)
    errors = (
        *_NUMBER_ERRORS,
        MessageRule(r"^CM04[5-8]E", InvalidInput, "CUSTMAST refused the address: {message}"),
        MessageRule(r"^CM049E", Unavailable, "the customer was changed by another user meanwhile; retry"),
    )


class ConfirmChange(_Base):
    """CMADC: old and new address; PF10 commits, PF3 cancels."""

    recognise = (TextAt(1, 2, "CMADC"),)
    keys = frozenset({"PF10", "PF3", "PF12"})
    customer_no = OutputField(4, 20, 8)
    name = OutputField(5, 20, 40)
    old_street = OutputField(7, 20, 40)
    old_city = OutputField(8, 20, 30)
    old_postcode = OutputField(9, 20, 10)
    old_country = OutputField(10, 20, 2)
    new_street = OutputField(12, 20, 40)
    new_city = OutputField(13, 20, 30)
    new_postcode = OutputField(14, 20, 10)
    new_country = OutputField(15, 20, 2)


SCREENS = (SignOn, Busy, Menu, Inquiry, Browse, AddressChange, ConfirmChange)


def navigator() -> Navigator:
    """CUSTMAST's screens and the keys between them."""
    back = [Edge(s, Menu, "PF3") for s in (Inquiry, Browse, AddressChange)]
    return Navigator(
        SCREENS,
        [
            Edge(Menu, Inquiry, "Enter", {"selection": "1"}),
            Edge(Menu, Browse, "Enter", {"selection": "2"}),
            Edge(Menu, AddressChange, "Enter", {"selection": "3"}),
            Edge(ConfirmChange, AddressChange, "PF3"),
            *back,
        ],
    )
