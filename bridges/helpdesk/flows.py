"""The HELPDESK flows: search tickets through the frameset's search form, read a ticket.

The search posts the real form (with its CSRF token) for page 1, then follows the
pagination links; the ticket page opens in the main frame, as a user would.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from bridges.helpdesk.models import GetTicket, ListTickets, SearchTickets, Ticket, TicketList, TicketPage
from bridges.helpdesk.pages import PAGE_SIZE, SEARCH_FORM, SEARCH_STATUS, parse_results, parse_ticket
from web_scrape import Flow, FlowPage, FlowRun, find_link

__all__ = ["ListFlow", "SearchFlow", "TicketFlow"]

_NEXT = ("Next >>", "Next »", "next")


def main_frame(page: FlowPage) -> tuple[Any, bool]:
    """The frameset's main frame, loading the frameset when the page is elsewhere.

    Returns (frame, fresh): ``fresh`` when the frame has just loaded the search form."""
    for frame in page.page.frames:
        if frame.name == "main":
            return frame, False
    page.goto("index.php")
    return page.frame("main"), True


def _with_page(href: str, number: int) -> str:
    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return f"{parts.path}?{urlencode([*query, ('page', str(number))])}"



def _day_month_year(day: date | None) -> str:
    """The form's DD/MM/YYYY (the year always four digits, as the helpdesk requires; strftime
    writes year 889 as ``889``); empty for no date."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}" if day else ""

class SearchFlow(Flow):
    """Search a customer's tickets and read one page (or every page up to a limit)."""

    name = "search_tickets"
    input_model = SearchTickets
    output_model = TicketPage
    steps: ClassVar[tuple[str, ...]] = ("open_form", "fill_form", "submit", "read_pages")

    def __init__(self, account: str, resolve_customer: Any, max_pages: int) -> None:
        self.account = account
        self.resolve_customer = resolve_customer
        self.max_pages = max_pages

    def open_form(self, page: FlowPage, run: FlowRun) -> None:
        frame, fresh = main_frame(page)
        if not fresh:
            page.goto("search.php", frame=frame)
        run.state["frame"] = frame

    def fill_form(self, page: FlowPage, run: FlowRun) -> None:
        query: SearchTickets = run.input
        frame = run.state["frame"]
        page.fill(SEARCH_FORM["account"], self.account, scope=frame)
        page.select(SEARCH_FORM["status"], SEARCH_STATUS[query.status] if query.status else "", scope=frame)
        page.fill(SEARCH_FORM["from"], _day_month_year(query.opened_from), scope=frame)
        page.fill(SEARCH_FORM["to"], _day_month_year(query.opened_to), scope=frame)

    def submit(self, page: FlowPage, run: FlowRun) -> None:
        page.submit(SEARCH_FORM["submit"], scope=run.state["frame"])

    def read_pages(self, page: FlowPage, run: FlowRun) -> dict[str, Any]:
        query: SearchTickets = run.input
        limit = math.inf if query.all_pages else 1
        total, pages, tickets, _, truncated = self.walk(page, run.state["frame"], query.page, limit)
        return {"customer_id": query.customer, "page": query.page, "pages": pages, "total": total,
                "tickets": tickets, "truncated": truncated}

    def walk(self, page: FlowPage, frame: Any, start: int, limit: float) -> tuple[int, int, list[dict], int, bool]:
        """From the submitted search, result page ``start`` and the pages after it, ``limit`` pages in all
        and never more than ``max_pages``: the total, the page count, the tickets (customer ids resolved),
        the pages read and whether ``max_pages`` cut the walk short."""
        doc = page.doc(frame)
        total, rows = parse_results(doc)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        next_href = find_link(doc, _NEXT)
        if start > 1:
            rows = []
            if start <= pages and next_href:
                page.goto(_with_page(next_href, start), frame=frame)
                doc = page.doc(frame)
                total, rows = parse_results(doc)
                next_href = find_link(doc, _NEXT)
        collected, walked, truncated = list(rows), 1, False
        while next_href and walked < limit:
            if walked >= self.max_pages:
                truncated = True
                break
            page.goto(next_href, frame=frame)
            doc = page.doc(frame)
            _, more = parse_results(doc)
            collected.extend(more)
            next_href = find_link(doc, _NEXT)
            walked += 1
        for row in collected:
            row["customer_id"] = self.resolve_customer(row["account"])
        return total, pages, collected, walked, truncated


class ListFlow(SearchFlow):
    """Every customer's tickets: the search form sent with no account, then ``pages`` result pages from ``page``."""

    name = "list_tickets"
    input_model = ListTickets
    output_model = TicketList

    def __init__(self, resolve_customer: Any, max_pages: int) -> None:
        super().__init__("", resolve_customer, max_pages)

    def fill_form(self, page: FlowPage, run: FlowRun) -> None:
        frame = run.state["frame"]
        page.fill(SEARCH_FORM["account"], "", scope=frame)
        page.select(SEARCH_FORM["status"], "", scope=frame)
        page.fill(SEARCH_FORM["from"], "", scope=frame)
        page.fill(SEARCH_FORM["to"], "", scope=frame)

    def read_pages(self, page: FlowPage, run: FlowRun) -> dict[str, Any]:
        query: ListTickets = run.input
        total, pages, tickets, walked, _ = self.walk(page, run.state["frame"], query.page, query.pages)
        last = query.page + walked - 1
        return {"page": query.page, "pages": pages, "total": total, "tickets": tickets,
                "next_page": last + 1 if last < pages else None}


class TicketFlow(Flow):
    """Open one ticket's detail page in the main frame and read it."""

    name = "get_ticket"
    input_model = GetTicket
    output_model = Ticket
    steps: ClassVar[tuple[str, ...]] = ("open_ticket", "read_ticket")

    def __init__(self, resolve_customer: Any) -> None:
        self.resolve_customer = resolve_customer

    def open_ticket(self, page: FlowPage, run: FlowRun) -> None:
        frame, _ = main_frame(page)
        page.goto(f"ticket.php?{urlencode({'id': run.input.ticket_no})}", frame=frame)
        run.state["frame"] = frame

    def read_ticket(self, page: FlowPage, run: FlowRun) -> dict[str, Any]:
        fields = parse_ticket(page.doc(run.state["frame"]), run.input.ticket_no)
        fields["customer_id"] = self.resolve_customer(fields["account"])
        return fields
