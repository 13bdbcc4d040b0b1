"""A new TN3270 bridge as an integration engineer writes it on the transport base: declarations
and one operation, nothing else (no pool, cassette or sign-on code)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bridges.core.errors import LoginRefused
from bridges.core.operation import Example, operation
from mainframe import InputField, MessageRule, OutputField, ScreenDef, SignOnSpec, TextAt, TN3270Bridge, Volatile

__all__ = ["Home", "Nothing", "SignOnScreen", "Terminal", "WhoBridge"]


class SignOnScreen(ScreenDef):
    """The host's sign-on screen."""

    recognise = (TextAt(1, 2, "CMSIGN"),)
    message = OutputField(-1, 2, 79)
    user_id = InputField(8, 28, 8)
    password = InputField(10, 28, 12, hidden=True)
    keys = frozenset({"Enter"})
    errors = (MessageRule(r"^CM00[123]E", LoginRefused, "the host refused the sign-on"),)


class Home(ScreenDef):
    """Where a signed-on session rests."""

    recognise = (TextAt(1, 2, "CMMENU"),)
    message = OutputField(-1, 2, 79)
    terminal = OutputField(2, 73, 8)


class Nothing(BaseModel):
    """No input."""


class Terminal(BaseModel):
    """The terminal a session holds."""

    terminal: str = Field(description="The LU name the menu shows.")


class WhoBridge(TN3270Bridge):
    """Which terminal am I on?"""

    name = "who"
    screens = (SignOnScreen, Home)
    sign_on = SignOnSpec(SignOnScreen, home=Home, sign_off="PF12")
    volatile = (Volatile(1, 72, 8, "HH:MM:SS"),)

    @operation(summary="The session's terminal", examples=[Example({})])
    def whoami(self, query: Nothing) -> Terminal:
        """Reads the terminal name off the home screen."""
        with self.session() as terminal:
            return Terminal(terminal=Home.read(terminal.last or terminal.screen())["terminal"])
