"""The HELPDESK bridge: a 2005-era web helpdesk's tickets through a headless browser."""

from bridges.helpdesk.bridge import HelpdeskBridge, HelpdeskSettings
from bridges.helpdesk.models import (
    GetTicket,
    HistoryNote,
    Priority,
    SearchTickets,
    Ticket,
    TicketPage,
    TicketStatus,
    TicketSummary,
)

__all__ = [
    "GetTicket",
    "HelpdeskBridge",
    "HelpdeskSettings",
    "HistoryNote",
    "Priority",
    "SearchTickets",
    "Ticket",
    "TicketPage",
    "TicketStatus",
    "TicketSummary",
]
