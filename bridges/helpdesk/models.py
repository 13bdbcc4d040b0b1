"""The typed inputs and outputs of the HELPDESK operations."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from bridges.core.localtime import LocalDateTime

__all__ = ["GetTicket", "HistoryNote", "ListTickets", "Priority", "SearchTickets", "Ticket", "TicketList",
           "TicketPage", "TicketStatus", "TicketSummary"]

CANONICAL_ID = r"^C-\d{5}$"
TICKET_NO = r"^HD-\d{4}-\d{6}$"


class TicketStatus(StrEnum):
    """Where a ticket stands."""

    OPEN = "open"
    PENDING = "pending"
    WAITING = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    """How urgent a ticket is."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class SearchTickets(BaseModel):
    """A ticket search for one customer."""

    model_config = {"extra": "forbid"}

    customer: str = Field(pattern=CANONICAL_ID, max_length=7, description="Canonical customer id, e.g. C-00001.",
                          examples=["C-00001"])
    status: TicketStatus | None = Field(None, description="Only tickets in this status.")
    opened_from: date | None = Field(None, description="Opened on or after this date (ISO 8601).")
    opened_to: date | None = Field(None, description="Opened on or before this date (ISO 8601); before "
                                   "`opened_from`, nothing matches.")
    page: int = Field(1, ge=1, le=10_000, description="Result page, 25 tickets a page, newest first.")
    all_pages: bool = Field(False, description="Return every page from `page` on (up to the bridge's page limit).")


class TicketSummary(BaseModel):
    """One row of the search results."""

    ticket_no: str = Field(pattern=TICKET_NO, description="Ticket number, e.g. HD-2005-003811.")
    opened: date = Field(description="The date the ticket was opened.")
    customer_id: str | None = Field(description="Canonical customer id (None if the crosswalk has no entry).")
    account: str = Field(description="The helpdesk's own account number.")
    customer_name: str = Field(description="The customer's name as the helpdesk shows it.")
    subject: str = Field(description="The ticket's subject line.")
    status: TicketStatus = Field(description="The ticket's status.")
    priority: Priority = Field(description="The ticket's priority.")


class TicketPage(BaseModel):
    """A page (or, with ``all_pages``, several pages) of search results."""

    customer_id: str = Field(description="The canonical customer id searched for.")
    page: int = Field(description="This page's number (25 tickets a page).")
    pages: int = Field(description="How many pages the search has.")
    total: int = Field(description="How many tickets match.")
    tickets: list[TicketSummary] = Field(description="The tickets of this page, or of every page read, newest first.")
    truncated: bool = Field(False, description="True when `all_pages` stopped at the page limit.")


class ListTickets(BaseModel):
    """Every customer's tickets, a few result pages at a time."""

    model_config = {"extra": "forbid"}

    page: int = Field(1, ge=1, le=10_000, description="The first result page to read, 25 tickets a page, newest first.")
    pages: int = Field(1, ge=1, le=200, description="Result pages to read at most (and at most the bridge's page "
                       "limit).")


class TicketList(BaseModel):
    """Result pages of every customer's tickets."""

    page: int = Field(description="The first page read.")
    pages: int = Field(description="How many pages the listing has.")
    total: int = Field(description="How many tickets there are.")
    tickets: list[TicketSummary] = Field(description="The tickets of the pages read, newest first.")
    next_page: int | None = Field(description="Pass as `page` to go on; null when the last page was read.")


class GetTicket(BaseModel):
    """One ticket by number."""

    model_config = {"extra": "forbid"}

    ticket_no: str = Field(pattern=TICKET_NO, max_length=14, description="Ticket number, e.g. HD-2005-003811.",
                           examples=["HD-2005-003811"])


class HistoryNote(BaseModel):
    """One entry of a ticket's history."""

    at: LocalDateTime = Field(description="Local time of the helpdesk (no zone).")
    by: str = Field(description="Who wrote the note.")
    note: str = Field(description="The note's text.")


class Ticket(BaseModel):
    """A ticket's detail page."""

    ticket_no: str = Field(pattern=TICKET_NO, description="Ticket number, e.g. HD-2005-003811.")
    account: str = Field(description="The helpdesk's own account number.")
    customer_id: str | None = Field(description="Canonical customer id (None if the crosswalk has no entry).")
    customer_name: str = Field(description="The customer's name as the helpdesk shows it.")
    status: TicketStatus = Field(description="The ticket's status.")
    priority: Priority = Field(description="The ticket's priority.")
    opened: LocalDateTime = Field(description="Local time of the helpdesk (no zone).")
    closed: LocalDateTime | None = Field(description="Local time of the helpdesk (no zone); null while open.")
    assigned_to: str = Field(description="The agent the ticket is assigned to.")
    subject: str = Field(description="The ticket's subject line.")
    description: str = Field(description="The ticket's description, line breaks kept.")
    history: list[HistoryNote] = Field(description="The ticket's history notes, oldest first.")
