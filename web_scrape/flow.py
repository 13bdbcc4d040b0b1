"""Typed flows: an input model, named steps, an output model — run on a deadline-bound page.

    class TicketFlow(Flow):
        name = "get_ticket"
        input_model, output_model = GetTicket, Ticket
        steps = ("open", "extract")

        def open(self, page: FlowPage, run: FlowRun) -> None:
            page.goto(f"ticket.php?id={run.input.ticket_no}")

        def extract(self, page: FlowPage, run: FlowRun) -> dict:
            return parse(page.doc())

Every :class:`FlowPage` action waits at most until the call's deadline (Playwright
timeouts come from ``current_deadline().remaining()``), checks the answer's HTTP status,
and notices the login page (raising :class:`SessionExpired`, which the port answers by
logging in again and re-running the flow once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urljoin

from lxml.html import HtmlElement
from pydantic import BaseModel, ValidationError

from bridges.core.deadline import current_deadline
from bridges.core.errors import LayoutChanged, LegacyError
from web_scrape.extract import parse_html
from web_scrape.selectors import Target

__all__ = ["Credential", "Flow", "FlowPage", "FlowRun", "LoginSpec", "SessionExpired"]


class SessionExpired(Exception):
    """The application showed its login page in the middle of a flow."""


@dataclass(frozen=True)
class Credential:
    """Who a browser context is logged in as; the password never shows in ``repr``."""

    user: str
    password: str = field(repr=False)

    @property
    def key(self) -> str:
        """The pool key: contexts are shared per user, never across users."""
        return self.user.casefold()


@dataclass(frozen=True)
class LoginSpec:
    """How to log in to an application and how to recognise its login page."""

    path: str
    username: Target
    password: Target
    submit: Target
    marker: str = "input[type=password]"
    """CSS that matches only on the login page (in any frame)."""


@dataclass
class FlowRun:
    """One run of a flow: its validated input and a scratch space between steps."""

    input: Any
    state: dict[str, Any] = field(default_factory=dict)


class FlowPage:
    """A Playwright page whose every action is bound by the call's deadline."""

    def __init__(self, page: Any, base_url: str, *, login_marker: str | None = None,
                 after_navigation: Callable[[str], None] | None = None) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/") + "/"
        self.login_marker = login_marker
        self.after_navigation = after_navigation
        self.step = "a browser step"
        self.checks_login = True

    def url(self, path: str) -> str:
        """``path`` resolved against the application's base URL."""
        return urljoin(self.base_url, path)

    def timeout_ms(self) -> float:
        """Milliseconds left for one wait (never 0, which Playwright reads as "forever")."""
        deadline = current_deadline()
        deadline.check(self.step)
        return max(1.0, deadline.remaining() * 1000)

    # -- navigation -----------------------------------------------------------------

    def goto(self, path: str, *, frame: Any = None) -> Any:
        """Load ``path`` in the page (or in ``frame``) and check the answer."""
        response = (frame or self.page).goto(self.url(path), timeout=self.timeout_ms(), wait_until="load")
        self._after(response)
        return response

    def submit(self, target: Target, *, scope: Any = None) -> Any:
        """Click ``target`` (a submit button or link) and wait for the navigation it causes."""
        scope = scope or self.page
        locator = target.resolve(scope)
        waiter = scope if hasattr(scope, "expect_navigation") else self.page
        with waiter.expect_navigation(timeout=self.timeout_ms(), wait_until="load") as navigation:
            locator.click(timeout=self.timeout_ms())
        response = navigation.value
        self._after(response)
        return response

    def _after(self, response: Any) -> None:
        if self.after_navigation is not None:
            self.after_navigation(self.step)
        if self.checks_login and self.on_login_page():
            raise SessionExpired(self.step)
        if response is not None and response.status >= 400:
            raise LegacyError(f"the application answered HTTP {response.status} during {self.step}",
                              http_status=response.status)

    def on_login_page(self) -> bool:
        """True when any frame shows the login form."""
        if not self.login_marker:
            return False
        return any(frame.locator(self.login_marker).count() for frame in self.page.frames)

    # -- forms ----------------------------------------------------------------------

    def frame(self, *names: str) -> Any:
        """The first frame named one of ``names`` (or whose URL contains it)."""
        frames = self.page.frames
        for name in names:
            for frame in frames:
                if frame.name == name or (name.endswith(".php") and name in frame.url):
                    return frame
        raise LayoutChanged(f"layout changed: no frame named {', '.join(names)} during {self.step}",
                            selector=f"frame[name={names[0]}]", target=f"frame {names[0]}")

    def fill(self, target: Target, value: str, *, scope: Any = None) -> None:
        """Type ``value`` into the form field ``target``."""
        target.resolve(scope or self.page).fill(value, timeout=self.timeout_ms())

    def select(self, target: Target, value: str, *, scope: Any = None) -> None:
        """Choose the option whose value is ``value`` in the select ``target``."""
        target.resolve(scope or self.page).select_option(value=value, timeout=self.timeout_ms())

    # -- reading --------------------------------------------------------------------

    def content(self, scope: Any = None) -> str:
        """The HTML of the page (or of a frame)."""
        current_deadline().check(self.step)
        return (scope or self.page).content()

    def doc(self, scope: Any = None) -> HtmlElement:
        """The page (or frame) parsed with lxml, for extraction in one pass."""
        return parse_html(self.content(scope))


class Flow:
    """A typed sequence of steps against one application.

    Subclasses set ``name``, ``input_model``, ``output_model`` and ``steps`` (method names,
    run in order; each takes ``(page, run)``; the last one returns the output data).
    """

    name: ClassVar[str] = "flow"
    input_model: ClassVar[type[BaseModel]]
    output_model: ClassVar[type[BaseModel]]
    steps: ClassVar[tuple[str, ...]] = ()

    def execute(self, page: FlowPage, data: BaseModel) -> BaseModel:
        """Run every step on ``page`` and return the validated output."""
        if not isinstance(data, self.input_model):
            data = self.input_model.model_validate(data)
        run = FlowRun(input=data)
        result: Any = None
        for step in self.steps:
            page.step = f"{self.name}.{step}"
            current_deadline().check(page.step)
            result = getattr(self, step)(page, run)
        try:
            return self.output_model.model_validate(result)
        except ValidationError as exc:
            raise LegacyError(f"{self.name}: the page gave data that does not fit {self.output_model.__name__} "
                              f"({exc.error_count()} problems)") from None
