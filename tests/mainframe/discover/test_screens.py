"""Captures merged into distinct screens: names, recognise rules from protected text, keys, values."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mainframe.discover.classify import Kind
from mainframe.discover.screens import discover_screens
from mainframe.discover.walk import Capture
from tests.mainframe.discover.buffers import captured, demo_walk

pytestmark = pytest.mark.unit


def test_the_walk_gives_three_screens_sign_on_first_named_by_their_titles():
    screens = discover_screens(demo_walk())
    assert [(s.name, s.sign_on) for s in screens] == [("SignOn", True), ("MainMenu", False), ("CustomerInquiry", False)]
    menu = screens[1]
    assert len(menu.captures) == 2  # before and after the inquiry: one screen


def test_recognise_rules_are_protected_text_that_only_that_screen_shows():
    screens = discover_screens(demo_walk())
    assert [[(r.row, r.col, r.text) for r in s.recognise] for s in screens] == [
        [(1, 2, "CMSIGN")],
        [(1, 2, "CMMENU")],
        [(1, 2, "CMINQ")],
    ]
    for screen in screens:
        others = [c for s in screens if s is not screen for c in s.captures]
        assert all(screen.matches(c) for c in screen.captures) and not any(screen.matches(c) for c in others)


def test_keys_come_from_the_legend_and_the_keys_pressed():
    sign_on, menu, inquiry = discover_screens(demo_walk())
    assert sign_on.keys == {"Enter", "PF3", "Clear"}
    assert menu.keys == {"Enter", "PF3", "PF12"}
    assert inquiry.keys == {"Enter", "PF3", "PF12", "Clear"}


def test_protected_text_that_changes_between_captures_is_a_value_not_a_rule():
    walk = demo_walk()
    menu = captured("cmmenu")
    # The same menu with another text in its first menu line, as a host showing a date there would.
    lines = list(menu.lines)
    lines[4] = lines[4].replace("1  CUSTOMER INQUIRY", "1  CUSTOMER ENQUIRY")
    walk.captures[2] = Capture(menu.with_lines(tuple(lines)))
    screens = discover_screens(walk)
    menu_screen = screens[1]
    assert (5, 10) in [f.position for f in menu_screen.fields if f.kind is Kind.OUTPUT]
    assert all(r.position != (5, 10) for r in menu_screen.recognise)


def test_two_screens_with_one_title_get_distinct_names():
    walk = demo_walk()
    inquiry = captured("cminq")
    lines = list(inquiry.lines)
    lines[0] = lines[0].replace("CMINQ ", "CMINQ2")
    walk.captures[2] = replace(walk.captures[2], screen=inquiry.with_lines(tuple(lines)))
    names = [s.name for s in discover_screens(walk)]
    assert names == ["SignOn", "MainMenu", "CustomerInquiry", "CustomerInquiry2"]
