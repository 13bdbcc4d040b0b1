"""HelpdeskBridge: the 2005 web helpdesk's tickets as typed operations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bridges.core.errors import ConfigError, NotFound
from bridges.core.operation import Bridge, BridgeContext, Example, operation
from bridges.helpdesk.flows import SearchFlow, TicketFlow
from bridges.helpdesk.models import GetTicket, SearchTickets, Ticket, TicketPage
from bridges.helpdesk.pages import LOGIN
from web_scrape import BrowserPort, Credential, LaunchSettings, PortSettings, TraceLevel

__all__ = ["HelpdeskBridge", "HelpdeskSettings"]

SYSTEM = "helpdesk"


class HelpdeskSettings(BaseModel):
    """The ``options`` of a ``[bridges.helpdesk]`` table (the password is a secret, not an option)."""

    model_config = {"extra": "forbid"}

    base_url: str = Field("http://127.0.0.1:8081/helpdesk/", pattern=r"^https?://",
                          description="The helpdesk's base URL (the folder of login.php).")
    user: str = Field("agent1", min_length=1, max_length=20, description="The helpdesk user the bridge logs in as.")
    chromium_path: Path | None = Field(None, description="Chromium executable; default: the system one.")
    pool_size: int = Field(2, ge=1, le=16, description="Warm browser contexts kept per browser.")
    browsers: int = Field(1, ge=1, le=8, description="Chromium processes serving calls in parallel (one owner "
                          "thread each); recording and replay use one.")
    max_pages: int = Field(10, ge=1, le=200, description="Most result pages one all_pages search reads.")
    trace: TraceLevel = Field(TraceLevel.LIGHT, description="Playwright tracing (off, light, full); a failed "
                              "call's trace is kept, redacted, with its screenshot.")
    artifacts_dir: Path | None = Field(None, description="Where failure artifacts go; default: a temp folder.")


class HelpdeskBridge(Bridge):
    """Tickets of the HELPDESK web application, read through a headless browser."""

    name = "helpdesk"
    title = "HELPDESK web helpdesk"
    description = ("A 2005-era web helpdesk (login form, frames, CSRF tokens, latin-1 pages) read through "
                   "headless Chromium: ticket searches by customer and ticket details.")
    Settings = HelpdeskSettings
    required_secrets = ("password",)
    needs_crosswalk = True

    def __init__(self, settings: HelpdeskSettings, context: BridgeContext) -> None:
        super().__init__(settings, context)
        password = context.secrets.get("password")
        if not password:
            raise ConfigError(f"bridges.{context.instance_name}.secrets.password is required")
        if context.crosswalk is None:
            raise ConfigError(f"bridges.{context.instance_name}: the helpdesk bridge needs a crosswalk file")
        self.crosswalk = context.crosswalk
        self.credential = Credential(settings.user, password)
        base_url = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
        self.port = BrowserPort(
            PortSettings(
                base_url=base_url,
                launch=LaunchSettings(chromium_path=settings.chromium_path),
                pool_size=settings.pool_size,
                browsers=settings.browsers,
                trace=settings.trace,
                artifacts_dir=settings.artifacts_dir,
            ),
            system=SYSTEM,
            login=LOGIN,
            cassette=context.cassette,
            secrets={name.upper(): value for name, value in context.secrets.items()},
        )

    def _canonical(self, account: str) -> str | None:
        return self.crosswalk.canonical(SYSTEM, account)

    @operation(
        summary="Search a customer's helpdesk tickets",
        examples=[
            Example({"customer": "C-00001"}, summary="The newest 25 tickets of customer C-00001"),
            Example({"customer": "C-00001", "status": "open", "opened_from": "2005-01-01",
                              "opened_to": "2005-12-31"},
                    summary="Open tickets opened in 2005"),
        ],
    )
    def search_tickets(self, query: SearchTickets) -> TicketPage:
        """Searches the helpdesk's tickets of one customer, newest first, 25 a page.

        ``customer`` is the canonical customer id; the bridge finds the helpdesk's account
        number through the crosswalk. Dates are ISO 8601 (the helpdesk's DD/MM/YYYY is
        converted both ways), statuses are named, and every row carries the canonical id.
        ``all_pages`` follows the pagination links up to the configured page limit and says
        ``truncated`` if it stopped there."""
        account = self.crosswalk.local(SYSTEM, query.customer)
        if account is None:
            raise NotFound(f"customer {query.customer} has no helpdesk account")
        flow = SearchFlow(account, self._canonical, self.settings.max_pages)
        return self.port.run(flow, query, self.credential)  # type: ignore[return-value]

    @operation(
        summary="Get one helpdesk ticket",
        examples=[Example({"ticket_no": "HD-2005-003811"}, summary="A ticket with its description and history")],
    )
    def get_ticket(self, query: GetTicket) -> Ticket:
        """Reads one ticket's detail page: status, priority, opened/closed times (local time
        of the helpdesk, ISO 8601), the assignee, the description (line breaks kept) and
        the history notes. An unknown ticket number is a 404."""
        return self.port.run(TicketFlow(self._canonical), query, self.credential)  # type: ignore[return-value]

    def ping(self) -> dict[str, Any]:
        """The helpdesk answers over HTTP (live) or the cassette is loaded (replay)."""
        return self.port.ping()

    def status(self) -> dict[str, Any]:
        """Browser, pool and cassette state."""
        return self.port.status()

    def reset(self) -> None:
        """An operator's reset: log in again after a refused login (once, then as needed)."""
        self.port.reset()

    def close(self) -> None:
        """Close the browser; write the recording in record mode."""
        self.port.close()
