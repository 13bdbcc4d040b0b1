"""The s3270 dialect: escaping, attention keys, coordinates, ReadBuffer parsing."""

from __future__ import annotations

import re

import pytest

from bridges.core.errors import InvalidInput
from mainframe import s3270
from mainframe.snapshot import Screen

pytestmark = pytest.mark.unit

DANGEROUS = ['a"b', "it's", "x)y", "(z", "back\\slash", "semi;colon", "Quit()", "PF(3)", 'String("x")',
             "\\n", "\\pf3", "é ß € ü", "\\u0022"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_string_action_is_one_quoted_argument_of_safe_characters(value: str) -> None:
    action = s3270.string_action(value)
    body = action[len('String("'):-2]
    assert action.startswith('String("') and action.endswith('")')
    # Nothing that could end the string, start an action or a String escape other than \uXXXX.
    assert '"' not in body and "(" not in body and ")" not in body and ";" not in body
    assert re.fullmatch(r"(?:[A-Za-z0-9 .,:\-_/+*=#@%&!?<>\[\]{}|~^$`']|\\u00[0-9a-f]{2}|[^\x00-\x7f])*", body)
    decoded = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), body)
    assert decoded == value


def test_untypeable_names_control_characters_and_code_page_gaps() -> None:
    assert "control character" in s3270.untypeable("a\nb", "cp037")
    assert "cannot represent" in s3270.untypeable("€", "cp037")
    assert s3270.untypeable("€ é ß ü", "cp1140") is None
    assert s3270.untypeable("€ß", "cp1141") is None  # a code page from the ebcdic package


def test_attention_keys_are_an_allow_list() -> None:
    assert s3270.aid_action("PF8") == "PF(8)"
    assert s3270.aid_action("PA2") == "PA(2)"
    assert s3270.aid_action("Enter") == "Enter()"
    for bad in ("PF25", "Quit", "Enter() Quit", "pf3", "Disconnect"):
        with pytest.raises(InvalidInput):
            s3270.aid_action(bad)


def test_move_cursor_translates_one_based_positions() -> None:
    assert s3270.move_cursor((1, 1)) == "MoveCursor(0,0)"
    assert s3270.move_cursor((24, 80)) == "MoveCursor(23,79)"


def _read_buffer(rows: int, cols: int, cells: dict[int, str]) -> list[str]:
    tokens = ["00"] * (rows * cols)
    for address, token in cells.items():
        tokens[address] = token
    return [" ".join(tokens[r * cols:(r + 1) * cols]) for r in range(rows)]


def _text(address: int, text: str) -> dict[int, str]:
    return {address + i: ch.encode().hex() for i, ch in enumerate(text)}


def test_parse_read_buffer_fields_coordinates_and_hidden_values() -> None:
    cols = 10
    cells = {
        0: "SF(c0=f0)", **_text(1, "ID:"),          # protected, autoskip label at (1,2)
        5: "SF(c0=c1)", **_text(6, "é€"),           # input at (1,7), modified, 3 long
        9: "SF(c0=f0)",                              # stopper
        10: "SF(c0=4c)", **_text(11, "secret"),     # hidden input at (2,2), 8 long
        19: "SF(c0=e8)",                             # protected intensified, wraps to the start
    }
    screen = s3270.parse_read_buffer(_read_buffer(2, cols, cells), cursor0=(0, 5))
    assert (screen.rows, screen.cols, screen.cursor) == (2, 10, (1, 6))
    label, name, _stopper, password, tail = screen.fields
    assert (label.row, label.col, label.length, label.protected, label.value) == (1, 2, 4, True, "ID:")
    assert (name.position, name.length, name.protected, name.modified, name.value) == ((1, 7), 3, False, True, "é€")
    assert password.hidden and password.value == "" and "secret" not in screen.all_text
    assert tail.intensified and tail.protected
    assert screen.field_at(1, 8) is name
    assert screen.text(1, 7, 2) == "é€"
    assert Screen.from_data(screen.to_data()) == screen


@pytest.mark.parametrize(("host", "port", "lu"), [("h) Quit(", 23, None), ("127.0.0.1", 0, None),
                                                  ("127.0.0.1", 23, "LU1) Quit("), ("a b", 23, None)])
def test_connect_target_cannot_carry_an_action(host, port, lu):
    from mainframe import LiveTerminal

    with pytest.raises(InvalidInput):
        LiveTerminal(host, port, lu_name=lu)
