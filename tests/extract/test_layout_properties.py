"""Copybook layouts, property-based: for every PICTURE kind a copybook is generated, rows of
values that fit it are encoded into records and decoded back to the same values (scale kept),
and a record decoded and encoded again gives the same bytes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import parse_copybook

pytestmark = pytest.mark.unit
FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODEPAGES = ("cp037", "cp500", "cp1047", "cp1140", "cp1141")


@dataclass(frozen=True)
class Spec:
    """One generated elementary item: its clauses and the values it can hold."""

    kind: str  # text, zoned, packed, binary
    size: int = 1  # text length
    whole: int = 1  # digits before V
    scale: int = 0
    signed: bool = False
    sign: str = ""  # '', LEADING, TRAILING, LEADING SEPARATE, TRAILING SEPARATE
    occurs: int = 0

    def clause(self) -> str:
        if self.kind == "text":
            return f"PIC X({self.size})"
        pic = ("S" if self.signed else "") + f"9({self.whole})" + (f"V9({self.scale})" if self.scale else "")
        usage = {"zoned": "", "packed": " COMP-3", "binary": " BINARY"}[self.kind]
        sign = f" SIGN IS {self.sign}" if self.sign else ""
        return f"PIC {pic}{usage}{sign}" + (f" OCCURS {self.occurs} TIMES" if self.occurs else "")


def _printable(codepage: str) -> str:
    return "".join(ch for b in range(0x40, 0x100) if (ch := bytes([b]).decode(codepage)).isprintable())


numbers = st.builds(
    Spec,
    kind=st.sampled_from(["zoned", "packed", "binary"]),
    whole=st.integers(1, 9),
    scale=st.integers(0, 9),
    signed=st.booleans(),
    occurs=st.sampled_from([0, 0, 1, 3]),
)
specs = st.one_of(
    st.builds(Spec, kind=st.just("text"), size=st.integers(1, 40)),
    numbers.map(
        lambda s: (
            s
            if s.kind != "binary"
            else Spec("binary", whole=min(s.whole, 18 - s.scale) or 1, scale=s.scale, signed=s.signed, occurs=s.occurs)
        )
    ),
    st.builds(
        Spec,
        kind=st.just("zoned"),
        whole=st.integers(1, 12),
        scale=st.integers(0, 6),
        signed=st.just(True),
        sign=st.sampled_from(["LEADING", "TRAILING", "LEADING SEPARATE", "TRAILING SEPARATE"]),
    ),
    st.builds(Spec, kind=st.just("packed"), whole=st.integers(10, 25), scale=st.integers(0, 6), signed=st.booleans()),
)


def _value(spec: Spec, codepage: str) -> st.SearchStrategy:
    if spec.kind == "text":
        return st.text(_printable(codepage), max_size=spec.size).map(lambda t: t.rstrip(" "))
    digits = spec.whole + spec.scale
    top = 10**digits - 1
    ints = st.integers(-top if spec.signed else 0, top)
    return ints.map(lambda n: Decimal(n).scaleb(-spec.scale)) if spec.scale else ints


def _copybook(items: list[Spec], group_occurs: int) -> str:
    lines = ["       01  GEN-REC."]
    for n, spec in enumerate(items):
        lines.append(f"           05  F-{n:02d} {spec.clause()}.")
    lines.append("           05  FILLER PIC X(3).")
    lines.append(f"           05  G-LIST OCCURS {group_occurs} TIMES.")
    lines.append("               10  G-AMT PIC S9(5)V99 COMP-3.")
    lines.append("               10  G-CODE PIC XX.")
    return "\n".join(lines) + "\n"


@st.composite
def records(draw):
    codepage = draw(st.sampled_from(CODEPAGES))
    items = draw(st.lists(specs, min_size=1, max_size=8))
    group_occurs = draw(st.integers(1, 4))
    layout = parse_copybook(_copybook(items, group_occurs)).layout(codepage=codepage)
    row = {}
    for n, spec in enumerate(items):
        value = _value(spec, codepage)
        row[f"f_{n:02d}"] = (
            draw(st.lists(value, min_size=spec.occurs, max_size=spec.occurs)) if spec.occurs else draw(value)
        )
    group = st.fixed_dictionaries(
        {
            "g_amt": _value(Spec("packed", whole=5, scale=2, signed=True), codepage),
            "g_code": _value(Spec("text", size=2), codepage),
        }
    )
    row["g_list"] = draw(st.lists(group, min_size=group_occurs, max_size=group_occurs))
    return items, layout, row


def _same(a, b) -> bool:
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, Decimal):  # equal, and of the picture's scale
        return isinstance(b, Decimal) and a == b and a.as_tuple().exponent == b.as_tuple().exponent
    return type(a) is type(b) and a == b


@FAST
@given(records())
def test_every_picture_kind_round_trips(case):
    _, layout, row = case
    record = layout.encode(row)
    assert len(record) == layout.length
    decoded = layout.decode(record)
    assert _same(row, decoded), (row, decoded)
    assert layout.encode(decoded) == record


@FAST
@given(st.data())
def test_a_redefines_view_round_trips_and_the_other_view_never_raises(data):
    codepage = data.draw(st.sampled_from(CODEPAGES))
    layout = parse_copybook("""
       01  REC.
           05  KIND        PIC X.
           05  BODY-A.
               10  A-AMOUNT PIC S9(7)V99 COMP-3.
               10  A-COUNT  PIC 9(4) COMP.
           05  BODY-B REDEFINES BODY-A.
               10  B-TEXT   PIC X(7).
           05  TAIL        PIC S9(3).
    """).layout(codepage=codepage)
    use_a = data.draw(st.booleans())
    row = {
        "kind": "A" if use_a else "B",
        "tail": data.draw(st.integers(-999, 999)),
        "a_amount": None,
        "a_count": None,
        "b_text": None,
    }
    if use_a:
        row["a_amount"] = data.draw(_value(Spec("packed", whole=7, scale=2, signed=True), codepage))
        row["a_count"] = data.draw(st.integers(0, 9999))
    else:
        row["b_text"] = data.draw(_value(Spec("text", size=7), codepage))
    decoded = layout.decode(layout.encode(row))
    chosen = ("a_amount", "a_count") if use_a else ("b_text",)
    assert all(_same(row[k], decoded[k]) for k in ("kind", "tail", *chosen)), (row, decoded)


@FAST
@given(st.binary(min_size=11, max_size=11))
def test_any_bytes_decode_to_values_or_a_decode_error_naming_the_field(raw):
    from extract import DecodeError

    layout = parse_copybook("""
       01  R.
           05  N  PIC S9(3)V9.
           05  P  PIC S9(5) COMP-3.
           05  B  PIC S9(4) COMP.
           05  U  PIC 9(2).
    """).layout()
    try:
        row = layout.decode(raw, 7)
    except DecodeError as exc:
        assert exc.record == 7 and exc.field in {"N", "P", "U"}
        assert exc.detail.startswith(f"record 7, field {exc.field}: ")
    else:
        assert layout.decode(layout.encode(row)) == row
