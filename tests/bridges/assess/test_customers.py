"""A system's customers read through its bridge's declared read operations: bounded, resumable, read-only."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from bridges.assess.customers import listing_of, read_customers
from bridges.core.config import load_config
from bridges.core.customers import CustomerListing, field_value
from bridges.core.errors import ConfigError
from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import Bridge, BridgeContext, NoSettings, operation
from bridges.core.runtime import BridgeRuntime, Runtime

pytestmark = pytest.mark.unit

PEOPLE = [(f"{n:03d}", f"Person {n}", f"+49 30 {n:06d}") for n in range(1, 8)]


class Page(BaseModel):
    """Input: where a page starts."""

    start: int = 0


class Row(BaseModel):
    """A row naming a customer (each customer twice, as tickets do)."""

    no: str
    label: str


class Rows(BaseModel):
    """A page of rows and where the next one starts."""

    rows: list[Row]
    next: int | None


class One(BaseModel):
    """Input: one customer number."""

    no: str


class Detail(BaseModel):
    """One customer's details, the phone inside a note."""

    no: str
    note: str


class Toy(Bridge):
    """Lists customers two rows a customer, three rows a page."""

    name = "toy"
    calls: list[str]

    def __init__(self, settings: BaseModel, context: BridgeContext) -> None:
        super().__init__(settings, context)
        self.calls = []

    @operation(summary="Rows naming customers")
    def rows(self, page: Page) -> Rows:
        self.calls.append(f"rows {page.start}")
        doubled = [Row(no=no, label=name) for no, name, _ in PEOPLE for _ in range(2)]
        end = page.start + 3
        return Rows(rows=doubled[page.start : end], next=end if end < len(doubled) else None)

    @operation(summary="One customer")
    def detail(self, one: One) -> Detail:
        self.calls.append(f"detail {one.no}")
        phone = next(p for no, _, p in PEOPLE if no == one.no)
        return Detail(no=one.no, note=f"Called us.\nContact: x, tel. {phone}.")

    @operation(summary="Delete a customer", effect="write")
    def delete(self, one: One) -> Detail:
        raise AssertionError("never called")


LISTING = CustomerListing(
    operation="rows",
    items="rows",
    id="no",
    cursor=("start", "next"),
    fields={"name": "label"},
    detail="detail",
    detail_input=("no", "no"),
    detail_fields={"phone": r"note~^Contact: .*, tel\. (.+)\.$"},
)


def _runtime() -> tuple[Runtime, Toy]:
    toy = Toy(NoSettings(), BridgeContext("toy"))
    return Runtime({"toy": BridgeRuntime(toy, Guard(GuardSettings(read_retries=0)))}), toy


def test_every_customer_once_with_the_detail_operation_filling_the_phone():
    runtime, toy = _runtime()
    records, read = read_customers(runtime, "toy", LISTING)
    assert [(r.id, r.name, r.phones) for r in records] == [(no, name, (phone,)) for no, name, phone in PEOPLE]
    assert read["complete"] and read["calls"] == 5 + 7 == len(toy.calls)
    assert read["operations"] == ["toy.rows", "toy.detail"]


def test_the_limit_stops_the_read_and_says_it_is_not_complete():
    runtime, toy = _runtime()
    records, read = read_customers(runtime, "toy", LISTING, limit=3)
    assert [r.id for r in records] == ["001", "002", "003"] and not read["complete"]
    assert toy.calls.count("rows 6") == 0  # nothing past the page where the third customer was found


def test_a_stopped_read_resumes_from_the_last_listing_call_kept():
    runtime, toy = _runtime()
    kept: list[dict] = []

    def stop_after_two(state):
        kept.append(state)
        if len(kept) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        read_customers(runtime, "toy", LISTING, save=stop_after_two)
    before = len(toy.calls)
    records, read = read_customers(runtime, "toy", LISTING, saved=kept[-1])
    assert [r.id for r in records] == [no for no, _, _ in PEOPLE] and read["complete"]
    assert toy.calls[before] == "rows 6" and "detail 001" not in toy.calls[before:]  # not read again


def test_only_read_operations_may_be_named(tmp_path):
    runtime, _ = _runtime()
    writing = LISTING.model_copy(update={"detail": "delete"})
    with pytest.raises(ConfigError, match="delete is not a read operation"):
        writing.check(runtime.bridges["toy"].operations, "toy")
    config = tmp_path / "bridges.yaml"
    config.write_text(
        'bridges:\n  toy:\n    customer_listing:\n      operation: delete\n      items: rows\n      id: "no"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="delete is not a read operation"):
        listing_of(runtime, load_config(config), "toy")  # the configuration's listing is checked as well


def test_fields_are_named_as_customer_fields_and_a_pattern_picks_a_part():
    with pytest.raises(ValueError, match="birthday: not a customer field"):
        CustomerListing(operation="rows", items="rows", id="no", fields={"birthday": "dob"})
    assert field_value({"a": {"b": "Contact: Ann, tel. 0301.\nbye"}}, r"a.b~tel\. (\d+)\.") == "0301"
    assert field_value({"a": None}, "a.b") == ""


def test_the_checkpoint_keeps_the_read_for_a_resumed_assessment(tmp_path):
    from bridges.assess.checkpoint import Checkpoint

    runtime, toy = _runtime()
    plan = {"customers": ["toy"]}
    first = Checkpoint(tmp_path, plan, resume=False)
    read_customers(runtime, "toy", LISTING, limit=2, save=lambda state: first.add_customers("toy", state))
    calls = len(toy.calls)
    resumed = Checkpoint(tmp_path, plan, resume=True)
    records, read = read_customers(runtime, "toy", LISTING, limit=2, saved=resumed.customers("toy"))
    assert [r.id for r in records] == ["001", "002"] and not read["complete"] and len(toy.calls) == calls
    with pytest.raises(ConfigError, match="of another assessment"):
        Checkpoint(tmp_path, {"customers": ["other"]}, resume=True)
