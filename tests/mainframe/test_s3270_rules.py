"""What may be typed on a 3270, at its edges: control characters by code point, the exact
field and its length, the messages a caller gets, and escaping that nothing gets through."""

from __future__ import annotations

import pytest

from bridges.core.errors import InvalidInput
from mainframe.s3270 import aid_action, check_typed_value, string_action, untypeable
from mainframe.snapshot import Field, Screen

pytestmark = pytest.mark.unit

SCREEN = Screen(rows=24, cols=80, lines=tuple(" " * 80 for _ in range(24)),
                fields=(Field(row=3, col=20, length=8), Field(row=5, col=10, length=4, protected=True)))


def _refusal(position, value, code_page="cp037") -> str:
    with pytest.raises(InvalidInput) as err:
        check_typed_value(SCREEN, position, value, code_page)
    return err.value.detail


def test_a_value_as_long_as_the_field_fits_one_more_does_not():
    check_typed_value(SCREEN, (3, 20), "12345678", "cp037")
    assert _refusal((3, 20), "123456789") == (
        "the value for the field at row 3, column 20 is 9 characters; the field holds 8")


def test_refusals_name_the_place_by_row_and_column():
    assert _refusal((3, 20), 12) == "the value for the field at row 3, column 20 must be text"
    assert _refusal((7, 1), "x") == "no input field starts at row 7, column 1"  # no field there
    assert _refusal((3, 21), "x") == "no input field starts at row 3, column 21"  # inside, not at its start
    assert _refusal((5, 10), "x") == "no input field starts at row 5, column 10"  # protected
    assert _refusal((3, 20), "a\tb") == ("the value for the field at row 3, column 20 contains a control "
                                         "character (U+0009); a 3270 field holds one line of text")
    assert _refusal((3, 20), "€") == ("the value for the field at row 3, column 20 contains '€', which the host "
                                      "code page cp037 cannot represent")


@pytest.mark.parametrize(("ch", "control"), [("\x1f", True), (" ", False), ("~", False), ("\x7f", True),
                                             ("\x9f", True), ("\xa0", False), ("é", False)])
def test_control_characters_by_code_point(ch, control):
    reason = untypeable(ch, "cp037")
    if control:
        assert reason == f"contains a control character (U+{ord(ch):04X}); a 3270 field holds one line of text"
    else:
        assert reason is None


def test_code_pages_come_from_python_or_the_ebcdic_package():
    assert untypeable("€", "cp1140") is None and untypeable("€", "cp037") is not None
    assert untypeable("ß", "cp1141") is None


def test_a_non_printable_character_beyond_latin_1_cannot_be_escaped():
    with pytest.raises(InvalidInput) as err:
        string_action("a\u2028b")
    assert err.value.detail == "U+2028 cannot be typed on a 3270"


def test_escaping_keeps_safe_text_and_escapes_everything_with_meaning():
    assert string_action('ab 1") Enter(') == 'String("ab 1\\u0022\\u0029 Enter\\u0028")'
    assert string_action("é\x85\\") == 'String("é\\u0085\\u005c")'


def test_unknown_attention_keys_are_named():
    with pytest.raises(InvalidInput) as err:
        aid_action("PF99")
    assert err.value.detail == "unknown attention key 'PF99'"
    assert aid_action("PF8") == "PF(8)" and aid_action("Enter") == "Enter()"
