"""Copybook parsing: sizes and offsets of every clause, the source formats, known byte
patterns (overpunched signs, packed and binary sizes), and clear refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extract import CopybookError, DecodeError, parse_copybook

pytestmark = pytest.mark.unit

FIXED = """\
000100* CUSTOMER BALANCE RECORD                                          CUSTBAL
000200 01  CB-REC.                                                       CUSTBAL
000300     05  CB-KEY.                                                   CUSTBAL
000400         10  CB-BRANCH      PIC X(3).                              CUSTBAL
000500         10  CB-NUMBER      PIC 9(5).                              CUSTBAL
000600     05  CB-BALANCE         PIC S9(9)V99 USAGE IS COMP-3.          CUSTBAL
000700     05  CB-LIMIT           PIC S9(7)V99 COMPUTATIONAL-3           CUSTBAL
000800                            VALUE ZERO.                            CUSTBAL
000900     05  CB-SEQ             PIC S9(4) COMP.                        CUSTBAL
001000     05  CB-BIG             PIC 9(12) BINARY.                      CUSTBAL
001100     05  CB-MID             PIC S9(6) COMP-4.                      CUSTBAL
001200     05  CB-STATUS          PIC X VALUE 'A'.                       CUSTBAL
001300         88  CB-ACTIVE      VALUE 'A'.                             CUSTBAL
001400     05  FILLER             PIC X(4).                              CUSTBAL
001500     05  CB-HIST OCCURS 12 TIMES INDEXED BY CB-IX.                 CUSTBAL
001600         10  CB-HIST-AMT    PIC S9(7)V99 COMP-3.                   CUSTBAL
001700     05  CB-EDITED          PIC ZZ,ZZ9.99-.                        CUSTBAL
"""


def test_fixed_format_copybook_places_every_field():
    layout = parse_copybook(FIXED).layout()
    places = {path: (f.offset, f.size, f.kind) for path, f in layout.fields()}
    assert places == {
        "cb_branch": (0, 3, "text"),
        "cb_number": (3, 5, "zoned"),
        "cb_balance": (8, 6, "packed"),  # 11 digits + sign nibble = 6 bytes
        "cb_limit": (14, 5, "packed"),  # 9 digits + sign = 5 bytes
        "cb_seq": (19, 2, "binary"),  # 1-4 digits: halfword
        "cb_big": (21, 8, "binary"),  # 10-18 digits: doubleword
        "cb_mid": (29, 4, "binary"),  # 5-9 digits: fullword
        "cb_status": (33, 1, "text"),
        "cb_hist[].cb_hist_amt": (0, 5, "packed"),  # inside one occurrence of CB-HIST, at 38
        "cb_edited": (98, 10, "text"),
    }
    assert layout.length == 108
    assert [(m.key, m.offset, m.size, m.occurs) for m in layout.members if m.key == "cb_hist"] == [
        ("cb_hist", 38, 5, 12)
    ]


def test_free_format_with_inline_comments_and_a_usage_on_the_group():
    layout = parse_copybook("""
01 TOTALS. *> a free-format copybook
   05 AMOUNTS USAGE COMP-3.
      10 GROSS PIC S9(5)V99.
      10 NET   PIC S9(5)V99.
   05 COUNTS COMP.
      10 LINES PIC 9(4).
""").layout()
    assert [(p, f.kind, f.size) for p, f in layout.fields()] == [
        ("gross", "packed", 4),
        ("net", "packed", 4),
        ("lines", "binary", 2),
    ]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("F1F2C3", Decimal("12.3")),
        ("F1F2D3", Decimal("-12.3")),
        ("F1F2F3", Decimal("12.3")),
        ("F0F0C0", Decimal("0.0")),
        ("F0F0D0", Decimal("0.0")),  # negative zero reads as zero
        ("F1F2A3", Decimal("12.3")),
        ("F1F2B3", Decimal("-12.3")),  # alternate sign zones
    ],
)
def test_trailing_overpunched_signs(raw, value):
    layout = parse_copybook("01 R. 05 N PIC S99V9.").layout()
    got = layout.decode(bytes.fromhex(raw))["n"]
    assert got == value and got.as_tuple().exponent == -1 and not (got.is_signed() and not got)


@pytest.mark.parametrize(
    ("clause", "raw", "value"),
    [
        ("S999 SIGN LEADING", "D1F2F3", -123),
        ("S999 SIGN IS LEADING SEPARATE CHARACTER", "60F1F2F3", -123),
        ("S999 SIGN TRAILING SEPARATE", "F1F2F34E", 123),
        ("S9(5) COMP-3", "12345D", -12345),
        ("9(4) COMP-3", "01234F", 1234),  # an even digit count leaves a leading zero nibble
        ("S9(4) COMP", "FFFE", -2),
        ("9(4) COMP", "FFFE", 65534),  # binary values are read as stored (TRUNC(BIN))
        ("S9(7)V99 COMP-5", "FFFFFF85", Decimal("-1.23")),
    ],
)
def test_sign_and_usage_clauses_read_known_bytes(clause, raw, value):
    layout = parse_copybook(f"01 R. 05 N PIC {clause}.").layout()
    assert layout.decode(bytes.fromhex(raw))["n"] == value
    if abs(value) < 10**4:  # writing keeps to the picture's digits (TRUNC(STD))
        assert layout.encode({"n": value}) == bytes.fromhex(raw)


def test_text_in_another_code_page_and_unstripped():
    layout = parse_copybook("01 R. 05 T PIC X(4).").layout(codepage="cp1141", strip_text=False)
    assert layout.decode(b"\xc1\x4a\x40\x40") == {"t": "AÄ  "}


def test_names_used_twice_are_qualified_by_their_group():
    layout = parse_copybook("""
       01 R.
          05 OPENED.
             10 YEAR PIC 9(4).
          05 CLOSED.
             10 YEAR PIC 9(4).
    """).layout()
    assert [p for p, _ in layout.fields()] == ["opened_year", "closed_year"]


def test_a_named_record_of_several():
    copybook = parse_copybook("01 HDR. 05 H-DATE PIC X(8). 01 DTL. 05 D-AMT PIC S9(5) COMP-3.")
    assert copybook.layout("dtl").length == 3
    with pytest.raises(CopybookError, match="2 records"):
        copybook.layout()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("01 R. 05 N OCCURS 1 TO 5 TIMES DEPENDING ON C PIC X.", "DEPENDING ON"),
        ("01 R. 05 A PIC X. 66 B RENAMES A.", "RENAMES"),
        ("01 R. 05 N PIC S9(4) COMP SYNC.", "SYNCHRONIZED"),
        ("01 R. 05 N PIC 9(3)PP.", "P scaling"),
        ("01 R. 05 N COMP-2.", "floating point"),
        ("01 R. 05 N PIC X(3) COMP-3.", "cannot be PACKED"),
        ("01 R. 05 N PIC 9(19) COMP.", "at most 18 digits"),
        ("01 R. 05 B REDEFINES A PIC X.", "not an earlier item"),
        ("01 R. 05 N PIC X", "no closing period"),
        ("01 R. 05 N PIC X. 05 M PIC X FROBNICATE.", "unexpected word 'FROBNICATE'"),
        ("05 N PIC X.", "belongs to no 01 record"),
        ("01 R. 05 N.", "neither a PICTURE"),
    ],
)
def test_what_is_not_supported_is_refused_naming_the_line(source, message):
    with pytest.raises(CopybookError, match=message) as caught:
        parse_copybook(source).layout()
    assert "line 1" in str(caught.value) or "record" in str(caught.value)


def test_a_malformed_value_names_the_record_the_field_and_the_occurrence():
    layout = parse_copybook(FIXED).layout()
    good = layout.encode(
        {
            "cb_branch": "MUC",
            "cb_number": 1,
            "cb_balance": Decimal("1.00"),
            "cb_limit": Decimal("2.00"),
            "cb_seq": 1,
            "cb_big": 2,
            "cb_mid": -3,
            "cb_status": "A",
            "cb_hist": [{"cb_hist_amt": Decimal("0.01")}] * 12,
            "cb_edited": "1.00",
        }
    )
    bad = bytearray(good)
    bad[38 + 5 * 2 + 4] = 0x17  # the third history amount's last byte: sign nibble 7 is no sign
    with pytest.raises(DecodeError) as caught:
        layout.decode(bytes(bad), 4711)
    assert caught.value.record == 4711 and caught.value.field == "CB-HIST(3).CB-HIST-AMT"
    assert caught.value.status == 502
    bad = bytearray(good)
    bad[3] = 0x40  # a space inside a zoned number
    with pytest.raises(DecodeError, match=r"^record 9, field CB-NUMBER: zoned digits expected"):
        layout.decode(bytes(bad), 9)
    with pytest.raises(DecodeError, match="107 bytes where CB-REC records have 108"):
        layout.decode(good[:-1], 2)


def test_blank_numbers_read_as_null_only_when_asked():
    layout = parse_copybook("01 R. 05 N PIC S9(5) COMP-3. 05 Z PIC 9(3).").layout(blank_numbers="null")
    assert layout.decode(b"\x40" * 6) == {"n": None, "z": None}
    with pytest.raises(DecodeError, match="field N"):
        parse_copybook("01 R. 05 N PIC S9(5) COMP-3. 05 Z PIC 9(3).").layout().decode(b"\x40" * 6)
