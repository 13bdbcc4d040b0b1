"""HelpdeskBridge: the 2005 web helpdesk's tickets as typed operations."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridges.core.customers import CustomerListing
from bridges.core.errors import NotFound
from bridges.core.operation import BridgeContext, Example, operation
from bridges.helpdesk.flows import ListFlow, SearchFlow, TicketFlow
from bridges.helpdesk.models import GetTicket, ListTickets, SearchTickets, Ticket, TicketList, TicketPage
from bridges.helpdesk.pages import LOGIN, LOGINS
from web_scrape import HttpLogin, LoginSpec, WebBridge, WebSettings

__all__ = ["HelpdeskBridge", "HelpdeskSettings"]

SYSTEM = "helpdesk"


class HelpdeskSettings(WebSettings):
    """The ``options`` of a ``[bridges.helpdesk]`` table (the password is a secret, not an option)."""

    base_url: str = Field("http://127.0.0.1:8081/helpdesk/", pattern=r"^https?://",
                          description="The helpdesk's base URL (the folder of login.php).")
    user: str = Field("agent1", min_length=1, max_length=20, description="The helpdesk user the bridge logs in as.")
    max_pages: int = Field(10, ge=1, le=200, description="Most result pages one all_pages search reads.")
    login: Literal["form", "digest", "basic"] = Field(
        "form", description="How the helpdesk asks for the password: its login form, or HTTP Digest or Basic "
        "authentication of the web server in front of it.")


class HelpdeskBridge(WebBridge):
    """Tickets of the HELPDESK web application, read through a headless browser. The
    transport base owns the browser, the declared login (never retried once refused),
    cassettes, ping, status and close."""

    name = "helpdesk"
    title = "HELPDESK web helpdesk"
    description = ("A 2005-era web helpdesk (login form, frames, CSRF tokens, latin-1 pages) read through "
                   "headless Chromium: ticket searches by customer and ticket details.")
    Settings = HelpdeskSettings
    needs_crosswalk = True
    login = LOGIN
    customer_listing = CustomerListing(
        operation="list_tickets",
        items="tickets",
        id="account",
        cursor=("page", "next_page"),
        input={"pages": 4},
        fields={"name": "customer_name"},
        detail="get_ticket",
        detail_input=("ticket_no", "ticket_no"),
        detail_fields={"phone": r"description~^Contact: .*, tel\. (.+)\.$"},
    )
    """The customers: the accounts of every customer's tickets (newest first), each one's phone from the
    requester contact line its newest ticket opens with, when the agents took it."""

    def login_for(self, settings: HelpdeskSettings) -> LoginSpec | HttpLogin:  # type: ignore[override]
        """The declared login of the configured kind (``login`` option)."""
        return LOGINS[settings.login]

    def __init__(self, settings: HelpdeskSettings, context: BridgeContext) -> None:  # type: ignore[override]
        super().__init__(settings, context)
        self.crosswalk = context.crosswalk

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
        return self.run(flow, query)

    @operation(
        summary="List every customer's tickets",
        examples=[Example({"page": 1, "pages": 2}, summary="The newest 50 tickets of all customers")],
    )
    def list_tickets(self, query: ListTickets) -> TicketList:
        """Reads the results of a search for every customer's tickets, newest first, 25 a page: ``pages``
        pages from ``page`` on (at most the configured page limit). Every row carries the helpdesk's account
        number and the canonical id; ``next_page`` goes on where this call stopped."""
        return self.run(ListFlow(self._canonical, self.settings.max_pages), query)

    @operation(
        summary="Get one helpdesk ticket",
        examples=[Example({"ticket_no": "HD-2005-003811"}, summary="A ticket with its description and history")],
    )
    def get_ticket(self, query: GetTicket) -> Ticket:
        """Reads one ticket's detail page: status, priority, opened/closed times (local time
        of the helpdesk, ISO 8601), the assignee, the description (line breaks kept) and
        the history notes. An unknown ticket number is a 404."""
        return self.run(TicketFlow(self._canonical), query)
