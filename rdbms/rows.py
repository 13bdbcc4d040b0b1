"""Per-view row functions: database tuples → rows that already satisfy the output model.

A declared view's columns are known when the bridge class is made, so its row function
is generated once (one dict literal, each column's codec and type check inlined) rather
than looping over columns per row. Each value then has its field's type: a Decimal
field is an exact ``Decimal`` on every database (sqliteodbc's NUMERIC float made exact
through its shortest repr, then quantised to the column's scale), an int field an
``int``, and a float field a finite float or — the one policy for non-finite values —
the string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"`` (never null, never a bare
``Infinity`` in JSON, the same text in CSV). A value that cannot have its field's type
is a :class:`~bridges.core.errors.LegacyError`, never a silently wrong row. NULL is
``None`` in every field (the codec is not asked).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from decimal import Context, Decimal, InvalidOperation, getcontext
from operator import itemgetter
from typing import Any

from bridges.core.errors import LegacyError

__all__ = ["NON_FINITE", "compile_row", "compile_rows", "json_float", "to_decimal", "to_float", "to_int"]

_EXACT = Context(prec=64)  # scaling a 31-digit number of cents never rounds
_CENTS = 10**31
NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
"""How NaN and ±Infinity leave the service: as these strings, in every format."""


def json_float(value: float) -> float | str:
    """A float as it is served: itself when finite, else ``"NaN"`` / ``"Infinity"`` / ``"-Infinity"``."""
    return value if math.isfinite(value) else NON_FINITE[repr(value)]


def _bad(field: str, want: str, value: Any) -> LegacyError:
    return LegacyError(f"column {field}: the database returned a {type(value).__name__} where {want} was declared")


def to_decimal(value: Any, scale: int | None = None, field: str = "") -> Decimal | None:
    """``value`` as an exact Decimal (quantised to ``scale`` places when given)."""
    if value is None:
        return None
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise _bad(field, "a finite decimal", value)
            number = Decimal(repr(value))  # the shortest repr is what was stored (15 significant digits or fewer)
        elif isinstance(value, int | str) and not isinstance(value, bool):
            number = Decimal(value.strip() if isinstance(value, str) else value)
        else:
            raise _bad(field, "a decimal", value)
        return number if scale is None else number.quantize(Decimal(1).scaleb(-scale))
    except InvalidOperation:
        raise _bad(field, "a decimal", value) from None


def to_int(value: Any, field: str = "") -> int | None:
    """``value`` as an int (a whole float or Decimal, as sqliteodbc and NUMERIC(n,0) give)."""
    if value is None or (type(value) is int):
        return value
    if isinstance(value, float | Decimal) and not isinstance(value, bool) and value == value and \
            value not in (float("inf"), float("-inf")) and value == int(value):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise _bad(field, "an integer", value)


def to_float(value: Any, field: str = "") -> float | str | None:
    """``value`` as a float, non-finite ones as the strings of :data:`NON_FINITE`."""
    if value is None:
        return None
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return json_float(float(value))
    raise _bad(field, "a number", value)


def _to_str(value: Any, field: str = "") -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _bad(field, "text", value)


def _to_temporal(kind: type) -> Callable[[Any, str], Any]:
    def convert(value: Any, field: str = "") -> Any:
        if value is None or type(value) is kind:
            return value
        if kind is dt.date and isinstance(value, dt.datetime) and value.time() == dt.time():
            return value.date()
        if isinstance(value, str):
            try:
                return kind.fromisoformat(value.strip())
            except ValueError:
                pass
        raise _bad(field, kind.__name__, value)
    return convert


def _checker(kind: Any, scale: int | None) -> tuple[type | None, Callable[..., Any]] | None:
    """(the type that needs no work, the converter) for a field type; None: taken as is."""
    if kind is Decimal:
        return (None if scale is not None else Decimal), lambda v, f: to_decimal(v, scale, f)
    if kind is bool:
        return None
    if kind is int:
        return int, to_int
    if kind is float:
        return None, to_float
    if kind is str:
        return str, _to_str
    if kind in (dt.date, dt.datetime, dt.time):
        return kind, _to_temporal(kind)
    return None


_PAD = " \x00"
"""What :func:`~bridges.core.codecs.strip_char` takes off the end of CHAR text."""
_NOT_PAD = "\x00\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
"""The ASCII characters ``str.rstrip()`` and ``rstrip(_PAD)`` treat differently (every other ASCII one alike)."""
_LONG_PAD = 8


def _pad_chars(batch: Sequence[Sequence[Any]], column: int) -> str | None:
    """What to strip off the CHAR text of ``column`` in ``batch``: None (whitespace) when that
    gives the same text as :data:`_PAD` for every value, else :data:`_PAD`.

    It does when the column holds ASCII text without NUL or whitespace other than ' ': the
    trailing run either strips is then the same run of spaces. ``rstrip()`` skips a long
    pad ~3x faster than ``rstrip(" \\x00")``, which looks each character up in its argument
    (~0.1 µs for 34 spaces); the test scans the batch's text with memchr (~0.02 µs a value
    of 40 characters), so it is made only where the first value has a long pad."""
    first = batch[0][column]
    if first.__class__ is not str or len(first) - len(first.rstrip()) < _LONG_PAD:
        return _PAD
    try:
        text = "".join(filter(None, map(itemgetter(column), batch)))
    except TypeError:  # a value not text: the checked path sorts it out
        return _PAD
    return None if text.isascii() and not any(map(text.__contains__, _NOT_PAD)) else _PAD


_MEMO_LIMIT = 16384
"""Distinct values a column's memo keeps (legacy columns repeat a few thousand dates, codes, prices)."""


class _Memo(dict):  # type: ignore[type-arg]
    """value → what a pure codec gives for it: a hit is one C-level dict lookup, a miss converts.

    NULL is in it from the start (None whatever the codec)."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__({None: None})
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        result = self.convert(value)
        if len(self) < _MEMO_LIMIT:
            self[value] = result
        return result


def _cents_exact_here() -> bool:
    """Whether ``cents * CENT`` is exact in this thread's decimal context for any int a driver
    gives (C integers: at most 20 digits). The default context (28 digits) is."""
    context = getcontext()
    return context.prec >= 20 and context.Emin <= -2 and context.Emax >= 20


def _compose(read: Callable[[Any], Any] | None, check: tuple[type | None, Callable[..., Any]] | None,
             name: str) -> Callable[[Any], Any]:
    convert = None if check is None else check[1]

    def value(raw: Any) -> Any:
        if raw is None:
            return None  # NULL is null whatever the codec: every field of a row model is optional
        out = raw if read is None else read(raw)
        if convert is None or out is None or (check is not None and check[0] is not None
                                              and out.__class__ is check[0]):
            return out
        return convert(out, name)
    return value


# The Python type pyodbc gives for a column (its description), by rdbms.values.type_name.
_DRIVER_TYPES = {"int": int, "str": str, "decimal": Decimal, "date": dt.date, "datetime": dt.datetime,
                 "time": dt.time}


def _expressions(columns: Sequence[Any], identity: Callable[[Any], Any], env: dict[str, Any],
                 driver: Sequence[str] | None = None, *, nulls: bool = True) -> list[str]:
    """Each column's value expression over the row ``v``. With ``driver`` and not ``nulls``, the
    forms that take no NULL (a NULL raises AttributeError or TypeError there)."""
    from bridges.core.codecs import cents_to_decimal, strip_char

    env["scale_cents"], env["CENT"], env["cents_exact_here"] = _EXACT.multiply, Decimal("0.01"), _cents_exact_here
    env["rstrip"], env["pad_chars"], env["pads"] = str.rstrip, _pad_chars, []
    items = []
    for i, column in enumerate(columns):
        read = None if column.read is identity else column.read
        check = _checker(column.type, getattr(column, "scale", None))
        env[f"f{i}"] = full = _compose(read, check, column.field)
        # pyodbc converts every value of a column to its described type (or gives None).
        given = _DRIVER_TYPES.get(driver[i]) if driver is not None else None
        if read is None and (check is None or (given is not None and given is check[0])):
            expr = f"v[{i}]"
        elif read is cents_to_decimal and given is int and check is not None and check[0] is Decimal:
            # The driver's ints are C integers (at most 20 digits): ``x * CENT`` in this thread's
            # context is exact when cents_exact_here() says so (checked once a batch), and ~40 %
            # cheaper than the explicit context's multiply.
            env["cents_inline"] = True
            expr = f"(None if (x := v[{i}]) is None else x * CENT)" if nulls else f"CENT * v[{i}]"
        elif read is strip_char and given is str and (check is None or check[0] is str):
            # p{i}: the characters to strip, chosen once a batch by pad_chars (same result either way).
            env["pads"].append(i)
            expr = f"((x := v[{i}]) and rstrip(x, p{i}))" if nulls else f"rstrip(v[{i}], p{i})"  # None, '' kept
        elif read is None and check[0] is not None:
            # The driver already gives the field's type (or None): no call at all.
            env[f"t{i}"] = check[0]
            expr = f"(x if (x := v[{i}]).__class__ is t{i} or x is None else f{i}(x))"
        elif read is cents_to_decimal and check is not None and check[0] is Decimal:
            # cents_to_decimal's own fast path, inlined: an int of cents times 0.01, exactly (64 digits).
            expr = (f"(scale_cents(x, CENT) if (x := v[{i}]).__class__ is int and {-_CENTS} < x < {_CENTS}"
                    f" else f{i}(x))")
        elif read is strip_char and (check is None or check[0] is str):
            expr = f"(x.rstrip(' \\x00') if (x := v[{i}]).__class__ is str else f{i}(x))"
        else:
            # A codec (dates, cents, decimals): pure, so each column remembers what it gave for a value.
            env[f"m{i}"] = _Memo(full).__getitem__
            expr = f"m{i}(v[{i}])"
        items.append(expr)
    return items


def _literal(columns: Sequence[Any], exprs: list[str], tuples: bool) -> str:
    """A row literal: a tuple in column order, or a dict of field → value."""
    if tuples:
        return "(" + "".join(f"{e}, " for e in exprs) + ")"
    return "{" + ", ".join(f"{c.field!r}: {e}" for c, e in zip(columns, exprs, strict=True)) + "}"


def compile_row(columns: Sequence[Any], identity: Callable[[Any], Any]) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """The row function of ``columns`` (:class:`~rdbms.tables.ViewColumn`): a tuple → the row dict.

    ``identity`` marks a column without a read codec."""
    env: dict[str, Any] = {}
    source = "def row(v):\n    return " + _literal(columns, _expressions(columns, identity, env), False) + "\n"
    exec(compile(source, "<row function>", "exec"), env)  # generated from declared names only
    return env["row"]


def compile_rows(columns: Sequence[Any], identity: Callable[[Any], Any], driver: Sequence[str] | None = None,
                 *, tuples: bool = False) -> Callable[[Sequence[Sequence[Any]]], list[Any]]:
    """Like :func:`compile_row`, for a whole batch at once (one list comprehension: no call per row).

    ``driver`` — the type names of the result's columns (:attr:`rdbms.types.Column.type`) —
    lets values the driver already gives in the field's type pass without a check. Such a
    function first takes each batch as holding no NULL (no test per value); the first batch
    with one switches it to the form that tests, for good. Should a batch not match its
    description after all, it goes through the checked function.
    With ``tuples`` each row is a tuple of the same values in column (field) order: half
    the cost of a dict, and what a CSV writer takes as it is."""
    env: dict[str, Any] = {}
    body = "[" + _literal(columns, _expressions(columns, identity, env, driver), tuples) + " for v in batch]"
    if driver is None:
        source = f"def rows(batch):\n    return {body}\n"
    else:
        bare = "[" + _literal(columns, _expressions(columns, identity, env, driver, nulls=False), tuples) + \
            " for v in batch]"
        env["checked"] = compile_rows(columns, identity, tuples=tuples)
        env["no_nulls"] = [True]
        pads = "".join(f"p{i} = pad_chars(batch, {i}); " for i in sorted(set(env["pads"])))
        guard = "    if not cents_exact_here():\n        return checked(batch)\n" if env.get("cents_inline") else ""
        source = (f"def rows(batch):\n{guard}    if not batch:\n        return []\n"
                  f"    {pads}\n"
                  f"    if no_nulls[0]:\n        try:\n            return {bare}\n"
                  "        except (AttributeError, TypeError):\n            no_nulls[0] = False\n"
                  f"    try:\n        return {body}\n"
                  "    except (AttributeError, TypeError):\n        return checked(batch)\n")
    exec(compile(source, "<rows function>", "exec"), env)  # generated from declared names only
    return env["rows"]
