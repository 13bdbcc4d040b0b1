"""Field classification from 3270 field attributes, on screens s3270 read from the demo host."""

from __future__ import annotations

import pytest

from mainframe.discover.classify import Kind, classify, identifier, legend_keys, signature
from mainframe.s3270 import parse_read_buffer
from tests.mainframe.discover.buffers import buffer_lines, captured

pytestmark = pytest.mark.unit


def _by_kind(name: str) -> dict[Kind, list[tuple]]:
    found: dict[Kind, list[tuple]] = {}
    for f in classify(captured(name)):
        found.setdefault(f.kind, []).append((f.name or f.text, f.row, f.col, f.length))
    return found


def test_sign_on_inputs_come_from_attributes_the_hidden_one_marked():
    inputs = [f for f in classify(captured("cmsign")) if f.kind is Kind.INPUT]
    assert [(f.name, f.position, f.length, f.hidden, f.numeric) for f in inputs] == [
        ("user_id", (8, 28), 8, False, False),
        ("password", (10, 28), 12, True, False),
    ]
    assert inputs[0].text == "USER ID  . . . :"


def test_numeric_inputs_are_marked_numeric():
    inputs = {f.name: f for f in classify(captured("cmmenu")) if f.kind is Kind.INPUT}
    assert set(inputs) == {"selection", "customer_no"}
    assert inputs["selection"].numeric and inputs["selection"].length == 1
    assert inputs["customer_no"].numeric and inputs["customer_no"].position == (12, 28)


def test_values_after_labels_are_outputs_named_by_their_label_and_read_to_the_row_end():
    found = _by_kind("cminq")
    outputs = {name: (row, col, length) for name, row, col, length in found[Kind.OUTPUT]}
    assert outputs["name"] == (6, 20, 61)
    assert outputs["credit_limit"] == (12, 20, 61)
    assert outputs["customer_since"] == (13, 20, 61)  # the field runs on for rows: cut at its row's end
    assert outputs["user"] == (2, 8, 54) and outputs["terminal"] == (2, 73, 8)
    labels = [text for text, *_ in found[Kind.LABEL]]
    assert "NAME  . . . . . :" in labels and "CUSTOMER SINCE  :" in labels
    # Values are never taken for labels or text (they change from customer to customer).
    texts = [text for text, *_ in found[Kind.TEXT]]
    assert texts == ["CMINQ", "CUSTOMER INQUIRY"]


def test_message_keys_legend_and_clock():
    found = _by_kind("cminq")
    assert found[Kind.MESSAGE] == [("message", 24, 2, 79)]
    assert [row for _, row, *_ in found[Kind.KEYS]] == [23]
    assert [(row, col, length) for _, row, col, length in found[Kind.VOLATILE]] == [(1, 72, 8)]
    legend = found[Kind.KEYS][0][0]
    assert legend_keys(legend) == {"Enter", "PF3", "PF12", "Clear"}


def test_a_password_typed_into_the_hidden_field_never_shows():
    cursor, rows = buffer_lines("cmsign")
    # What s3270 would read back after "Secret1" was typed into the non-display field at row 10, column 28.
    cells = rows[9].split()
    start = cells.index("SF(c0=cc)")  # protected off, non-display: the password field's attribute
    secret = [f"{ord(ch):02x}" for ch in "Secret1"]
    cells[start + 1 : start + 1 + len(secret)] = secret
    rows[9] = " ".join(cells)
    screen = parse_read_buffer(rows, cursor)
    password = next(f for f in classify(screen) if f.hidden)
    assert password.name == "password" and "Secret1" not in screen.all_text
    assert all("Secret1" not in f.text for f in classify(screen))


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("CUSTOMER NO . . :", "customer_no"),
        ("NAME  . . . . . :", "name"),
        ("USER:", "user"),
        ("COMMAND ===>", "command"),
        ("1ST LINE:", "f_1st_line"),
        ("MESSAGE . :", "message_field"),
        ("KEYS:", "keys_field"),
        ("FROM:", "field_1_2"),  # a Python keyword
        ("::", "field_1_2"),
    ],
)
def test_identifiers_from_labels(label, name):
    assert identifier(label, "field_1_2") == name


def test_legend_keys_ignore_words_that_only_look_like_keys():
    assert legend_keys("ENTER=Select  PF3=Exit  pf12=Cancel  PA1=Attn") == {"Enter", "PF3", "PF12", "PA1"}
    assert legend_keys("ENTERPRISE=1  XPF3=2  PF25=3") == set()


def test_signatures_tell_screens_apart_by_their_header_text_not_values():
    assert len({signature(captured(name)) for name in ("cmsign", "cmmenu", "cminq")}) == 3
    assert ("CMINQ" in str(signature(captured("cminq")))) and "DEMO01" not in str(signature(captured("cminq")))
