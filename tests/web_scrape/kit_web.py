"""A new web bridge as an integration engineer writes it on the transport base: a declared
login, one flow, one operation — no browser, pool, login or cassette code."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from bridges.core.operation import Example, operation
from web_scrape import Flow, FlowPage, FlowRun, LoginSpec, Target, WebBridge, by_name, by_role, field_pairs

__all__ = ["Subject", "SubjectFlow", "TicketNo", "TicketsBridge"]


class TicketNo(BaseModel):
    """A ticket number."""

    ticket_no: str = Field(pattern=r"^HD-\d{4}-\d{6}$", description="The ticket, e.g. HD-2005-003811.")


class Subject(BaseModel):
    """A ticket's subject line."""

    subject: str


class SubjectFlow(Flow):
    """Open the ticket page and read its subject."""

    name = "subject"
    input_model = TicketNo
    output_model = Subject
    steps: ClassVar[tuple[str, ...]] = ("read",)

    def read(self, page: FlowPage, run: FlowRun) -> dict[str, Any]:
        page.goto(f"ticket.php?{urlencode({'id': run.input.ticket_no})}")
        return {"subject": field_pairs(page.doc())["subject"]}


class TicketsBridge(WebBridge):
    """A ticket's subject from the helpdesk."""

    name = "tickets"
    login = LoginSpec("login.php", username=Target("user", by_name("username")),
                      password=Target("password", by_name("password")),
                      submit=Target("log in", by_role("button", "Log in")))

    @operation(summary="A ticket's subject", examples=[Example({"ticket_no": "HD-2005-003811"})])
    def subject(self, query: TicketNo) -> Subject:
        """Reads the subject line of one ticket."""
        return self.run(SubjectFlow(), query)
