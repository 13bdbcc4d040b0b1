"""The walk language: keys, typed values, parameters, read and done, one step a line."""

from __future__ import annotations

import pytest

from mainframe.discover.classify import classify
from mainframe.discover.walk import Step, WalkError, input_field, parse_step, parse_walk
from tests.mainframe.discover.buffers import captured

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("line", "step"),
    [
        ("ENTER", Step("key", key="Enter")),
        ("pf3", Step("key", key="PF3")),
        ("Clear", Step("key", key="Clear")),
        ("PA2", Step("key", key="PA2")),
        ("read", Step("read")),
        ("DONE", Step("done")),
        ("type selection=1", Step("type", values=(("selection", "1"),))),
        ('input street="Main St 5" city=Köln', Step("input", values=(("street", "Main St 5"), ("city", "Köln")))),
        ("type 4,20=84603489  # a position instead of a name", Step("type", values=(("4,20", "84603489"),))),
        ("type note=", Step("type", values=(("note", ""),))),
    ],
)
def test_steps(line, step):
    assert parse_step(line) == step


@pytest.mark.parametrize(
    "line", ["PF25", "ENTER PF3", "type", "type selection", "type =1", "press ENTER", 'type name="unclosed']
)
def test_bad_lines_are_refused_naming_the_line(line):
    with pytest.raises(WalkError, match="line 7"):
        parse_step(line, 7)


def test_a_walk_file_skips_blanks_and_comments_and_numbers_its_steps():
    steps = parse_walk("# menu\n\ntype selection=1\nENTER\n   \nread\n")
    assert [(s.kind, s.line) for s in steps] == [("type", 3), ("key", 4), ("read", 6)]


def test_fields_are_found_by_name_or_position_and_an_unknown_one_lists_the_names():
    fields = classify(captured("cmmenu"))
    assert input_field(fields, "customer_no").position == (12, 28)
    assert input_field(fields, "10,28").name == "selection"
    with pytest.raises(WalkError, match=r"line 3: no input field 'name'.*selection, customer_no"):
        input_field(fields, "name", 3)
