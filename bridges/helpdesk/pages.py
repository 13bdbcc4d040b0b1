"""What the HELPDESK pages look like to the bridge: selectors, tables and parsers.

Header and label texts carry the spellings of both known layouts (2005 "classic" and
the 2006 upgrade), so either extracts correctly; a page matching neither fails with
:class:`LayoutChanged` naming what was looked for.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from lxml.html import HtmlElement

from bridges.core.errors import InvalidInput, LayoutChanged, LegacyError, NotFound
from bridges.helpdesk.models import Priority, TicketStatus
from web_scrape import HttpLogin, LoginSpec, TableSpec, Target, by_css, by_name, by_role, field_pairs, text_of

__all__ = [
    "LOGIN",
    "LOGINS",
    "PAGE_SIZE",
    "RESULTS_TABLE",
    "SEARCH_FORM",
    "parse_results",
    "parse_ticket",
]

PAGE_SIZE = 25

LOGIN = LoginSpec(
    path="login.php",
    username=Target("username field", by_name("username"), by_css("form[name=loginform] input[type=text]")),
    password=Target("password field", by_name("password"), by_css("form[name=loginform] input[type=password]")),
    submit=Target("Log in button", by_role("button", "Log in"), by_css("form[name=loginform] [type=submit]")),
    marker="form[name=loginform] input[type=password]",
)

LOGINS = {
    "form": LOGIN,
    "digest": HttpLogin("digest", probe="nav.php"),
    "basic": HttpLogin("basic", probe="nav.php"),
}
"""The login kinds the helpdesk can sit behind (the ``login`` option): its own form, or
HTTP Digest / Basic when it runs behind the web server's authentication."""

SEARCH_FORM = {
    "account": Target("account field", by_name("account"), by_css("form[name=searchform] input[type=text]")),
    "status": Target("status list", by_name("status"), by_css("form[name=searchform] select")),
    "from": Target("opened-from field", by_name("from")),
    "to": Target("opened-to field", by_name("to")),
    "submit": Target("Search button", by_role("button", "Search"), by_css("form[name=searchform] [type=submit]")),
}

RESULTS_TABLE = TableSpec(
    "results table",
    columns={
        "ticket_no": ("Ticket No.", "Ref"),
        "opened": ("Opened", "Logged"),
        "account": ("Account", "Account No."),
        "customer_name": ("Customer", "Client"),
        "subject": ("Subject",),
        "status": ("Status",),
        "priority": ("Pri", "Priority"),
    },
)

HISTORY_TABLE = TableSpec("history table", columns={"at": ("Date",), "by": ("By",), "note": ("Note",)})

# Detail-page labels: field → label texts (lower case, no colon), current first.
TICKET_LABELS = {
    "ticket_no": ("ticket no.", "reference"),
    "account": ("account", "account no."),
    "customer_name": ("customer", "client"),
    "status": ("status",),
    "priority": ("priority",),
    "opened": ("opened", "logged"),
    "closed": ("closed",),
    "assigned_to": ("assigned to",),
    "subject": ("subject",),
}

STATUS_CODES = {
    "OPEN": TicketStatus.OPEN,
    "PEND": TicketStatus.PENDING,
    "WAIT": TicketStatus.WAITING,
    "RESV": TicketStatus.RESOLVED,
    "CLSD": TicketStatus.CLOSED,
}
SEARCH_STATUS = {TicketStatus.OPEN: "O", TicketStatus.PENDING: "P", TicketStatus.WAITING: "W",
                 TicketStatus.RESOLVED: "R", TicketStatus.CLOSED: "C"}
PRIORITIES = {"1": Priority.URGENT, "2": Priority.HIGH, "3": Priority.NORMAL, "4": Priority.LOW}

_SUMMARY = re.compile(r"(?:Tickets|Showing)\s+(\d+)\s*(?:to|-)\s*(\d+)\s+of\s+(\d+)", re.I)
_PAST_LAST = re.compile(r"No tickets on page \d+ \((\d+) tickets?\)", re.I)
_NO_MATCH = "No tickets match your search."
_NOT_FOUND = re.compile(r"Ticket (\S+) does not exist")
_INVALID = re.compile(r"Invalid date", re.I)


def status_of(text: str) -> TicketStatus:
    """``OPEN`` or ``OPEN - Open`` → :class:`TicketStatus`; anything else is not guessed."""
    code = text.split(" ", 1)[0].strip().upper()
    if code not in STATUS_CODES:
        raise LegacyError(f"unknown ticket status {text[:20]!r}")
    return STATUS_CODES[code]


def priority_of(text: str) -> Priority:
    """``2`` or ``2 - High`` → :class:`Priority`."""
    code = text.split(" ", 1)[0].strip()
    if code not in PRIORITIES:
        raise LegacyError(f"unknown ticket priority {text[:20]!r}")
    return PRIORITIES[code]


def day_of(text: str) -> date:
    """``27/12/2005`` → a date."""
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise LegacyError(f"unreadable date {text[:20]!r}") from None


def moment_of(text: str) -> datetime | None:
    """``27/12/2005 09:14`` → a naive datetime; empty → None."""
    if not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y %H:%M")
    except ValueError:
        raise LegacyError(f"unreadable date and time {text[:20]!r}") from None


def _messages(doc: HtmlElement) -> list[str]:
    return [text_of(font) for font in doc.iter("font") if (font.get("color") or "").lower() == "red"]


def parse_results(doc: HtmlElement) -> tuple[int, list[dict[str, Any]]]:
    """(total matches, rows) of a results page; rows hold typed values."""
    messages = _messages(doc)
    if any(_INVALID.search(m) for m in messages):
        # The caller's dates, valid by the schema, that the helpdesk cannot take (years
        # before 1000, say): the caller's input, a 422 that counts for nothing in the breaker.
        raise InvalidInput("the helpdesk refused the search dates",
                           errors=[{"field": field, "message": "the helpdesk refused this date (it takes DD/MM/YYYY "
                                    "with a four-digit year)", "type": "legacy_refused"}
                                   for field in ("opened_from", "opened_to")])
    if _NO_MATCH in messages:
        return 0, []
    text = text_of(doc)
    past = _PAST_LAST.search(text)
    if past:
        return int(past.group(1)), []
    summary = _SUMMARY.search(text)
    if summary is None:
        raise LayoutChanged("layout changed: results summary line not found", selector="text=Tickets N to M of T",
                            target="results summary")
    rows = RESULTS_TABLE.rows(doc) or []
    typed = [
        {
            "ticket_no": row["ticket_no"],
            "opened": day_of(row["opened"]),
            "account": row["account"],
            "customer_name": row["customer_name"],
            "subject": row["subject"],
            "status": status_of(row["status"]),
            "priority": priority_of(row["priority"]),
        }
        for row in rows
    ]
    return int(summary.group(3)), typed


def _labelled(pairs: dict[str, str], field: str) -> str:
    for label in TICKET_LABELS[field]:
        if label in pairs:
            return pairs[label]
    raise LayoutChanged(f"layout changed: ticket field {TICKET_LABELS[field][0]!r} not found",
                        selector=f"label={TICKET_LABELS[field][0]}", target=f"ticket {field}")


def _section(doc: HtmlElement, heading: str) -> HtmlElement | None:
    """The element after a ``<p><b>Heading:</b></p>`` block."""
    for para in doc.iter("p"):
        if text_of(para).rstrip(":").casefold() == heading.casefold():
            return para.getnext()
    return None


def parse_ticket(doc: HtmlElement, asked: str) -> dict[str, Any]:
    """A ticket detail page → ticket fields (typed), or :class:`NotFound`."""
    for message in _messages(doc):
        if _NOT_FOUND.search(message):
            raise NotFound(f"helpdesk ticket {asked} does not exist")
    pairs = field_pairs(doc)
    number = _labelled(pairs, "ticket_no")
    if number != asked:
        raise LegacyError(f"asked for ticket {asked}, the page shows another ticket")
    description = _section(doc, "Description")
    if description is None:
        raise LayoutChanged("layout changed: ticket description not found", selector="p=Description:",
                            target="ticket description")
    history = HISTORY_TABLE.rows(doc, missing_ok=True)
    if history is None:
        if "No history." not in text_of(doc):
            raise LayoutChanged("layout changed: ticket history not found", selector="table[headers='Date']",
                                target="ticket history")
        history = []
    return {
        "ticket_no": number,
        "account": _labelled(pairs, "account"),
        "customer_name": _labelled(pairs, "customer_name"),
        "status": status_of(_labelled(pairs, "status")),
        "priority": priority_of(_labelled(pairs, "priority")),
        "opened": moment_of(_labelled(pairs, "opened")),
        "closed": moment_of(_labelled(pairs, "closed")),
        "assigned_to": _labelled(pairs, "assigned_to"),
        "subject": _labelled(pairs, "subject"),
        "description": text_of(description, keep_lines=True),
        "history": [{"at": moment_of(h["at"]), "by": h["by"], "note": h["note"]} for h in history],
    }
